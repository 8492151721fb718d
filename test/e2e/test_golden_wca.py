"""End-to-end golden runner: every case recorded from the original
wca-scheduler (../shared/golden/wca/*.json, wca-original.md section 6)
against the real binary.

Per case: the cluster is served as the interface's series from a
FakeExporter, an INI is written from algorithm.params (score_mode = wca,
one fast metrics source), the binary is started, and after its first good
scrape the recorded filter and prioritize bodies are sent.

* Recorded 200: the same status, Error, Nodes (null), FailedNodes keys and
  messages, NodeNames (a set where node_names_order_significant is
  false), and the same prioritize list (hosts in order, scores).
* Recorded 500: the interface's answers (interface.md section 4) instead:
  - a "Nodes" array in the request: 400 naming "Nodes";
  - the pod's app has no requested resources: unknown_app, checked with
    the default (pass: every node passes, no Error) and with fail (Error
    "no requested resources for app APP", NodeNames null); prioritize
    answers 0 for every node in name order;
  - anything else (data the original crashed on): 200, every requested
    node either in NodeNames or in FailedNodes with a reason; prioritize
    answers every node, in name order.

One module-level test_<case> per golden file (run.py lists each), plus
test_golden_directory, which fails when the directory is missing or empty.
A case whose algorithm the binary does not implement yet fails with the
--check-config message (run.py has no "# SKIP" support).
"""
import json
import re
import shutil
import time

import golden
from exporters import FakeExporter
from harness import Server, TestFailure, free_port, post_json, request

SCRAPE_WAIT = 5.0


def _status(port):
    st, _, body = request("GET", "/status", port=port, timeout=5)
    if st != 200:
        raise TestFailure("/status answered %d" % st)
    return json.loads(body)


def _wait_scraped(srv, url, nsamples):
    deadline = time.monotonic() + SCRAPE_WAIT
    last = None
    while time.monotonic() < deadline:
        if srv.proc.poll() is not None:
            raise TestFailure("server exited (%s): %s" % (srv.proc.returncode, srv.stderr()[-2000:]))
        for src in _status(srv.port).get("sources", []):
            if src.get("url") == url:
                last = src
                if src.get("scrapes_ok", 0) >= 1:
                    if src.get("malformed_lines", 0) != 0 or src.get("samples") != nsamples:
                        raise TestFailure("feed not taken as written (%d samples sent): %r"
                                          % (nsamples, src))
                    return src
        time.sleep(0.05)
    raise TestFailure("no good scrape of %s within %.0fs (last: %r); log:\n%s"
                      % (url, SCRAPE_WAIT, last, srv.stderr()[-2000:]))


def _post(port, verb, body):
    st, _, raw = post_json(port, "/" + verb, body)
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    return st, raw, parsed


def _pod_app(case, verb):
    pod = case[verb]["request"].get("Pod") or {}
    return ((pod.get("metadata") or {}).get("labels") or {}).get("app")


def _app_unknown(case, app):
    a = (case["cluster"].get("apps") or {}).get(app)
    return app is None or not a or not a.get("requested")


# ---- comparisons (each returns a list of problems) ----

def _cmp_filter_recorded(case, st, raw, got):
    f = case["filter"]
    want = f["response"]
    errs = []
    if st != 200:
        return ["filter: status %d, expected 200; body %r" % (st, raw[:300])]
    if not isinstance(got, dict):
        return ["filter: answer is not a JSON object: %r" % raw[:300]]
    if got.get("Error") != want.get("Error"):
        errs.append("filter Error: got %r, expected %r" % (got.get("Error"), want.get("Error")))
    if "Nodes" not in got or got["Nodes"] is not None:
        errs.append("filter Nodes: got %r, expected null" % got.get("Nodes", "<absent>"))
    gf, wf = got.get("FailedNodes"), want.get("FailedNodes") or {}
    if not isinstance(gf, dict):
        errs.append("filter FailedNodes: got %r, expected an object" % (gf,))
    else:
        for k in sorted(set(gf) | set(wf)):
            if k not in gf:
                errs.append("filter FailedNodes lacks %s (expected %r)" % (k, wf[k]))
            elif k not in wf:
                errs.append("filter FailedNodes has extra %s: %r" % (k, gf[k]))
            elif gf[k] != wf[k]:
                errs.append("filter FailedNodes[%s]: got %r, expected %r" % (k, gf[k], wf[k]))
    gn, wn = got.get("NodeNames"), want.get("NodeNames")
    if f.get("node_names_order_significant", True) is False:
        if not isinstance(gn, list) or not isinstance(wn, list) or \
                sorted(gn) != sorted(wn) or len(set(gn)) != len(gn):
            errs.append("filter NodeNames (as a set): got %r, expected %r" % (gn, wn))
    elif gn != wn:
        errs.append("filter NodeNames: got %r, expected %r" % (gn, wn))
    return errs


def _cmp_prioritize_recorded(case, st, raw, got):
    want = case["prioritize"]["response"]
    if st != 200:
        return ["prioritize: status %d, expected 200; body %r" % (st, raw[:300])]
    if got != want:
        return ["prioritize: got %s, expected %s"
                % (raw.decode("utf-8", "replace").strip(), json.dumps(want, separators=(",", ":")))]
    return []


def _cmp_nodes_array(verb, st, raw, got):
    msg = "Nodes: expected a NodeList object, got an array"
    if st != 400:
        return ["%s with a Nodes array: status %d, expected 400; body %r" % (verb, st, raw[:300])]
    if not isinstance(got, dict) or msg not in str(got.get("Error")):
        return ["%s with a Nodes array: Error %r does not say %r" % (verb, raw[:300], msg)]
    return []


def _cmp_filter_unknown_app(case, mode, app, st, raw, got):
    names = case["filter"]["request"].get("NodeNames")
    if st != 200 or not isinstance(got, dict):
        return ["filter (unknown app, %s): status %d, body %r" % (mode, st, raw[:300])]
    errs = []
    if got.get("FailedNodes") != {}:
        errs.append("filter (unknown app, %s): FailedNodes %r, expected {}" % (mode, got.get("FailedNodes")))
    if mode == "pass":
        if got.get("Error") != "":
            errs.append("filter (unknown app, pass): Error %r, expected \"\"" % got.get("Error"))
        if got.get("NodeNames") != names:
            errs.append("filter (unknown app, pass): NodeNames %r, expected every node %r"
                        % (got.get("NodeNames"), names))
    else:
        want = "no requested resources for app %s" % app
        if got.get("Error") != want:
            errs.append("filter (unknown app, fail): Error %r, expected %r" % (got.get("Error"), want))
        if got.get("NodeNames") is not None:
            errs.append("filter (unknown app, fail): NodeNames %r, expected null" % (got.get("NodeNames"),))
    return errs


def _cmp_filter_data_error(case, st, raw, got):
    names = case["filter"]["request"].get("NodeNames") or []
    if st != 200 or not isinstance(got, dict):
        return ["filter (original crashed: %s): status %d, expected 200 with per-node "
                "failures; body %r" % (case["filter"].get("exception"), st, raw[:300])]
    ok = got.get("NodeNames") or []
    failed = got.get("FailedNodes") or {}
    errs = []
    if sorted(list(ok) + list(failed)) != sorted(names):
        errs.append("filter (original crashed): NodeNames %r + FailedNodes %r is not the request's %r"
                    % (ok, sorted(failed), names))
    for k, v in failed.items():
        if not v:
            errs.append("filter: FailedNodes[%s] has no reason" % k)
    return errs


def _cmp_prioritize_interface(case, st, raw, got, zeros):
    names = case["prioritize"]["request"].get("NodeNames") or []
    what = "prioritize (original: %s)" % case["prioritize"].get("exception")
    if st != 200 or not isinstance(got, list):
        return ["%s: status %d, expected 200; body %r" % (what, st, raw[:300])]
    hosts = [h.get("Host") for h in got]
    errs = []
    if hosts != sorted(names):
        errs.append("%s: hosts %r, expected every node in name order %r" % (what, hosts, sorted(names)))
    for h in got:
        if not isinstance(h.get("Score"), int) or (zeros and h["Score"] != 0):
            errs.append("%s: %r, expected %s" % (what, h, "score 0" if zeros else "an integer score"))
    return errs


# ---- one case ----

def _run_mode(name, case, mode):
    """Start exporter and server for one configuration; return problems."""
    body, nsamples = golden.exposition(case)
    app = _pod_app(case, "filter")
    unknown = _app_unknown(case, app)
    errs = []
    with FakeExporter("ok", body) as exp:
        port = free_port()
        text = golden.config_text(case, port, exp.url,
                                  unknown_app=None if mode == "default" else mode)
        srv = Server(text=text, port=port)
        rc, out = golden.check_config(srv.config)
        if rc != 0:
            if golden.NOT_IMPLEMENTED in out:
                raise TestFailure("not run: algorithm %s %s; would be a SKIP, but run.py has no "
                                  "'# SKIP' support, so it fails (--check-config exit %d): %s"
                                  % (case["algorithm"]["class"], golden.NOT_IMPLEMENTED, rc,
                                     out.strip()))
            raise TestFailure("--check-config rejected the case's INI (exit %d): %s\nINI:\n%s"
                              % (rc, out.strip(), text))
        with srv:
            _wait_scraped(srv, exp.url, nsamples)
            for verb in ("filter", "prioritize"):
                rec = case[verb]
                st, raw, got = _post(srv.port, verb, rec["request"])
                if rec["http_status"] == 200:
                    cmp = _cmp_filter_recorded if verb == "filter" else _cmp_prioritize_recorded
                    errs += cmp(case, st, raw, got)
                elif isinstance(rec["request"].get("Nodes"), list):
                    errs += _cmp_nodes_array(verb, st, raw, got)
                elif unknown:
                    if verb == "filter":
                        errs += _cmp_filter_unknown_app(case, "fail" if mode == "fail" else "pass",
                                                        app, st, raw, got)
                    else:
                        errs += _cmp_prioritize_interface(case, st, raw, got, zeros=True)
                elif verb == "filter":
                    errs += _cmp_filter_data_error(case, st, raw, got)
                else:
                    errs += _cmp_prioritize_interface(case, st, raw, got, zeros=False)
    if not errs:
        shutil.rmtree(srv.dir, ignore_errors=True)   # kept (INI, log) when something differs
    return ["[%s] %s" % (mode, e) for e in errs]


def run_case(name):
    try:
        case = golden.load(name)
    except (OSError, ValueError) as e:
        raise TestFailure("cannot load golden case %s from %s: %s" % (name, golden.GOLDEN_DIR, e))
    modes = ["default"]
    if any(case[v]["http_status"] != 200 and not isinstance(case[v]["request"].get("Nodes"), list)
           for v in ("filter", "prioritize")) and _app_unknown(case, _pod_app(case, "filter")):
        modes.append("fail")      # unknown_app: the default (pass) and fail
    errs = []
    for mode in modes:
        errs += _run_mode(name, case, mode)
    if errs:
        raise TestFailure("golden case %s (%s, %s): %d difference(s):\n%s"
                          % (name, case["algorithm"]["class"], golden.GOLDEN_DIR, len(errs),
                             "\n".join(errs)))


def test_golden_directory():
    names = golden.case_names()
    if not names:
        raise TestFailure("no golden cases: %s is missing or has no *.json" % golden.GOLDEN_DIR)


def _make(name):
    def t():
        run_case(name)
    t.__name__ = "test_" + name
    return t


for _name in golden.case_names():
    _fn = "test_" + re.sub(r"\W", "_", _name)
    if _fn not in globals():
        globals()[_fn] = _make(_name)
