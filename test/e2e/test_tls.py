"""HTTPS and mTLS serving with real clients: curl, openssl s_client and
Python's ssl module.  Every certificate is made by openssl at run time."""
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

from harness import (DEFAULT_CONFIG, Reader, Server, TestFailure, args_names, build_request,
                     check, connect, eq, free_port, metric, request)
import harness
import k8sgen
from pki import Pki

PKI = None


def pki():
    """One CA for the module, with a server and a kube-scheduler client."""
    global PKI
    if PKI is None:
        PKI = Pki()
        PKI.issue("srv", "wca", san="DNS:localhost,IP:127.0.0.1")
        PKI.issue("cli", "system:kube-scheduler", eku="clientAuth")
    return PKI


def config(port, tls_lines, read_timeout=5):
    text = DEFAULT_CONFIG.format(listen="127.0.0.1:%d" % port, max_connections=64,
                                 max_body="1M", max_header="8K", read_timeout=read_timeout,
                                 idle_timeout=30, drain_timeout=5, namespaces="default",
                                 score_mode="clamp", log_level="info")
    return text.replace("[server]\n", "[server]\n" + "".join(l + "\n" for l in tls_lines), 1)


def ctx(cert=None, key=None, ca=None, alpn=("h2", "http/1.1")):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.load_verify_locations(ca or pki().path("test-ca.crt"))
    if cert:
        c.load_cert_chain(cert, key)
    if alpn:
        c.set_alpn_protocols(list(alpn))
    return c


def client_ctx():
    return ctx(pki().path("cli.crt"), pki().path("cli.key"))


def mtls_server(names="system:kube-scheduler", cert="srv", extra=(), read_timeout=5,
                harness_ctx=None, port=None):
    p = pki()
    port = port or free_port()
    lines = ["tls_cert = " + p.path(cert + ".crt"), "tls_key = " + p.path(cert + ".key"),
             "client_ca = " + p.path("test-ca.crt")]
    if names:
        lines.append("client_names = " + names)
    return Server(text=config(port, list(lines) + list(extra), read_timeout), port=port,
                  tls=harness_ctx or client_ctx())


def curl(port, *args, path="/healthz"):
    r = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}",
                        "--cacert", pki().path("test-ca.crt")] + list(args) +
                       ["https://localhost:%d%s" % (port, path)],
                       capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body, r.stderr


def s_client(port, *args):
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                        "-servername", "localhost", "-CAfile", pki().path("test-ca.crt"),
                        "-verify_return_error", "-ign_eof"] + list(args),
                       input="GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                       capture_output=True, text=True, timeout=20)
    return r.stdout + r.stderr


def test_tls_curl_client_certificate_and_keepalive_calls():
    p = pki()
    with mtls_server() as s:
        code, body, err = curl(s.port, "--cert", p.path("cli.crt"), "--key", p.path("cli.key"))
        eq((code, body), (200, "ok\n"), "curl with the kube-scheduler certificate: " + err)
        # kube-scheduler's pattern: one keep-alive connection, filter then prioritize.
        c = connect(s.port, tls=client_ctx())
        eq(c.version(), "TLSv1.2", "protocol")
        eq(c.selected_alpn_protocol(), "http/1.1", "ALPN picks http/1.1 over h2")
        check("GCM" in c.cipher()[0] or "CHACHA20" in c.cipher()[0], "AEAD suite: %r" % (c.cipher(),))
        r = Reader(c)
        body = json.dumps(args_names(["n%d" % i for i in range(500)])).encode()
        for _ in range(20):
            for verb in ("/filter", "/prioritize"):
                c.sendall(build_request("POST", verb, body))
                st, _, out = r.response()
                eq(st, 200, verb)
        eq(len(json.loads(out)), 500, "prioritize over TLS answers every node")
        c.close()
        m = request("GET", "/metrics", port=s.port, tls=client_ctx())[2].decode()
        check(metric(m, "wca_scheduler_tls_handshakes_total") >= 2, "handshakes counted")
        expiry = metric(m, "wca_scheduler_tls_certificate_expiry_timestamp_seconds")
        check(expiry is not None and time.time() + 86400 < expiry < time.time() + 3 * 86400,
              "certificate expiry exported: %r" % expiry)


def test_tls_refuses_missing_wrong_and_expired_client_certificates():
    p = pki()
    other = Pki("other-ca")
    other.issue("stranger", "system:kube-scheduler", eku="clientAuth")
    p.issue("expired", "system:kube-scheduler", eku="clientAuth", days=-1)
    try:
        with mtls_server() as s:
            code, _, err = curl(s.port)
            eq(code, 0, "no client certificate: refused in the handshake (%s)" % err)
            s.wait_log(r"TLS handshake failed id=\d+ peer=127\.0\.0\.1:\d+ "
                       r'error="no client certificate')
            code, _, _ = curl(s.port, "--cert", other.path("stranger.crt"), "--key",
                              other.path("stranger.key"))
            eq(code, 0, "a certificate from another CA")
            s.wait_log(r'error="the peer.s certificate is not signed by a trusted CA')
            out = s_client(s.port, "-cert", p.path("expired.crt"), "-key", p.path("expired.key"))
            check("HTTP/1.1 200" not in out, "expired certificate refused:\n" + out[-800:])
            s.wait_log(r'error="the peer.s certificate is expired or not yet valid')
            out = s_client(s.port, "-cert", p.path("cli.crt"), "-key", p.path("cli.key"))
            check("HTTP/1.1 200" in out, "openssl s_client with the right certificate:\n" +
                  out[-800:])
            check("Verify return code: 0 (ok)" in out, "server chain verified by s_client")
            m = request("GET", "/metrics", port=s.port, tls=client_ctx())[2].decode()
            check(metric(m, "wca_scheduler_tls_handshake_failures_total") >= 3, "failures counted")
    finally:
        other.cleanup()


def test_tls_client_names_cn_or_dns_san():
    p = pki()
    p.issue("other", "someone-else", san="DNS:sched.example,DNS:x.example", eku="clientAuth")
    with mtls_server(names="system:kube-scheduler, x.example") as s:
        code, _, _ = curl(s.port, "--cert", p.path("other.crt"), "--key", p.path("other.key"))
        eq(code, 200, "a DNS SAN on the list (the second SAN) is enough")
    p.issue("listed", "only-this-one", eku="clientAuth")
    with mtls_server(names="only-this-one",
                     harness_ctx=ctx(p.path("listed.crt"), p.path("listed.key"))) as s:
        code, body, _ = curl(s.port, "--cert", p.path("cli.crt"), "--key", p.path("cli.key"),
                             path="/filter")
        eq(code, 403, "a verified client whose names are not listed")
        eq(json.loads(body)["Error"], "client certificate CN=system:kube-scheduler DNS=- is "
           "not in client_names", "403 names the identity")
        s.wait_log(r'warn tls: client not in client_names id=\d+ peer=\S+ '
                   r'client="CN=system:kube-scheduler DNS=-"')


def test_tls_rsa_pkcs8_pkcs1_server_keys():
    p = pki()
    for form in ("pkcs1", "pkcs8"):
        p.issue("rsa-" + form, "wca", san="DNS:localhost", rsa=True, form=form)
        with mtls_server(cert="rsa-" + form) as s:
            c = connect(s.port, tls=client_ctx())
            check("ECDHE-RSA" in c.cipher()[0], "RSA suite for %s: %r" % (form, c.cipher()))
            c.close()
    p.issue("ec-p8", "wca", san="DNS:localhost", form="pkcs8")
    with mtls_server(cert="ec-p8") as s:
        eq(curl(s.port, "--cert", p.path("cli.crt"), "--key", p.path("cli.key"))[0], 200,
           "EC key in PKCS#8")


def test_tls_session_resumption_keeps_client_identity():
    with mtls_server() as s:
        c1 = ctx(pki().path("cli.crt"), pki().path("cli.key"))
        a = connect(s.port, tls=c1)
        a.sendall(build_request("GET", "/healthz"))
        eq(Reader(a).response()[0], 200, "first connection")
        sess = a.session
        a.close()
        raw = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        b = c1.wrap_socket(raw, server_hostname="localhost", session=sess)
        check(b.session_reused, "the second connection resumed the session")
        b.sendall(build_request("GET", "/healthz"))
        eq(Reader(b).response()[0], 200, "a resumed session keeps its client identity "
           "(client_names still pass)")
        b.close()


def bio_handshake(raw, obj, inc, flush, deadline):
    """A MemoryBIO handshake over the blocking socket raw; flush() sends
    what the client has written."""
    while time.monotonic() < deadline:
        try:
            obj.do_handshake()
            return
        except ssl.SSLWantReadError:
            flush()
            chunk = raw.recv(65536)
            if not chunk:
                raise TestFailure("server closed during the handshake")
            inc.write(chunk)
    raise TestFailure("handshake not done in time")


def drive_handshake_bytewise(port, context):
    """A handshake whose every byte goes out in its own TCP write."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = context.wrap_bio(inc, out, server_hostname="localhost")
    deadline = time.monotonic() + 10

    def flush():
        data = out.read()
        for i in range(len(data)):
            raw.sendall(data[i:i + 1])

    bio_handshake(raw, obj, inc, flush, deadline)
    flush()
    obj.write(build_request("GET", "/healthz"))
    flush()
    got = b""
    while b"\r\n\r\n" not in got and time.monotonic() < deadline:
        try:
            got += obj.read(4096)
        except ssl.SSLWantReadError:
            inc.write(raw.recv(65536))
    raw.close()
    return got


def test_tls_bytewise_handshake_and_stalled_client():
    with mtls_server(read_timeout=1) as s:
        got = drive_handshake_bytewise(s.port, client_ctx())
        check(got.startswith(b"HTTP/1.1 200"), "byte-wise handshake then a request: %r" % got[:80])
        # A client that sends half a ClientHello and stops: closed after
        # read_timeout, and others are served meanwhile.
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = client_ctx().wrap_bio(inc, out, server_hostname="localhost")
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        hello = out.read()
        stall = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        stall.sendall(hello[:len(hello) // 2])
        t0 = time.monotonic()
        for _ in range(5):
            t1 = time.monotonic()
            eq(request("GET", "/healthz", port=s.port, tls=client_ctx())[0], 200,
               "served while another client stalls")
            check(time.monotonic() - t1 < 0.5, "not delayed by the stalled handshake")
        check(Reader(stall).closed(timeout=4), "stalled handshake closed")
        waited = time.monotonic() - t0
        check(0.8 < waited < 3.0, "closed after read_timeout (1 s), took %.2f s" % waited)
        stall.close()
        s.wait_log(r"info tls: TLS handshake timed out id=\d+ peer=127\.0\.0\.1:\d+")


def tls_pump(port, payload, answers, rcvbuf=None, read_after=0.0, timeout=20.0):
    """Send payload over TLS and read `answers` HTTP responses, in one
    thread with non-blocking sockets (an SSLSocket cannot send in one
    thread while it reads in another): sending goes on while answers come
    back, and nothing is read before read_after seconds."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(5)
    raw.connect(("127.0.0.1", port))
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_ctx().wrap_bio(inc, out, server_hostname="localhost")
    deadline = time.monotonic() + timeout
    bio_handshake(raw, obj, inc, lambda: raw.sendall(out.read()), deadline)
    obj.write(payload)
    wire = out.read()
    raw.setblocking(False)
    start, plain, got = time.monotonic(), b"", []
    while len(got) < answers:
        if time.monotonic() > deadline:
            raise TestFailure("%d of %d answers within %.0f s" % (len(got), answers, timeout))
        reading = time.monotonic() - start >= read_after
        _, w, _ = select.select([raw] if reading else [], [raw] if wire else [], [], 0.05)
        if w:
            try:
                wire = wire[raw.send(wire):]
            except BlockingIOError:
                pass
        if not reading:
            continue
        try:
            chunk = raw.recv(1 << 16)
        except BlockingIOError:
            continue
        if not chunk:
            raise TestFailure("closed after %d of %d answers" % (len(got), answers))
        inc.write(chunk)
        while True:
            try:
                plain += obj.read(1 << 16)
            except ssl.SSLWantReadError:
                break
        while b"\r\n\r\n" in plain:
            head, rest = plain.split(b"\r\n\r\n", 1)
            n = int(re.search(rb"(?im)^content-length: *(\d+)", head).group(1))
            if len(rest) < n:
                break
            got.append((int(head.split(b" ", 2)[1]), rest[:n]))
            plain = rest[n:]
    raw.close()
    return got


def test_tls_large_pipelined_requests_and_a_slow_reader():
    # Records are batched between the engine and the socket: reads take
    # what the socket has (the start of the next request too), sends wait
    # for room with bytes still in the batch.  Every answer must arrive
    # whole and in order.
    body = k8sgen.extender_args(100, "nodes")
    raw = json.dumps(body, separators=(",", ":")).encode()
    check(len(raw) > 400000, "a large body (%d bytes)" % len(raw))
    req = build_request("POST", "/filter", raw)
    with mtls_server() as s:
        # Pipelined; then 8 answers (more than the 4 MiB a loopback send
        # buffer grows to) with nothing read for a while, so that the
        # server's sends meet a full socket.
        for label, n, kw in (("pipelined", 3, {}),
                             ("read slowly", 8, dict(rcvbuf=4096, read_after=1.0))):
            got = tls_pump(s.port, req * n, n, **kw)
            for k, (st, out) in enumerate(got):
                eq(st, 200, "%s answer %d" % (label, k))
                eq(json.loads(out)["Nodes"]["items"], body["Nodes"]["items"],
                   "%s answer %d echoes the nodes" % (label, k))
        eq(request("GET", "/healthz", port=s.port, tls=client_ctx())[0], 200, "still serving")


def replace_files(p, stem, cn="wca"):
    """New stem.crt/.key written next to the served ones, then renamed
    over them (how cert-manager and kubelet rotate)."""
    p.issue(stem + "-next", cn, san="DNS:localhost,IP:127.0.0.1")
    os.replace(p.path(stem + "-next.key"), p.path(stem + ".key"))
    os.replace(p.path(stem + "-next.crt"), p.path(stem + ".crt"))


def serial_of(port):
    c = connect(port, tls=client_ctx())
    der = c.getpeercert(binary_form=True)
    c.close()
    return der


def test_tls_reload_by_sighup_under_load():
    p = pki()
    p.issue("hup", "wca", san="DNS:localhost,IP:127.0.0.1")
    with mtls_server(cert="hup") as s:
        before = serial_of(s.port)
        stop, errors, done = threading.Event(), [], [0]

        def load():
            c = connect(s.port, tls=client_ctx())
            r = Reader(c)
            body = json.dumps(args_names(["a", "b"])).encode()
            while not stop.is_set() and done[0] < 5000:
                try:
                    c.sendall(build_request("POST", "/filter", body))
                    if r.response()[0] != 200:
                        errors.append("status")
                    done[0] += 1
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(repr(e))
                    return
            c.close()

        t = threading.Thread(target=load)
        t.start()
        try:
            time.sleep(0.3)
            replace_files(p, "hup")
            s.signal(signal.SIGHUP)
            s.wait_log(r"info server: configuration reloaded")
            for _ in range(20):
                eq(request("GET", "/healthz", port=s.port, tls=client_ctx())[0], 200,
                   "new connections during the reload")
            time.sleep(0.3)
        finally:
            stop.set()
            t.join(timeout=20)
        eq(errors, [], "the keep-alive connection kept working across the reload")
        check(done[0] > 50, "requests made during the reload: %d" % done[0])
        check(serial_of(s.port) != before, "new handshakes get the new certificate")


def test_tls_reload_on_file_change_and_broken_file_keeps_old():
    p = pki()
    p.issue("watch", "wca", san="DNS:localhost,IP:127.0.0.1")
    with mtls_server(cert="watch") as s:
        before = serial_of(s.port)
        # A broken key: rejected, logged, the old credentials serve on.
        shutil.copy(p.path("watch.key"), p.path("watch.key.good"))
        with open(p.path("watch.key"), "w") as f:
            f.write("-----BEGIN EC PRIVATE KEY-----\nnot base64\n")
        s.wait_log(r"error tls: TLS files changed but were rejected, the old credentials "
                   r"keep serving: \S+watch\.key: ", timeout=12)
        eq(serial_of(s.port), before, "old certificate still served")
        os.replace(p.path("watch.key.good"), p.path("watch.key"))
        replace_files(p, "watch")
        s.wait_log(r"info tls: TLS files reloaded cert=\S+watch\.crt", timeout=12)
        check(serial_of(s.port) != before, "the changed files serve without a SIGHUP")
        m = request("GET", "/metrics", port=s.port, tls=client_ctx())[2].decode()
        check(metric(m, "wca_scheduler_tls_reloads_total", {"result": "failure"}) >= 1,
              "failed reload counted")
        check(metric(m, "wca_scheduler_tls_reloads_total", {"result": "success"}) >= 1,
              "reload counted")


def test_tls_expired_serving_certificate_fails_readyz():
    p = pki()
    p.issue("old", "wca", san="DNS:localhost,IP:127.0.0.1", days=-1)
    lax = ctx(p.path("cli.crt"), p.path("cli.key"))
    lax.check_hostname = False
    lax.verify_mode = ssl.CERT_NONE
    port = free_port()
    s = Server(text=config(port, ["tls_cert = " + p.path("old.crt"),
                                  "tls_key = " + p.path("old.key"),
                                  "client_ca = " + p.path("test-ca.crt")]), port=port, tls=lax)
    with s:
        st, _, body = request("GET", "/readyz", port=s.port, tls=lax)
        eq((st, body), (503, b"not ready: the serving certificate (tls_cert) has expired\n"),
           "/readyz with an expired certificate")
        s.wait_log(r"error tls: the serving certificate has expired")


def test_tls_check_config_names_the_file_and_line():
    p = pki()
    p.issue("mismatch", "wca", san="DNS:localhost")
    port = free_port()
    s = Server(text=config(port, ["tls_cert = " + p.path("mismatch.crt"),
                                  "tls_key = " + p.path("srv.key")]), port=port)
    r = subprocess.run([harness.BIN,
                        "--check-config", "-c", s.config], capture_output=True, text=True,
                       timeout=20)
    eq(r.returncode, 2, "exit status")
    eq(r.stdout.strip(), "%s:2: %s: the key does not match the certificate of %s" % (
        s.config, p.path("srv.key"), p.path("mismatch.crt")), "message")


# ---- https:// metrics sources ----

FEED = (b"# TYPE wca_node_capacity gauge\n"
        b'wca_node_capacity{node="n1",dim="cpu"} 8\n'
        b'wca_node_capacity{node="n1",dim="mem"} 32\n')


def exporter_ctx(stem="srv", client_ca=None):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.load_cert_chain(pki().path(stem + ".crt"), pki().path(stem + ".key"))
    if client_ca:
        c.load_verify_locations(client_ca)
        c.verify_mode = ssl.CERT_REQUIRED
    return c


def scrape_server(url, metrics_lines):
    return Server(extra="[metrics]\nsource = %s\ninterval = 0.5\ntimeout = 0.5\nstaleness = 5\n%s"
                  % (url, "".join(l + "\n" for l in metrics_lines)))


def source_state(s, url, want, timeout=8.0):
    """The source's /status entry once want(entry) holds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        for src in json.loads(request("GET", "/status", port=s.port)[2])["sources"]:
            if src["url"] == url:
                last = src
                if want(src):
                    return src
        time.sleep(0.05)
    raise TestFailure("source %s never reached the state; last: %r\n%s" %
                      (url, last, s.stderr()[-2000:]))


def test_https_source_verified_by_ca_for_ip_and_name():
    from exporters import FakeExporter
    p = pki()
    for host in ("127.0.0.1", "localhost"):
        with FakeExporter("ok", FEED, tls=exporter_ctx(), host=host) as e:
            with scrape_server(e.url, ["ca = " + p.path("test-ca.crt")]) as s:
                src = source_state(s, e.url, lambda x: x["scrapes_ok"] >= 2)
                eq(src["samples"], 2, "samples over https (%s)" % host)
                n = json.loads(request("GET", "/nodes", port=s.port)[2])["nodes"]
                eq(n[0]["capacity"]["cpu"], 8.0, "data from the https source")
                eq(e.tls_errors, [], "handshakes the exporter saw")


def test_https_source_untrusted_or_wrong_name_fails_and_counts():
    from exporters import FakeExporter
    p = pki()
    other = Pki("other-ca")
    p.issue("elsewhere", "elsewhere", san="DNS:elsewhere.example")
    try:
        with FakeExporter("ok", FEED, tls=exporter_ctx()) as e:
            with scrape_server(e.url, ["ca = " + other.path("other-ca.crt")]) as s:
                src = source_state(s, e.url, lambda x: x["last_error"])
                check("TLS: the peer's certificate is not signed by a trusted CA" in
                      src["last_error"], "untrusted: %r" % src["last_error"])
                eq(src["scrapes_ok"], 0, "nothing from an untrusted server")
                m = request("GET", "/metrics", port=s.port)[2].decode()
                check(metric(m, "wca_scheduler_scrape_errors_total",
                             {"source": e.url, "reason": "tls"}) >= 1, "counted as tls")
        with FakeExporter("ok", FEED, tls=exporter_ctx("elsewhere")) as e:
            with scrape_server(e.url, ["ca = " + p.path("test-ca.crt")]) as s:
                src = source_state(s, e.url, lambda x: x["last_error"])
                check("not for this host name or IP" in src["last_error"],
                      "an IP not in the certificate: %r" % src["last_error"])
    finally:
        other.cleanup()


def test_https_source_with_client_certificate():
    from exporters import FakeExporter
    p = pki()
    need = exporter_ctx(client_ca=p.path("test-ca.crt"))
    with FakeExporter("ok", FEED, tls=need) as e:
        with scrape_server(e.url, ["ca = " + p.path("test-ca.crt"),
                                   "cert = " + p.path("cli.crt"),
                                   "key = " + p.path("cli.key")]) as s:
            source_state(s, e.url, lambda x: x["scrapes_ok"] >= 1)
        with scrape_server(e.url, ["ca = " + p.path("test-ca.crt")]) as s:
            src = source_state(s, e.url, lambda x: x["last_error"])
            check(src["last_error"].startswith("TLS: "), "no client certificate: %r" %
                  src["last_error"])


def test_https_source_bad_ca_file_is_a_config_error():
    port = free_port()
    s = Server(text=config(port, []) + "[metrics]\nsource = https://127.0.0.1:1/metrics\n"
               "ca = /nonexistent/ca.pem\n", port=port)
    r = subprocess.run([harness.BIN, "--check-config", "-c", s.config], capture_output=True,
                       text=True, timeout=20)
    eq(r.returncode, 2, "exit status")
    check(r.stdout.strip().endswith(":19: /nonexistent/ca.pem: No such file or directory"),
          "names the ca line: %r" % r.stdout)


def test_health_listen_serves_probes_in_plain_http_next_to_mtls():
    hport, port = free_port(), free_port()
    while port == hport:
        port = free_port()
    with mtls_server(extra=["health_listen = 127.0.0.1:%d" % hport], port=port) as s:
        for path in ("/healthz", "/readyz", "/metrics"):
            eq(request("GET", path, port=hport)[0], 200, "plain %s on health_listen" % path)
        st, _, body = request("POST", "/filter", json.dumps(args_names(["a"])), port=hport)
        eq((st, json.loads(body)["Error"]), (404, "health_listen serves /healthz, /readyz and "
           "/metrics only"), "no extender verbs on health_listen")
        eq(curl(s.port)[0], 0, "the extender port still requires a client certificate")
        s.wait_log(r"listening addr=127\.0\.0\.1:%d tls=off role=health" % hport)
    port = free_port()
    bad = Server(text=config(port, ["health_listen = 127.0.0.1:%d" % port]), port=port)
    r = subprocess.run([harness.BIN, "--check-config", "-c", bad.config], capture_output=True,
                       text=True, timeout=20)
    eq(r.stdout.strip(), "%s:2: health_listen: 127.0.0.1:%d is already a listen address" % (
        bad.config, port), "the same address twice")


def test_key_readable_by_others_is_warned_about():
    """A private key with group or world permissions is served, with a
    warning naming the file and its mode (a Secret's default 0644 must
    not become an outage); a 0600 key gets none."""
    p = pki()
    p.issue("loose", "wca", san="DNS:localhost,IP:127.0.0.1")
    key = p.path("loose.key")
    for mode, warned in ((0o644, True), (0o600, False)):
        os.chmod(key, mode)
        port = free_port()
        lines = ["tls_cert = " + p.path("loose.crt"), "tls_key = " + key]
        with Server(text=config(port, lines), port=port, tls=ctx()) as s:
            eq(request("GET", "/healthz", port=s.port, tls=ctx())[0], 200, "served over TLS")
            pattern = r"warn tls: key %s can be read by its group or others \(mode %04o\)" % (
                re.escape(key), mode)
            if warned:
                s.wait_log(pattern)
            else:
                check("can be read by its group" not in s.stderr(), s.stderr()[-1000:])
            # No secret in the log or /status: no line of the key's PEM body.
            with open(key) as f:
                body = [l.strip() for l in f if l.strip() and not l.startswith("-----")]
            st, _, status = request("GET", "/status", port=s.port, tls=ctx())
            eq(st, 200, "/status")
            for l in body:
                check(l not in s.stderr() and l not in status.decode(), "key material leaked")
