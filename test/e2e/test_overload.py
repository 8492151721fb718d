"""Overload (issue 8, item 5): more work than the event loop's one core
can do.  wrk keeps 32, then 128 connections trying to send 500 full Node
objects (2 MB) per call to a server with max_connections = 16.  No
unbounded queue: the calls it serves wait for at most the other
max_connections - 1 calls, so their latency must not grow with the
offered load (128 clients against 32: about the same median; the tail
is this VM's noise, 1.1 to 1.8 times from run to run) and stays far
below kube-scheduler's 5 s extender timeout; health_listen must keep
answering within a probe's 1 s; /metrics must show the load shed
(connections refused at once) and the loop saturated.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from harness import ROOT, Server, check, free_port, metric, request

sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import k8sgen  # noqa: E402

MAX_CONNS = 16
LOADS = (32, 128)          # client connections, both past max_connections
SECONDS = 5


def _scalar(text, name):
    v = metric(text, name)
    return 0.0 if v is None else v


def _wrk(port, body_file, conns, secs, timeout="5s"):
    env = dict(os.environ, BODY_FILE=body_file)
    p = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % secs, "--timeout", timeout,
                        "-s", os.path.join(ROOT, "bench", "wrk-post.lua"),
                        "http://127.0.0.1:%d/filter" % port],
                       env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=secs + 30)
    out = p.stdout.decode("utf-8", "replace")
    check("RESULT" in out, "wrk printed no result: %s" % out[-800:])
    return dict(re.findall(r"(\w+)=(\S+)", out.split("RESULT", 1)[1])), out


def test_overload_sheds_connections_keeps_latency_bounded_and_health_answering():
    if shutil.which("wrk") is None:
        raise AssertionError("wrk is not installed (make deps)")
    health = free_port()
    tmp = tempfile.mkdtemp(prefix="wca-overload-")
    body_file = os.path.join(tmp, "nodes-500.json")
    with open(body_file, "wb") as f:
        f.write(json.dumps(k8sgen.extender_args(500, form="nodes")).encode())
    srv = Server(max_connections=MAX_CONNS, max_body="8M", read_timeout=5, log_level="warn",
                 server_extra="health_listen = 127.0.0.1:%d" % health)
    try:
        with srv as s:
            # What one call costs with the server to itself.
            alone, _ = _wrk(s.port, body_file, 1, 2)
            per_call_us = float(alone["mean_us"])
            m0 = request("GET", "/metrics", port=health)[2].decode()

            runs = []
            for conns in LOADS:
                m0 = request("GET", "/metrics", port=health)[2].decode()
                probes, stop = [], threading.Event()

                def probe():
                    while not stop.is_set():
                        t0 = time.monotonic()
                        try:
                            st = request("GET", "/healthz", port=health, timeout=5)[0]
                        except OSError as e:
                            st = repr(e)
                        probes.append((st, time.monotonic() - t0))
                        stop.wait(0.1)

                t = threading.Thread(target=probe, daemon=True)
                t.start()
                t0 = time.monotonic()
                res, out = _wrk(s.port, body_file, conns, SECONDS)
                wall = time.monotonic() - t0
                stop.set()
                t.join(timeout=10)
                m1 = request("GET", "/metrics", port=health)[2].decode()
                runs.append((conns, res, out, wall, probes, m0, m1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    p50s = []
    for conns, res, out, wall, probes, m0, m1 in runs:
        served = int(res.get("requests", 0))
        rejected = _scalar(m1, "wca_scheduler_connections_rejected_total") - \
            _scalar(m0, "wca_scheduler_connections_rejected_total")
        busy = (_scalar(m1, "wca_scheduler_event_loop_busy_seconds_total") -
                _scalar(m0, "wca_scheduler_event_loop_busy_seconds_total")) / wall
        print("# overload, %d clients: %d served (%.0f/s; alone %.0f us/call), p50 %s us, "
              "p99 %s us, max %s us; %d connections shed; loop busy %.0f%%; health max %.0f ms "
              "over %d probes" % (conns, served, float(res.get("rps", 0)), per_call_us,
                                 res.get("p50_us"), res.get("p99_us"), res.get("max_us"),
                                 rejected, busy * 100,
                                 max([p[1] for p in probes] or [0]) * 1000, len(probes)))
        check(served > 0, "%d clients: no call served: %s" % (conns, out[-500:]))
        check(int(res["non200"]) == 0, "served calls answered other than 200: %s" % out[-500:])
        check(int(res["max_us"]) < 2500000, "%d clients: slowest served call %s us: not far "
              "below kube-scheduler's 5 s timeout" % (conns, res["max_us"]))
        bad = [p for p in probes if p[0] != 200 or p[1] > 1.0]
        check(len(probes) >= 5 and not bad, "health_listen under overload: %d probes, slow "
              "or failed: %r" % (len(probes), bad[:5]))
        check(rejected > 0, "%d clients: no connection shed (connections_rejected_total "
              "did not grow)" % conns)
        check(busy > 0.8, "%d clients: the loop was busy %.0f%% of the run: not overloaded"
              % (conns, busy * 100))
        p50s.append(int(res["p50_us"]))
    # Four times the clients, the same work in flight: the same latency.
    check(p50s[1] < 1.5 * p50s[0], "latency grew with the offered load: median %d us with %d "
          "clients, %d us with %d (a queue beyond max_connections)" % (p50s[0], LOADS[0],
                                                                     p50s[1], LOADS[1]))
