"""The server's own endpoints: /healthz, /readyz, /status, /metrics."""
import json

from harness import (DEFAULT_CONFIG, Server, args_names, check, eq, free_port, metric, post_json,
                     request)


def test_healthz_readyz():
    with Server() as s:
        st, hd, body = request("GET", "/healthz", port=s.port)
        eq((st, body), (200, b"ok\n"), "healthz")
        st, hd, body = request("GET", "/readyz", port=s.port)
        eq((st, body), (200, b"ok\n"), "readyz")


def test_status_json():
    with Server() as s:
        st, hd, body = request("GET", "/status", port=s.port)
        eq(st, 200, "status")
        eq(hd["content-type"], "application/json", "content type")
        j = json.loads(body)
        eq(j["algorithm"], "NOP", "algorithm")
        eq(j["config"], s.config, "config path")
        eq(j["sources"], [], "sources")
        check(j["ready"] is True and j["connections"] >= 1, "ready, connections")
        check(isinstance(j["version"], str) and j["uptime_seconds"] >= 0, "version, uptime")
        eq(j["algorithm_params"], {"score_mode": "clamp", "max_node_score": 10}, "NOP params")


def test_status_effective_algorithm_params():
    text = DEFAULT_CONFIG.format(
        listen="127.0.0.1:%d" % free_port(), max_connections=8, max_body="1M", max_header="8K",
        read_timeout=5, idle_timeout=30, drain_timeout=5, namespaces="default",
        score_mode="wca", log_level="warn").replace(
        "name = NOP", "name = LeastUsedBAR\ndimensions = cpu, mem, membw_read, membw_write\n"
        "least_used_weight = 2\n[bar_weights]\ncpu = 3")
    with Server(text=text, port=int(text.split("127.0.0.1:")[1].split("\n")[0])) as s:
        p = json.loads(request("GET", "/status", port=s.port)[2])["algorithm_params"]
        eq(p, {"score_mode": "wca", "max_node_score": 10,
               "dimensions": ["cpu", "mem", "membw_read", "membw_write"],
               "unknown_app": "pass", "least_used_weight": 2,
               "least_used_weights": "default: 1 per dimension, plus membw_flat",
               "bar_weights": {"cpu": 3}}, "LeastUsedBAR's effective parameters")


def test_metrics_exposition():
    with Server() as s:
        for _ in range(3):
            post_json(s.port, "/filter", args_names(["a", "b", "c"]))
        post_json(s.port, "/prioritize", args_names(["a"]))
        request("POST", "/filter", b"{", port=s.port)
        request("GET", "/nope", port=s.port)
        st, hd, body = request("GET", "/metrics", port=s.port)
        eq(st, 200, "status")
        eq(hd["content-type"], "text/plain; version=0.0.4; charset=utf-8", "content type")
        m = body.decode()
        eq(metric(m, "wca_scheduler_requests_total", {"route": "filter", "code": "200"}), 3.0, "filter 200")
        eq(metric(m, "wca_scheduler_requests_total", {"route": "filter", "code": "400"}), 1.0, "filter 400")
        eq(metric(m, "wca_scheduler_requests_total", {"route": "other", "code": "404"}), 1.0, "404")
        eq(metric(m, "wca_scheduler_request_duration_seconds_count", {"verb": "filter"}), 4.0, "latency count")
        eq(metric(m, "wca_scheduler_request_duration_seconds_bucket", {"verb": "filter", "le": "+Inf"}), 4.0, "+Inf")
        eq(metric(m, "wca_scheduler_request_duration_seconds_bucket", {"verb": "filter", "le": "1e-05"}) is not None,
           True, "10 us bucket")
        eq(metric(m, "wca_scheduler_request_nodes_sum", {"verb": "filter"}), 9.0, "nodes sum")
        eq(metric(m, "wca_scheduler_request_nodes_count", {"verb": "prioritize"}), 1.0, "nodes count")
        check(metric(m, "wca_scheduler_request_body_bytes_total", {"verb": "filter"}) > 100, "body bytes")
        eq(metric(m, "wca_scheduler_open_connections"), 1.0, "open connections (this one)")
        eq(metric(m, "wca_scheduler_build_info", {"algorithm": "NOP"}), 1.0, "build info")
        eq(metric(m, "wca_scheduler_config_last_reload_successful"), 1.0, "reload state")
        # Well-formed exposition: every sample's family has a TYPE line.
        types = {l.split()[2] for l in m.splitlines() if l.startswith("# TYPE")}
        for line in m.splitlines():
            if line and not line.startswith("#"):
                name = line.split("{")[0].split(" ")[0]
                base = name
                for suf in ("_bucket", "_sum", "_count"):
                    if name.endswith(suf) and name[:-len(suf)] in types:
                        base = name[:-len(suf)]
                check(base in types, "no TYPE for %s" % name)
