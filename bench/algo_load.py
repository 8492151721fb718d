#!/usr/bin/env python3
"""Server-side time of the WCA algorithms on a realistic call.

    bench/algo_load.py BIN [SECONDS]

For NOP, LeastUsedBAR and HierBAR: a fake exporter serves the WCA series
of NODES nodes in four dimensions (cpu, mem, membw_read, membw_write; four
node shapes, ten apps assigned), the server scrapes it once, then wrk sends
filter and then prioritize with the NodeNames of all NODES nodes, one
keep-alive connection, SECONDS each.  For the load-aware algorithms
(TargetLoadPacking, LoadVariationRiskBalancing, LowRiskOverCommitment) the
feed is what they read in a cluster: cpu and memory utilisation (latest,
average, std), kube-state-metrics capacity and allocatable, and PODS pods
per node with requests and limits, a few started in the last minute (so
TargetLoadPacking's recent-placement walk has work).  The window
statistics are computed when a scrape is committed, not per request, so
the request's cost does not depend on how full the windows are. The server's own time per request is
read from its access log (us=, from parsed head to queued answer), so the
percentiles are server-side and exact. Prints one markdown table.
ALGO_DECISIONS sets [server] decisions (default: the server's, 256), to
compare the cost of the decision log (0 turns it off)."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
from exporters import FakeExporter  # noqa: E402
from harness import free_port  # noqa: E402
import k8sgen  # noqa: E402

NODES = int(os.environ.get("ALGO_NODES", "781"))
SHAPES = ((96, 1000, 40, 10), (96, 500, 40, 20), (64, 256, 20, 10), (128, 2000, 80, 20))
APPS = ["web"] + ["app-%d" % i for i in range(9)]


def feed(n):
    out = []
    for i in range(n):
        node = "worker-%04d" % (i + 1)
        cpu, mem, r, w = SHAPES[i % len(SHAPES)]
        out += ['wca_node_capacity{node="%s",dim="cpu"} %d' % (node, cpu),
                'wca_node_capacity{node="%s",dim="mem"} %d' % (node, mem),
                'wca_node_capacity{node="%s",dim="membw_read"} %d' % (node, r),
                'wca_node_capacity{node="%s",dim="membw_write"} %d' % (node, w)]
        for k in range(3):
            out.append('wca_app_assigned{node="%s",app="%s"} %d' % (node, APPS[(i + k) % 10], 1 + k % 2))
    for j, a in enumerate(APPS):
        out += ['wca_app_requested{app="%s",dim="cpu"} %g' % (a, 1 + j % 4),
                'wca_app_requested{app="%s",dim="mem"} %g' % (a, 4 + j),
                'wca_app_requested{app="%s",dim="membw_read"} %g' % (a, 0.5 + j / 10),
                'wca_app_requested{app="%s",dim="membw_write"} %g' % (a, 0.25 + j / 20)]
    return ("\n".join(out) + "\n").encode()


PODS = int(os.environ.get("ALGO_PODS", "30"))
LOAD_AWARE = ("TargetLoadPacking", "LoadVariationRiskBalancing", "LowRiskOverCommitment")


def load_feed(n):
    out = []
    now = time.time()
    for i in range(n):
        node = "worker-%04d" % (i + 1)
        cpu, mem = SHAPES[i % len(SHAPES)][:2]
        for what in ("capacity", "allocatable"):
            out += ['kube_node_status_%s{node="%s",resource="cpu",unit="core"} %d' % (what, node, cpu),
                    'kube_node_status_%s{node="%s",resource="memory",unit="byte"} %d'
                    % (what, node, mem << 30)]
        for res, base in (("cpu", 20), ("memory", 35)):
            u = base + (i * 7) % 40
            out += ['wca_node_utilization{node="%s",resource="%s",operator="%s"} %g' % (node, res, op, v)
                    for op, v in (("latest", u + 3), ("avg", u), ("std", 2 + i % 9))]
        for k in range(PODS):
            pod = "pod-%04d-%02d" % (i, k)
            started = now - (20 if k < 2 else 3600 + k)
            out += ['kube_pod_info{namespace="default",pod="%s",node="%s"} 1' % (pod, node),
                    'kube_pod_start_time{namespace="default",pod="%s"} %d' % (pod, started)]
            for kind, c, m in (("requests", 0.25 + k % 4 * 0.25, 256 << 20), ("limits", 1, 512 << 20)):
                out += ['kube_pod_container_resource_%s{namespace="default",pod="%s",container="c",'
                        'node="%s",resource="cpu",unit="core"} %g' % (kind, pod, node, c),
                        'kube_pod_container_resource_%s{namespace="default",pod="%s",container="c",'
                        'node="%s",resource="memory",unit="byte"} %d' % (kind, pod, node, m)]
    return ("\n".join(out) + "\n").encode()


def pin(cpu):
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") and os.cpu_count() > 1 else []


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))] if xs else 0


def run(binary, algo, url, body_file, seconds):
    port = free_port()
    d = tempfile.mkdtemp(prefix="wca-algo-bench-")
    conf = os.path.join(d, "c.ini")
    with open(conf, "w") as f:
        dec = os.environ.get("ALGO_DECISIONS")
        f.write("[server]\nlisten = 127.0.0.1:%d\nmax_body = 16M\n" % port +
                ("decisions = %s\n" % dec if dec else "") +
                "[loggers]\n* = warn\nhttp = info\n"
                "[algorithm]\nname = %s\ndimensions = cpu, mem, membw_read, membw_write\n"
                "[metrics]\nsource = %s\ninterval = 60\ntimeout = 10\nstaleness = 600\n"
                "max_scrape_size = 256M\n"
                % (algo, url))
    log_path = os.path.join(d, "stderr")
    log = open(log_path, "wb")
    proc = subprocess.Popen(pin(0) + [binary, "-c", conf] + (["--allow-root"] if os.geteuid() == 0 else []), stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL)
    rows = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/status" % port, timeout=2) as r:
                    if json.load(r)["sources"][0]["scrapes_ok"] >= 1:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("algo_load: no scrape within 30 s")
            time.sleep(0.05)
        for verb in ("filter", "prioritize"):
            mark = os.path.getsize(log_path)
            env = dict(os.environ, BODY_FILE=body_file)
            out = subprocess.run(pin(1) + ["wrk", "-t1", "-c1", "-d%ds" % seconds,
                                           "-s", os.path.join(ROOT, "bench", "wrk-post.lua"),
                                           "http://127.0.0.1:%d/%s" % (port, verb)],
                                 env=env, capture_output=True, text=True,
                                 timeout=seconds + 60).stdout
            res = dict(re.findall(r"(\w+)=(\S+)", out.split("RESULT", 1)[1])) if "RESULT" in out else {}
            with open(log_path, "rb") as f:
                f.seek(mark)
                text = f.read().decode("utf-8", "replace")
            us = [int(m) for m in re.findall(r"path=/%s status=200 .* us=(\d+)" % verb, text)]
            rows.append((verb, res.get("rps", "-").split(".")[0], len(us), pct(us, 0.5),
                         pct(us, 0.99), max(us) if us else 0, res.get("errors", "-")))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()
        shutil.rmtree(d, ignore_errors=True)
    return rows


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    tmp = tempfile.mkdtemp(prefix="wca-algo-body-")
    body_file = os.path.join(tmp, "args.json")
    with open(body_file, "w") as f:
        f.write(k8sgen.dumps(k8sgen.extender_args(NODES, "names")))
    print("| algorithm | verb | nodes | req/s (1 conn) | requests | server p50 µs | server p99 µs | "
          "server max µs | errors |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    default = "NOP LeastUsedBAR HierBAR " + " ".join(LOAD_AWARE)
    with FakeExporter("ok", feed(NODES)) as exp, FakeExporter("ok", load_feed(NODES)) as load:
        for algo in os.environ.get("ALGO_LIST", default).split():
            url = load.url if algo in LOAD_AWARE else exp.url
            for verb, rps, n, p50, p99, mx, errs in run(binary, algo, url, body_file, seconds):
                print("| %s | %s | %d | %s | %d | %d | %d | %d | %s |" % (
                    algo, verb, NODES, rps, n, p50, p99, mx, errs))
                sys.stdout.flush()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
