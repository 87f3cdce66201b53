#!/usr/bin/python3
"""Fails if a known secret of the test instance appears in clear in a log
file or anywhere in the database. Run by tests/run after the suites, while
the stack is still up.

Secrets checked: the master key material, the simulator app client secrets,
and every access and refresh token the Xero simulator has issued.
"""
import glob
import json
import os
import subprocess
import sys
import urllib.request
import configparser


def master_keys(run):
    out = []
    with open(os.path.join(run, "master.key")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("xhk1:"):
                out.append(line.split(":", 2)[2])
    return out


def sim_tokens(url):
    try:
        with urllib.request.urlopen(url + "/_sim/tokens", timeout=5) as r:
            data = json.load(r)
    except OSError:
        return []
    out = []
    for kind in ("access_tokens", "refresh_tokens"):
        for t in data.get(kind, []):
            out.append(t if isinstance(t, str) else t.get("token") or t.get("value") or "")
    return [t for t in out if len(t) >= 16]


def main():
    config = sys.argv[1]
    run = os.path.dirname(config)
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(config)
    secrets = master_keys(run)
    secrets += [open(p).read().strip() for p in glob.glob(os.path.join(run, "secrets", "*"))]
    secrets += sim_tokens(cp["xero"]["api_url"].rstrip("/"))
    secrets = [s for s in secrets if len(s) >= 16]
    if not secrets:
        print("no secrets found to check: the check itself is broken")
        return 1
    haystacks = {}
    for path in glob.glob(os.path.join(run, "log", "*")):
        haystacks[path] = open(path, "rb").read().decode("utf-8", "replace")
    dump = subprocess.run(["pg_dump", "--data-only", "-d", cp["database"]["dsn"]],
                          capture_output=True, text=True)
    if dump.returncode != 0:
        print("pg_dump failed: " + dump.stderr)
        return 1
    haystacks["database"] = dump.stdout
    bad = [(where, s[:4] + "...") for where, text in haystacks.items() for s in secrets if s in text]
    for where, s in bad:
        print("secret %s found in clear in %s" % (s, where))
    print("checked %d secrets against %d logs and the database: %s" %
          (len(secrets), len(haystacks) - 1, "leak" if bad else "clean"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
