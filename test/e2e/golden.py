"""Golden cases recorded from the original wca-scheduler
(../shared/golden/wca, schema: wca-original.md section 6), turned into
what the real binary needs: an exposition of the interface's series
(interface.md section 5) for a FakeExporter and an INI configuration
(interface.md section 2).

The mapping mirrors test/unit/test_algo_wca.c (the unit-level runner):
* every node's capacity dims -> wca_node_capacity{node,dim};
* "pmem" present -> wca_node_pmem{node} 1 or 0;
* every app's requested dims -> wca_app_requested{app,dim};
* every assignment -> wca_app_assigned{node,app} = number of tasks
  (0 for an empty list, as the unit runner does);
and, for the algorithms the unit runner does not cover, the optional
fields node_type -> wca_node_type{node,nodetype} 1, dram_hit_ratio ->
wca_node_dram_hit_ratio{node}, apps{app}.profile -> wca_app_profile{app}.
cluster.unassigned is not fed (the algorithms do not use it).
"""
import glob
import json
import os
import subprocess

import harness

GOLDEN_DIR = os.path.normpath(os.path.join(harness.ROOT, "..", "shared", "golden", "wca"))

NOT_IMPLEMENTED = "is not implemented in this build"


def case_names():
    """Case names (file stems), sorted; [] when the directory is missing."""
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(GOLDEN_DIR, "*.json")))


def load(name):
    path = os.path.join(GOLDEN_DIR, name + ".json")
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


# ---- exposition ----

def _esc(v):
    return str(v).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


def _num(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    return repr(float(v))


def _sample(name, labels, value):
    lab = ",".join('%s="%s"' % (k, _esc(v)) for k, v in labels)
    return "%s{%s} %s" % (name, lab, _num(value))


def exposition(case):
    """(body bytes, number of samples) for the case's cluster.

    Lines are grouped per node so that nodes first appear in
    cluster.nodes order (the provider's order, which HierBAR's classes
    follow)."""
    cl = case["cluster"]
    lines = []
    for n in cl.get("nodes") or []:
        node = n["name"]
        for dim, v in (n.get("capacity") or {}).items():
            lines.append(_sample("wca_node_capacity", [("node", node), ("dim", dim)], v))
        if "pmem" in n:
            lines.append(_sample("wca_node_pmem", [("node", node)], 1 if n["pmem"] else 0))
        if n.get("node_type") is not None:
            lines.append(_sample("wca_node_type", [("node", node), ("nodetype", n["node_type"])], 1))
        if n.get("dram_hit_ratio") is not None:
            lines.append(_sample("wca_node_dram_hit_ratio", [("node", node)], n["dram_hit_ratio"]))
    for app, a in (cl.get("apps") or {}).items():
        for dim, v in (a.get("requested") or {}).items():
            lines.append(_sample("wca_app_requested", [("app", app), ("dim", dim)], v))
        if a.get("profile") is not None:
            lines.append(_sample("wca_app_profile", [("app", app)], a["profile"]))
    for node, apps in (cl.get("assignments") or {}).items():
        for app, tasks in (apps or {}).items():
            lines.append(_sample("wca_app_assigned", [("node", node), ("app", app)], len(tasks)))
    return ("\n".join(lines) + "\n").encode(), len(lines)


# ---- configuration ----

NUMBER_KEYS = ("max_node_score", "cpu_scale_factor", "least_used_weight",
               "merge_threshold", "threshold", "score_target")
WEIGHT_SECTIONS = ("least_used_weights", "bar_weights")


class UnhandledParam(Exception):
    pass


def config_text(case, port, source_url, unknown_app=None):
    """The INI for one case: score_mode = wca, the case's algorithm and
    params, one fast metrics source with a long staleness."""
    alg = case["algorithm"]
    params = alg.get("params") or {}
    out = ["[server]",
           "listen = 127.0.0.1:%d" % port,
           "namespaces = default",
           "score_mode = wca",
           "read_timeout = 5",
           "drain_timeout = 5",
           "",
           "[loggers]",
           "* = info",
           "",
           "[algorithm]",
           "name = %s" % alg["class"]]
    if unknown_app is not None:
        out.append("unknown_app = %s" % unknown_app)
    sections = []
    for key, v in params.items():
        if key == "dimensions":
            out.append("dimensions = %s" % ", ".join(v))
        elif key in NUMBER_KEYS:
            # None = the default; the original treats score_target 0 as
            # unset too (wca-original.md 3.8), which in the INI is no key.
            if v is not None and not (key == "score_target" and not v):
                out.append("%s = %s" % (key, repr(float(v))))
        elif key == "strict_mode_placement":
            out.append("%s = %s" % (key, "true" if v else "false"))
        elif key in WEIGHT_SECTIONS:
            sections.append("[%s]" % key)
            sections += ["%s = %s" % (d, repr(float(w))) for d, w in v.items()]
            sections.append("")
        elif key == "targeted_assigned_apps_counts":
            for node, apps in v.items():
                sections.append("[static_assigner:%s]" % node)
                sections += ["%s = %d" % (a, c) for a, c in apps.items()]
                sections.append("")
        else:
            raise UnhandledParam("algorithm.params.%s = %r has no INI mapping in golden.py"
                                 % (key, v))
    out.append("")
    out += sections
    out += ["[metrics]",
            "source = %s" % source_url,
            "interval = 0.2",
            "timeout = 0.2",
            "staleness = 3600",
            ""]
    return "\n".join(out)


def check_config(path):
    """(exit status, output) of `wca-scheduler --check-config -c path`."""
    p = subprocess.run([harness.BIN, "--check-config", "-c", path], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    return p.returncode, p.stdout.decode("utf-8", "replace")
