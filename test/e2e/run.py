#!/usr/bin/env python3
"""Run the end-to-end tests: every test_*() in test/e2e/test_*.py.

Prints TAP lines ("ok N - name", "not ok N - name") for test/run.sh.
Usage: run.py [--bin PATH] [--sanitized] [-k SUBSTRING]
"""
import argparse
import glob
import importlib.util
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402

TEST_TIMEOUT = 120


class Timeout(Exception):
    pass


def on_alarm(signo, frame):
    raise Timeout("test took longer than %d s" % TEST_TIMEOUT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=harness.BIN)
    ap.add_argument("--sanitized", action="store_true")
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    harness.BIN = os.path.abspath(a.bin)
    harness.SANITIZED = a.sanitized
    if not os.access(harness.BIN, os.X_OK):
        print("not ok 1 - binary %s missing (run make)" % harness.BIN)
        return 1
    signal.signal(signal.SIGALRM, on_alarm)
    n = bad = 0
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        modname = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(modname, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name in sorted(k for k in vars(mod) if k.startswith("test_")):
            full = "%s.%s" % (modname, name)
            if a.k not in full:
                continue
            n += 1
            t0 = time.monotonic()
            signal.alarm(TEST_TIMEOUT)
            try:
                getattr(mod, name)()
                signal.alarm(0)
                print("ok %d - %s (%.2fs)" % (n, full, time.monotonic() - t0), flush=True)
            except Exception as e:  # noqa: BLE001 - report every failure
                signal.alarm(0)
                bad += 1
                print("not ok %d - %s" % (n, full), flush=True)
                for line in ("%s: %s" % (type(e).__name__, e)).splitlines()[:40]:
                    print("#   " + line)
                tb = traceback.extract_tb(e.__traceback__)
                for fr in tb[-3:]:
                    print("#   at %s:%d %s" % (os.path.basename(fr.filename), fr.lineno, fr.name))
                sys.stdout.flush()
    print("1..%d" % n)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
