#!/usr/bin/env python3
"""What TLS costs: request latency, full handshakes, memory per connection.

    bench/tls_load.py BIN [SECONDS]

Certificates (EC P-256) are made with openssl in a temporary directory.
1. Latency: wrk sends a filter with 500 NodeNames on one keep-alive
   connection for SECONDS, to a plain-HTTP server and to an HTTPS one
   (same binary, same config otherwise); the ratio of the p50s and p99s.
2. Handshakes: `openssl s_time -new` makes full handshakes (no session
   reuse) for SECONDS, without and with a client certificate required
   (client_ca); the server's CPU time (utime + stime from /proc) divided
   by the handshakes it counted gives the rate one core sustains.
3. Memory: VmRSS before and after opening 200 idle TLS connections (each
   handshaken), divided by 200.
The server runs on CPU 0 and the clients on CPU 1 where there are two.
Prints markdown tables."""
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
from harness import free_port  # noqa: E402
from pki import Pki  # noqa: E402
import k8sgen  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def pin(cpu):
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") and os.cpu_count() > 1 else []


class Srv:
    def __init__(self, binary, pki, tls, client_ca=False):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="wca-tls-bench-")
        conf = os.path.join(self.dir, "c.ini")
        lines = ["[server]", "listen = 127.0.0.1:%d" % self.port, "max_body = 64M",
                 "max_connections = 1024"]
        if tls:
            lines += ["tls_cert = " + pki.path("srv.crt"), "tls_key = " + pki.path("srv.key")]
        if client_ca:
            lines.append("client_ca = " + pki.path("test-ca.crt"))
        lines += ["[loggers]", "* = warn", "[algorithm]", "name = NOP"]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log = open(os.path.join(self.dir, "stderr"), "wb")
        self.proc = subprocess.Popen(pin(0) + [binary, "-c", conf] + (["--allow-root"] if os.geteuid() == 0 else []), stdout=self.log,
                                     stderr=self.log, stdin=subprocess.DEVNULL)
        self.scheme = "https" if tls else "http"
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ctx.load_verify_locations(pki.path("test-ca.crt"))
        if client_ca:
            self.ctx.load_cert_chain(pki.path("cli.crt"), pki.path("cli.key"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.get("/healthz")
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("tls_load: server did not start")

    def get(self, path):
        url = "%s://localhost:%d%s" % (self.scheme, self.port, path)
        kw = {"context": self.ctx} if self.scheme == "https" else {}
        with urllib.request.urlopen(url, timeout=5, **kw) as r:
            return r.read().decode()

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def metric(self, name):
        m = re.search(r"^%s (\S+)$" % name, self.get("/metrics"), re.M)
        return float(m.group(1)) if m else 0.0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def wrk(url, body_file, seconds):
    env = dict(os.environ, BODY_FILE=body_file)
    out = subprocess.run(pin(1) + ["wrk", "-t1", "-c1", "-d%ds" % seconds, "--timeout", "10s",
                                   "-s", os.path.join(ROOT, "bench", "wrk-post.lua"), url],
                         env=env, capture_output=True, text=True, timeout=seconds + 60).stdout
    return dict(re.findall(r"(\w+)=(\S+)", out.split("RESULT", 1)[1])) if "RESULT" in out else {}


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    pki = Pki()
    pki.issue("srv", "wca", san="DNS:localhost,IP:127.0.0.1")
    pki.issue("cli", "system:kube-scheduler", eku="clientAuth")
    body = os.path.join(pki.dir, "names500.json")
    with open(body, "w") as f:
        f.write(k8sgen.dumps(k8sgen.extender_args(500, "names")))
    try:
        print("| transport | req/s (1 conn) | p50 µs | p99 µs | mean µs |")
        print("|---|---:|---:|---:|---:|")
        res = {}
        for tls in (False, True):
            s = Srv(binary, pki, tls)
            try:
                r = wrk("%s://127.0.0.1:%d/filter" % (s.scheme, s.port), body, seconds)
            finally:
                s.stop()
            res[tls] = r
            print("| %s | %s | %s | %s | %s |" % ("HTTPS" if tls else "HTTP",
                  r.get("rps", "-").split(".")[0], r.get("p50_us", "-"), r.get("p99_us", "-"),
                  r.get("mean_us", "-")))
        if res[False] and res[True]:
            print("\nHTTPS / HTTP: p50 %.2f×, p99 %.2f×, mean %.2f×" % (
                float(res[True]["p50_us"]) / float(res[False]["p50_us"]),
                float(res[True]["p99_us"]) / float(res[False]["p99_us"]),
                float(res[True]["mean_us"]) / float(res[False]["mean_us"])))

        print("\n| full handshakes (ECDHE-ECDSA P-256) | handshakes | server CPU s "
              "| server ms CPU / handshake | handshakes/s per core |")
        print("|---|---:|---:|---:|---:|")
        for client_ca in (False, True):
            s = Srv(binary, pki, True, client_ca)
            try:
                before, c0 = s.metric("wca_scheduler_tls_handshakes_total"), s.cpu_seconds()
                cmd = pin(1) + ["openssl", "s_time", "-connect", "127.0.0.1:%d" % s.port,
                                "-new", "-time", str(seconds), "-CAfile",
                                pki.path("test-ca.crt")]
                if client_ca:
                    cmd += ["-cert", pki.path("cli.crt"), "-key", pki.path("cli.key")]
                subprocess.run(cmd, capture_output=True, timeout=seconds + 60,
                               stdin=subprocess.DEVNULL)
                cpu = s.cpu_seconds() - c0
                n = s.metric("wca_scheduler_tls_handshakes_total") - before - 1
            finally:
                s.stop()
            print("| %s | %d | %.2f | %.2f | %.0f |" % (
                "client certificate required" if client_ca else "no client certificate",
                n, cpu, 1000 * cpu / n if n else 0, n / cpu if cpu else 0))

        s = Srv(binary, pki, True)
        conns = []
        try:
            time.sleep(0.2)
            r0 = s.rss_kb()
            for _ in range(200):
                c = s.ctx.wrap_socket(socket.create_connection(("127.0.0.1", s.port), timeout=5),
                                      server_hostname="localhost")
                conns.append(c)
            time.sleep(0.2)
            r1 = s.rss_kb()
        finally:
            for c in conns:
                c.close()
            s.stop()
        print("\n| idle TLS connections | VmRSS before kB | after kB | per connection bytes |")
        print("|---:|---:|---:|---:|")
        print("| 200 | %d | %d | %.0f |" % (r0, r1, (r1 - r0) * 1024 / 200))
    finally:
        pki.cleanup()


if __name__ == "__main__":
    main()
