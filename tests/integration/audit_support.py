"""Helpers for the audit browser's tests (test_console_audit.py):

- StackLink: a link in the test stack's own database between a fresh Xero
  organisation on the stack's Xero simulator and a fresh portal on its
  HubSpot simulator, pushed by the stack's own worker, so the console
  (nginx -> xhsync-web) shows what the real push wrote;
- PrivateWeb: one more xhsync-web of the build on a private socket with
  one child, spoken to over FastCGI directly, so a test can read a
  streamed response slowly and watch that one child's memory;
- fill_audit: bulk audit rows for paging and export tests.
"""
import configparser
import html
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import re
import time
import urllib.parse
import urllib.request
import uuid

from jobs_support import BUILD, CONFIG, ROOT, Sim, wait_for  # not conftest: browser tests use it
from sync_support import Sync

sys.path.insert(0, os.path.join(ROOT, "tests", "sim"))
import xero_data  # noqa: E402

def read_config(path=CONFIG):
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(path)
    return cp


def cli(*args, input=None):
    """The CLI on the test stack's configuration."""
    env = dict(os.environ, XHSYNC_SQL_DIR=os.path.join(ROOT, "sql"))
    return subprocess.run([os.path.join(BUILD, "xhsync"), "-c", CONFIG] + list(args),
                          capture_output=True, text=True, input=input, env=env, timeout=60)


TINY = dict(contacts=4, invoices=6, payments=2, credit_notes=0, items=2)


class SimHttp(Sim):
    """JSON calls to a simulator already running (the stack's)."""

    def __init__(self, url):  # pylint: disable=super-init-not-called
        self.url = url.rstrip("/")


def q(db, sql, args=None):
    with db.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else None


def one(db, sql, args=None):
    rows = q(db, sql, args)
    return rows[0][0] if rows else None


class StackLink:
    """A tiny organisation pushed to a new portal through the stack's worker."""

    def __init__(self, db, sizes=TINY):
        cfg = read_config()
        self.db = db
        self.xero = SimHttp(cfg["xero"]["api_url"])
        self.hs = SimHttp(cfg["hubspot"]["api_url"])
        self.org = xero_data.generate(seed=random.randrange(1, 10 ** 9), **sizes)
        self.tenant = self.org["Organisation"]["OrganisationID"]
        self.xero.post("/_sim/seed", dict(self.org, tenantId=self.tenant))
        self.portal = random.randrange(10 ** 7, 10 ** 8)
        self.hs.post("/_sim/portal", {"portal_id": self.portal, "tier": "starter"})
        tok = self.hs.post("/_sim/tokens", {"kind": "static", "portal_id": self.portal})
        self.token = tok["token"]
        self.link = one(db, "INSERT INTO link (name, status, xero_tenant_id) VALUES (%s, 'active',"
                            " %s) RETURNING id", ("audit-" + uuid.uuid4().hex[:6], self.tenant))
        xt = self.xero.post("/_sim/tokens", {"tenantId": self.tenant})
        self.cli_ok("credential", "set", str(self.link), "xero", input=json.dumps({
            "access_token": xt["access_token"], "tenant_id": self.tenant,
            "refresh_token": xt["refresh_token"], "expires_at": int(time.time()) + 1800}))
        self.cli_ok("hubspot", "token", str(self.link), "--kind", "private", "--portal",
                    str(self.portal), input=self.token + "\n")
        self.cli_ok("hubspot", "bootstrap", str(self.link))

    def cli_ok(self, *args, input=None):
        out = cli(*args, input=input)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        return out

    def pending(self):
        return one(self.db, "SELECT count(*) FROM job WHERE link_id = %s AND state IN"
                            " ('available', 'running', 'retryable')", (self.link,))

    settle = Sync.settle  # until no job of the link is pending

    def jobs(self):
        return q(self.db, "SELECT id, kind, state, last_error FROM job WHERE link_id = %s"
                          " AND state <> 'completed'", (self.link,))

    def sync(self):
        self.cli_ok("sync", str(self.link))
        self.settle()

    def writes(self):
        """HubSpot write calls made with this portal's token."""
        auth = "Bearer " + self.token
        return [e for e in self.hs.requests()
                if e["headers"].get("Authorization") == auth
                and e["method"] in ("POST", "PUT", "PATCH", "DELETE")
                and "/search" not in e["path"] and not e["path"].endswith("/batch/read")]

    def close(self):
        q(self.db, "DELETE FROM audit_event WHERE link_id = %s", (self.link,))
        q(self.db, "DELETE FROM job WHERE link_id = %s", (self.link,))
        q(self.db, "DELETE FROM link WHERE id = %s", (self.link,))


def fill_audit(db, link, n, xero_ids=None):
    """n audit rows of link spread over the last n seconds (no detail diffs)."""
    q(db, "INSERT INTO audit_event (at, link_id, object, xero_id, hubspot_id, action, outcome,"
          " detail) SELECT now() - g * interval '1 second', %s,"
          " (ARRAY['company','contact','invoice','line_item','product'])[1 + g %% 5],"
          " md5(%s || g)::uuid, (%s::bigint * 1000000 + g)::text,"
          " (ARRAY['hubspot.write','push.excluded','push.error','hubspot.archive'])[1 + g %% 4],"
          " (ARRAY['ok','ok','ok','error','skipped'])[1 + (g / 4) %% 5],"
          " jsonb_build_object('message', 'message ' || g)"
          " FROM generate_series(1, %s) g", (link, str(link), link, n))
    q(db, "ANALYZE audit_event")


# ---- a private xhsync-web spoken to over FastCGI ----

def _nv(k, v):
    k, v = k.encode(), v.encode()
    out = b""
    for x in (k, v):
        out += struct.pack("!B", len(x)) if len(x) < 128 else struct.pack("!I", len(x) | 1 << 31)
    return out + k + v


def _rec(t, content):
    return struct.pack("!BBHHBx", 1, t, 1, len(content), 0) + content


class PrivateWeb:
    """xhsync-web with one child on a private socket (ASan keeps no quarantine,
    so freed memory is reused as in a release build)."""

    def __init__(self, tmp_path, build=BUILD, config=CONFIG):
        self.sock = os.path.join(str(tmp_path), "audit-web.sock")
        self.origin = read_config(config)["web"]["public_url"].rstrip("/")
        env = dict(os.environ, XHSYNC_WEB_SOCKET=self.sock, XHSYNC_WEB_PROCESSES="1")
        env["ASAN_OPTIONS"] = ":".join(
            x for x in (os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=0") if x)
        self.log = open(os.path.join(str(tmp_path), "audit-web.log"), "w")
        self.proc = subprocess.Popen([os.path.join(build, "xhsync-web"), "-c", config], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.cookies = {}
        assert wait_for(lambda: os.path.exists(self.sock) and self.child(), timeout=15)

    def child(self):
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True,
                             text=True).stdout.split()
        return int(out[0]) if out else None

    def hwm_kb(self):
        with open("/proc/%d/status" % self.child()) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return None

    def request(self, method, path, query="", body=b"", on_chunk=None):
        """One request; on_chunk(bytes) gets the CGI response piece by piece as
        it comes, else the whole response is returned as (status, headers, body)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock)
        params = {"REQUEST_METHOD": method, "DOCUMENT_URI": path,
                  "REQUEST_URI": path + ("?" + query if query else ""), "QUERY_STRING": query,
                  "HTTP_COOKIE": "; ".join("%s=%s" % kv for kv in self.cookies.items()),
                  "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT": "text/html",
                  "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_LENGTH": str(len(body))}
        if method == "POST":
            params.update(CONTENT_TYPE="application/x-www-form-urlencoded",
                          HTTP_ORIGIN=self.origin, HTTP_SEC_FETCH_SITE="same-origin")
        s.sendall(_rec(1, struct.pack("!HB5x", 1, 0)) +
                  _rec(4, b"".join(_nv(k, v) for k, v in params.items())) + _rec(4, b"") +
                  (_rec(5, body) if body else b"") + _rec(5, b""))
        out, f = [], s.makefile("rb")
        while True:
            head = f.read(8)
            if len(head) < 8:
                break
            _, t, _, clen, plen = struct.unpack("!BBHHBx", head)
            content = f.read(clen)
            f.read(plen)
            if t == 6 and content:
                (on_chunk or out.append)(content)
            elif t == 3:
                break
        s.close()
        if on_chunk:
            return None
        raw = b"".join(out)
        head, _, data = raw.partition(b"\r\n\r\n")
        headers = [tuple(x.split(": ", 1)) for x in head.decode().split("\r\n")[1:]]
        for k, v in headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return int(head[8:11]), headers, data

    def login(self, email, password):
        _, _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf" value="([^"]*)"', page).group(1).decode()
        body = urllib.parse.urlencode({"csrf": html.unescape(token), "email": email,
                                       "password": password}).encode()
        status, _, _ = self.request("POST", "/login", body=body)
        assert status == 303, status

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
