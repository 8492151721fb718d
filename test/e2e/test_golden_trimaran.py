"""End-to-end golden runner for the load-aware family: every
schedule_sequence case of ../shared/golden/trimaran (load-aware.md
section 4) against the real binary.

Per case a FakeExporter serves the case's watcher payload as
wca_node_utilization series (what Prometheus recording rules through
/federate give) and, per step, the pods the scheduler had placed so far
(the step's assign cache) as kube-state-metrics series (kube_pod_info,
kube_pod_start_time, kube_pod_container_resource_requests/_limits).  The
server runs with max_node_score = 100 and fallback = zero (Trimaran's own
behaviour), so the answered scores are Trimaran's; for each step the
exporter's feed is replaced, a fresh scrape awaited, and prioritize must
answer the step's derivedScores, the highest being expectedNode.

Each case runs twice: with the Node objects in the request (Nodes form,
capacity from status) and with NodeNames only (capacity and allocatable
from kube_node_status_capacity / _allocatable series).
"""
import glob
import json
import os
import time

import harness
from exporters import FakeExporter
from harness import Server, TestFailure, free_port, post_json, request

GOLDEN_DIR = os.path.normpath(os.path.join(harness.ROOT, "..", "shared", "golden", "trimaran"))
FILES = ("targetloadpacking", "loadvariationriskbalancing", "lowriskovercommitment")
ALGORITHM = {"targetloadpacking": "TargetLoadPacking",
             "loadvariationriskbalancing": "LoadVariationRiskBalancing",
             "lowriskovercommitment": "LowRiskOverCommitment"}
SCRAPE_WAIT = 5.0

UNITS = {"m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
         "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40}


def quantity(s):
    """A Kubernetes quantity as a float (cores, bytes): the feed's units."""
    s = str(s)
    for suf in sorted(UNITS, key=len, reverse=True):
        if suf and s.endswith(suf):
            return float(s[:-len(suf)]) * UNITS[suf]
    return float(s)


def sequences():
    """[(file, case)] of every schedule_sequence case."""
    out = []
    for f in FILES:
        with open(os.path.join(GOLDEN_DIR, f + ".json"), "rb") as fh:
            for case in json.loads(fh.read().decode("utf-8")):
                if case["kind"] == "schedule_sequence":
                    out.append((f, case))
    return out


def _labels(**kw):
    return "{" + ",".join('%s="%s"' % (k, v) for k, v in kw.items()) + "}"


def watcher_lines(watcher):
    lines = []
    nodes = ((watcher or {}).get("data") or {}).get("NodeMetricsMap") or {}
    for node, entry in nodes.items():
        for r in entry.get("metrics") or []:
            res = {"CPU": "cpu", "Memory": "memory"}.get(r["type"])
            if res:
                lines.append("wca_node_utilization%s %r" % (
                    _labels(node=node, resource=res, operator=r["operator"]), float(r["value"])))
    return lines


def node_lines(nodes):
    lines = []
    for n in nodes:
        name = n["metadata"]["name"]
        for what in ("capacity", "allocatable"):
            for res in ("cpu", "memory"):
                q = (n.get("status") or {}).get(what, {}).get(res)
                if q is not None:
                    lines.append("kube_node_status_%s%s %r" % (
                        what, _labels(node=name, resource=res), quantity(q)))
    return lines


def pod_lines(pod, node, start):
    md = pod["metadata"]
    ns, name = md.get("namespace", "default"), md["name"]
    lines = ["kube_pod_info%s 1" % _labels(namespace=ns, pod=name, node=node),
             "kube_pod_start_time%s %r" % (_labels(namespace=ns, pod=name), float(start))]
    for kind, key in (("", "containers"), ("init_", "initContainers")):
        for c in pod["spec"].get(key) or []:
            for which in ("requests", "limits"):
                for res, q in ((c.get("resources") or {}).get(which) or {}).items():
                    if res in ("cpu", "memory"):
                        lines.append("kube_pod_%scontainer_resource_%s%s %r" % (
                            kind, which, _labels(namespace=ns, pod=name, container=c["name"],
                                                 node=node, resource=res), quantity(q)))
    return lines


def cache_lines(entries, window_end):
    """The assign cache as started pods.  Trimaran counts an entry bound
    after the metrics' window ended or less than 60 s before; here the
    metrics are as old as the last scrape, so a pod is placed the same
    number of seconds before now (an entry after the window: just now)."""
    lines = []
    now = time.time()
    for e in entries or []:
        delta = e["timestamp"] - window_end
        lines += pod_lines(e["pod"], e["nodeName"], now - 1 if delta >= 0 else now + delta)
    return lines


def _status(port):
    st, _, body = request("GET", "/status", port=port, timeout=5)
    if st != 200:
        raise TestFailure("/status answered %d" % st)
    return json.loads(body)


def _scrapes(srv, url):
    for src in _status(srv.port).get("sources", []):
        if src.get("url") == url:
            return src
    return {}


def _wait_new_scrape(srv, url, after, nsamples):
    """Wait for a good scrape that started after `after` scrapes."""
    deadline = time.monotonic() + SCRAPE_WAIT
    last = None
    while time.monotonic() < deadline:
        if srv.proc.poll() is not None:
            raise TestFailure("server exited: %s" % srv.stderr()[-2000:])
        last = _scrapes(srv, url)
        # two more: the one in flight when the feed changed may be the old one
        if last.get("scrapes_ok", 0) >= after + 2:
            if last.get("malformed_lines", 0) or last.get("samples") != nsamples:
                raise TestFailure("feed not taken as written (%d samples): %r" % (nsamples, last))
            return last.get("scrapes_ok", 0)
        time.sleep(0.05)
    raise TestFailure("no fresh scrape of %s within %.0fs: %r" % (url, SCRAPE_WAIT, last))


def _config(port, url, algo, args):
    out = ["[server]", "listen = 127.0.0.1:%d" % port, "namespaces = *",
           "read_timeout = 5", "drain_timeout = 5", "",
           # info: the per-node memo is in use (debug lines bypass it)
           "[loggers]", "* = info", "",
           "[algorithm]", "name = %s" % algo, "max_node_score = 100", "",
           "[trimaran]", "fallback = zero"]
    keys = {"targetUtilization": "target_utilization",
            "defaultRequestsMultiplier": "default_requests_multiplier",
            "safeVarianceMargin": "safe_variance_margin",
            "safeVarianceSensitivity": "safe_variance_sensitivity",
            "smoothingWindowSize": "smoothing_window"}
    for k, v in (args or {}).items():
        if k in keys:
            out.append("%s = %s" % (keys[k], v))
        elif k == "defaultRequests":
            out.append("default_cpu_request = %s" % v["cpu"])
        elif k == "riskLimitWeights":
            out.append("risk_limit_weights = " + ", ".join("%s:%r" % kv for kv in v.items()))
        else:
            raise TestFailure("args.%s has no [trimaran] key in this runner" % k)
    out += ["", "[metrics]", "source = %s" % url, "interval = 0.2", "timeout = 0.2",
            "staleness = 3600", ""]
    return "\n".join(out)


def run_sequence(fname, case, form):
    base = watcher_lines(case.get("watcher")) + node_lines(case["nodes"])
    end = ((case.get("watcher") or {}).get("window") or {}).get("end") or 0
    names = [n["metadata"]["name"] for n in case["nodes"]]
    errs = []
    with FakeExporter("ok", b"") as exp:
        port = free_port()
        srv = Server(text=_config(port, exp.url, ALGORITHM[fname], case.get("args")), port=port)
        with srv:
            scrapes = 0
            for i, step in enumerate(case["steps"]):
                lines = base + cache_lines(step.get("scheduledPodsCacheBefore"), end)
                for p in step.get("podsOnNode") or []:
                    lines += pod_lines(p, p["spec"]["nodeName"], time.time() - 86400)
                exp.body = ("\n".join(lines) + "\n").encode()
                scrapes = _wait_new_scrape(srv, exp.url, scrapes, len(lines))
                args = {"Pod": step["pod"]}
                if form == "Nodes":
                    args.update(Nodes={"items": case["nodes"]}, NodeNames=None)
                else:
                    args.update(Nodes=None, NodeNames=names)
                st, _, raw = post_json(srv.port, "/prioritize", args)
                if st != 200:
                    errs.append("step %d: status %d: %r" % (i, st, raw[:300]))
                    continue
                got = {h["Host"]: h["Score"] for h in json.loads(raw)}
                want = step["derivedScores"]
                if got != want:
                    errs.append("step %d (%s): scores %r, expected %r" % (i, step["pod"]["metadata"]["name"], got, want))
                best = max(got.values())
                winners = sorted(h for h, s in got.items() if s == best)
                if winners != [step["expectedNode"]]:
                    errs.append("step %d: highest %r, expected %s alone" % (i, winners, step["expectedNode"]))
        if errs:
            raise TestFailure("%s %s (%s form): %s\nlog tail:\n%s" % (
                fname, case["id"], form, "\n".join(errs), srv.stderr()[-3000:]))


def test_sequences_present():
    found = sequences()
    if not found:
        raise TestFailure("no schedule_sequence cases in %s" % GOLDEN_DIR)


def _make(fname, case, form):
    def t():
        run_sequence(fname, case, form)
    return t


# One test per sequence and request form (run.py lists module-level test_*).
for _f, _c in sequences():
    for _form in ("Nodes", "NodeNames"):
        globals()["test_%s_%s" % (_c["id"].replace("-", "_"), _form)] = _make(_f, _c, _form)
