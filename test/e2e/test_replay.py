"""Offline replay (issue 9, items 2, 3 and 5): for every golden case the
real server answers the recorded calls, GET /snapshot saves its store, and
`wca-scheduler explain` on that snapshot with the same configuration must
give byte-for-byte the same answers (status and body), without listening.

WCA: every case of ../shared/golden/wca, filter and prioritize as
recorded.  Load-aware: every step of every schedule_sequence case of
../shared/golden/trimaran (the feed test_golden_trimaran serves), the
NodeNames form, so that capacity, allocatable, utilisation, the pods on
each node and their start times all come through the snapshot.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import golden
import harness
import test_golden_trimaran as tri
from exporters import FakeExporter
from harness import Server, TestFailure, check, eq, free_port, post_json, request


def explain(config, snapshot, body):
    """{verb: (status, body bytes)} from `wca-scheduler explain`, and its output."""
    d = tempfile.mkdtemp(prefix="wca-replay-")
    try:
        snap = os.path.join(d, "snapshot.prom")
        req = os.path.join(d, "request.json")
        with open(snap, "wb") as f:
            f.write(snapshot)
        with open(req, "wb") as f:
            f.write(body)
        p = subprocess.run([harness.BIN, "explain", "-c", config, "--metrics", snap, req],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    out = p.stdout.decode("utf-8", "replace")
    got = {}
    for m in re.finditer(r"^(filter|prioritize): (\d+)\n(.*\n)", out, re.M):
        got[m.group(1)] = (int(m.group(2)), m.group(3).encode())
    err = p.stderr.decode("utf-8", "replace")
    check("AddressSanitizer" not in err and "runtime error:" not in err,
          "explain: sanitizer report:\n" + err[-3000:])
    return got, out, p.returncode


def _scraped(port, url):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        st = json.loads(request("GET", "/status", port=port)[2])
        if any(s.get("url") == url and s.get("scrapes_ok", 0) >= 1 for s in st["sources"]):
            return
        time.sleep(0.05)
    raise TestFailure("no scrape of %s within 5 s" % url)


def replay_wca(name):
    case = golden.load(name)
    body, _ = golden.exposition(case)
    errs = []
    with FakeExporter("ok", body) as exp:
        port = free_port()
        srv = Server(text=golden.config_text(case, port, exp.url), port=port)
        with srv:
            _scraped(port, exp.url)
            served = {}
            for verb in ("filter", "prioritize"):
                req = json.dumps(case[verb]["request"]).encode()
                st, _, raw = request("POST", "/" + verb, req, port=port)
                served[verb] = (st, raw, req)
            snap = request("GET", "/snapshot", port=port)[2]
            for verb in ("filter", "prioritize"):
                st, raw, req = served[verb]
                got, out, rc = explain(srv.config, snap, req)
                if got.get(verb) != (st, raw):
                    errs.append("%s: server %d %r, explain %r\n%s" % (verb, st, raw[:300],
                                                                      got.get(verb), out[-1500:]))
                elif rc != (0 if all(v[0] == 200 for v in got.values()) else 1):
                    errs.append("%s: explain exit %d for %r" % (verb, rc, got))
    if errs:
        raise TestFailure("%s:\n%s" % (name, "\n".join(errs)))


def replay_trimaran(fname, case):
    base = tri.watcher_lines(case.get("watcher")) + tri.node_lines(case["nodes"])
    end = ((case.get("watcher") or {}).get("window") or {}).get("end") or 0
    names = [n["metadata"]["name"] for n in case["nodes"]]
    errs = []
    with FakeExporter("ok", b"") as exp:
        port = free_port()
        srv = Server(text=tri._config(port, exp.url, tri.ALGORITHM[fname], case.get("args")),
                     port=port)
        with srv:
            scrapes = 0
            for i, step in enumerate(case["steps"]):
                lines = base + tri.cache_lines(step.get("scheduledPodsCacheBefore"), end)
                for p in step.get("podsOnNode") or []:
                    lines += tri.pod_lines(p, p["spec"]["nodeName"], time.time() - 86400)
                exp.body = ("\n".join(lines) + "\n").encode()
                scrapes = tri._wait_new_scrape(srv, exp.url, scrapes, len(lines))
                req = json.dumps({"Pod": step["pod"], "Nodes": None, "NodeNames": names}).encode()
                st, _, raw = request("POST", "/prioritize", req, port=port)
                snap = request("GET", "/snapshot", port=port)[2]
                got, out, _ = explain(srv.config, snap, req)
                if got.get("prioritize") != (st, raw):
                    errs.append("step %d: server %d %r, explain %r\n%s" % (
                        i, st, raw[:300], got.get("prioritize"), out[-1500:]))
    if errs:
        raise TestFailure("%s %s:\n%s" % (fname, case["id"], "\n".join(errs)))


def test_replay_cases_present():
    check(golden.case_names(), "no golden wca cases")
    check(tri.sequences(), "no golden trimaran sequences")


def test_explain_usage_and_errors():
    p = subprocess.run([harness.BIN, "explain"], capture_output=True, timeout=10)
    eq(p.returncode, 2, "no arguments: exit 2")
    check(b"usage: wca-scheduler explain" in p.stderr, p.stderr)
    d = tempfile.mkdtemp(prefix="wca-replay-")
    try:
        conf = os.path.join(d, "c.ini")
        with open(conf, "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:1\n[algorithm]\nname = NOP\n")
        empty = os.path.join(d, "empty.prom")
        open(empty, "w").close()
        p = subprocess.run([harness.BIN, "explain", "-c", conf, "--metrics", empty, "-"],
                           input=b"{}", capture_output=True, timeout=10)
        eq(p.returncode, 1, "an empty snapshot: exit 1")
        check(b"empty.prom: no samples" in p.stderr, p.stderr)
        p = subprocess.run([harness.BIN, "explain", "-c", os.path.join(d, "nope.ini"),
                            "--metrics", empty, "-"], capture_output=True, timeout=10)
        eq(p.returncode, 2, "a missing configuration: exit 2")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _make_wca(name):
    def t():
        replay_wca(name)
    return t


def _make_tri(fname, case):
    def t():
        replay_trimaran(fname, case)
    return t


for _n in golden.case_names():
    globals()["test_replay_wca_%s" % _n] = _make_wca(_n)
for _f, _c in tri.sequences():
    globals()["test_replay_%s" % _c["id"].replace("-", "_")] = _make_tri(_f, _c)
