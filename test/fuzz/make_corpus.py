#!/usr/bin/env python3
"""Write the fuzzers' seed corpora into test/fuzz/corpus/NAME/.

Every seed is made here, by this project: requests and feeds in the
shapes the server meets (test/lib/k8sgen.py, the e2e exporters' series),
the example configuration, keys and certificates made with openssl, and
ClientHellos recorded from `openssl s_client` talking to a socket this
script listens on.  Run it again to regenerate (the TLS and PEM seeds
change every time: fresh keys and randoms); name harnesses to regenerate
only theirs.

    test/fuzz/make_corpus.py [NAME...]
"""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "fuzz", "corpus")
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
import k8sgen  # noqa: E402
from exporters import wca_cluster  # noqa: E402
from pki import Pki  # noqa: E402


def put(name, key, data):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, key), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def http():
    body = k8sgen.dumps(k8sgen.extender_args(3, "names"))
    put("http", "filter", b"\x07POST /scheduler/filter HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body.encode()))
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (b'{"Pod":', b'{}', b"}")) + b"0\r\n\r\n"
    put("http", "chunked", b"\x03POST /filter HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunks)
    put("http", "get", b"\x3fGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n"
        b"Expect: 100-continue\r\nX-Folded: a\r\n b\r\n\r\n")
    put("http", "response", b"\x10HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
        b"Content-Length: 5\r\nContent-Encoding: identity\r\n\r\nabcde")


def extender():
    for conf in range(3):
        put("extender", "names-%d" % conf,
            bytes([conf]) + k8sgen.dumps(k8sgen.extender_args(3, "names")).encode())
    put("extender", "nodes-store", bytes([4 | 1]) +
        k8sgen.dumps(k8sgen.extender_args(2, "nodes")).encode())
    pod = {"metadata": {"name": "p", "namespace": "default", "labels": {"app": "a"}},
           "spec": {"containers": [{"name": "c", "resources": {
               "requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": "1"}}}],
               "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "1.5"}}}],
               "overhead": {"cpu": "10m", "memory": 1024}}}
    put("extender", "pod-resources", bytes([4 | 2]) + json.dumps(
        {"Pod": pod, "NodeNames": ["n1", "n2"]}).encode())
    put("extender", "preempt", bytes([0]) + json.dumps(
        {"Pod": pod, "NodeNameToMetaVictims": {"n1": {"Pods": [{"UID": "u1"}],
                                                       "NumPDBViolations": 0}}}).encode())


def promtext():
    put("promtext", "wca", b"\x20" + wca_cluster())
    lines = ['# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.',
             '# TYPE node_cpu_seconds_total counter']
    for cpu in range(2):
        for mode in ("user", "system", "idle", "iowait", "steal"):
            lines.append('node_cpu_seconds_total{cpu="%d",mode="%s"} %d.5' % (cpu, mode, 1000 + cpu))
    lines += ["node_memory_MemTotal_bytes 8.3e+09", "node_memory_MemAvailable_bytes 4e9 1700000000000"]
    put("promtext", "node", ("\x11" + "\n".join(lines) + "\n").encode())
    # three scrapes of the same counters, 5 s apart in the harness: rates
    scrapes = []
    for k in range(3):
        scrapes.append("\n".join(
            'node_cpu_seconds_total{cpu="%d",mode="%s"} %d.5' % (cpu, mode, 1000 + 3 * k + cpu)
            for cpu in range(2) for mode in ("user", "idle")) + "\n")
    put("promtext", "node-rates", ("\x40" + "\f\f".join(scrapes)).encode())
    ksm = ['kube_node_status_allocatable{node="n1",resource="cpu",unit="core"} 4',
           'kube_pod_info{namespace="default",pod="p",node="n1"} 1',
           'kube_pod_start_time{namespace="default",pod="p"} 1.7e9',
           'kube_pod_container_resource_requests{namespace="default",pod="p",container="c",'
           'node="n1",resource="memory",unit="byte"} 1048576',
           'kube_pod_status_phase{namespace="default",pod="p",phase="Running"} 1',
           'wca_node_utilization{node="n1",resource="cpu",operator="AVG"} 37.5',
           'weird{l="a\\"b\\\\c\\n"} NaN', 'x +Inf', '# EOF']
    put("promtext", "ksm", ("\x7f" + "\n".join(ksm) + "\n").encode())


def ini():
    with open(os.path.join(ROOT, "conf", "wca-scheduler.ini"), "rb") as f:
        put("ini", "example", f.read())
    put("ini", "full", "[server]\nlisten = 127.0.0.1:31800, [::1]:31801\nnamespaces = a, b\n"
        "score_mode = wca\nmax_body = 1M\n[loggers]\n* = debug\nhttp = off\n"
        "[algorithm]\nname = HierBAR\ndimensions = cpu, mem, membw_read, membw_write\n"
        "merge_threshold = 3\n[bar_weights]\nmem = 2\n[static_assigner:n1]\nweb = 2\n"
        "[trimaran]\nrisk_limit_weights = cpu:0.1, memory:1\nfallback = zero\n"
        "default_cpu_request = 0.5\n[metrics]\nsource = http://10.0.0.1:9100/metrics node=w1\n"
        "source = https://[::1]:9100/federate?match[]=x\ninterval = 0.5\ntimeout = 0.4\n"
        "rate_step = 0\n")


def pem(pki):
    def files(*names):
        parts = []
        for n in names:
            with open(pki.path(n), "rb") as f:
                parts.append(f.read())
        return parts
    for tag, (c, k, a) in (("ec", files("srv.crt", "srv.key", "test-ca.crt")),
                           ("rsa", files("rsa.crt", "rsa.key", "test-ca.crt"))):
        # the fifth byte picks the loader: 0 server with client CA,
        # 1 server alone, 2 scraper (fuzz_pem.c)
        for how in range(3):
            put("pem", "%s-%d" % (tag, how),
                struct.pack(">HHB", len(c), len(k), how) + c + k + a)


def client_hellos(pki):
    """The first bytes openssl s_client sends, for TLS 1.2 and 1.3 offers."""
    seeds = []
    for flags in (["-tls1_2"], ["-tls1_3"], []):
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        port = ls.getsockname()[1]
        got = []

        def accept():
            c, _ = ls.accept()
            c.settimeout(5)
            data = b""
            try:
                while len(data) < 5 or len(data) < 5 + struct.unpack(">H", data[3:5])[0]:
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            got.append(data)
            c.close()
        t = threading.Thread(target=accept)
        t.start()
        subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                        "-servername", "localhost", "-alpn", "h2,http/1.1",
                        "-cert", pki.path("cli.crt"), "-key", pki.path("cli.key")] + flags,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20)
        t.join(10)
        ls.close()
        if got and got[0]:
            seeds.append(got[0])
    for i, s in enumerate(seeds):
        put("tls", "clienthello-%d" % i, s)
    if not seeds:
        raise SystemExit("make_corpus: recorded no ClientHello")


def snapshot():
    """Snapshots as GET /snapshot writes them (timestamped, several
    times) and the hand-written clusters of test/data/sim."""
    for name in ("wca-cluster.prom", "la-cluster.prom"):
        with open(os.path.join(ROOT, "test", "data", "sim", name), "rb") as f:
            put("snapshot", name, f.read())
    t = 1796000000000
    lines = ["# TYPE wca_scheduler_snapshot_time_seconds gauge",
             "wca_scheduler_snapshot_time_seconds %.3f" % (t / 1000 + 5)]
    for i in range(3):
        n = "n%d" % i
        lines += ['wca_node_capacity{node="%s",dim="cpu"} %d %d' % (n, 8 * (i + 1), t),
                  'wca_app_assigned{node="%s",app="web"} %d %d' % (n, i, t),
                  'wca_node_utilization{node="%s",resource="cpu",operator="avg"} %d %d'
                  % (n, 20 + 10 * i, t + 1000 * i),
                  'kube_node_status_allocatable{node="%s",resource="cpu",unit="core"} 4 %d' % (n, t),
                  'kube_pod_info{namespace="default",pod="p%d",node="%s"} 1 %d' % (i, n, t),
                  'kube_pod_start_time{namespace="default",pod="p%d"} %d %d' % (i, t // 1000, t),
                  'kube_pod_container_resource_requests{namespace="default",pod="p%d",'
                  'container="c0",node="%s",resource="cpu"} 0.5 %d' % (i, n, t)]
    lines += ['wca_app_requested{app="web",dim="cpu"} 2 %d' % t]
    put("snapshot", "timestamped", "\n".join(lines) + "\n")


def main():
    makers = {"http": http, "extender": extender, "promtext": promtext,
              "ini": ini, "pem": pem, "tls": client_hellos,
              "snapshot": snapshot}
    only = sys.argv[1:] or list(makers)
    for name in only:
        if name not in makers:
            sys.exit("make_corpus: no harness %r (%s)" % (name, " ".join(makers)))
        shutil.rmtree(os.path.join(OUT, name), ignore_errors=True)
    pki = Pki()
    pki.issue("srv", "wca", san="DNS:localhost,IP:127.0.0.1", days=30)
    pki.issue("cli", "system:kube-scheduler", eku="clientAuth", days=30)
    pki.issue("rsa", "wca-rsa", san="DNS:localhost", days=30, rsa=True)
    try:
        for name in only:
            if makers[name] in (pem, client_hellos):
                makers[name](pki)
            else:
                makers[name]()
    finally:
        shutil.rmtree(pki.dir, ignore_errors=True)
    for name in sorted(only):
        files = os.listdir(os.path.join(OUT, name))
        print("%s: %d seeds, %d bytes" % (name, len(files), sum(
            os.path.getsize(os.path.join(OUT, name, f)) for f in files)))


if __name__ == "__main__":
    main()
