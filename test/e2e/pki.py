"""Certificates for the TLS tests, made with openssl at run time.

    pki = Pki()                       # a CA in a temporary directory
    pki.issue("srv", "wca", san="DNS:localhost,IP:127.0.0.1", days=2)
    pki.issue("cli", "system:kube-scheduler", eku="clientAuth")
    pki.path("srv.crt")

Keys are EC P-256 unless rsa=True; days may be negative (an expired
certificate).  Every call is bounded by a timeout.
"""
import os
import shutil
import subprocess
import tempfile
import time


def openssl(*args, cwd=None):
    subprocess.run(("openssl",) + args, cwd=cwd, check=True, timeout=30,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


class Pki:
    def __init__(self, name="test-ca", parent=None):
        self.dir = parent.dir if parent else tempfile.mkdtemp(prefix="wca-pki-")
        self.ca = name
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                self.path(name + ".key"))
        openssl("req", "-x509", "-new", "-key", self.path(name + ".key"), "-subj",
                "/CN=" + name, "-days", "3", "-out", self.path(name + ".crt"))

    def path(self, name):
        return os.path.join(self.dir, name)

    def new_key(self, out, rsa=False, form="sec1"):
        if rsa:
            openssl("genrsa", "-out", out, "2048")
            if form == "pkcs1":
                openssl("rsa", "-in", out, "-out", out, "-traditional")
        else:
            openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", out)
        if form == "pkcs8":
            openssl("pkcs8", "-topk8", "-nocrypt", "-in", out, "-out", out + ".p8")
            os.replace(out + ".p8", out)

    def issue(self, stem, cn, san=None, eku=None, days=2, rsa=False, form="sec1", key=None):
        """stem.key (new unless key names one) and stem.crt, signed by this CA."""
        keyf = key or self.path(stem + ".key")
        if key is None:
            self.new_key(keyf, rsa=rsa, form=form)
        ext = self.path(stem + ".ext")
        with open(ext, "w") as f:
            if san:
                f.write("subjectAltName=%s\n" % san)
            if eku:
                f.write("extendedKeyUsage=%s\n" % eku)
        openssl("req", "-new", "-key", keyf, "-subj", "/CN=" + cn, "-out",
                self.path(stem + ".csr"))
        # A unique serial per certificate, so a test can tell them apart.
        serial = "0x%x" % (time.time_ns() & 0xffffffffffff)
        openssl("x509", "-req", "-in", self.path(stem + ".csr"), "-CA",
                self.path(self.ca + ".crt"), "-CAkey", self.path(self.ca + ".key"),
                "-set_serial", serial, "-days", str(days), "-extfile", ext,
                "-out", self.path(stem + ".crt"))
        return self.path(stem + ".crt"), keyf

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
