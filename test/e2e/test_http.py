"""HTTP/1.1 behaviour over real sockets: splits, pipelining, limits, timeouts."""
import json
import socket
import threading
import time

from harness import (Reader, Server, args_names, build_request, check, connect, eq,
                     free_port, request)
from harness import DEFAULT_CONFIG
from harness import metric as harness_metric

BODY = json.dumps(args_names(["n1", "n2"])).encode()
FILTER_REQ = build_request("POST", "/filter", BODY)


def test_byte_at_a_time():
    with Server() as s:
        c = connect(s.port)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(FILTER_REQ)):
            c.send(FILTER_REQ[i:i + 1])
        st, _, body = Reader(c).response()
        eq(st, 200, "status")
        eq(json.loads(body)["NodeNames"], ["n1", "n2"], "names")
        c.close()


def test_pipelining_answers_in_order():
    with Server() as s:
        c = connect(s.port)
        reqs = (build_request("GET", "/healthz") + FILTER_REQ +
                build_request("POST", "/prioritize", BODY) + build_request("GET", "/nope"))
        c.sendall(reqs)
        r = Reader(c)
        eq(r.response()[0], 200, "1st (healthz)")
        st, _, body = r.response()
        eq((st, "FailedNodes" in json.loads(body)), (200, True), "2nd (filter)")
        st, _, body = r.response()
        eq((st, isinstance(json.loads(body), list)), (200, True), "3rd (prioritize)")
        eq(r.response()[0], 404, "4th")
        c.close()


def test_keep_alive_many_requests_one_connection():
    with Server() as s:
        c = connect(s.port)
        r = Reader(c)
        for i in range(200):
            c.sendall(FILTER_REQ)
            eq(r.response()[0], 200, "request %d" % i)
        c.close()


def test_chunked_body():
    with Server() as s:
        chunks = [BODY[i:i + 7] for i in range(0, len(BODY), 7)]
        raw = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(ch), ch) for ch in chunks) + b"0\r\nX-Trailer: 1\r\n\r\n"
        req = build_request("POST", "/filter", None, {"Transfer-Encoding": "chunked"}) + raw
        c = connect(s.port)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, len(req), 5):  # split awkwardly
            c.send(req[i:i + 5])
        st, _, body = Reader(c).response()
        eq(st, 200, "status")
        eq(json.loads(body)["NodeNames"], ["n1", "n2"], "names")
        c.close()


def test_expect_100_continue():
    with Server() as s:
        c = connect(s.port)
        head = build_request("POST", "/filter", None, {"Content-Length": str(len(BODY)),
                                                       "Expect": "100-continue",
                                                       "Content-Type": "application/json"})
        c.sendall(head)
        r = Reader(c)
        st, _, _ = r.response()
        eq(st, 100, "interim status")
        c.sendall(BODY)
        st, _, body = r.response()
        eq(st, 200, "final status")
        c.close()


def test_413_body_too_large():
    with Server(max_body="4K") as s:
        big = b'{"Pod":{},"NodeNames":["' + b"x" * 8000 + b'"]}'
        c = connect(s.port)
        c.sendall(build_request("POST", "/filter", None, {"Content-Length": str(len(big))}))
        r = Reader(c)
        st, hd, _ = r.response()
        eq(st, 413, "status (Content-Length)")
        eq(hd.get("connection"), "close", "connection header")
        check(r.closed(), "connection closed after 413")
        # Chunked bodies are limited too, as they arrive.
        c = connect(s.port)
        raw = b"".join(b"400\r\n" + b"y" * 1024 + b"\r\n" for _ in range(6)) + b"0\r\n\r\n"
        try:
            c.sendall(build_request("POST", "/filter", None, {"Transfer-Encoding": "chunked"}) + raw)
        except (BrokenPipeError, ConnectionResetError):
            pass
        eq(Reader(c).response()[0], 413, "status (chunked)")


def test_431_header_too_large():
    with Server(max_header="2K") as s:
        c = connect(s.port)
        c.sendall(build_request("GET", "/healthz", None, {"X-Big": "a" * 4000}))
        r = Reader(c)
        eq(r.response()[0], 431, "status")
        check(r.closed(), "closed after 431")


def test_405_and_404():
    with Server() as s:
        st, hd, _ = request("GET", "/filter", port=s.port)
        eq(st, 405, "GET /filter")
        eq(hd.get("allow"), "POST", "Allow header")
        st, hd, _ = request("POST", "/healthz", b"{}", port=s.port)
        eq(st, 405, "POST /healthz")
        st, _, _ = request("GET", "/nothing-here", port=s.port)
        eq(st, 404, "unknown route")
        st, hd, body = request("HEAD", "/healthz", port=s.port)
        eq((st, body), (200, b""), "HEAD")
        eq(hd.get("content-length"), "3", "HEAD content-length")


def test_http10_with_and_without_keep_alive():
    with Server() as s:
        c = connect(s.port)
        c.sendall(build_request("GET", "/healthz", version="HTTP/1.0"))
        r = Reader(c)
        st, hd, _ = r.response()
        eq(st, 200, "status")
        check(r.closed(), "HTTP/1.0 without keep-alive is closed")
        c = connect(s.port)
        r = Reader(c)
        for _ in range(3):
            c.sendall(build_request("GET", "/healthz", None, {"Connection": "keep-alive"},
                                    version="HTTP/1.0"))
            st, hd, _ = r.response()
            eq((st, hd.get("connection")), (200, "keep-alive"), "keep-alive answer")
        c.close()


def test_connection_close():
    with Server() as s:
        c = connect(s.port)
        c.sendall(build_request("POST", "/filter", BODY, {"Connection": "close"}))
        r = Reader(c)
        st, hd, _ = r.response()
        eq((st, hd.get("connection")), (200, "close"), "answer")
        check(r.closed(), "closed")


def test_malformed_heads_get_400():
    with Server(max_header="8K") as s:
        for raw in (b"GARBAGE\r\n\r\n",
                    # a request line longer than max_header
                    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", b"GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n",
                    b"GET /healthz HTTP/1.1\r\nX: a\x00b\r\n\r\n",
                    b"POST /filter HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                    b"POST /filter HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                    b"POST /filter HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                    # request smuggling: line ends a proxy may read otherwise
                    b"GET /healthz HTTP/1.1\nHost: x\n\n",
                    b"GET /healthz HTTP/1.1\r\nX: a\nContent-Length: 5\r\n\r\n",
                    b"GET /healthz HTTP/1.1\r\nX: a\rb\r\n\r\n",
                    b"POST /filter HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                    b"POST /filter HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                    # chunked framing: an overflowing size, a bare LF
                    b"POST /filter HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"fffffffffffffffffffff\r\n",
                    b"POST /filter HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"2\nab\r\n0\r\n\r\n"):
            c = connect(s.port)
            c.sendall(raw)
            r = Reader(c)
            eq(r.response()[0], 400, "status for %r" % raw)
            check(r.closed(), "closed after %r" % raw)
        eq(request("GET", "/healthz", port=s.port)[0], 200, "still serving")


def _rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_client_that_does_not_read_is_bounded_then_closed():
    """A client pipelining requests without reading the answers holds one
    answer's worth of the server's memory (nothing more is read or
    parsed while an answer waits), others are served meanwhile, and the
    write timeout closes it."""
    names = ["node-%04d" % i for i in range(500)]
    body = json.dumps(args_names(names)).encode()
    req = (b"POST /filter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    # No decision log: its ring's pages become resident as it fills (up
    # to decisions x 128 KiB), which is not what is measured here.
    with Server(read_timeout=1.5, log_level="debug", server_extra="decisions = 0") as s:
        rss0 = _rss_kb(s.proc.pid)
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.connect(("127.0.0.1", s.port))
        c.setblocking(False)
        # Send until the server stops taking more: the kernel's buffers fill
        # first (the answers in flight), then the server holds one answer
        # it cannot write and reads nothing further.
        sent, stuck_since = 0, None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                sent += c.send(req)
                stuck_since = None
            except BlockingIOError:
                stuck_since = stuck_since or time.monotonic()
                if time.monotonic() - stuck_since > 0.3:
                    break
                time.sleep(0.01)
        check(stuck_since is not None, "the server stopped reading (%d bytes sent)" % sent)
        t = time.monotonic()
        eq(request("POST", "/filter", body, port=s.port)[0], 200, "another client")
        check(time.monotonic() - t < 0.5, "another client is not delayed")
        grown = _rss_kb(s.proc.pid) - rss0
        check(grown < 4096, "the server's memory grew %d kB for %d bytes sent" % (grown, sent))
        s.wait_log(r'connection closed id=\d+ peer=\S+ reason="write timeout: client is not '
                   r'reading"', timeout=5)
        c.close()


def test_slowloris_does_not_delay_others():
    with Server(read_timeout=1.5) as s:
        slow = connect(s.port)
        slow.sendall(b"POST /filter HTTP/1.1\r\nContent-Length: 100\r\n")
        t0 = time.monotonic()
        worst = 0.0
        while time.monotonic() - t0 < 1.0:
            t = time.monotonic()
            eq(request("POST", "/filter", BODY, port=s.port)[0], 200, "other client")
            worst = max(worst, time.monotonic() - t)
            slow.send(b"X")  # drip
            time.sleep(0.05)
        check(worst < 0.5, "another client waited %.3fs" % worst)
        # The slow client is cut off at read_timeout from its first byte,
        # however it drips.
        r = Reader(slow)
        try:
            while time.monotonic() - t0 < 1.5 - 0.3:
                slow.send(b"Y")
                time.sleep(0.1)
        except OSError:
            raise AssertionError("closed before read_timeout")
        check(r.closed(timeout=3.0), "slow client closed after read_timeout")
        check(time.monotonic() - t0 < 3.5, "closed in time")


def test_idle_timeout():
    with Server(idle_timeout=0.5) as s:
        c = connect(s.port)
        c.sendall(build_request("GET", "/healthz"))
        r = Reader(c)
        eq(r.response()[0], 200, "status")
        t0 = time.monotonic()
        check(r.closed(timeout=3.0), "idle connection closed")
        check(0.3 < time.monotonic() - t0 < 2.5, "closed after about idle_timeout")


def test_connection_flood_past_max_connections():
    with Server(max_connections=20) as s:
        socks = []
        for _ in range(60):
            try:
                socks.append(connect(s.port, timeout=2))
            except OSError:
                pass
        time.sleep(0.3)
        served = refused = 0
        for c in socks:
            try:
                c.sendall(build_request("GET", "/healthz"))
                st, _, _ = Reader(c).response()
                served += st == 200
            except (OSError, EOFError):
                refused += 1
        check(served <= 20, "at most max_connections served (%d)" % served)
        check(served >= 1 and refused >= 40 - 5, "served %d refused %d" % (served, refused))
        for c in socks:
            c.close()
        time.sleep(0.2)
        eq(request("GET", "/healthz", port=s.port)[0], 200, "serving after the flood")
        st, _, m = request("GET", "/metrics", port=s.port)
        check(b"wca_scheduler_connections_rejected_total" in m, "rejections counted")


def test_probes_answer_while_clients_fill_max_connections():
    """health_listen has its own few places: with every one of
    max_connections held by clients, probes on it still answer (and what
    was shed shows in /metrics there)."""
    hport, port = free_port(), free_port()
    while port == hport:
        port = free_port()
    text = DEFAULT_CONFIG.format(
        listen="127.0.0.1:%d" % port, max_connections=4, max_body="1M", max_header="8K",
        read_timeout=5, idle_timeout=30, drain_timeout=5, namespaces="default",
        score_mode="clamp", log_level="info").replace(
        "[server]\n", "[server]\nhealth_listen = 127.0.0.1:%d\n" % hport, 1)
    with Server(text=text, port=port) as s:
        # Hold main-port connections until one is refused (the harness's
        # own readiness probe may still hold a place for a moment).
        held, refused = [], None
        for _ in range(8):
            c = connect(s.port, timeout=2)
            c.sendall(build_request("GET", "/healthz"))
            try:
                eq(Reader(c).response()[0], 200, "a held connection is served")
                held.append(c)
            except (EOFError, OSError):
                refused = c
                break
        check(refused is not None and 3 <= len(held) <= 4,
              "max_connections = 4 reached: %d held, refused %r" % (len(held), refused))
        extra = refused
        for path in ("/healthz", "/readyz"):
            eq(request("GET", path, port=hport)[0], 200, "probe %s with the limit reached" % path)
        st, _, m = request("GET", "/metrics", port=hport)
        eq(st, 200, "/metrics on health_listen")
        check(harness_metric(m.decode(), "wca_scheduler_connections_rejected_total") >= 1,
              "the refused connection counted")
        for c in held + [extra]:
            c.close()


def test_many_parallel_clients():
    with Server() as s:
        errors = []

        def worker():
            try:
                c = connect(s.port)
                r = Reader(c)
                for _ in range(50):
                    c.sendall(FILTER_REQ)
                    if r.response()[0] != 200:
                        errors.append("status")
                c.close()
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        ts = [threading.Thread(target=worker) for _ in range(16)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        eq(errors, [], "errors")


def test_ipv6_and_several_listen_addresses():
    p4, p6 = free_port(), free_port(socket.AF_INET6, "::1")
    with Server(listen="127.0.0.1:%d, [::1]:%d" % (p4, p6), port=p4) as s:
        eq(request("GET", "/healthz", port=p4)[0], 200, "IPv4")
        c = connect(p6, host="::1", family=socket.AF_INET6)
        c.sendall(build_request("GET", "/healthz"))
        eq(Reader(c).response()[0], 200, "IPv6")
        c.close()
        s.wait_log(r"listening addr=\[::1\]:%d" % p6)


def test_access_log_line():
    with Server() as s:
        request("POST", "/scheduler/filter", BODY, port=s.port)
        m = s.wait_log(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info http: request method=POST "
                       r"path=/scheduler/filter status=200 in=(\d+) out=(\d+) nodes=2 us=(\d+)")
        check(int(m.group(1)) > len(BODY), "bytes in include the head")
