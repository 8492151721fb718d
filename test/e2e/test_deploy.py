"""Deployment pieces: systemd readiness notification and unit, make install,
the man page, and the certificate script against the real server."""
import filecmp
import os
import shutil
import signal
import socket
import subprocess
import tempfile

import harness
from harness import DEFAULT_CONFIG, Server, check, eq, free_port

ROOT = harness.ROOT


def notify_socket(abstract=False):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if abstract:
        name = "@wca-test-%d" % os.getpid()
        s.bind("\0" + name[1:])
    else:
        d = tempfile.mkdtemp(prefix="wca-notify-")
        name = os.path.join(d, "notify")
        s.bind(name)
    s.settimeout(10)
    return s, name


def messages(sock, count):
    got = []
    for _ in range(count):
        got.append(sock.recv(4096).decode())
    return got


def test_systemd_notify_ready_reload_stopping():
    for abstract in (False, True):
        sock, name = notify_socket(abstract)
        os.environ["NOTIFY_SOCKET"] = name
        try:
            s = Server()
            s.start()
        finally:
            del os.environ["NOTIFY_SOCKET"]
        try:
            eq(messages(sock, 1), ["READY=1\nSTATUS=serving"], "ready once listening (%s)" % name)
            s.signal(signal.SIGHUP)
            eq(messages(sock, 2), ["RELOADING=1", "READY=1\nSTATUS=serving"], "reload")
            with open(s.config, "a") as f:
                f.write("bogus = 1\n")
            s.signal(signal.SIGHUP)
            eq(messages(sock, 2), ["RELOADING=1", "READY=1\nSTATUS=reload rejected, the old "
                                   "configuration serves"], "rejected reload")
        finally:
            eq(s.stop(), 0, "exit status")
        eq(messages(sock, 1), ["STOPPING=1"], "stopping on SIGTERM")
        sock.close()
        if not abstract:
            shutil.rmtree(os.path.dirname(name), ignore_errors=True)


def test_systemd_unit_verifies():
    d = tempfile.mkdtemp(prefix="wca-unit-")
    try:
        with open(os.path.join(ROOT, "contrib", "systemd", "wca-scheduler.service")) as f:
            unit = f.read().replace("/usr/local/bin/wca-scheduler", harness.BIN)
        check("Type=notify" in unit and "ExecReload=/bin/kill -HUP $MAINPID" in unit,
              "notify and reload")
        path = os.path.join(d, "wca-scheduler.service")
        with open(path, "w") as f:
            f.write(unit)
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", path],
                           capture_output=True, text=True, timeout=60)
        eq((r.returncode, r.stdout + r.stderr), (0, ""), "systemd-analyze verify")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_make_install_puts_everything_under_prefix():
    d = tempfile.mkdtemp(prefix="wca-install-")
    try:
        r = subprocess.run(["make", "-s", "install", "DESTDIR=" + d, "PREFIX=/opt/wca"],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
        eq(r.returncode, 0, "make install: " + r.stderr[-2000:])
        for f in ("opt/wca/bin/wca-scheduler", "opt/wca/share/man/man8/wca-scheduler.8",
                  "opt/wca/lib/systemd/system/wca-scheduler.service",
                  "etc/wca-scheduler/wca-scheduler.ini"):
            check(os.path.isfile(os.path.join(d, f)), "installed: " + f)
        with open(os.path.join(d, "opt/wca/lib/systemd/system/wca-scheduler.service")) as f:
            check("ExecStart=/opt/wca/bin/wca-scheduler -c" in f.read(), "unit follows PREFIX")
        r = subprocess.run([os.path.join(d, "opt/wca/bin/wca-scheduler"), "--check-config", "-c",
                            os.path.join(d, "etc/wca-scheduler/wca-scheduler.ini")],
                           capture_output=True, text=True, timeout=30)
        eq(r.stdout, "ok\n", "the installed example configuration checks")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_man_page_renders_without_warnings():
    r = subprocess.run(["groff", "-mandoc", "-Tutf8", "-ww", "-z",
                        os.path.join(ROOT, "docs", "wca-scheduler.8")],
                       capture_output=True, text=True, timeout=30)
    eq((r.returncode, r.stderr), (0, ""), "groff -ww")
    text = subprocess.run(["groff", "-mandoc", "-Tutf8", "-P-cbu", os.path.join(ROOT, "docs",
                           "wca-scheduler.8")], capture_output=True, text=True, timeout=30).stdout
    for word in ("--check-config", "SIGHUP", "tls_cert", "client_names", "NOTIFY_SOCKET",
                 "EXIT STATUS"):
        check(word in text.replace("\u2010", "-"), "man page mentions " + word)


def test_make_certs_output_serves_mtls_to_curl():
    d = tempfile.mkdtemp(prefix="wca-certs-")
    try:
        script = os.path.join(ROOT, "contrib", "certs", "make-certs.sh")
        env = dict(os.environ, NODE_IPS="127.0.0.1,10.0.0.5", DAYS="30")
        subprocess.run([script, d], check=True, capture_output=True, timeout=120, env=env)
        shutil.copy(os.path.join(d, "ca.crt"), os.path.join(d, "ca.first"))
        subprocess.run([script, d], check=True, capture_output=True, timeout=120, env=env)
        check(filecmp.cmp(os.path.join(d, "ca.crt"), os.path.join(d, "ca.first"), shallow=False),
              "a second run keeps the CA")
        port = free_port()
        text = DEFAULT_CONFIG.format(listen="127.0.0.1:%d" % port, max_connections=64,
                                     max_body="1M", max_header="8K", read_timeout=5,
                                     idle_timeout=30, drain_timeout=5, namespaces="default",
                                     score_mode="clamp", log_level="info")
        text = text.replace("[server]\n", "[server]\ntls_cert = %s/tls.crt\ntls_key = %s/tls.key\n"
                            "client_ca = %s/ca.crt\nclient_names = system:kube-scheduler\n"
                            % (d, d, d), 1)
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(os.path.join(d, "ca.crt"))
        ctx.load_cert_chain(os.path.join(d, "kube-scheduler.crt"),
                            os.path.join(d, "kube-scheduler.key"))
        with Server(text=text, port=port, tls=ctx) as s:
            body = '{"Pod":{"metadata":{"name":"p","namespace":"default"}},"NodeNames":["a"]}'
            r = subprocess.run(["curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}",
                                "--cacert", os.path.join(d, "ca.crt"),
                                "--cert", os.path.join(d, "kube-scheduler.crt"),
                                "--key", os.path.join(d, "kube-scheduler.key"),
                                "-H", "Content-Type: application/json", "-d", body,
                                "https://localhost:%d/scheduler/filter" % s.port],
                               capture_output=True, text=True, timeout=30)
            eq(r.stdout.rsplit("\n", 1)[1], "200", "curl as kube-scheduler: " + r.stderr)
            r = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w",
                                "%{http_code}", "--cacert", os.path.join(d, "ca.crt"),
                                "--cert", os.path.join(d, "tls.crt"), "--key",
                                os.path.join(d, "tls.key"),
                                "https://127.0.0.1:%d/healthz" % s.port],
                               capture_output=True, text=True, timeout=30)
            eq(r.stdout, "403", "the serving certificate is not kube-scheduler (IP SAN works)")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def load_yaml(*parts):
    import yaml
    with open(os.path.join(ROOT, "contrib", *parts)) as f:
        return list(yaml.safe_load_all(f))


def test_static_pod_and_kube_scheduler_configuration_agree():
    pod, = load_yaml("kubernetes", "static-pod", "wca-scheduler.yaml")
    spec = pod["spec"]
    c = spec["containers"][0]
    eq((pod["kind"], spec["hostNetwork"], spec["priorityClassName"]),
       ("Pod", True, "system-node-critical"), "static pod basics")
    check(spec["securityContext"]["runAsNonRoot"] and spec["securityContext"]["runAsUser"] > 0,
          "non-root with a fixed UID")
    eq((c["securityContext"]["readOnlyRootFilesystem"], c["securityContext"]["capabilities"]),
       (True, {"drop": ["ALL"]}), "read-only root, no capabilities")
    eq(c["args"], ["-c", "/etc/wca-scheduler/wca-scheduler.ini"], "config path")
    eq((c["livenessProbe"]["httpGet"]["path"], c["readinessProbe"]["httpGet"]["path"]),
       ("/healthz", "/readyz"), "probes")
    check("requests" in c["resources"] and "memory" in c["resources"]["limits"], "resources")
    eq(spec["volumes"][0]["hostPath"]["path"], "/etc/wca-scheduler", "hostPath config")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    eq(ports["extender"], 31800, "extender port")
    eq(c["livenessProbe"]["httpGet"]["port"], ports["health"], "probes on health_listen")
    for name, version in (("kube-scheduler-config.yaml", "v1"),
                          ("kube-scheduler-config-v1beta3.yaml", "v1beta3")):
        cfg, = load_yaml("kubernetes", "static-pod", name)
        eq(cfg["apiVersion"], "kubescheduler.config.k8s.io/" + version, name)
        eq(cfg["leaderElection"]["leaderElect"], True, "leader election on")
        ext, = cfg["extenders"]
        eq(ext["urlPrefix"], "https://127.0.0.1:%d/scheduler" % ports["extender"],
           "points at the static pod's port")
        eq((ext["filterVerb"], ext["prioritizeVerb"], ext["nodeCacheCapable"],
            ext["enableHTTPS"], ext["ignorable"]), ("filter", "prioritize", True, True, True),
           "extender fields")
        check(ext["httpTimeout"] and ext["weight"] >= 1, "timeout and weight")
        for k in ("caFile", "certFile", "keyFile"):
            check(ext["tlsConfig"][k].startswith("/etc/wca-scheduler/tls/"),
                  "%s under the mounted tls directory" % k)
    patch, = load_yaml("kubernetes", "static-pod", "kube-scheduler-patch.yaml")
    kc = patch["spec"]["containers"][0]
    check("--config=/etc/kubernetes/wca/kube-scheduler-config.yaml" in kc["command"],
          "kube-scheduler loads the configuration")
    mounts = {m["mountPath"] for m in kc["volumeMounts"]}
    eq(mounts, {"/etc/kubernetes/wca", "/etc/wca-scheduler/tls"}, "mounts for config and keys")
    cm, = load_yaml("kubernetes", "static-pod", "scheduler-policy-configmap.yaml")
    import json as _json
    policy = _json.loads(cm["data"]["policy.cfg"])
    eq((policy["kind"], policy["extenders"][0]["urlPrefix"]),
       ("Policy", "https://127.0.0.1:31800/scheduler"), "legacy Policy")
    # The config the static pod's comment gives is one the server accepts.
    with open(os.path.join(ROOT, "contrib", "kubernetes", "static-pod", "wca-scheduler.yaml")) as f:
        lines = [l[8:] for l in f if l.startswith("#       ")]
    check(any(l.startswith("listen = 127.0.0.1:31800") for l in lines), "listen in the comment")
    d = tempfile.mkdtemp(prefix="wca-static-pod-")
    try:
        ini = os.path.join(d, "c.ini")
        with open(ini, "w") as f:
            f.write("[server]\n" + "".join(l for l in lines if "=" in l) +
                    "[algorithm]\nname = NOP\n")
        p = pki_files()
        ini_accepted(ini, {"/etc/wca-scheduler/tls/tls.crt": p["crt"],
                           "/etc/wca-scheduler/tls/tls.key": p["key"],
                           "/etc/wca-scheduler/tls/ca.crt": p["ca"]})
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_dockerfile_stages_and_their_commands():
    with open(os.path.join(ROOT, "contrib", "docker", "Dockerfile")) as f:
        lines = [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
    froms = [l for l in lines if l.startswith("FROM ")]
    eq(froms, ["FROM debian:12 AS build", "FROM scratch"], "multi-stage: Debian 12, then scratch")
    final = lines[lines.index("FROM scratch"):]
    user = [l for l in final if l.startswith("USER ")]
    check(user and not user[0].split()[1].startswith("0"), "non-root USER: %r" % user)
    check("EXPOSE 31800 31801" in final, "ports")
    check(any(l.startswith("ENTRYPOINT") and '"-c"' in l for l in final), "ENTRYPOINT with -c")
    # The build stage's command, run here by hand, and the files the final
    # stage copies exist afterwards.
    r = subprocess.run(["make", "-s", "static"], cwd=ROOT, capture_output=True, text=True,
                       timeout=600)
    eq(r.returncode, 0, "make static: " + r.stderr[-2000:])
    for l in final:
        if l.startswith("COPY --from=build "):
            src = l.split()[2]
            path = os.path.join(ROOT, src[len("/src/"):]) if src.startswith("/src/") else src
            check(os.path.isfile(path), "COPY source exists after the build: " + src)
    size = os.path.getsize(os.path.join(ROOT, "build", "static", "wca-scheduler"))
    check(size < 500 * 1024, "static binary under 500 KB: %d" % size)


def ini_accepted(path, replace):
    """The server accepts the INI file with `replace` applied (hosts and
    paths that exist only in a cluster swapped for local ones)."""
    with open(path) as f:
        text = f.read()
    for a, b in replace.items():
        text = text.replace(a, b)
    d = tempfile.mkdtemp(prefix="wca-ini-")
    try:
        p = os.path.join(d, "c.ini")
        with open(p, "w") as f:
            f.write(text)
        r = subprocess.run([harness.BIN, "--check-config", "-c", p], capture_output=True,
                           text=True, timeout=30)
        eq(r.stdout, "ok\n", "%s accepted" % path)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_kustomize_deployment_and_second_scheduler_manifests():
    base = os.path.join("kubernetes", "deploy")
    kust, = load_yaml(base, "kustomization.yaml")
    kinds = {}
    for res in kust["resources"]:
        for doc in load_yaml(base, res):
            kinds[doc["kind"]] = doc
    check({"Namespace", "ServiceAccount", "Deployment", "Service",
           "PodDisruptionBudget"} <= set(kinds), "resources: %s" % sorted(kinds))
    eq([g["name"] for g in kust["configMapGenerator"]], ["wca-scheduler-config"], "ConfigMap")
    eq([g["name"] for g in kust["secretGenerator"]], ["wca-scheduler-tls"], "TLS Secret")
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    check("podAntiAffinity" in pod["affinity"], "anti-affinity")
    c = pod["containers"][0]
    eq((c["livenessProbe"]["httpGet"]["path"], c["readinessProbe"]["httpGet"]["path"]),
       ("/healthz", "/readyz"), "probes")
    vols = {v["name"]: v for v in pod["volumes"]}
    eq(vols["tls"]["secret"]["secretName"], "wca-scheduler-tls", "the Secret is mounted")
    eq(kinds["Service"]["spec"]["ports"][0]["port"], 31800, "Service port")
    p = pki_files()
    ini_accepted(os.path.join(ROOT, "contrib", base, "wca-scheduler.ini"), {
        "prometheus.monitoring.svc": "127.0.0.1", "/etc/wca-scheduler/tls/tls.crt": p["crt"],
        "/etc/wca-scheduler/tls/tls.key": p["key"], "/etc/wca-scheduler/tls/ca.crt": p["ca"]})

    base = os.path.join("kubernetes", "second-scheduler")
    kust, = load_yaml(base, "kustomization.yaml")
    docs = [d for res in kust["resources"] for d in load_yaml(base, res)]
    dep = [d for d in docs if d["kind"] == "Deployment"][0]
    names = [c["name"] for c in dep["spec"]["template"]["spec"]["containers"]]
    eq(names, ["kube-scheduler", "wca-scheduler"], "kube-scheduler with the extender as sidecar")
    cfg, = load_yaml(base, "kube-scheduler-config.yaml")
    eq(cfg["profiles"][0]["schedulerName"], "wca-scheduler", "its own schedulerName")
    check(cfg["leaderElection"]["resourceName"] != "kube-scheduler", "its own lease")
    eq(cfg["extenders"][0]["urlPrefix"], "http://127.0.0.1:31800/scheduler", "over loopback")
    example, = load_yaml(base, "example-pod.yaml")
    eq(example["spec"]["schedulerName"], "wca-scheduler", "pods opt in")
    ini_accepted(os.path.join(ROOT, "contrib", base, "wca-scheduler.ini"),
                 {"prometheus.monitoring.svc": "127.0.0.1"})


_PKI = {}


def pki_files():
    if not _PKI:
        d = tempfile.mkdtemp(prefix="wca-deploy-pki-")
        subprocess.run([os.path.join(ROOT, "contrib", "certs", "make-certs.sh"), d], check=True,
                       capture_output=True, timeout=120)
        _PKI.update(crt=os.path.join(d, "tls.crt"), key=os.path.join(d, "tls.key"),
                    ca=os.path.join(d, "ca.crt"))
    return _PKI


def test_csr_script_and_cfssl_profiles():
    import base64
    import json as _json
    import yaml
    r = subprocess.run([os.path.join(ROOT, "contrib", "certs", "k8s-csr.sh"), "--print",
                        "kube-system", "wca-scheduler-tls", "wca-scheduler.kube-system.svc,localhost",
                        "example.com/wca-scheduler"], capture_output=True, text=True, timeout=60)
    eq(r.returncode, 0, "k8s-csr.sh --print: " + r.stderr)
    csr = yaml.safe_load(r.stdout)
    eq((csr["apiVersion"], csr["kind"], csr["spec"]["signerName"]),
       ("certificates.k8s.io/v1", "CertificateSigningRequest", "example.com/wca-scheduler"),
       "CSR object")
    check("server auth" in csr["spec"]["usages"], "server auth usage")
    pem = base64.b64decode(csr["spec"]["request"])
    out = subprocess.run(["openssl", "req", "-noout", "-text"], input=pem, capture_output=True,
                         timeout=30).stdout.decode()
    check("DNS:wca-scheduler.kube-system.svc, DNS:localhost" in out, "SANs in the request")
    d = os.path.join(ROOT, "contrib", "certs", "cfssl")
    with open(os.path.join(d, "ca-config.json")) as f:
        profiles = _json.load(f)["signing"]["profiles"]
    check("server auth" in profiles["wca-server"]["usages"] and
          "client auth" in profiles["wca-client"]["usages"], "cfssl profiles")
    with open(os.path.join(d, "kube-scheduler-csr.json")) as f:
        eq(_json.load(f)["CN"], "system:kube-scheduler", "client CN")
    with open(os.path.join(d, "wca-scheduler-csr.json")) as f:
        check("127.0.0.1" in _json.load(f)["hosts"], "server hosts")
