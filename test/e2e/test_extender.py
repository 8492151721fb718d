"""Extender verbs with the NOP algorithm, both request forms, errors."""
import json

import k8sgen
from harness import Server, args_names, check, eq, post_json, request, pod

NAMES = ["node-a", "node-b", "node-c"]


def test_filter_names_form():
    with Server() as s:
        st, hd, body = post_json(s.port, "/filter", args_names(NAMES))
        eq(st, 200, "status")
        eq(hd["content-type"], "application/json", "content type")
        # Byte layout of the original server: sorted keys, compact, "\n".
        eq(body, b'{"Error":"","FailedNodes":{},"NodeNames":["node-a","node-b","node-c"],'
                 b'"Nodes":null}\n', "body")


def test_prioritize_names_form_request_order():
    with Server() as s:
        st, _, body = post_json(s.port, "/prioritize", args_names(["z", "a", "m"]))
        eq(st, 200, "status")
        eq(json.loads(body), [{"Host": "z", "Score": 0}, {"Host": "a", "Score": 0},
                              {"Host": "m", "Score": 0}], "priorities")


def test_prioritize_wca_mode_sorted_like_original():
    with Server(score_mode="wca") as s:
        st, _, body = post_json(s.port, "/prioritize", args_names(["z", "a", "m"]))
        eq(st, 200, "status")
        eq(body, b'[{"Host":"a","Score":0},{"Host":"m","Score":0},{"Host":"z","Score":0}]\n', "body")


def test_golden_nop_case_bytes():
    """The recorded NOP case of the original answers byte-for-byte."""
    import os
    from harness import ROOT
    path = os.path.join(os.path.dirname(ROOT), "shared", "golden", "wca", "nop_basic.json")
    case = json.load(open(path))
    with Server(score_mode="wca") as s:
        for verb in ("filter", "prioritize"):
            st, _, body = post_json(s.port, "/" + verb, case[verb]["request"])
            eq(st, case[verb]["http_status"], verb + " status")
            eq(body.decode(), case[verb]["response_body"], verb + " body")


def test_full_nodes_echoed_byte_for_byte():
    body = k8sgen.extender_args(7, "nodes")
    raw = json.dumps(body, separators=(",", ":")).encode()
    with Server(max_body="16M") as s:
        st, _, out = request("POST", "/filter", raw, port=s.port)
        eq(st, 200, "status")
        got = json.loads(out)
        eq(got["NodeNames"], None, "NodeNames in full form")
        eq(len(got["Nodes"]["items"]), 7, "items")
        # Each accepted node is the request's own bytes.
        for item in body["Nodes"]["items"]:
            span = json.dumps(item, separators=(",", ":")).encode()
            check(span in out, "node %s not echoed verbatim" % item["metadata"]["name"])
        eq(got["Nodes"]["items"], body["Nodes"]["items"], "decoded items")
        st, _, out = request("POST", "/prioritize", raw, port=s.port)
        eq([h["Host"] for h in json.loads(out)],
           [n["metadata"]["name"] for n in body["Nodes"]["items"]], "hosts")


def test_namespace_pass_through():
    with Server(namespaces="default, prod") as s:
        other = args_names(NAMES, namespace="kube-system")
        st, _, body = post_json(s.port, "/filter", other)
        eq(st, 200, "status")
        eq(json.loads(body)["NodeNames"], NAMES, "all nodes accepted")
        st, _, body = post_json(s.port, "/prioritize", other)
        eq(body, b"[]\n", "prioritize of an ignored pod")
        st, _, body = post_json(s.port, "/prioritize", args_names(NAMES, namespace="prod"))
        eq(len(json.loads(body)), 3, "judged namespace")
        st, _, metrics = request("GET", "/metrics", port=s.port)
        check(b'wca_scheduler_pods_passed_through_total{verb="filter"} 1' in metrics, "counter")


def test_route_matches_last_segment():
    with Server() as s:
        for path in ("/filter", "/scheduler/filter", "/a/b/c/filter", "/scheduler/filter/"):
            st, _, _ = post_json(s.port, path, args_names(NAMES))
            eq(st, 200, path)
        st, _, _ = post_json(s.port, "/filterx", args_names(NAMES))
        eq(st, 404, "/filterx")


def test_go_case_insensitive_keys():
    with Server() as s:
        body = {"pod": pod(), "nodes": None, "nodenames": ["x", "y"]}
        st, _, out = post_json(s.port, "/filter", body)
        eq(st, 200, "status")
        eq(json.loads(out)["NodeNames"], ["x", "y"], "names")


def test_preempt_both_forms():
    with Server() as s:
        meta = {"Pod": pod(), "NodeNameToMetaVictims": {
            "n1": {"Pods": [{"UID": "u1"}, {"UID": "u2"}], "NumPDBViolations": 1}}}
        st, _, out = post_json(s.port, "/preempt", meta)
        eq(st, 200, "status")
        eq(json.loads(out), {"NodeNameToMetaVictims": meta["NodeNameToMetaVictims"]}, "meta form")
        full = {"Pod": pod(), "NodeNameToVictims": {
            "n1": {"Pods": [{"metadata": {"name": "v", "uid": "u9"}}], "NumPDBViolations": 2},
            "n2": {"Pods": [], "NumPDBViolations": 0}}}
        st, _, out = post_json(s.port, "/preempt", full)
        eq(st, 200, "status")
        eq(json.loads(out), {"NodeNameToMetaVictims": {
            "n1": {"Pods": [{"UID": "u9"}], "NumPDBViolations": 2},
            "n2": {"Pods": [], "NumPDBViolations": 0}}}, "converted to the meta form")


def test_bad_requests_get_400_with_offset():
    with Server() as s:
        cases = [
            (b"", "offset 0"),
            (b"{", "offset"),
            (b'{"Pod":{}, "NodeNames":["a",]}', "offset"),
            (b'{"NodeNames":["a"]}', "Pod: missing"),
            (b'{"Pod":"x","NodeNames":["a"]}', "Pod: expected an object"),
            (b'{"Pod":{},"NodeNames":"a"}', "NodeNames: expected an array"),
            (b'{"Pod":{},"NodeNames":["a",1]}', "NodeNames[1]: expected a string"),
            (b'{"Pod":{},"Nodes":{"items":[{"metadata":{}}]}}', "Nodes.items[0].metadata.name"),
            (b'[1,2]', "expected an object"),
        ]
        for raw, want in cases:
            st, hd, out = request("POST", "/filter", raw, port=s.port)
            eq(st, 400, "status for %r" % raw)
            err = json.loads(out)["Error"]
            check(want in err, "error for %r is %r, expected it to contain %r" % (raw, err, want))


def test_malformed_json_at_many_offsets():
    """Every truncation of a valid body is a 400 naming an offset."""
    good = json.dumps(args_names(NAMES)).encode()
    with Server() as s:
        for cut in range(0, len(good) - 1, 3):
            st, _, out = request("POST", "/filter", good[:cut], port=s.port)
            eq(st, 400, "status at cut %d" % cut)
            check(json.loads(out)["Error"].startswith("offset "), "offset in %r" % out)
        # The server is unharmed.
        st, _, _ = request("POST", "/filter", good, port=s.port)
        eq(st, 200, "status after the bad ones")
