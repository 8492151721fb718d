"""The decision log and GET /explain (issue 9, item 1) through the real
binary: the golden case lubar_default_10 (recorded from the original
wca-scheduler) is served, filter and prioritize are asked, and /explain
must give back what was answered, with the inputs the algorithm used.
"""
import json
import signal
import time

import golden
from exporters import FakeExporter
from harness import Server, check, eq, free_port, post_json, request

CASE = "lubar_default_10"


def _server(extra_server=""):
    case = golden.load(CASE)
    body, _ = golden.exposition(case)
    exp = FakeExporter(mode="ok", body=body)
    port = free_port()
    text = golden.config_text(case, port, exp.url)
    if extra_server:
        text = text.replace("[server]\n", "[server]\n" + extra_server, 1)
    return case, exp, Server(text=text, port=port)


def _scraped(port):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        st = json.loads(request("GET", "/status", port=port)[2])
        if all(s.get("scrapes_ok", 0) >= 1 for s in st["sources"]):
            return
        time.sleep(0.05)
    raise AssertionError("no scrape within 5 s")


def test_explain_shows_what_was_answered_and_why():
    case, exp, srv = _server()
    with exp, srv as s:
        _scraped(s.port)
        eq(request("GET", "/explain", port=s.port)[0], 404, "nothing recorded yet")
        answers = {}
        for verb in ("filter", "prioritize"):
            st, _, raw = post_json(s.port, "/" + verb, case[verb]["request"])
            eq(st, 200, verb)
            answers[verb] = json.loads(raw)
        eq(answers["prioritize"], case["prioritize"]["response"], "the recorded scores")

        st, hd, raw = request("GET", "/explain?pod=default/a-new", port=s.port)
        eq(st, 200, "explain a pod")
        eq(hd.get("content-type"), "application/json", "content type")
        got = json.loads(raw)
        eq([d["verb"] for d in got["decisions"]], ["prioritize", "filter"], "newest first")
        prio, filt = got["decisions"]
        eq(prio["algorithm"], "LeastUsedBAR", "algorithm")
        eq((prio["namespace"], prio["pod"], prio["app"]), ("default", "a-new", "a"), "pod")
        check(0 <= prio["data_age_seconds"] < 5, "data age %r" % prio["data_age_seconds"])
        scores = {r["node"]: r["score"] for r in prio["results"]}
        eq(scores, {h["Host"]: h["Score"] for h in answers["prioritize"]},
           "the decision's scores are the answer's")
        nodes = {n["name"]: n for n in case["cluster"]["nodes"]}
        for r in prio["results"]:
            t = r["terms"]
            cap = nodes[r["node"]]["capacity"]
            eq(t["capacity.cpu"], cap["cpu"], "%s capacity.cpu" % r["node"])
            eq(t["capacity.mem"], cap["mem"], "%s capacity.mem" % r["node"])
            for key in ("used.cpu", "fraction.cpu", "least_used", "bar", "age_seconds"):
                check(key in t, "%s: term %s missing: %r" % (r["node"], key, t))
            check(abs(r["priority"] - (t["least_used"] + t["bar"])) < 1e-6,
                  "%s: priority %r is least_used + bar %r" % (r["node"], r["priority"], t))
        app = case["cluster"]["apps"]["a"]["requested"]
        eq(prio["pod_terms"], {"requested.cpu": app["cpu"], "requested.mem": app["mem"]},
           "the pod's requests")
        eq(sorted(r["node"] for r in filt["results"] if r["result"] == "pass"),
           sorted(answers["filter"]["NodeNames"]), "filter: the nodes that passed")

        st, hd, raw = request("GET", "/explain", port=s.port)
        eq(st, 200, "latest as text")
        check(hd.get("content-type", "").startswith("text/plain"), "plain text")
        lines = raw.decode().splitlines()
        eq(lines[0], "decision 2: prioritize of pod default/a-new (app a), "
           "algorithm LeastUsedBAR, answered 200", "the heading")
        head = lines.index(next(line for line in lines if line.startswith("node ")))
        cols = lines[head].split()
        eq(cols[:4], ["node", "score", "capacity.cpu", "capacity.mem"], "columns")
        rows = {ln.split()[0]: ln.split() for ln in lines[head + 1:]}
        for h in answers["prioritize"]:
            eq(int(rows[h["Host"]][1]), h["Score"], "text row of %s" % h["Host"])

        st, _, raw = request("GET", "/explain?pod=default/other", port=s.port)
        eq(st, 404, "a pod never seen")
        check("no decision about pod default/other" in json.loads(raw)["Error"], raw)
        for bad in ("pod=nonamespace", "pod=/x", "pod=ns/", "pod=a%zz"):
            eq(request("GET", "/explain?" + bad, port=s.port)[0], 400, bad)
        eq(request("GET", "/explain?pod=default%2Fa-new", port=s.port)[0], 200,
           "percent-encoded slash")
        eq(request("POST", "/explain", body="{}", port=s.port)[0], 405, "GET only")


def test_explain_ring_size_off_and_reload():
    case, exp, srv = _server("decisions = 2\n")
    with exp, srv as s:
        _scraped(s.port)
        req = case["prioritize"]["request"]
        for name in ("p1", "p2", "p3"):
            body = json.loads(json.dumps(req))
            body["Pod"]["metadata"]["name"] = name
            eq(post_json(s.port, "/prioritize", body)[0], 200, name)
        eq(request("GET", "/explain?pod=default/p1", port=s.port)[0], 404, "p1 pushed out")
        eq(request("GET", "/explain?pod=default/p3", port=s.port)[0], 200, "p3 kept")
        m = request("GET", "/metrics", port=s.port)[2].decode()
        check('wca_scheduler_requests_total{route="explain",code="200"} 1' in m,
              "/explain counted in requests_total")
        # decisions = 0: off, and said so.
        with open(s.config) as f:
            text = f.read()
        with open(s.config, "w") as f:
            f.write(text.replace("decisions = 2", "decisions = 0"))
        s.signal(signal.SIGHUP)
        s.wait_log(r"configuration reloaded")
        st, _, raw = request("GET", "/explain", port=s.port)
        eq(st, 404, "off")
        check("decisions = 0" in json.loads(raw)["Error"], raw)
        eq(post_json(s.port, "/prioritize", req)[0], 200, "still answering")


def test_explain_not_on_health_listen():
    health = free_port()
    case, exp, srv = _server("health_listen = 127.0.0.1:%d\n" % health)
    with exp, srv as s:
        _scraped(s.port)
        eq(post_json(s.port, "/filter", case["filter"]["request"])[0], 200, "filter")
        eq(request("GET", "/explain", port=health)[0], 404, "health_listen: probes only")
        eq(request("GET", "/explain", port=s.port)[0], 200, "main port")


def test_capture_dir_keeps_the_last_bodies_for_explain():
    import os
    import shutil
    import subprocess
    import tempfile

    import harness

    d = tempfile.mkdtemp(prefix="wca-capture-")
    try:
        case, exp, srv = _server("capture_dir = %s\ncapture_max = 3\n" % d)
        with exp, srv as s:
            _scraped(s.port)
            sent = []
            for i in range(5):
                body = json.loads(json.dumps(case["prioritize"]["request"]))
                body["Pod"]["metadata"]["name"] = "p%d" % i
                raw = json.dumps(body).encode()
                verb = "filter" if i % 2 else "prioritize"
                st, _, ans = request("POST", "/" + verb, raw, port=s.port)
                eq(st, 200, verb)
                sent.append((verb, raw, ans))
            files = sorted(os.listdir(d))
            eq(files, ["00000003-prioritize.json", "00000004-filter.json",
                       "00000005-prioritize.json"], "the last three kept")
            for name, (verb, raw, _) in zip(files, sent[2:]):
                with open(os.path.join(d, name), "rb") as f:
                    eq(f.read(), raw, "%s holds the body as sent" % name)
            snap = request("GET", "/snapshot", port=s.port)[2]
            snapf = os.path.join(d, "..", os.path.basename(d) + ".prom")
            with open(snapf, "wb") as f:
                f.write(snap)
            p = subprocess.run([harness.BIN, "explain", "-c", s.config, "--metrics", snapf,
                                os.path.join(d, files[-1])], capture_output=True, timeout=30)
            os.unlink(snapf)
            eq(p.returncode, 0, "explain: " + p.stderr.decode()[-500:])
            check(b"prioritize: 200\n" + sent[4][2] in p.stdout,
                  "the captured call replays to the server's answer:\n" + p.stdout.decode())
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_capture_dir_must_be_a_writable_directory():
    import subprocess

    import harness

    case, exp, srv = _server("capture_dir = /nonexistent/wca\n")
    with exp:
        p = subprocess.run([harness.BIN, "--check-config", "-c", srv.config],
                           capture_output=True, timeout=10)
        eq(p.returncode, 2, "exit")
        check(b"capture_dir: '/nonexistent/wca' is not a directory" in p.stdout, p.stdout)
