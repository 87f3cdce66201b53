"""HubSpot credentials, `xhsync hubspot test`, the OAuth connection and
refresh, and the property bootstrap (src/hubspot/), measured at a private
HubSpot simulator whose request log shows every call, against a private
database (jobs_support)."""
import http.server
import json
import secrets
import threading
import time
import urllib.error
import urllib.request

from jobs_support import FAST_WORKER, JobsInstance, wait_for

PORTAL = 12345678
OBJECTS = ("companies", "contacts", "invoices", "line_items", "products", "commerce_payments")


class DelayProxy:
    """A loopback proxy in front of the simulator that delays requests whose
    path starts with `slow_path` by `delay` seconds (so refreshes overlap)."""

    def __init__(self, target, slow_path, delay):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n) if n else None
                if self.path.startswith(slow_path):
                    time.sleep(proxy.delay)
                req = urllib.request.Request(target + self.path, data=body, method=self.command,
                                             headers={k: v for k, v in self.headers.items()
                                                      if k.lower() != "host"})
                try:
                    with urllib.request.urlopen(req, timeout=20) as r:
                        status, data, hdrs = r.status, r.read(), r.headers.items()
                except urllib.error.HTTPError as e:
                    status, data, hdrs = e.code, e.read(), e.headers.items()
                self.send_response(status)
                for k, v in hdrs:
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "date",
                                         "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward

            def log_message(self, *args):
                pass

        self.delay = delay
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Hub:
    """A private database, a HubSpot simulator knowing our app, configs for the CLI and workers."""

    def __init__(self, tmp_path, token_delay=None, app_client=True, worker=None):
        self.inst = JobsInstance(tmp_path)
        self.client_id = "xhsync-test-" + secrets.token_hex(4)
        self.client_secret = secrets.token_hex(24)
        self.sim = self.inst.sim("hubspot_sim.py", "--client-id", self.client_id, "--client-secret",
                                 self.client_secret)
        self.proxy = DelayProxy(self.sim.url, "/oauth/v3/token", token_delay) if token_delay else None
        hub = {"api_url": self.proxy.url if self.proxy else self.sim.url, "app_url": self.sim.url}
        hub.update(client_id=self.client_id if app_client else "",
                   client_secret=self.client_secret if app_client else "")
        self.config = self.inst.write_config("hub.conf", {
            "worker": dict(FAST_WORKER, **(worker or {})), "log": {"level": "info"}, "hubspot": hub})

    def cli(self, *args, input=None):
        return self.inst.cli(*args, config=self.config, input=input)

    def link(self, name="hub"):
        return self.inst.one("INSERT INTO link (name, status) VALUES (%s, 'active') RETURNING id", (name,))

    def token(self, kind="static", scopes=None):
        body = {"kind": kind}
        if scopes is not None:
            body["scopes"] = scopes
        return self.sim.post("/_sim/tokens", body)

    def give_token(self, link, token, kind="private", portal=None):
        args = ["hubspot", "token", str(link), "--kind", kind] + (["--portal", str(portal)] if portal else [])
        return self.cli(*args, input=token + "\n")

    def api(self, method, path, token, body=None):
        req = urllib.request.Request(self.sim.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": "Bearer " + token,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def calls(self, fragment):
        return [e for e in self.sim.requests() if fragment in e["path"] and not e["path"].startswith("/_sim/")]

    def close(self):
        if self.proxy:
            self.proxy.close()
        self.inst.close()


def all_scopes(hub):
    return hub.sim.get("/_sim/config")["portals"][0]["scopes"]


def test_token_kinds_are_checked_and_a_service_key_warns(tmp_path):
    hub = Hub(tmp_path)
    try:
        link = hub.link()
        out = hub.give_token(link, "not-a-private-app-token")
        assert out.returncode == 1 and "looks like pat-na1" in out.stderr
        out = hub.give_token(link, "has a space", kind="project")
        assert out.returncode == 1 and "spaces" in out.stderr
        out = hub.cli("hubspot", "token", str(link), "--kind", "oauth", input="x\n")
        assert out.returncode == 2 and "authorize" in out.stderr
        out = hub.cli("hubspot", "token", str(link), "--kind", "private", input="")
        assert out.returncode == 1
        tok = hub.token()["token"]
        out = hub.give_token(link, tok, kind="service")
        assert out.returncode == 0, out.stderr
        assert "service key cannot receive HubSpot webhooks" in out.stdout
        assert tok not in out.stdout + out.stderr
        # sealed: the token is nowhere in the database in clear
        assert hub.inst.one("SELECT count(*) FROM credential WHERE position(%s::bytea in sealed) > 0",
                            (tok.encode(),)) == 0
        out = hub.cli("hubspot", "test", str(link))
        assert out.returncode == 0, out.stdout + out.stderr
        assert "warning: a service key cannot receive HubSpot webhooks" in out.stdout
    finally:
        hub.close()


def test_hubspot_test_reports_portal_tier_and_missing_scopes(tmp_path):
    hub = Hub(tmp_path)
    try:
        link = hub.link()
        scopes = [s for s in all_scopes(hub) if "invoices" not in s]
        tok = hub.token(scopes=scopes)["token"]
        assert hub.give_token(link, tok).returncode == 0
        out = hub.cli("hubspot", "test", str(link))
        assert out.returncode == 1, out.stdout
        assert "token: works" in out.stdout
        assert "portal (hub id): %d" % PORTAL in out.stdout
        assert "account tier: Free or Starter" in out.stdout
        assert "missing scope: crm.objects.invoices.read (needed to read invoices)" in out.stdout
        assert "missing scope: crm.objects.invoices.write" in out.stdout
        assert "missing scope: crm.schemas.invoices.write" in out.stdout
        assert out.stdout.count("missing scope:") == 3
        assert hub.inst.one("SELECT hubspot_portal_id FROM link WHERE id = %s", (link,)) == PORTAL
        # the portal's name (introspection's hub_domain) was learnt when the token was stored
        name = hub.inst.one("SELECT hubspot_portal_name FROM link WHERE id = %s", (link,))
        assert name == "portal%d.example.com" % PORTAL
        assert "portal name: %s" % name in out.stdout
        # one introspection when storing, then one introspection and one CRM read
        assert len(hub.calls("/token/introspect")) == 2
        assert len(hub.calls("/crm/")) == 1
        # a fully scoped token on a professional portal
        hub.sim.post("/_sim/portal", {"tier": "professional"})
        assert hub.give_token(link, hub.token()["token"]).returncode == 0
        out = hub.cli("hubspot", "test", str(link))
        assert out.returncode == 0, out.stdout
        assert "every required scope is granted" in out.stdout
        assert "account tier: Professional" in out.stdout
    finally:
        hub.close()


def test_hubspot_test_reports_revoked_and_unknown_tokens(tmp_path):
    hub = Hub(tmp_path)
    try:
        link = hub.link()
        tok = hub.token()["token"]
        assert hub.give_token(link, tok).returncode == 0
        hub.sim.post("/_sim/tokens/revoke", {"token": tok})
        out = hub.cli("hubspot", "test", str(link))
        assert out.returncode == 1
        assert "token: refused" in out.stdout
        assert "HubSpot says the token is not active" in out.stdout
        assert len(hub.calls("/crm/")) == 0  # no API call wasted on a dead token
        status, reason = hub.inst.q("SELECT status, status_reason FROM link WHERE id = %s", (link,))[0]
        assert status == "needs_reconnect" and "not active" in reason
        assert hub.inst.one("SELECT count(*) FROM audit_event WHERE link_id = %s AND"
                            " outcome = 'needs_reconnect'", (link,)) == 1
        # a new token brings the link back
        assert hub.give_token(link, hub.token()["token"]).returncode == 0
        assert hub.inst.one("SELECT status FROM link WHERE id = %s", (link,)) == "active"
    finally:
        hub.close()


def test_without_app_credentials_the_api_tells_a_bad_token(tmp_path):
    hub = Hub(tmp_path, app_client=False)
    try:
        link = hub.link()
        fake = "pat-na1-00000000-0000-0000-0000-000000000000"
        assert hub.give_token(link, fake, portal=PORTAL).returncode == 0
        out = hub.cli("hubspot", "test", str(link))
        assert out.returncode == 1
        assert "HubSpot refused the token (INVALID_AUTHENTICATION)" in out.stdout
        assert "scopes could not be read" in out.stdout
        assert len(hub.calls("/token/introspect")) == 0
        # a link bound to one portal does not take a token said to be for another
        out = hub.give_token(link, fake, portal=999)
        assert out.returncode == 1 and "is for portal %d" % PORTAL in out.stderr
    finally:
        hub.close()


def props(hub, tok, otype):
    status, body = hub.api("GET", "/crm/v3/properties/%s" % otype, tok)
    assert status == 200
    return {p["name"]: p for p in body["results"]}


def test_bootstrap_twice_creates_each_property_once(tmp_path):
    hub = Hub(tmp_path)
    try:
        link = hub.link()
        tok = hub.token()["token"]
        assert hub.give_token(link, tok).returncode == 0
        assert hub.cli("hubspot", "bootstrap", str(link)).returncode == 1  # portal not known yet
        assert hub.give_token(link, tok, portal=PORTAL).returncode == 0
        out = hub.cli("hubspot", "bootstrap", str(link))
        assert out.returncode == 0, out.stdout + out.stderr
        assert "18 HubSpot calls, 0 problems" in out.stdout
        assert "company    xero_contact_id          created" in out.stdout
        assert "contact    email                    exists" in out.stdout
        assert len(hub.calls("/batch/create")) == 6 and len(hub.calls("/groups")) == 6
        company = props(hub, tok, "companies")
        assert company["xero_contact_id"]["hasUniqueValue"] is True
        assert company["xero_contact_id"]["groupName"] == "xero"
        assert company["xero_outstanding"]["type"] == "number"
        assert company["xero_last_payment_date"]["type"] == "date"
        assert props(hub, tok, "invoices")["xero_invoice_id"]["hasUniqueValue"] is True
        assert props(hub, tok, "line_items")["xero_line_item_id"]["hasUniqueValue"] is True
        assert props(hub, tok, "products")["xero_item_id"]["hasUniqueValue"] is True
        assert props(hub, tok, "commerce_payments")["xero_payment_id"]["hasUniqueValue"] is True
        assert props(hub, tok, "contacts")["xero_contact_id"]["hasUniqueValue"] is False
        stored = hub.inst.one("SELECT hubspot_bootstrap FROM link WHERE id = %s", (link,))
        assert stored["portal"] == str(PORTAL)
        assert all(stored["objects"][o]["ok"] for o in ("company", "contact", "invoice", "line_item",
                                                          "product"))
        before = len(hub.sim.requests())
        # the second run, as a job: reads only, creates nothing
        w = hub.inst.worker(config=hub.config)
        out = hub.inst.cli("jobs", "enqueue", "hubspot.bootstrap", "--link", str(link), config=hub.config)
        assert out.returncode == 0, out.stderr
        assert wait_for(lambda: hub.inst.one("SELECT state FROM job WHERE kind = 'hubspot.bootstrap'")
                        == "completed", timeout=30), w.output()
        new = hub.sim.requests()[before:]
        assert [e["path"] for e in new if "/properties/" in e["path"]] == [
            "/crm/v3/properties/%s/batch/read" % o for o in OBJECTS]
        assert len(hub.calls("/batch/create")) == 6
        assert tok not in w.output()
    finally:
        hub.close()


def test_a_conflicting_property_is_reported_and_left_alone(tmp_path):
    hub = Hub(tmp_path)
    try:
        link = hub.link()
        tok = hub.token()["token"]
        assert hub.give_token(link, tok, portal=PORTAL).returncode == 0
        mine = {"name": "xero_contact_id", "label": "Mine", "type": "string", "fieldType": "text",
                "groupName": "companyinformation"}
        assert hub.api("POST", "/crm/v3/properties/companies", tok, mine)[0] == 201
        theirs = dict(mine, name="xero_total", groupName="invoiceinformation")
        assert hub.api("POST", "/crm/v3/properties/invoices", tok, theirs)[0] == 201
        before = props(hub, tok, "companies")["xero_contact_id"]
        out = hub.cli("hubspot", "bootstrap", str(link))
        assert out.returncode == 1
        assert ("company    xero_contact_id          conflict: it exists without unique values"
                in out.stdout)
        assert "invoice    xero_total               conflict: it exists with type string; " \
               "xhsync needs type number" in out.stdout
        assert "company    xero_status              missing" in out.stdout
        assert "2 problems" in out.stdout
        assert props(hub, tok, "companies")["xero_contact_id"] == before
        assert "xero_status" not in props(hub, tok, "companies")
        assert "xero_invoice_id" not in props(hub, tok, "invoices")
        assert "xero_item_id" in props(hub, tok, "products")
        ok = hub.inst.one("SELECT hubspot_bootstrap FROM link WHERE id = %s", (link,))["objects"]
        assert not ok["company"]["ok"] and not ok["invoice"]["ok"] and ok["product"]["ok"]
        assert ok["company"]["properties"]["xero_contact_id"] == "conflict"
        # the job says so and is not retried
        w = hub.inst.worker(config=hub.config)
        hub.inst.cli("jobs", "enqueue", "hubspot.bootstrap", "--link", str(link), config=hub.config)
        assert wait_for(lambda: hub.inst.one("SELECT state FROM job WHERE kind = 'hubspot.bootstrap'")
                        == "discarded", timeout=30), w.output()
        err = hub.inst.one("SELECT last_error FROM job WHERE kind = 'hubspot.bootstrap'")
        assert "2 property problem(s), first company.xero_contact_id" in err
    finally:
        hub.close()


def oauth_link(hub, ttl=None):
    """A link connected through the real authorize/callback flow (auto-approved)."""
    hub.sim.post("/_sim/portal", {"auto_approve": "approve", "redirect_uris": ["http://127.0.0.1/cb"]})
    if ttl is not None:
        hub.sim.post("/_sim/portal", {"access_token_ttl": ttl})
    link = hub.link("oauth")
    out = hub.cli("hubspot", "authorize", str(link), "--redirect-uri", "http://127.0.0.1/cb")
    assert out.returncode == 0, out.stderr
    url = out.stdout.strip().splitlines()[-1]
    assert "state=" in url and "code_challenge_method=S256" in url
    req = urllib.request.Request(url)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(req, timeout=10)
        raise AssertionError("no redirect")
    except urllib.error.HTTPError as e:
        assert e.code == 302
        location = e.headers["Location"]
    out = hub.cli("hubspot", "callback", input=location + "\n")
    assert out.returncode == 0, out.stderr
    assert "is connected to HubSpot portal %d" % PORTAL in out.stdout
    # a state is spent once
    again = hub.cli("hubspot", "callback", input=location + "\n")
    assert again.returncode == 1 and "already used" in again.stderr
    return link


def test_oauth_connect_then_an_expired_token_is_refreshed_once_across_3_workers(tmp_path):
    hub = Hub(tmp_path, token_delay=0.5)
    try:
        link = oauth_link(hub, ttl=1)
        time.sleep(1.5)  # the access token is dead at the simulator too
        hub.sim.post("/_sim/portal", {"access_token_ttl": 1800})
        assert len(hub.calls("/oauth/v3/token")) == 1  # the code exchange
        exchange = hub.calls("/oauth/v3/token")[0]["body"]
        assert "grant_type=authorization_code" in exchange and "code_verifier=" in exchange
        workers = [hub.inst.worker(config=hub.config, name="w%d" % i) for i in range(3)]
        for _ in range(12):
            hub.inst.cli("jobs", "enqueue", "hubspot.ping", "--link", str(link), config=hub.config)
        assert wait_for(lambda: hub.inst.one("SELECT count(*) FROM job WHERE kind = 'hubspot.ping'"
                                             " AND state = 'completed'") == 12, timeout=60), \
            [w.output() for w in workers]
        refreshes = [e for e in hub.calls("/oauth/v3/token") if "grant_type=refresh_token" in e["body"]]
        assert len(refreshes) == 1
        assert all(e["status"] == 200 for e in hub.calls("/crm/v3/objects/companies"))
        snap = hub.inst.one("SELECT count(*) FROM credential WHERE link_id = %s", (link,))
        assert snap == 1
        logs = "".join(w.output() for w in workers)
        assert "hubspot.token_refreshed" in logs
        for e in hub.calls("/oauth/v3/token"):
            for part in e["body"].split("&"):
                k, _, v = part.partition("=")
                if k in ("refresh_token", "client_secret", "code"):
                    assert v not in logs
        for e in hub.calls("/crm/"):
            assert e["headers"]["Authorization"].split()[1] not in logs
    finally:
        hub.close()


def test_lease_waiters_sleep_instead_of_polling_the_row(tmp_path):
    """Issue 10: 8 threads waiting for one slow refresh (2 s) do not re-read
    the credential row every 100 ms: they LISTEN and sleep until the holder
    stores the new pair, so each reads the row a few times only."""
    hub = Hub(tmp_path, token_delay=2.0, worker={"threads": "8", "claim_batch": "1"})
    try:
        link = oauth_link(hub, ttl=1)  # the stored set is due at once
        hub.sim.post("/_sim/portal", {"access_token_ttl": 1800})
        w = hub.inst.worker(config=hub.config)
        t0 = time.monotonic()
        for _ in range(8):
            hub.inst.cli("jobs", "enqueue", "hubspot.ping", "--link", str(link), config=hub.config)
        assert wait_for(lambda: hub.inst.one("SELECT count(*) FROM job WHERE kind = 'hubspot.ping'"
                                             " AND state = 'completed'") == 8, timeout=60), w.output()
        elapsed = time.monotonic() - t0
        refreshes = [e for e in hub.calls("/oauth/v3/token") if "grant_type=refresh_token" in e["body"]]
        assert len(refreshes) == 1
        waited = [line for line in w.output().splitlines() if "hubspot.token_waited" in line]
        assert len(waited) >= 3, w.output()
        reads = [int(line.split("locked_reads=")[1].split()[0].strip('"')) for line in waited]
        # polling every 100 ms through a 2 s refresh would be about 20 reads per waiter
        assert max(reads) <= 4, waited
        assert elapsed < 10
    finally:
        hub.close()
