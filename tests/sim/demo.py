"""./dev demo: connects the demo Xero organisation and the demo HubSpot portal
of the local simulators with one link named "demo", bootstraps the portal's
properties, runs a full sync to the end, and prints per object what was
read, written and skipped, with the calls made on each side (from the
simulators' own request logs). Run again, it reuses the link and reports
that nothing needed writing.

Run by ./dev (which passes the instance's binary, config and URLs); it only
uses the xhsync CLI, psql and the simulators' /_sim/ control endpoints.
"""
import argparse
import json
import subprocess
import sys
import time
import urllib.request

OBJECTS = [("company", "contact"), ("contact", "contact"), ("invoice", "invoice"),
           ("product", "item")]
SYNC_KINDS = "('xero.poll', 'xero.pull', 'sync.push', 'hubspot.bootstrap')"


class Demo:
    def __init__(self, args):
        self.a = args

    # ---- plumbing ----

    def cli(self, *argv, stdin=None, check=True):
        out = subprocess.run([self.a.xhsync, "-c", self.a.config] + list(argv), text=True,
                             capture_output=True, input=stdin, timeout=300)
        if check and out.returncode != 0:
            sys.exit("demo: xhsync %s failed: %s" % (" ".join(argv[:2]), out.stderr.strip()))
        return out

    def sql(self, query, *params):
        """Rows of a query, through psql (values passed as psql variables, quoted by psql)."""
        argv = [self.a.psql, "-X", "-q", "-A", "-t", "-F", "\t", self.a.dsn]
        for i, p in enumerate(params):
            argv += ["-v", "p%d=%s" % (i, p)]
        out = subprocess.run(argv, input=query + "\n", text=True, capture_output=True, timeout=60)
        if out.returncode != 0:
            sys.exit("demo: psql: %s" % out.stderr.strip())
        return [ln.split("\t") for ln in out.stdout.splitlines() if ln]

    @staticmethod
    def call(base, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return json.loads(raw) if raw else None

    def last_request(self, base):
        log = self.call(base, "GET", "/_sim/requests")
        return max([e.get("id", 0) for e in log] or [0])

    def requests_since(self, base, since):
        return self.call(base, "GET", "/_sim/requests?since=%d" % since)

    # ---- the link ----

    def link(self):
        rows = self.sql("SELECT id FROM link WHERE name = 'demo' ORDER BY id LIMIT 1")
        if rows:
            print("reusing link %s (demo)" % rows[0][0])
            return rows[0][0]
        link = self.cli("link", "add", "demo").stdout.strip()
        print("created link %s (demo)" % link)
        return link

    def has_cred(self, link, vendor):
        return bool(self.sql("SELECT 1 FROM credential WHERE link_id = :'p0'::bigint"
                             " AND vendor = :'p1'", link, vendor))

    def connect_xero(self, link):
        tenants = self.call(self.a.xero, "GET", "/_sim/tenants")
        if not tenants:
            sys.exit("demo: the Xero simulator has no organisation (was it started with --demo?)")
        tenant = tenants[0]["tenantId"] if isinstance(tenants[0], dict) else tenants[0]
        if not self.has_cred(link, "xero"):
            tok = self.call(self.a.xero, "POST", "/_sim/tokens", {"tenantId": tenant})
            payload = {"access_token": tok["access_token"], "tenant_id": tenant,
                       "refresh_token": tok["refresh_token"],
                       "expires_at": int(time.time()) + int(tok.get("expires_in", 1800))}
            self.cli("credential", "set", link, "xero", stdin=json.dumps(payload))
            print("connected the demo Xero organisation %s" % tenant)
        self.cli("link", "set", link, "xero_tenant_id=%s" % tenant)

    def connect_hubspot(self, link):
        if not self.has_cred(link, "hubspot"):
            tok = self.call(self.a.hubspot, "POST", "/_sim/tokens", {"kind": "static"})
            self.cli("hubspot", "token", link, "--kind", "private", "--portal",
                     str(tok["portal_id"]), stdin=tok["token"] + "\n")
            print("connected the demo HubSpot portal %s" % tok["portal_id"])

    def bootstrap(self, link):
        out = self.cli("hubspot", "bootstrap", link, check=False)
        if out.returncode != 0:
            sys.exit("demo: the HubSpot property bootstrap failed:\n%s" % out.stderr.strip())
        last = [ln for ln in out.stdout.splitlines() if ln.strip()]
        print("bootstrapped the HubSpot properties%s" % (": " + last[-1] if last else ""))

    # ---- the sync ----

    def pending(self):
        return int(self.sql("SELECT count(*) FROM job WHERE kind IN " + SYNC_KINDS +
                            " AND state IN ('available', 'running', 'retryable')")[0][0])

    def progress(self, link):
        rows = self.sql("SELECT o.obj, (SELECT count(*) FROM xero_record r WHERE"
                        " r.link_id = :'p0'::bigint AND r.object = o.src),"
                        " (SELECT count(*) FROM hubspot_ref h WHERE h.link_id = :'p0'::bigint"
                        " AND h.object = o.obj AND h.hubspot_id IS NOT NULL)"
                        " FROM (VALUES ('company', 'contact', 1), ('contact', 'contact', 2),"
                        " ('invoice', 'invoice', 3), ('product', 'item', 4)) o (obj, src, n)"
                        " ORDER BY o.n", link)
        return "  ".join("%s %s/%s" % (r[0], r[2], r[1]) for r in rows)

    def run(self, link, timeout):
        self.cli("sync", link)
        t0 = time.monotonic()
        shown = None
        idle = 0
        while time.monotonic() - t0 < timeout:
            time.sleep(1)
            line = self.progress(link)
            if line != shown:
                print("  in HubSpot / mirrored: " + line, flush=True)
                shown = line
            idle = idle + 1 if self.pending() == 0 else 0
            if idle >= 2:
                return time.monotonic() - t0
        sys.exit("demo: the sync did not finish within %d s; see `xhsync jobs list --link %s`"
                 % (timeout, link))

    def report(self, link, since, xero_calls, hs_reqs):
        """Per object: mirrored now, written by this run (audit), and the state now:
        in HubSpot, excluded (with why in `xhsync link show`), failed."""
        rows = self.sql("SELECT object, coalesce(sum((detail->>'written')::bigint), 0)"
                        " FROM audit_event WHERE link_id = :'p0'::bigint AND action = 'push'"
                        " AND at >= :'p1'::timestamptz GROUP BY object", link, since)
        wrote = {r[0]: r[1] for r in rows}
        state = {r[0]: r[1:] for r in self.sql(
            "SELECT object, count(*) FILTER (WHERE hubspot_id IS NOT NULL),"
            " count(*) FILTER (WHERE excluded IS NOT NULL),"
            " count(*) FILTER (WHERE failed_hash IS NOT NULL OR last_error IS NOT NULL)"
            " FROM hubspot_ref WHERE link_id = :'p0'::bigint GROUP BY object", link)}
        mirrored = dict(self.sql("SELECT object, count(*) FROM xero_record"
                                 " WHERE link_id = :'p0'::bigint GROUP BY object", link))
        print("\n%-10s %10s %12s %12s %10s %10s" % ("OBJECT", "MIRRORED", "IN HUBSPOT",
                                                   "WRITTEN NOW", "EXCLUDED", "FAILED"))
        written = 0
        for obj, src in OBJECTS:
            st = state.get(obj, ["0", "0", "0"])
            written += int(wrote.get(obj, 0))
            print("%-10s %10s %12s %12s %10s %10s" % (obj, mirrored.get(src, "0"), st[0],
                                                    wrote.get(obj, "0"), st[1], st[2]))
        writes = [e for e in hs_reqs if e.get("method") != "GET" and "/search" not in e["path"]
                  and not e["path"].endswith("/batch/read") and e["path"].startswith("/crm/")]
        print("\nXero calls: %d   HubSpot calls: %d (writes: %d)" % (
            xero_calls, len([e for e in hs_reqs if not e["path"].startswith("/oauth")]),
            len(writes)))
        if written == 0 and not writes:
            print("HubSpot was already up to date: nothing was written.")
        return written

    def main(self):
        link = self.link()
        self.connect_xero(link)
        self.connect_hubspot(link)
        self.cli("link", "set", link, "status=active")
        self.bootstrap(link)
        since = self.sql("SELECT now()")[0][0]
        x0, h0 = self.last_request(self.a.xero), self.last_request(self.a.hubspot)
        print("syncing link %s ..." % link, flush=True)
        secs = self.run(link, self.a.timeout)
        xero = [e for e in self.requests_since(self.a.xero, x0)
                if e["path"].startswith("/api.xro/")]
        hs = self.requests_since(self.a.hubspot, h0)
        self.report(link, since, len(xero), hs)
        print("done in %.1f s. `xhsync link show %s` shows the link; the console is at %s"
              % (secs, link, self.a.console))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--xhsync", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--psql", default="psql")
    ap.add_argument("--xero", required=True)
    ap.add_argument("--hubspot", required=True)
    ap.add_argument("--console", default="")
    ap.add_argument("--timeout", type=int, default=900)
    Demo(ap.parse_args(argv)).main()


if __name__ == "__main__":
    main()
