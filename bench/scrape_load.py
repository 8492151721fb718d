#!/usr/bin/env python3
"""Request latency while a large metrics source is scraped, against none.

    bench/scrape_load.py BIN BODY_FILE [SECONDS]

Starts BIN twice on a loopback port: once with no metrics source, once
scraping a fake exporter that serves the WCA series of NODES nodes every
second (capacity for the seven dimensions, type, pmem flag, DRAM hit ratio,
three assigned apps each; exporters.wca_feed). Each time wrk sends
BODY_FILE to /filter on one keep-alive connection for SECONDS, and the
table shows whether scrapes and commits show up in the request latency,
with the longest time one read (and its parse) and one commit step of the
last scrape held the server's loop. Prints one markdown table."""
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
from exporters import FakeExporter, wca_feed  # noqa: E402
from harness import free_port  # noqa: E402

NODES = int(os.environ.get("SCRAPE_NODES", "5000"))
# Load starts after this many scrapes: the first two fault in the memory
# every later scrape reuses (the steady state is what is measured).
WARM_SCRAPES = 2


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
        return r.read()


def pin(cpu):
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") and os.cpu_count() > 1 else []


def run(binary, body_file, seconds, source_url):
    port = free_port()
    d = tempfile.mkdtemp(prefix="wca-scrape-bench-")
    conf = os.path.join(d, "c.ini")
    with open(conf, "w") as f:
        f.write("[server]\nlisten = 127.0.0.1:%d\nmax_body = 64M\n[loggers]\n* = warn\n"
                "[algorithm]\nname = NOP\n" % port)
        if source_url:
            f.write("[metrics]\nsource = %s\ninterval = 1\ntimeout = 1\nstaleness = 10\n"
                    "max_scrape_size = 256M\n" % source_url)
    log = open(os.path.join(d, "stderr"), "wb")
    proc = subprocess.Popen(pin(0) + [binary, "-c", conf] + (["--allow-root"] if os.geteuid() == 0 else []), stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if not source_url or json.loads(get(port, "/status"))["sources"][0]["scrapes_ok"] >= WARM_SCRAPES:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("scrape_load: server not ready within 30 s")
            time.sleep(0.05)
        env = dict(os.environ, BODY_FILE=body_file)
        out = subprocess.run(pin(1) + ["wrk", "-t1", "-c1", "-d%ds" % seconds, "--timeout", "10s",
                                       "-s", os.path.join(ROOT, "bench", "wrk-post.lua"),
                                       "http://127.0.0.1:%d/filter" % port],
                             env=env, capture_output=True, text=True, timeout=seconds + 60).stdout
        res = dict(re.findall(r"(\w+)=(\S+)", out.split("RESULT", 1)[1])) if "RESULT" in out else {}
        st = json.loads(get(port, "/status"))
        metrics = get(port, "/metrics").decode()
        mem = re.search(r"^wca_scheduler_store_memory_bytes (\d+)", metrics, re.M)
        rss = 0
        with open("/proc/%d/status" % proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    rss = int(line.split()[1])
        src = st["sources"][0] if st["sources"] else None
        return res, src, st["nodes"], int(mem.group(1)) if mem else 0, rss
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()
        shutil.rmtree(d, ignore_errors=True)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    binary, body_file = sys.argv[1], sys.argv[2]
    seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    feed = wca_feed(NODES)
    # The fake exporter runs in this process: keep it off the server's CPU,
    # or its 3.4 MB writes show up as request latency that is not the server's.
    if pin(1):
        os.sched_setaffinity(0, {1})
    print("| scenario | req/s | p50 µs | p99 µs | max µs | scrapes | scrape s | store nodes | "
          "store bytes | bytes/node | peak RSS kB | longest read µs | commit steps | "
          "longest commit step µs |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with FakeExporter("ok", feed) as exp:
        for label, url in (("no metrics source", None),
                           ("%d-node WCA feed (%.1f MB) scraped every 1 s" % (NODES, len(feed) / 1e6),
                            exp.url)):
            res, src, nodes, mem, rss = run(binary, body_file, seconds, url)
            print("| %s | %s | %s | %s | %s | %s | %s | %d | %d | %s | %d | %s | %s | %s |" % (
                label, res.get("rps", "-").split(".")[0], res.get("p50_us", "-"),
                res.get("p99_us", "-"), res.get("max_us", "-"),
                src["scrapes_ok"] if src else "-",
                "%.3f" % src["duration_seconds"] if src else "-",
                nodes, mem, "%.0f" % (mem / nodes) if nodes else "-", rss,
                "%.0f" % (src["read_seconds"] * 1e6) if src else "-",
                src["commit_steps"] if src else "-",
                "%.0f" % (src["commit_seconds"] * 1e6) if src else "-"))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
