"""Signals: SIGHUP reload (good and bad files), SIGTERM drain."""
import json
import signal
import time

from harness import (Reader, Server, args_names, build_request, check, connect, eq,
                     metric, post_json, request)


def test_sighup_good_file_applies():
    with Server(namespaces="default") as s:
        body = args_names(["a"], namespace="prod")
        eq(post_json(s.port, "/prioritize", body)[2], b"[]\n", "prod passed through before")
        # A connection open across the reload keeps working.
        keep = connect(s.port)
        r = Reader(keep)
        with open(s.config, "w") as f:
            f.write(s.config_text.replace("namespaces = default", "namespaces = default, prod"))
        s.signal(signal.SIGHUP)
        s.wait_log(r"info server: configuration reloaded")
        eq(len(json.loads(post_json(s.port, "/prioritize", body)[2])), 1, "prod judged after")
        keep.sendall(build_request("GET", "/healthz"))
        eq(r.response()[0], 200, "connection opened before the reload")
        keep.close()
        m = request("GET", "/metrics", port=s.port)[2].decode()
        eq(metric(m, "wca_scheduler_config_reloads_total", {"result": "success"}), 1.0, "reloads ok")
        eq(metric(m, "wca_scheduler_config_last_reload_successful"), 1.0, "last ok")


def test_sighup_bad_file_keeps_old_config():
    with Server() as s:
        with open(s.config, "w") as f:
            f.write(s.config_text.replace("[algorithm]", "[algorithm]\nfrobnicate = 1"))
        s.signal(signal.SIGHUP)
        m = s.wait_log(r"error server: reload rejected, the old configuration keeps serving: "
                       r"(\S+):(\d+): unknown key 'frobnicate' in \[algorithm\]")
        eq(m.group(1), s.config, "file named")
        eq(request("POST", "/filter", json.dumps(args_names(["a"])), port=s.port)[0], 200,
           "still serving")
        m = request("GET", "/metrics", port=s.port)[2].decode()
        eq(metric(m, "wca_scheduler_config_reloads_total", {"result": "failure"}), 1.0, "failures")
        eq(metric(m, "wca_scheduler_config_last_reload_successful"), 0.0, "last failed")
        st = json.loads(request("GET", "/status", port=s.port)[2])
        eq(st["last_reload"]["ok"], False, "/status last_reload")


def test_sighup_changes_listen_address():
    from harness import free_port
    with Server() as s:
        new = free_port()
        with open(s.config, "w") as f:
            f.write(s.config_text.replace("127.0.0.1:%d" % s.port,
                                          "127.0.0.1:%d, 127.0.0.1:%d" % (s.port, new)))
        s.signal(signal.SIGHUP)
        s.wait_log(r"listening addr=127.0.0.1:%d" % new)
        s.wait_log(r"configuration reloaded")
        eq(request("GET", "/healthz", port=new)[0], 200, "new address")
        eq(request("GET", "/healthz", port=s.port)[0], 200, "old address kept")


def test_sigterm_finishes_request_in_flight():
    with Server(drain_timeout=5) as s:
        body = json.dumps(args_names(["a", "b"])).encode()
        c = connect(s.port)
        req = build_request("POST", "/filter", body)
        c.sendall(req[:-10])            # half a request in flight
        time.sleep(0.1)
        s.signal(signal.SIGTERM)
        s.wait_log(r"shutting down signal=SIGTERM")
        c.sendall(req[-10:])
        r = Reader(c)
        st, hd, out = r.response()
        eq(st, 200, "answered during drain")
        eq(hd.get("connection"), "close", "closed after the answer")
        eq(json.loads(out)["NodeNames"], ["a", "b"], "answer")
        try:
            s.proc.wait(timeout=5)
        except Exception:
            raise AssertionError("server did not exit after draining")
        eq(s.proc.returncode, 0, "exit status")
        # No new connections after the listeners closed.
        try:
            connect(s.port, timeout=1).close()
            refused = False
        except OSError:
            refused = True
        check(refused, "listener closed")


def test_sigterm_drain_timeout():
    with Server(drain_timeout=0.5) as s:
        c = connect(s.port)
        c.sendall(b"POST /filter HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        time.sleep(0.1)
        t0 = time.monotonic()
        s.signal(signal.SIGTERM)
        s.proc.wait(timeout=5)
        check(time.monotonic() - t0 < 3, "exited at drain_timeout")
        eq(s.proc.returncode, 0, "exit status")
        s.wait_log(r"drain_timeout reached")
        c.close()


def test_sigint_idle_exit_fast():
    with Server() as s:
        t0 = time.monotonic()
        s.signal(signal.SIGINT)
        s.proc.wait(timeout=5)
        check(time.monotonic() - t0 < 1.0, "idle server exits at once")
        eq(s.proc.returncode, 0, "exit status")
