"""Command line and configuration: --check-config, errors with FILE:LINE."""
import os
import re
import subprocess
import tempfile

import harness
from harness import check, eq


def run(*args, text=None, timeout=10):
    path = None
    if text is not None:
        fd, path = tempfile.mkstemp(suffix=".ini")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        args = ("-c", path) + args
    p = subprocess.run([harness.BIN] + list(args), capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(), p.stderr.decode(), path


GOOD = "[server]\nlisten = 127.0.0.1:31999\n[algorithm]\nname = NOP\n"


def test_version_and_help():
    rc, out, _, _ = run("--version")
    eq(rc, 0, "--version status")
    check(re.match(r"wca-scheduler \d+\.\d+\.\d+", out), "version text %r" % out)
    rc, out, _, _ = run("--help")
    eq(rc, 0, "--help status")
    for word in ("--check-config", "-c FILE", "SIGHUP", "SIGTERM", "/readyz"):
        check(word in out, "--help mentions %s" % word)
    rc, _, err, _ = run("--bogus")
    eq(rc, 2, "unknown argument status")
    check("unknown argument" in err, err)


def test_check_config_ok_and_example():
    rc, out, _, _ = run("--check-config", text=GOOD)
    eq((rc, out), (0, "ok\n"), "good file")
    example = os.path.join(harness.ROOT, "conf", "wca-scheduler.ini")
    rc, out, _, _ = run("--check-config", "-c", example)
    eq((rc, out), (0, "ok\n"), "conf/wca-scheduler.ini")


def test_check_config_errors_name_file_and_line():
    text = ("[server]\n"                      # 1
            "listen = 127.0.0.1:31999\n"         # 2
            "max_body = lots\n"              # 3
            "bogus = 1\n"                    # 4
            "; a comment\n"                  # 5
            "[loggers]\n"                    # 6
            "http = loud\n"                  # 7
            "[nonsense]\n"                   # 8
            "[algorithm]\n"                  # 9
            "name = NOP\n"                   # 10
            "dimensions = cpu, gpu\n"        # 11
            "name = NOP\n"                   # 12
            "just some words\n"              # 13
            "[metrics]\n"                    # 14
            "timeout = 10\n")                # 15
    rc, out, _, path = run("--check-config", text=text)
    eq(rc, 2, "status")
    lines = out.strip().splitlines()
    expect = [
        (3, "max_body: 'lots' is not a size"),
        (4, "unknown key 'bogus' in [server]"),
        (7, "unknown level 'loud'"),
        (8, "unknown section [nonsense]"),
        (11, "unknown dimension 'gpu'"),
        (12, "duplicate key 'name' in [algorithm] (first at line 10)"),
        (13, "expected 'key = value'"),
        (15, "timeout (10 s) must not exceed interval (5 s)"),
    ]
    for line, msg in expect:
        want = "%s:%d: " % (path, line)
        check(any(l.startswith(want) and msg in l for l in lines),
              "expected %s...%s in:\n%s" % (want, msg, out))
    eq(len(lines), len(expect), "one line per problem:\n" + out)


def test_every_algorithm_and_missing_algorithm():
    for name in ("NOP", "Fit", "LeastUsed", "BAR", "LeastUsedBAR", "HierBAR",
                 "DramHitRatioProvision", "Score", "StaticAssigner", "TargetLoadPacking",
                 "LoadVariationRiskBalancing", "LowRiskOverCommitment"):
        rc, out, _, _ = run("--check-config", text="[algorithm]\nname = %s\n" % name)
        eq((rc, out), (0, "ok\n"), "algorithm %s is built in" % name)
    rc, out, _, path = run("--check-config", text="[algorithm]\nname = Peaks\n")
    eq(rc, 2, "status")
    check(out.startswith(path + ":2: name: unknown algorithm 'Peaks' (NOP, "), out)
    rc, out, _, path = run("--check-config", text="[server]\nlisten = 127.0.0.1:31999\n")
    eq(rc, 2, "status")
    check("missing key 'name' in [algorithm]" in out and out.startswith(path + ":"), out)


def test_long_lines_and_indentation():
    """inih's 200-byte lines and continuation rules do not leak through."""
    long_ns = ",".join("namespace-%03d" % i for i in range(40))  # ~560 bytes
    text = ("[server]\n  listen = 127.0.0.1:31999\n   namespaces = %s   ; comment\n"
            "[algorithm]\n\tname = NOP  # inline\n" % long_ns)
    rc, out, _, _ = run("--check-config", text=text)
    eq((rc, out), (0, "ok\n"), "long line and indented keys")


def test_all_interface_keys_accepted():
    text = """
[server]
listen = 127.0.0.1:31999
max_connections = 512
max_body = 64M
read_timeout = 10
idle_timeout = 60
drain_timeout = 10
namespaces = default
score_mode = clamp
client_names =
[loggers]
* = info
server = info
tls = info
http = info
algorithm = info
metrics = info
[algorithm]
name = NOP
dimensions = cpu, mem, membw_read, membw_write, wss, membw, membw_flat
max_node_score = 10.0
cpu_scale_factor = 1.0
least_used_weight = 1.0
merge_threshold =
threshold = 0.97
score_target =
strict_mode_placement = false
unknown_app = pass
[least_used_weights]
cpu = 1
mem = 1
[bar_weights]
mem = 0.5
[static_assigner:node-1]
web = 2
[trimaran]
target_utilization = 40
default_cpu_request = 1000m
default_requests_multiplier = 1.5
safe_variance_margin = 1
safe_variance_sensitivity = 1
smoothing_window = 5
risk_limit_weights = cpu:0.5, memory:0.5
fallback = least_allocated
[metrics]
interval = 5
timeout = 2
staleness = 180
window = 300
node_label = node
ca =
cert =
key =
"""
    rc, out, _, _ = run("--check-config", text=text)
    eq((rc, out), (0, "ok\n"), "every key of the interface")


def test_start_with_bad_config_exits_2():
    rc, _, err, path = run(text="[server]\nmax_connections = -1\n[algorithm]\nname = NOP\n")
    eq(rc, 2, "status")
    check(err.startswith(path + ":2: max_connections"), err)
    rc, _, err, _ = run("-c", "/nonexistent/wca.ini")
    eq(rc, 2, "missing file")
    check("/nonexistent/wca.ini:0: cannot open" in err, err)


def test_unreadable_or_oversized_config_file_is_line_0():
    # a directory opens but cannot be read: not an empty configuration
    d = tempfile.mkdtemp()
    try:
        rc, out, _, _ = run("--check-config", "-c", d)
        eq((rc, out), (2, "%s:0: cannot read: Is a directory\n" % d), "directory")
        big = os.path.join(d, "big.ini")
        with open(big, "w") as f:
            f.write("[algorithm]\nname = NOP\n" + "#" * (1 << 20) + "\n")
        rc, out, _, _ = run("--check-config", "-c", big)
        eq((rc, out), (2, "%s:0: file larger than 1 MiB\n" % big), "over 1 MiB")
    finally:
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        os.rmdir(d)


def test_bind_failure_exits_1():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        text = "[server]\nlisten = 127.0.0.1:%d\n[algorithm]\nname = NOP\n" % port
        rc, _, err, _ = run(*harness.ROOT_ARGS, text=text)
        eq(rc, 1, "status")
        check("bind 127.0.0.1:%d" % port in err, err)
    finally:
        s.close()


def _proc_ids(pid):
    ids = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Uid", "Gid", "Groups"):
                ids[k] = v.split()
    return ids


def test_root_drops_to_user_or_needs_allow_root():
    """Started as root, the server drops to [server] user after binding
    and reading its files, and refuses to run as root without one unless
    --allow-root; a user that does not exist is a configuration error."""
    import pwd
    import signal
    import time
    rc, out, _, path = run("--check-config", text=GOOD.replace(
        "[algorithm]", "user = no-such-user-here\n[algorithm]"))
    eq(rc, 2, "unknown user: status")
    check(out.startswith(path + ":3: user: no such user 'no-such-user-here'"), out)
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        port = harness.free_port()
        srv = harness.Server(text=GOOD.replace("31999", str(port)).replace(
            "[algorithm]", "user = %s\n[algorithm]" % me), port=port)
        with srv:
            srv.wait_log(r"user=%s ignored: not started as root" % re.escape(me))
        return
    port = harness.free_port()
    text = GOOD.replace("31999", str(port))
    rc, _, err, _ = run(text=text)
    eq(rc, 2, "root without user or --allow-root: status")
    check("refusing to run as root" in err and "--allow-root" in err, err)
    nobody = pwd.getpwnam("nobody")
    fd, cfg = tempfile.mkstemp(suffix=".ini")
    with os.fdopen(fd, "w") as f:
        f.write(text.replace("[algorithm]", "user = nobody\n[algorithm]"))
    os.chmod(cfg, 0o644)
    log = tempfile.TemporaryFile()
    p = subprocess.Popen([harness.BIN, "-c", cfg], stdin=subprocess.DEVNULL, stdout=log,
                         stderr=log)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if harness.request("GET", "/healthz", port=port, timeout=1)[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        ids = _proc_ids(p.pid)
        eq(ids["Uid"], [str(nobody.pw_uid)] * 4, "every uid is nobody's")
        eq(ids["Gid"], [str(nobody.pw_gid)] * 4, "every gid is nobody's")
        eq(ids["Groups"], [str(nobody.pw_gid)], "no other groups")
        eq(harness.request("GET", "/healthz", port=port)[0], 200, "serving as nobody")
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=15)
        log.seek(0)
        out = log.read().decode()
        os.unlink(cfg)
    eq(rc, 0, "clean exit")
    check(re.search(r"running as user=nobody uid=%d gid=%d" % (nobody.pw_uid, nobody.pw_gid),
                    out), out[-2000:])
