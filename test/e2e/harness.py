"""End-to-end harness: start the real binary, talk to it over sockets.

Everything here is bounded: every wait has a deadline, every socket a
timeout, and every process started is stopped by PID.  Only 127.0.0.1 /
[::1] are used.
"""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build", "wca-scheduler")
# Tests run as root in CI: the server refuses that without [server] user.
ROOT_ARGS = ["--allow-root"] if os.geteuid() == 0 else []
SANITIZED = False


class TestFailure(AssertionError):
    pass


def check(cond, msg="check failed"):
    if not cond:
        raise TestFailure(msg)


def eq(a, b, what="value"):
    if a != b:
        raise TestFailure("%s: got %r, expected %r" % (what, a, b))


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


DEFAULT_CONFIG = """\
[server]
listen = {listen}
max_connections = {max_connections}
max_body = {max_body}
max_header = {max_header}
read_timeout = {read_timeout}
idle_timeout = {idle_timeout}
drain_timeout = {drain_timeout}
namespaces = {namespaces}
score_mode = {score_mode}

[loggers]
* = {log_level}

[algorithm]
name = NOP
"""


class Server:
    """One wca-scheduler process with its own config file and log."""

    def __init__(self, extra="", text=None, tls=None, **kw):
        # tls: an ssl.SSLContext the harness's own requests (readiness)
        # go through, for a server that serves HTTPS.
        self.tls = tls
        self.dir = tempfile.mkdtemp(prefix="wca-e2e-")
        self.port = kw.pop("port", None) or free_port()
        opts = dict(listen="127.0.0.1:%d" % self.port, max_connections=64,
                    max_body="1M", max_header="8K", read_timeout=5,
                    idle_timeout=30, drain_timeout=5, namespaces="default",
                    score_mode="clamp", log_level="info")
        # server_extra: more [server] lines (DEFAULT_CONFIG's own are fixed).
        server_extra = kw.pop("server_extra", "")
        opts.update(kw)
        self.config_text = text if text is not None else DEFAULT_CONFIG.format(**opts) + extra
        if server_extra and text is None:
            self.config_text = self.config_text.replace(
                "\n[loggers]", "\n%s\n\n[loggers]" % server_extra, 1)
        self.config = os.path.join(self.dir, "wca-scheduler.ini")
        with open(self.config, "w") as f:
            f.write(self.config_text)
        self.log_path = os.path.join(self.dir, "stderr.log")
        self.proc = None

    def start(self, wait=True):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([BIN, "-c", self.config] + ROOT_ARGS, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("server exited early (%s): %s" % (self.proc.returncode, self.stderr()))
            try:
                st, _, _ = request("GET", "/healthz", port=self.port, timeout=1,
                                   tls=self.tls)
                if st == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise TestFailure("server did not answer /healthz in %.0fs: %s" % (timeout, self.stderr()))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15.0):
        """SIGTERM, wait, and return the exit status (kills on timeout)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                raise TestFailure("server did not stop within %.0fs of SIGTERM" % timeout)
        self.log.close()
        rc = self.proc.returncode
        return rc

    def stderr(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_log(self, pattern, timeout=5.0):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            m = rx.search(self.stderr())
            if m:
                return m
            time.sleep(0.02)
        raise TestFailure("log never matched %r; log:\n%s" % (pattern, self.stderr()[-3000:]))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        rc = self.stop()
        if exc[0] is None:
            # A clean run must end cleanly: 0, and no sanitizer report.
            err = self.stderr()
            check("ERROR: AddressSanitizer" not in err and "runtime error:" not in err
                  and "LeakSanitizer" not in err, "sanitizer report:\n" + err[-4000:])
            eq(rc, 0, "exit status after SIGTERM")
        return False


# ---- HTTP over raw sockets (so tests control every byte) ----

def connect(port, host="127.0.0.1", timeout=5.0, family=socket.AF_INET, tls=None):
    """A connected socket; with tls (an ssl.SSLContext), after the handshake."""
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    if tls is not None:
        try:
            s = tls.wrap_socket(s, server_hostname="localhost")
        except BaseException:
            s.close()
            raise
    return s


class Reader:
    """Reads HTTP/1.1 responses off one socket, keeping leftovers."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def response(self, head_only=False):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        if status == 100:
            return status, headers, b""
        n = 0 if head_only else int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def closed(self, timeout=3.0):
        """True when the peer closes (EOF or reset) within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True


def build_request(method, path, body=None, headers=None, version="HTTP/1.1"):
    h = {"Host": "127.0.0.1"}
    if body is not None:
        h["Content-Type"] = "application/json"
        h["Content-Length"] = str(len(body))
    if headers:
        h.update(headers)
    lines = ["%s %s %s" % (method, path, version)]
    lines += ["%s: %s" % (k, v) for k, v in h.items() if v is not None]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    return raw + (body if body is not None else b"")


def request(method, path, body=None, port=None, headers=None, timeout=10.0, tls=None):
    if isinstance(body, str):
        body = body.encode()
    s = connect(port, timeout=timeout, tls=tls)
    try:
        s.sendall(build_request(method, path, body, headers))
        st, hd, b = Reader(s).response(head_only=(method == "HEAD"))
        return st, hd, b
    finally:
        s.close()


def post_json(port, path, obj, **kw):
    st, hd, body = request("POST", path, json.dumps(obj, separators=(",", ":")), port=port, **kw)
    return st, hd, body


def pod(name="p1", namespace="default", app="web"):
    md = {"name": name, "namespace": namespace, "labels": {"app": app} if app else {}}
    return {"metadata": md}


def args_names(names, **kw):
    return {"Pod": pod(**kw), "Nodes": None, "NodeNames": names}


def metric(text, name, labels=None):
    """Value of one sample in a Prometheus exposition, or None."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if labels is None or all(got.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return None
