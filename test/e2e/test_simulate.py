"""wca-scheduler simulate (issue 9, item 4) on small fixed clusters
(test/data/sim), where the placement follows from the algorithms'
definitions:

* Fit scores every node 0, so ties go to the first name: pods fill n1,
  then n2, then n3, each until the next does not fit (web: 2 cpu, 2 mem
  on n1/n2 with 4 cpu, 8 mem; n3 has 8 cpu, 16 mem), and a ninth web pod
  finds no room;
* LeastUsed puts each pod where the used fraction is lowest, so the two
  equal nodes n1 and n2 take turns and end the same;
* TargetLoadPacking (a JSON list of Pods with requests and limits) must
  see its own placements (as pods started now), or every pod would go to
  the least loaded node.
"""
import os
import shutil
import subprocess
import tempfile

import harness
from harness import check, eq

DATA = os.path.join(harness.ROOT, "test", "data", "sim")


def _ini(d, algo):
    path = os.path.join(d, algo + ".ini")
    with open(path, "w") as f:
        f.write("[server]\nlisten = 127.0.0.1:1\n[algorithm]\nname = %s\n"
                "dimensions = cpu, mem\n[metrics]\nstaleness = 3600\n" % algo)
    return path


def simulate(algo, cluster, pods, *extra):
    d = tempfile.mkdtemp(prefix="wca-sim-")
    try:
        if not os.path.isabs(pods):
            p = os.path.join(d, "pods.txt")
            with open(p, "w") as f:
                f.write(pods)
            pods = p
        r = subprocess.run([harness.BIN, "simulate", "-c", _ini(d, algo), "--metrics",
                            os.path.join(DATA, cluster), "--pods", pods] + list(extra),
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    err = r.stderr.decode("utf-8", "replace")
    check("AddressSanitizer" not in err and "runtime error:" not in err, err[-3000:])
    return r.returncode, r.stdout.decode("utf-8", "replace"), err


def rows(out):
    """{node: (pods, [utilisation...], placed)} from the table."""
    got = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5 and f[0] in ("n1", "n2", "n3", "a1", "a2", "a3"):
            got[f[0]] = (int(f[1]), f[2:4], " ".join(f[4:]))
    return got


def test_fit_fills_nodes_in_name_order():
    rc, out, err = simulate("Fit", "wca-cluster.prom", "web 5\ndb 3\n")
    eq(rc, 0, "exit: " + err)
    eq(rows(out), {"n1": (2, ["100.0%", "50.0%"], "web:2"),
                   "n2": (2, ["100.0%", "50.0%"], "web:2"),
                   "n3": (4, ["62.5%", "87.5%"], "web:1 db:3")}, "placement:\n" + out)
    check("pods placed 8, unschedulable 0; nodes used 3 of 3" in out, out)
    check("utilisation cpu: mean 87.5%, standard deviation 17.7%" in out, out)


def test_fit_reports_what_does_not_fit():
    rc, out, _ = simulate("Fit", "wca-cluster.prom", "# eight fit\nweb 9\n")
    eq(rc, 0, "exit")
    check("pods placed 8, unschedulable 1" in out, out)
    check("unschedulable default/web-9: no node passed (e.g. n1: " in out, out)


def test_least_used_alternates_between_equal_nodes():
    rc, out, _ = simulate("LeastUsed", "wca-cluster.prom", "web 5\ndb 3\n")
    eq(rc, 0, "exit")
    r = rows(out)
    eq(r["n1"], r["n2"], "n1 and n2 end the same:\n" + out)
    eq(sum(v[0] for v in r.values()), 8, "every pod placed")


def test_csv():
    rc, out, _ = simulate("Fit", "wca-cluster.prom", "web 5\ndb 3\n", "--csv")
    eq(rc, 0, "exit")
    eq(out.splitlines(), ["node,pods,cpu,mem", "n1,2,1.000000,0.500000",
                          "n2,2,1.000000,0.500000", "n3,4,0.625000,0.875000"], "csv")


def test_target_load_packing_sees_its_placements():
    rc, out, err = simulate("TargetLoadPacking", "la-cluster.prom",
                            os.path.join(DATA, "la-pods.json"))
    eq(rc, 0, "exit: " + err)
    r = rows(out)
    check(sum(v[0] for v in r.values()) == 6, "all six placed:\n" + out)
    check(max(v[0] for v in r.values()) < 6, "spread as the placements load nodes:\n" + out)
    check(r["a1"][0] >= 1, "the least loaded node (10%) gets the first:\n" + out)


def test_lines_of_one_app_number_its_pods_on():
    rc, out, _ = simulate("Fit", "wca-cluster.prom", "web 2\ndb 1\nweb 8\n")
    eq(rc, 0, "exit")
    check("pods placed 8, unschedulable 3" in out, out)
    check("unschedulable default/web-10: " in out, "web numbered 1..10 across lines:\n" + out)


def test_bad_pods_file_names_the_line():
    rc, out, err = simulate("Fit", "wca-cluster.prom", "web 2\nweb two\n")
    eq(rc, 2, "exit")
    check(":2: expected 'app count', got 'web two'" in err, err)


def test_contrib_heatmap_draws_one_png_per_algorithm():
    plot = os.path.join(harness.ROOT, "contrib", "plot")
    d = tempfile.mkdtemp(prefix="wca-plot-")
    try:
        r = subprocess.run([os.path.join(plot, "heatmap.sh"), "-c",
                            os.path.join(plot, "example.ini"), "--metrics",
                            os.path.join(plot, "example-cluster.prom"), "--pods",
                            os.path.join(plot, "example-pods.txt"), "-o", d,
                            "Fit", "LeastUsed"],
                           env=dict(os.environ, WCA_SCHEDULER=harness.BIN),
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        eq(r.returncode, 0, "heatmap.sh: " + r.stderr.decode()[-1000:])
        for algo in ("Fit", "LeastUsed"):
            with open(os.path.join(d, algo + ".png"), "rb") as f:
                eq(f.read(8), b"\x89PNG\r\n\x1a\n", algo + ".png is a PNG")
            with open(os.path.join(d, algo + ".txt")) as f:
                check("pods placed" in f.read(), algo + ".txt is the report")
    finally:
        shutil.rmtree(d, ignore_errors=True)
