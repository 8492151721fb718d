"""The scraper against real and fake metrics sources: what lands in the
store, what /readyz, /status, /metrics and the log say, and that a bad
source never delays requests."""
import json
import re
import signal
import time

from exporters import FakeExporter, NodeExporter, wca_cluster, wca_feed
from harness import Server, args_names, check, eq, free_port, metric, post_json, request

FAST = "interval = 0.5\ntimeout = 0.4\nstaleness = 2\n"


def metrics_block(*urls, extra=FAST):
    lines = ["[metrics]"] + ["source = %s" % u for u in urls]
    return "\n".join(lines) + "\n" + extra


def status(s):
    st, _, body = request("GET", "/status", port=s.port)
    eq(st, 200, "/status")
    return json.loads(body)


def source_status(s, url):
    for src in status(s)["sources"]:
        if src["url"] == url:
            return src
    raise AssertionError("source %s not in /status" % url)


def nodes(s):
    st, _, body = request("GET", "/nodes", port=s.port)
    eq(st, 200, "/nodes")
    return json.loads(body)


def wait_for(what, fn, timeout=10.0, step=0.05):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(step)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


def scraped_ok(s, url, times=1):
    return wait_for("%d good scrape(s) of %s" % (times, url),
                    lambda: (lambda x: x if x["scrapes_ok"] >= times else None)(
                        source_status(s, url)))


def scrape_error(s, url, pattern):
    def fn():
        src = source_status(s, url)
        err = src["last_error"] or ""
        return src if pattern in err else None
    return wait_for("error '%s' from %s" % (pattern, url), fn)


def test_real_node_exporter():
    with NodeExporter() as ne:
        url = ne.url + " node=worker-1"
        with Server(extra=metrics_block(url)) as s:
            src = scraped_ok(s, ne.url, times=2)
            check(src["samples"] > 200, "node_exporter serves hundreds of samples: %r" % src)
            eq(src["malformed_lines"], 0, "real exposition parses cleanly")
            eq(src["node"], "worker-1", "node= reported")
            eq(request("GET", "/readyz", port=s.port)[0], 200, "ready once scraped")
            n = wait_for("cpu utilisation of worker-1",
                         lambda: [x for x in nodes(s)["nodes"] if x["name"] == "worker-1"
                                  and x.get("cpu_util") is not None])[0]
            check(0.0 <= n["cpu_util"] <= 100.0, "cpu utilisation in 0..100: %r" % n)
            check(0.0 < n["mem_util"] < 100.0, "memory utilisation in 0..100: %r" % n)
            m = request("GET", "/metrics", port=s.port)[2].decode()
            check(metric(m, "wca_scheduler_scrapes_total", {"source": ne.url}) >= 2,
                  "scrapes counted")
            eq(metric(m, "wca_scheduler_source_up", {"source": ne.url}), 1.0, "source up")


def test_wca_cluster_plain_and_chunked():
    body = wca_cluster()
    with FakeExporter("ok", body) as plain, FakeExporter("chunked", body) as chunked:
        with Server(extra=metrics_block(plain.url, chunked.url)) as s:
            a = scraped_ok(s, plain.url)
            b = scraped_ok(s, chunked.url)
            eq(a["samples"], b["samples"], "chunked and plain give the same samples")
            eq(a["samples"], body.count(b"\n") - 2, "every sample line")
            view = nodes(s)
            eq([n["name"] for n in view["nodes"]], ["n1", "n2", "n3"], "first-appearance order")
            n2 = view["nodes"][1]
            eq(n2["capacity"]["cpu"], 32.0, "n2 cpu capacity")
            eq(n2["capacity"]["membw_read"], 40.5, "mbw_read is membw_read")
            eq(view["nodes"][0]["node_type"], "pmem", "node type")
            check(b"Accept-Encoding: identity" in plain.last_request, "no compression asked")
            check(b"Host: 127.0.0.1:%d" % plain.port in plain.last_request, "Host header")


def test_large_feed_is_read_and_committed_in_steps():
    """5000 nodes (3.4 MB): the body is parsed a read at a time and the
    commit spread over loop turns; /status and /metrics say how, and the
    store has every node."""
    with FakeExporter("ok", wca_feed(5000)) as e:
        with Server(extra=metrics_block(e.url, extra="interval = 2\ntimeout = 2\n"
                                        "staleness = 30\nmax_scrape_size = 64M\n")) as s:
            src = scraped_ok(s, e.url, times=2)
            eq(src["nodes"], 5000, "every node kept")
            eq(src["apps"], 10, "every app kept")
            check(src["commit_steps"] > 10, "commit spread over loop turns: %r" % src)
            check(0 < src["commit_seconds"] < 1, "longest commit step reported: %r" % src)
            check(0 < src["read_seconds"] < 1, "longest read reported: %r" % src)
            eq(status(s)["nodes"], 5000, "store nodes")
            m = request("GET", "/metrics", port=s.port)[2].decode()
            for name in ("wca_scheduler_scrape_commit_seconds", "wca_scheduler_scrape_commit_steps",
                         "wca_scheduler_scrape_read_seconds"):
                check(metric(m, name, {"source": e.url}) > 0, "%s exported" % name)
            view = nodes(s)
            eq(view["nodes"][4999]["name"], "worker-04999", "last node, in order")
            eq(view["nodes"][1]["capacity"]["mem"], 18.0, "a value from the feed")


def test_close_delimited_body():
    body = wca_cluster(nodes=("c1",))
    with FakeExporter("close", body) as e:
        with Server(extra=metrics_block(e.url)) as s:
            src = scraped_ok(s, e.url)
            eq(src["samples"], body.count(b"\n") - 2, "samples from a body ended by close")


def test_huge_body_over_the_limit():
    line = b'wca_node_capacity{node="big",dim="cpu"} 1\n'
    with FakeExporter("ok", line * 60000) as e:   # about 2.5 MB
        with Server(extra=metrics_block(e.url, extra=FAST + "max_scrape_size = 1M\n")) as s:
            src = scrape_error(s, e.url, "max_size")
            check("over max_size" in src["last_error"], src["last_error"])
            m = request("GET", "/metrics", port=s.port)[2].decode()
            check(metric(m, "wca_scheduler_scrape_errors_total",
                         {"source": e.url, "reason": "too_large"}) >= 1, "too_large counted")
            eq(request("GET", "/readyz", port=s.port)[0], 503, "never scraped: not ready")


def test_garbage_lines_are_skipped_and_counted():
    body = (b"this is not a metric\n" + wca_cluster(nodes=("g1",)) +
            b'broken{node="g1" 3\n' + b"wca_node_pmem{node=\"g1\"} 1\n")
    with FakeExporter("ok", body) as e:
        with Server(extra=metrics_block(e.url), log_level="debug") as s:
            src = scraped_ok(s, e.url)
            eq(src["malformed_lines"], 2, "two malformed lines counted")
            check(src["samples"] >= 5, "the rest kept")
            s.wait_log(r"debug metrics: malformed line source=\S+ line=1 column=\d+ why=")
            g1 = [n for n in nodes(s)["nodes"] if n["name"] == "g1"][0]
            eq(g1["pmem"], True, "sample after the garbage kept")


def test_http_errors_reset_redirect_gzip():
    with FakeExporter("status", status=500) as e500, FakeExporter("reset") as rst, \
            FakeExporter("redirect") as red, FakeExporter("gzip") as gz:
        with Server(extra=metrics_block(e500.url, rst.url, red.url, gz.url)) as s:
            scrape_error(s, e500.url, "HTTP 500")
            scrape_error(s, red.url, "redirect to http://127.0.0.1:1/elsewhere not followed")
            scrape_error(s, gz.url, "Content-Encoding gzip not supported")
            wait_for("reset reported", lambda: source_status(s, rst.url)["last_error"])
            st, _, why = request("GET", "/readyz", port=s.port)
            eq(st, 503, "not ready")
            for u in (e500.url, rst.url, red.url, gz.url):
                check(u.encode() in why, "/readyz names %s: %r" % (u, why))
            s.wait_log(r"warn metrics: scrape failed source=%s reason=http_status" % e500.url)
            # Logged once, not once per attempt.
            time.sleep(1.2)
            eq(s.stderr().count("scrape failed source=%s " % e500.url), 1, "failure logged once")


def test_hung_source_does_not_delay_requests():
    with FakeExporter("hang") as hang, FakeExporter("drip", drip=0.05) as drip:
        extra = "interval = 3\ntimeout = 3\nstaleness = 10\n"
        with Server(extra=metrics_block(hang.url, drip.url, extra=extra)) as s:
            wait_for("both scrapes in progress", lambda: hang.requests and drip.requests)
            t0 = time.monotonic()
            worst = 0.0
            for i in range(200):
                a = time.monotonic()
                st, _, body = post_json(s.port, "/filter", args_names(["n1", "n2"]))
                worst = max(worst, time.monotonic() - a)
                eq(st, 200, "filter answered")
            spent = time.monotonic() - t0
            # The scrapes are still hanging (timeout 3 s): none has ended.
            eq(source_status(s, hang.url)["scrapes_ok"], 0, "hung scrape still open")
            check(spent < 2.5, "200 filters answered while both scrapes hang (%.2fs)" % spent)
            check(worst < 0.5, "no filter waited on a scrape (worst %.3fs)" % worst)
            scrape_error(s, hang.url, "timeout")


def test_source_down_goes_stale_after_staleness():
    with FakeExporter("ok", wca_cluster(nodes=("d1",))) as e:
        extra = "interval = 0.5\ntimeout = 0.4\nstaleness = 2\n"
        with Server(extra=metrics_block(e.url, extra=extra)) as s:
            first = scraped_ok(s, e.url)
            wait_for("ready", lambda: request("GET", "/readyz", port=s.port)[0] == 200)
            e.down()
            t_down = time.monotonic()
            scrape_error(s, e.url, "connect")
            eq(request("GET", "/readyz", port=s.port)[0], 200, "last good data kept")
            check(any(n["name"] == "d1" for n in nodes(s)["nodes"]), "node kept while fresh")
            wait_for("stale", lambda: request("GET", "/readyz", port=s.port)[0] == 503,
                     timeout=6)
            stale_after = time.monotonic() - t_down
            src = source_status(s, e.url)
            check(src["age_seconds"] > 2.0, "stale only past staleness: %r" % src)
            check(stale_after < 2.0 + 1.0, "stale within staleness + an interval (%.2f)" % stale_after)
            eq(src["fresh"], False, "reported stale")
            eq(status(s)["ready"], False, "/status agrees with /readyz")
            body = request("GET", "/readyz", port=s.port)[2].decode()
            check("staleness 2 s" in body and e.url in body, body)
            check(first["last_success"] == src["last_success"], "last success kept")


def test_wca_answers_follow_staleness_and_new_data():
    """LeastUsedBAR at info (each node's load kept between requests):
    repeated calls agree, new data changes the answer at once, and once
    the nodes' source is down past staleness (the apps' source still up)
    every node fails filter with the reason and scores 0."""
    full = wca_cluster(nodes=("m1", "m2")).decode().splitlines(True)
    apps = "".join(l for l in full if l.startswith("wca_app_requested"))
    nodes1 = "".join(l for l in full if not l.startswith("wca_app_requested"))
    # m1 runs memcached and redis (cpu 1 + 2 x 2 of 16): make it tight
    nodes2 = nodes1.replace('wca_node_capacity{node="m1",dim="cpu"} 16',
                            'wca_node_capacity{node="m1",dim="cpu"} 7')
    with FakeExporter("ok", apps.encode()) as ea, FakeExporter("ok", nodes1.encode()) as en:
        extra = "interval = 0.3\ntimeout = 0.25\nstaleness = 1.5\n"
        port = free_port()
        text = ("[server]\nlisten = 127.0.0.1:%d\nscore_mode = wca\n"
                "[algorithm]\nname = LeastUsedBAR\n" % port) + \
            metrics_block(ea.url, en.url, extra=extra)
        with Server(text=text, port=port) as s:
            scraped_ok(s, ea.url)
            scraped_ok(s, en.url)
            args = args_names(["m1", "m2"], app="memcached")
            first = [post_json(s.port, "/prioritize", args)[2] for _ in range(3)]
            eq(len(set(first)), 1, "repeated answers agree: %r" % first)
            en.body = nodes2.encode()
            n0 = source_status(s, en.url)["scrapes_ok"]
            wait_for("new data", lambda: source_status(s, en.url)["scrapes_ok"] >= n0 + 2)
            second = post_json(s.port, "/prioritize", args)[2]
            check(second != first[0], "a commit changes the answer: %r then %r"
                  % (first[0], second))
            en.down()
            wait_for("stale", lambda: not source_status(s, en.url)["fresh"], timeout=6)
            st, _, raw = post_json(s.port, "/filter", args)
            got = json.loads(raw)
            eq(st, 200, "filter status")
            eq(got["NodeNames"], [], "no node passes on stale data: %r" % got)
            for n in ("m1", "m2"):
                check(re.match(r"metrics for node %s are \d+ s old \(staleness 1.5 s\)" % n,
                               got["FailedNodes"].get(n, "")), got)
            scores = json.loads(post_json(s.port, "/prioritize", args)[2])
            eq([h["Score"] for h in scores], [0, 0], "stale nodes score 0")


def test_sighup_changes_sources():
    with FakeExporter("ok", wca_cluster(nodes=("a1",))) as a, \
            FakeExporter("ok", wca_cluster(nodes=("b1",))) as b, \
            FakeExporter("ok", wca_cluster(nodes=("c1",))) as c:
        extra = "interval = 5\ntimeout = 1\nstaleness = 30\n"
        with Server(extra=metrics_block(a.url, b.url, extra=extra)) as s:
            scraped_ok(s, a.url)
            scraped_ok(s, b.url)
            before = source_status(s, a.url)
            requests_a = a.requests
            with open(s.config, "w") as f:
                f.write(s.config_text.replace("source = %s\n" % b.url, "source = %s\n" % c.url))
            s.signal(signal.SIGHUP)
            s.wait_log(r"info metrics: sources changed kept=1 added=1 removed=1")
            scraped_ok(s, c.url)
            urls = [x["url"] for x in status(s)["sources"]]
            eq(urls, [a.url, c.url], "sources after reload")
            kept = source_status(s, a.url)
            eq(kept["last_success"], before["last_success"], "unchanged source keeps its data")
            eq(a.requests, requests_a, "unchanged source not re-scraped by the reload")
            names = [n["name"] for n in nodes(s)["nodes"]]
            check("b1" not in names and "a1" in names and "c1" in names, names)
