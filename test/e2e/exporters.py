"""Metrics sources for the scraper tests: fake exporters served from a
thread of the test process, and Debian's real prometheus-node-exporter.

Every server listens on 127.0.0.1 only, on a free port, and is stopped by
the test that started it (context managers)."""
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.request

from harness import TestFailure, free_port


def wca_cluster(nodes=("n1", "n2", "n3"), apps=("memcached", "redis")):
    """Exposition text with the WCA series of interface.md section 5."""
    lines = ["# HELP wca_node_capacity Capacity of a node per dimension.",
             "# TYPE wca_node_capacity gauge"]
    for i, n in enumerate(nodes):
        lines += ['wca_node_capacity{node="%s",dim="cpu"} %d' % (n, 16 * (i + 1)),
                  'wca_node_capacity{node="%s",dim="mem"} %d' % (n, 64 * (i + 1)),
                  'wca_node_capacity{dim="mbw_read",node="%s"} %g' % (n, 40.5),
                  'wca_node_type{node="%s",nodetype="%s"} 1' % (n, "pmem" if i == 0 else "dram")]
    for j, a in enumerate(apps):
        lines += ['wca_app_requested{app="%s",dim="cpu"} %d' % (a, j + 1),
                  'wca_app_requested{app="%s",dim="mem"} %d' % (a, 2 * (j + 1))]
        lines += ['wca_app_assigned{node="%s",app="%s"} %d' % (nodes[0], a, j + 1)]
    return ("\n".join(lines) + "\n").encode()


DIMS = ("cpu", "mem", "membw_read", "membw_write", "wss", "membw", "membw_flat")


def wca_feed(n):
    """The WCA series of n nodes worker-00000..: capacity in the seven
    dimensions, type, pmem flag, DRAM hit ratio, three of ten apps assigned
    to each; the ten apps' requests. 5000 nodes make 3.4 MB."""
    out = []
    for i in range(n):
        node = "worker-%05d" % i
        for j, d in enumerate(DIMS):
            out.append('wca_node_capacity{node="%s",dim="%s"} %d' % (node, d, 16 + j + i % 7))
        out.append('wca_node_type{node="%s",nodetype="%s"} 1' % (node, "pmem" if i % 3 == 0 else "dram"))
        out.append('wca_node_pmem{node="%s"} %d' % (node, 1 if i % 3 == 0 else 0))
        out.append('wca_node_dram_hit_ratio{node="%s"} 0.%02d' % (node, 50 + i % 50))
        for a in range(3):
            out.append('wca_app_assigned{node="%s",app="app-%d"} %d' % (node, (i + a) % 10, 1 + a))
    for a in range(10):
        for d in DIMS:
            out.append('wca_app_requested{app="app-%d",dim="%s"} %d' % (a, d, 1 + a))
    return ("\n".join(out) + "\n").encode()


class FakeExporter:
    """A tiny HTTP server with a behaviour per mode:

    ok        200, Content-Length, the given body
    chunked   200, Transfer-Encoding: chunked, the body in small chunks
    close     200, no length: the body ends when the connection closes
    status    the given HTTP status (e.g. 500)
    hang      accepts, reads the request, never answers
    drip      answers one byte every `drip` seconds, forever
    reset     accepts and resets the connection (RST)
    redirect  302 to another URL
    gzip      200 with Content-Encoding: gzip (whatever was asked)
    In mode ok, `body` may be a function called for each request.
    A mode may be changed while running (`exp.mode = ...`); `down()` closes
    the listening socket so later connects are refused.  tls: a server-side
    ssl.SSLContext makes it an https exporter (host: the URL's host); port:
    listen there (a source that comes back after down())."""

    def __init__(self, mode="ok", body=b"", status=500, drip=0.2, tls=None, host="127.0.0.1",
                 port=None):
        self.tls = tls
        self.host = host
        self.tls_errors = []
        self.mode = mode
        self.body = body
        self.status = status
        self.drip = drip
        self.port = port or free_port()
        self.requests = 0
        self.last_request = b""
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(16)
        self._stop = threading.Event()
        self._conns = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self):
        return "%s://%s:%d/metrics" % ("https" if self.tls else "http", self.host, self.port)

    def _serve(self):
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                c, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._conns.append(c)
            threading.Thread(target=self._handle, args=(c,), daemon=True).start()

    def _read_request(self, c):
        data = b""
        c.settimeout(5)
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        self.requests += 1
        self.last_request = data
        return data

    def _handle(self, c):
        if self.tls is not None:
            try:
                c.settimeout(5)
                c = self.tls.wrap_socket(c, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.tls_errors.append(repr(e))
                c.close()
                return
        try:
            self._read_request(c)
            mode = self.mode
            if mode == "ok":
                body = self.body() if callable(self.body) else self.body
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                          b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
                          + body)
            elif mode == "chunked":
                c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for i in range(0, len(self.body), 97):
                    part = self.body[i:i + 97]
                    c.sendall(b"%x\r\n%s\r\n" % (len(part), part))
                c.sendall(b"0\r\n\r\n")
            elif mode == "close":
                c.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + self.body)
            elif mode == "status":
                msg = b"internal error\n"
                c.sendall(b"HTTP/1.1 %d Internal Server Error\r\nContent-Length: %d\r\n\r\n%s"
                          % (self.status, len(msg), msg))
            elif mode == "redirect":
                c.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n"
                          b"Content-Length: 0\r\n\r\n")
            elif mode == "gzip":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n"
                          b"\x1f\x8b\x08\x00")
            elif mode == "hang":
                self._stop.wait(60)
            elif mode == "drip":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while not self._stop.wait(self.drip):
                    c.sendall(b"#")
            elif mode == "reset":
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass

    def down(self):
        """Stop listening: later scrapes get 'connection refused'."""
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=5)

    def close(self):
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


NODE_EXPORTER = shutil.which("prometheus-node-exporter") or "/usr/bin/prometheus-node-exporter"


CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


class StatReplay:
    """node_exporter's cpu and memory series replayed from a recording of
    /proc/stat (test/data/trimaran/*.stat: "t SECONDS" lines, each followed
    by the per-cpu lines taken then).  Each call gives the counters at the
    current time, interpolated between the recorded samples and looped
    (the counters keep growing), so a scraper sees the recorded load."""

    def __init__(self, path, mem_total=8 << 30, mem_available=2 << 30):
        self.samples = []           # [(t, {cpu: [jiffies per mode]})]
        with open(path) as f:
            for line in f:
                w = line.split()
                if not w or w[0].startswith("#"):
                    continue
                if w[0] == "t":
                    self.samples.append((float(w[1]), {}))
                else:
                    self.samples[-1][1][w[0][3:]] = [int(x) for x in w[1:9]]
        self.hz = 100.0
        self.mem = (mem_total, mem_available)
        self.t0 = time.monotonic()

    def _at(self, t):
        first, last = self.samples[0], self.samples[-1]
        span = last[0] - first[0]
        loops, r = divmod(t, span)
        i = max(k for k in range(len(self.samples)) if self.samples[k][0] - first[0] <= r)
        j = min(i + 1, len(self.samples) - 1)
        (ta, a), (tb, b) = self.samples[i], self.samples[j]
        f = 0.0 if tb == ta else (r - (ta - first[0])) / (tb - ta)
        out = {}
        for cpu in a:
            out[cpu] = [loops * (last[1][cpu][m] - first[1][cpu][m]) + a[cpu][m]
                        + f * (b[cpu][m] - a[cpu][m]) for m in range(len(CPU_MODES))]
        return out

    def __call__(self):
        lines = []
        for cpu, vals in sorted(self._at(time.monotonic() - self.t0).items()):
            for mode, v in zip(CPU_MODES, vals):
                lines.append('node_cpu_seconds_total{cpu="%s",mode="%s"} %.2f' % (cpu, mode, v / self.hz))
        lines.append("node_memory_MemTotal_bytes %d" % self.mem[0])
        lines.append("node_memory_MemAvailable_bytes %d" % self.mem[1])
        return ("\n".join(lines) + "\n").encode()


class NodeExporter:
    """Debian's prometheus-node-exporter on a loopback port, stopped by PID."""

    def __init__(self):
        if not os.access(NODE_EXPORTER, os.X_OK):
            raise TestFailure("prometheus-node-exporter is not installed (vendor/deps.sh installs it)")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % self.port],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.port,
                                            timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        self.close()
        raise TestFailure("prometheus-node-exporter did not answer within 10 s")

    @property
    def url(self):
        return "http://127.0.0.1:%d/metrics" % self.port

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
