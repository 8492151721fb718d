"""The load-aware family end to end: real node_exporter counters, the
fallback for nodes without fresh utilisation, the 0..max_node_score
scale, the pod's resources from ExtenderArgs, and /status."""
import json
import math
import os
import re
import time

from exporters import FakeExporter, NodeExporter, StatReplay
from harness import ROOT, Server, TestFailure, check, eq, free_port, post_json, request

BUSY_PROFILE = os.path.join(ROOT, "test", "data", "trimaran", "busy-node.stat")


def server(text):
    port = free_port()
    return Server(text="[server]\nlisten = 127.0.0.1:%d\nnamespaces = *\n\n" % port + text,
                  port=port)


def config(algo, sources=(), extra="", trimaran="fallback = zero", staleness=30, level="debug"):
    lines = ["[loggers]", "* = info", "algorithm = %s" % level, "",
             "[algorithm]", "name = %s" % algo, "max_node_score = 100", "",
             "[trimaran]", trimaran, ""]
    if sources:
        lines += ["[metrics]"] + ["source = %s" % s for s in sources]
        lines += ["interval = 0.5", "timeout = 0.4", "staleness = %s" % staleness, ""]
    return "\n".join(lines) + extra


def node_obj(name, cpu, memory="8Gi", alloc_cpu=None, alloc_memory=None):
    return {"metadata": {"name": name},
            "status": {"capacity": {"cpu": cpu, "memory": memory, "pods": "110"},
                       "allocatable": {"cpu": alloc_cpu or cpu, "memory": alloc_memory or memory,
                                       "pods": "110"}}}


def pod_obj(cpu=None, memory=None, limits=None, name="p1"):
    req = {}
    if cpu is not None:
        req["cpu"] = cpu
    if memory is not None:
        req["memory"] = memory
    res = {"requests": req}
    if limits:
        res["limits"] = limits
    return {"metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "c", "resources": res}]}}


def prioritize(s, pod, nodes):
    st, _, raw = post_json(s.port, "/prioritize", {"Pod": pod, "Nodes": {"items": nodes},
                                                   "NodeNames": None})
    eq(st, 200, "prioritize status (%r)" % raw[:300])
    return {h["Host"]: h["Score"] for h in json.loads(raw)}


def nodes_view(s):
    st, _, body = request("GET", "/nodes", port=s.port)
    eq(st, 200, "/nodes")
    return {n["name"]: n for n in json.loads(body)["nodes"]}


def wait_cpu(s, names, timeout=15.0):
    deadline = time.monotonic() + timeout
    view = {}
    while time.monotonic() < deadline:
        view = nodes_view(s)
        if all(view.get(n, {}).get("cpu_util") is not None for n in names):
            return view
        time.sleep(0.1)
    raise TestFailure("no cpu utilisation for %s within %.0fs: %r" % (names, timeout, view))


def tlp_formula(u, target=40.0):
    """load-aware.md 1.2, for checking logged inputs against the score."""
    if u > target:
        return 0 if u > 100 else math.floor(target * (100 - u) / (100 - target) + 0.5)
    return math.floor((100 - target) * u / target + target + 0.5)


def test_tlp_real_node_exporter_and_busy_replay():
    """TargetLoadPacking on real counters: this machine through Debian's
    node_exporter, and a node replaying a recorded fully busy profile.
    The busy node is far past the 40% target and must lose."""
    with NodeExporter() as ne, FakeExporter("ok", StatReplay(BUSY_PROFILE)) as busy:
        srcs = (ne.url + " node=real-node", busy.url + " node=busy-node")
        with server(config("TargetLoadPacking", srcs)) as s:
            wait_cpu(s, ["real-node", "busy-node"])
            time.sleep(1.5)     # a few more intervals in the window
            ncpu = os.cpu_count()
            got = prioritize(s, pod_obj(cpu="100m"),
                             [node_obj("real-node", str(ncpu)), node_obj("busy-node", "2")])
            log = s.wait_log(r"TargetLoadPacking node=busy-node score=\d+ cpu=[0-9.e+-]+%")
            lines = re.findall(r"TargetLoadPacking node=(\S+) score=(\d+) cpu=([0-9.e+-]+)% .*"
                               r"predicted=([0-9.e+-]+)%", s.stderr())
            check(log is not None and len(lines) >= 2, "debug lines for both nodes: %r" % lines)
            seen = {n: (int(sc), float(cpu), float(pred)) for n, sc, cpu, pred in lines[-2:]}
            check(seen["busy-node"][1] >= 90.0, "the replayed profile is busy: %r" % seen)
            for n, (sc, cpu, pred) in seen.items():
                eq(got[n], sc, "answered score of %s is the logged one" % n)
                # the log prints the prediction to 6 digits (%g): one just
                # under a .5 score boundary may print as on it
                near = {tlp_formula(pred * (1 - 5e-6)), tlp_formula(pred * (1 + 5e-6))}
                check(sc in near, "%s: score %d from its logged prediction %g%%: expected %r"
                      % (n, sc, pred, sorted(near)))
            # The node nearer the target scores higher; when this machine
            # is itself saturated (a parallel build), both are past 100%
            # and tie at 0, which the formula check above has verified.
            real_pred, busy_pred = seen["real-node"][2], seen["busy-node"][2]
            if real_pred < 99:
                check(got["real-node"] > got["busy-node"],
                      "the node nearer the 40%% target wins: %r (utilisation %r)"
                      % (got, seen))
            else:
                eq(got["real-node"], got["busy-node"], "both saturated: a tie (%r)" % seen)
            check(busy_pred >= real_pred - 1, "the replayed node is the busier: %r" % seen)


def test_fallback_least_allocated_and_zero():
    """A node without utilisation gets least-allocated on requests (the
    default) or 0 (fallback = zero); the log says why."""
    nodes = [node_obj("new-node", "4", "8Gi")]
    pod = pod_obj(cpu="1", memory="2Gi")
    for algo in ("TargetLoadPacking", "LoadVariationRiskBalancing", "LowRiskOverCommitment"):
        with server(config(algo, trimaran="")) as s:
            # (4000-1000)*100/4000 = 75 and (8Gi-2Gi)*100/8Gi = 75
            eq(prioritize(s, pod, nodes), {"new-node": 75}, "%s least_allocated fallback" % algo)
            s.wait_log(r"%s node=new-node score=75 fallback=least_allocated "
                       r"because=no metrics for node new-node" % algo)
        with server(config(algo, trimaran="fallback = zero")) as s:
            eq(prioritize(s, pod, nodes), {"new-node": 0}, "%s zero fallback" % algo)
    # kube-scheduler's non-zero defaults for a container without requests
    with server(config("TargetLoadPacking", trimaran="")) as s:
        # 100m of 1000m -> 90; 200Mi of 1000Mi -> 80; (90+80)/2 = 85
        eq(prioritize(s, pod_obj(), [node_obj("n", "1", "1000Mi")]), {"n": 85},
           "non-zero defaults in the fallback")


def test_stale_metrics_fall_back():
    """Utilisation older than staleness is not used: the fallback scores.
    At debug (every node judged afresh, with the reason logged) and at
    info (the per-node memo kept between requests must expire too)."""
    for level in ("debug", "info"):
        _stale_metrics_fall_back(level)


def _stale_metrics_fall_back(level):
    util = ('wca_node_utilization{node="n1",resource="cpu",operator="avg"} 40\n'
            'wca_node_utilization{node="n1",resource="memory",operator="avg"} 10\n').encode()
    with FakeExporter("ok", util) as exp:
        with server(config("TargetLoadPacking", [exp.url], trimaran="",
                           staleness=1.5, level=level)) as s:
            pod = pod_obj(cpu="0")
            deadline = time.monotonic() + 10
            got = None
            while time.monotonic() < deadline:
                got = prioritize(s, pod, [node_obj("n1", "4")])
                if got == {"n1": 100}:
                    break
                time.sleep(0.1)
            eq(got, {"n1": 100}, "40% on a 40% target scores 100 while fresh")
            exp.mode = "status"         # the source fails from now on
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                got = prioritize(s, pod, [node_obj("n1", "4")])
                if got != {"n1": 100}:
                    break
                time.sleep(0.1)
            # an empty node; the pod asks cpu "0" (kept as 0) and no memory
            # (kube-scheduler's non-zero 200Mi): cpu 100, memory
            # (8192-200)*100/8192 = 97, (100+97)/2 = 98
            eq(got, {"n1": 98}, "stale data: least-allocated fallback")
            if level == "debug":
                s.wait_log(r"node=n1 score=98 fallback=least_allocated because=metrics for "
                           r"node n1 are \d+ s old")


def test_score_scale_default_rounds():
    """With the default max_node_score 10 the answer is round(score / 10),
    half away from zero: TLP 45 -> 5 (a 4-cpu node at 3.2% utilisation)."""
    util = b'wca_node_utilization{node="n1",resource="cpu",operator="avg"} 3.2\n'
    text = config("TargetLoadPacking", ["placeholder"]).replace("max_node_score = 100\n", "")
    with FakeExporter("ok", util) as exp:
        with server(text.replace("placeholder", exp.url)) as s:
            deadline = time.monotonic() + 10
            got = None
            while time.monotonic() < deadline:
                got = prioritize(s, pod_obj(cpu="0"), [node_obj("n1", "4")])
                if got.get("n1"):
                    break
                time.sleep(0.1)
            # (100-40)*3.2/40 + 40 = 44.8 -> 45 -> 4.5 -> 5
            eq(got, {"n1": 5}, "round(45 * 10 / 100)")
            s.wait_log(r"TargetLoadPacking node=n1 score=45 ")
            st, _, body = request("GET", "/status", port=s.port)
            params = json.loads(body).get("algorithm_params")
            check(params is not None, "/status has the effective parameters: %s" % body[:400])
            eq(params.get("target_utilization"), 40, "target_utilization in /status")
            eq(params.get("fallback"), "zero", "fallback in /status")


def test_bad_pod_quantity_is_400():
    with server(config("LowRiskOverCommitment")) as s:
        st, _, raw = post_json(s.port, "/prioritize", {
            "Pod": pod_obj(cpu="12x"), "NodeNames": ["n1"]})
        eq(st, 400, "bad quantity")
        err = json.loads(raw)["Error"]
        check("Pod.spec.containers[0].resources.requests.cpu: '12x' is not a quantity" in err,
              "the error says where: %r" % err)
        check(re.match(r"offset \d+: ", err), "and at which offset: %r" % err)


def test_lroc_best_effort_pod_ties():
    """LowRiskOverCommitment does not judge best-effort pods: all 0."""
    with server(config("LowRiskOverCommitment", trimaran="")) as s:
        eq(prioritize(s, pod_obj(), [node_obj("a", "4"), node_obj("b", "8")]),
           {"a": 0, "b": 0}, "best-effort pod")
