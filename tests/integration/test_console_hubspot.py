"""Connecting HubSpot from the console, testing both ends of a link and the
HubSpot property bootstrap (GET /links/{id}/hubspot and its POSTs, GET
/oauth/hubspot/callback, GET+POST /links/{id}/test, GET+POST
/links/{id}/bootstrap), through nginx, xhsync-web and PostgreSQL, against the
test stack's Xero and HubSpot simulators. Each test makes its own HubSpot
portal and Xero organisation in the simulators, so none sees another's."""
import html
import json
import random
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from conftest import cli, request
from console_support import Client, form_token, new_admin


def sim(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
    except urllib.error.HTTPError as e:
        raise AssertionError("%s %s: %d %s" % (method, path, e.code, e.read()[:300]))
    return json.loads(raw) if raw else None


@pytest.fixture(autouse=True)
def no_throttle(db):
    with db.cursor() as cur:
        cur.execute("DELETE FROM login_throttle")
    yield
    with db.cursor() as cur:
        cur.execute("DELETE FROM login_throttle")


def sign_in(base_url):
    c = Client(base_url)
    r = c.login(*new_admin("hubs"))
    assert r.status == 303, r.body
    return c


@pytest.fixture
def admin(base_url):
    return sign_in(base_url)


def one(db, q, args=()):
    with db.cursor() as cur:
        cur.execute(q, args)
        row = cur.fetchone()
        return row[0] if row else None


class Portal:
    """A fresh portal of the HubSpot simulator."""

    def __init__(self, hs, scopes=None):
        self.hs = hs
        self.id = random.randint(20_000_000, 99_999_999)
        body = {"portal_id": self.id}
        if scopes is not None:
            body["scopes"] = scopes
        sim(hs, "POST", "/_sim/portal", body)

    def token(self, scopes=None):
        body = {"kind": "static", "portal_id": self.id}
        if scopes is not None:
            body["scopes"] = scopes
        return sim(self.hs, "POST", "/_sim/tokens", body)["token"]

    def revoke(self, token):
        sim(self.hs, "POST", "/_sim/tokens/revoke", {"token": token})


@pytest.fixture
def portal(hubspot_sim):
    return Portal(hubspot_sim)


def new_link(db, name=None, portal_id=None, tenant=None):
    # paused: the worker leaves these links alone while the test drives them
    return one(db, "INSERT INTO link (name, status, hubspot_portal_id, xero_tenant_id)"
                   " VALUES (%s, 'paused', %s, %s) RETURNING id",
               (name or "hubs-" + uuid.uuid4().hex[:8], portal_id, tenant))


def connect_xero(db, xero_sim, link, name="Hubs Test Ltd", scope=None):
    """Gives link a Xero sign-in of a new organisation, as tests/sim/demo.py does."""
    tenant = sim(xero_sim, "POST", "/_sim/tenants", {"name": name})["tenantId"]
    body = {"tenantId": tenant}
    if scope is not None:
        body["scope"] = scope
    tok = sim(xero_sim, "POST", "/_sim/tokens", body)
    with db.cursor() as cur:
        cur.execute("UPDATE link SET xero_tenant_id = %s WHERE id = %s", (tenant, link))
    payload = {"access_token": tok["access_token"], "refresh_token": tok["refresh_token"],
               "tenant_id": tenant, "expires_at": 4102444800}
    out = cli("credential", "set", str(link), "xero", input=json.dumps(payload))
    assert out.returncode == 0, out.stderr
    return tok


def give_token(c, link, token, kind="private", portal=""):
    page = c.get("/links/%d/hubspot" % link)
    assert page.status == 200
    action = "/links/%d/hubspot/token" % link
    return c.post(action, {"csrf": form_token(page.body, action), "kind": kind,
                           "token": token, "portal": portal})


def text(r):
    """The page's words: tags dropped, white space folded, entities decoded."""
    body = re.sub(r"<[^>]+>", "", r.body.decode("utf-8", "replace"))
    return html.unescape(re.sub(r"\s+", " ", body))


def sealed_has(db, secret):
    return one(db, "SELECT count(*) FROM credential WHERE position(%s::bytea in sealed) > 0",
               (secret.encode(),)) > 0


# ---- the HubSpot page and the token form ----

def test_page_of_a_new_link_says_not_connected_and_offers_every_way(admin, db):
    link = new_link(db)
    r = admin.get("/links/%d/hubspot" % link)
    assert r.status == 200
    t = text(r)
    assert "Not connected" in t
    for action in ("token", "oauth", "secret"):
        assert form_token(r.body, "/links/%d/hubspot/%s" % (link, action))
    assert "cannot receive HubSpot webhooks" in t  # the service-key warning by the choice
    assert 'href="/links/%d"' % link in r.body.decode()


def test_unknown_link_is_404(admin):
    for path in ("/links/999999999/hubspot", "/links/999999999/test",
                 "/links/999999999/bootstrap", "/links/abc/hubspot"):
        assert admin.get(path).status == 404, path


def test_pages_need_a_session(base_url, db):
    link = new_link(db)
    for path in ("/links/%d/hubspot", "/links/%d/test", "/links/%d/bootstrap"):
        r = request(base_url + path % link)
        assert r.status == 303 and r.header("Location") == "/login"


def test_good_token_is_checked_with_hubspot_and_stored_sealed(admin, db, portal, hubspot_sim):
    link = new_link(db)
    token = portal.token()
    since = max([e.get("id", 0) for e in sim(hubspot_sim, "GET", "/_sim/requests")] or [0])
    r = give_token(admin, link, token)
    assert r.status == 200, text(r)
    t = text(r)
    assert "the link is connected to portal %d" % portal.id in t
    assert "Connected" in t and str(portal.id) in t
    assert token.encode() not in r.body
    assert one(db, "SELECT hubspot_portal_id FROM link WHERE id = %s", (link,)) == portal.id
    assert not sealed_has(db, token)
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s AND vendor = 'hubspot'"
                   " AND purpose = 'oauth'", (link,)) == 1
    calls = [e["path"] for e in sim(hubspot_sim, "GET", "/_sim/requests?since=%d" % since)]
    assert "/oauth/v3/token/introspect" in calls  # asked HubSpot before storing
    assert any(p.startswith("/crm/v3/objects/companies") for p in calls)
    # the stored token works for the CLI too
    out = cli("hubspot", "test", str(link))
    assert out.returncode == 0 and "token: works" in out.stdout, out.stdout + out.stderr


def test_token_hubspot_refuses_keeps_the_form_but_not_the_secret(admin, db, portal):
    link = new_link(db, portal_id=portal.id)
    bogus = "pat-na1-%s" % uuid.uuid4()
    r = give_token(admin, link, bogus, kind="private", portal=str(portal.id))
    assert r.status == 422
    t = text(r)
    assert "Access token: HubSpot says the token is not active" in t
    assert "Nothing was saved" in t
    assert bogus.encode() not in r.body
    assert re.search(rb'value="private" checked', r.body)
    assert ('value="%d"' % portal.id).encode() in r.body
    assert re.search(rb'id="token"[^>]*aria-invalid="true"', r.body)
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s", (link,)) == 0
    # a token typed in the form says nothing about the link's own connection
    assert one(db, "SELECT status FROM link WHERE id = %s", (link,)) == "paused"


def test_refused_token_without_a_portal_blames_the_token_not_the_portal(admin, db):
    link = new_link(db)
    r = give_token(admin, link, "pat-na1-%s" % uuid.uuid4(), kind="private")
    assert r.status == 422
    assert "Access token: HubSpot says the token is not active" in text(r)
    assert "Portal:" not in text(r).split("Nothing was saved")[0]
    assert re.search(rb'id="token"[^>]*aria-invalid="true"', r.body)


def test_empty_token_names_the_field(admin, db):
    link = new_link(db)
    r = give_token(admin, link, "")
    assert r.status == 422
    assert "Access token: paste the token from HubSpot." in text(r)
    assert re.search(rb'id="token"[^>]*aria-invalid="true"', r.body)


def test_private_app_token_must_look_like_one(admin, db):
    link = new_link(db)
    r = give_token(admin, link, "not-a-pat-token", kind="private")
    assert r.status == 422
    assert "looks like pat-na1" in text(r)


@pytest.mark.parametrize("token,why", [
    ("<script>alert(1)</script>", "HubSpot says the token is not active"),
    ("a" * 10240, "too long"),
    ("pat na1 has spaces", "spaces"),
    ("caf\u00e9\udcff", "printable ASCII"),
    ("'; DROP TABLE link; --", "printable ASCII"),
])
def test_hostile_tokens_are_refused_and_never_echoed(admin, db, portal, token, why):
    link = new_link(db, portal_id=portal.id)
    page = admin.get("/links/%d/hubspot" % link)
    action = "/links/%d/hubspot/token" % link
    body = urllib.parse.urlencode({"csrf": form_token(page.body, action), "kind": "project",
                                   "portal": str(portal.id)}) + "&token=" + \
        urllib.parse.quote(token, safe="", errors="surrogateescape")
    r = request(admin.base + action, method="POST", body=body, headers=admin._headers({
        "Content-Type": "application/x-www-form-urlencoded", "Origin": admin.origin,
        "Sec-Fetch-Site": "same-origin"}))
    assert r.status == 422, r.status
    assert why in text(r)
    assert b"<script>alert" not in r.body
    if len(token) > 8:
        assert token[:12].encode("utf-8", "surrogateescape") not in r.body
    assert one(db, "SELECT count(*) FROM link") > 0  # and the table is still there
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s", (link,)) == 0


def test_hostile_kind_and_portal_are_named_and_escaped(admin, db, portal):
    link = new_link(db)
    r = give_token(admin, link, portal.token(), kind="<b>oauth</b>")
    assert r.status == 422
    assert "Kind of token: choose one" in text(r)
    assert b"<b>oauth" not in r.body
    r = give_token(admin, link, portal.token(), kind="project", portal='"><script>x</script>')
    assert r.status == 422
    assert "Portal: a hub id is a number" in text(r)
    assert b"<script>x" not in r.body and b"&quot;&gt;&lt;script&gt;" in r.body
    assert re.search(rb'id="portal"[^>]*aria-invalid="true"', r.body)


def test_token_of_another_portal_is_refused(admin, db, portal, hubspot_sim):
    other = Portal(hubspot_sim)
    link = new_link(db, portal_id=portal.id)
    r = give_token(admin, link, other.token())
    assert r.status == 422
    assert ("belongs to portal %d, but the link is for portal %d" % (other.id, portal.id)) in text(r)
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s", (link,)) == 0


def test_service_key_is_stored_with_the_webhook_warning(admin, db, portal):
    link = new_link(db)
    r = give_token(admin, link, portal.token(), kind="service")
    assert r.status == 200, text(r)
    t = text(r)
    assert "service key" in t and "HubSpot does not send webhooks for service keys" in t
    t = text(admin.get("/links/%d/hubspot" % link))
    assert "Connected (a service key" in t and "This link uses a service key" in t


def test_token_lacking_scopes_is_stored_and_the_scopes_named(admin, db, portal):
    link = new_link(db)
    r = give_token(admin, link, portal.token(scopes=["crm.objects.companies.read"]))
    assert r.status == 200, text(r)
    t = text(r)
    assert "lacks permissions the sync needs" in t
    assert "crm.objects.invoices.write: to write invoices" in t
    assert "crm.objects.companies.read" not in t.split("lacks permissions")[1].split("Connection")[0]


# ---- the app's client secret ----

def test_client_secret_is_write_only(admin, db):
    link = new_link(db)
    page = admin.get("/links/%d/hubspot" % link)
    action = "/links/%d/hubspot/secret" % link
    secret = "sec-" + uuid.uuid4().hex
    r = admin.post(action, {"csrf": form_token(page.body, action), "client_secret": secret,
                            "client_id": "my-app"})
    assert r.status == 200
    assert "client secret was saved" in text(r)
    assert secret.encode() not in r.body
    assert not sealed_has(db, secret)
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s AND purpose = 'client_secret'",
               (link,)) == 1
    page = admin.get("/links/%d/hubspot" % link)
    assert "Stored (never shown)" in text(page) and secret.encode() not in page.body


@pytest.mark.parametrize("secret,why", [("", "empty"), ("has a space", "spaces"),
                                        ("x" * 600, "longer than 512")])
def test_bad_client_secret_names_the_field_and_keeps_the_client_id(admin, db, secret, why):
    link = new_link(db)
    page = admin.get("/links/%d/hubspot" % link)
    action = "/links/%d/hubspot/secret" % link
    r = admin.post(action, {"csrf": form_token(page.body, action), "client_secret": secret,
                            "client_id": "kept-<id>"})
    assert r.status == 422
    assert "Client secret:" in text(r) and why in text(r)
    assert b'value="kept-&lt;id&gt;"' in r.body
    assert re.search(rb'id="client_secret"[^>]*aria-invalid="true"', r.body)
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s", (link,)) == 0


# ---- OAuth ----

def start_oauth(c, link):
    page = c.get("/links/%d/hubspot" % link)
    action = "/links/%d/hubspot/oauth" % link
    r = c.post(action, {"csrf": form_token(page.body, action)})
    assert r.status == 303, text(r)
    return r.header("Location")


def hubspot_decides(hs, authorize_url, decision, portal_id):
    """What HubSpot's consent page does: redirects back with code (or error) and state."""
    u = urllib.parse.urlsplit(authorize_url)
    assert authorize_url.startswith(hs + "/oauth/authorize?")
    q = urllib.parse.parse_qs(u.query)
    params = {k: v[0] for k, v in q.items()}
    params.update(decision=decision, portal_id=str(portal_id))
    r = request(hs + "/oauth/authorize/decision?" + urllib.parse.urlencode(params))
    assert r.status == 302, r.body
    back = urllib.parse.urlsplit(r.header("Location"))
    assert back.path == "/oauth/hubspot/callback"
    return back.path + "?" + back.query, params["state"]


def test_oauth_connects_and_the_callback_cannot_be_replayed(admin, db, portal, hubspot_sim):
    link = new_link(db)
    url = start_oauth(admin, link)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert q["client_id"] == ["xhsync-demo-client"] and q["code_challenge_method"] == ["S256"]
    assert q["redirect_uri"][0].endswith("/oauth/hubspot/callback")
    assert one(db, "SELECT count(*) FROM oauth_flow WHERE state = %s AND session_hash IS NOT NULL",
               (q["state"][0],)) == 1
    back, state = hubspot_decides(hubspot_sim, url, "approve", portal.id)
    r = admin.get(back)
    assert r.status == 303, text(r)
    assert r.header("Location") == "/links/%d/hubspot?m=hubspot_connected" % link
    assert r.header("Referrer-Policy") == "no-referrer"
    assert one(db, "SELECT hubspot_portal_id FROM link WHERE id = %s", (link,)) == portal.id
    assert one(db, "SELECT count(*) FROM oauth_flow WHERE state = %s", (state,)) == 0
    page = admin.get(r.header("Location"))
    assert "HubSpot is connected" in text(page) and "Connected (a public app (OAuth)" in text(page)
    again = admin.get(back)
    assert again.status == 400
    assert "This HubSpot sign-in cannot be used" in text(again)
    assert "used already" in text(again)


def test_oauth_expired_state_is_refused(admin, db, portal, hubspot_sim):
    link = new_link(db)
    url = start_oauth(admin, link)
    back, state = hubspot_decides(hubspot_sim, url, "approve", portal.id)
    with db.cursor() as cur:
        cur.execute("UPDATE oauth_flow SET expires_at = now() - interval '1 s' WHERE state = %s",
                    (state,))
    r = admin.get(back)
    assert r.status == 400 and "older than 10 minutes" in text(r)
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s", (link,)) == 0
    assert one(db, "SELECT count(*) FROM oauth_flow WHERE state = %s", (state,)) == 0


def test_oauth_denial_is_a_clear_page_and_spends_the_state(admin, db, portal, hubspot_sim):
    link = new_link(db)
    url = start_oauth(admin, link)
    back, state = hubspot_decides(hubspot_sim, url, "deny", portal.id)
    assert "error=access_denied" in back
    r = admin.get(back)
    assert r.status == 200
    assert "HubSpot was not connected" in text(r) and "nothing was changed" in text(r)
    assert ('href="/links/%d/hubspot"' % link).encode() in r.body
    assert one(db, "SELECT count(*) FROM oauth_flow WHERE state = %s", (state,)) == 0
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s", (link,)) == 0
    forged = admin.get("/oauth/hubspot/callback?" + urllib.parse.urlencode(
        {"code": "code-made-up", "state": state}))
    assert forged.status == 400 and "cannot be used" in text(forged)


def test_oauth_state_of_another_session_is_refused_and_kept(admin, base_url, db, portal, hubspot_sim):
    link = new_link(db)
    url = start_oauth(admin, link)
    back, state = hubspot_decides(hubspot_sim, url, "approve", portal.id)
    other = sign_in(base_url)
    r = other.get(back)
    assert r.status == 400
    assert "another browser session" in text(r)
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s", (link,)) == 0
    # the admin who started it can still finish
    assert admin.get(back).status == 303


def test_oauth_callback_without_the_cookie_asks_to_continue(admin, base_url, db, portal, hubspot_sim):
    link = new_link(db)
    url = start_oauth(admin, link)
    back, _ = hubspot_decides(hubspot_sim, url, "approve", portal.id)
    bare = request(base_url + back)  # no cookie: as after a cross-site redirect
    assert bare.status == 200
    m = re.search(rb'id="continue" href="([^"]+)"', bare.body)
    assert m and b"resumed=1" in m.group(1)
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s", (link,)) == 0
    r = request(base_url + html.unescape(m.group(1).decode()))
    assert r.status == 403 and "Sign in to finish" in text(r)
    # with the cookie (a same-site navigation), the same link finishes the flow
    assert admin.get(html.unescape(m.group(1).decode())).status == 303


def test_oauth_callback_without_code_or_state(admin):
    r = admin.get("/oauth/hubspot/callback?state=x")
    assert r.status == 400 and "not a HubSpot sign-in answer" in text(r)
    r = admin.get("/oauth/hubspot/callback?error=%3Cscript%3Ex&state=nope")
    assert r.status == 400 and b"<script>x" not in r.body and "&lt;script&gt;x" in r.body.decode()


# ---- the connection test ----

def run_test(c, link):
    """Runs the test; returns (Xero section text, HubSpot section text)."""
    page = c.get("/links/%d/test" % link)
    assert page.status == 200
    action = "/links/%d/test" % link
    r = c.post(action, {"csrf": form_token(page.body, action)})
    assert r.status == 200, r.status
    return section(r, "xero-result"), section(r, "hubspot-result")


def section(r, label):
    m = re.search(rb'<section[^>]*aria-labelledby="%s">(.*?)</section>' % label.encode(),
                  r.body, re.S)
    assert m, "no %s section" % label
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", m.group(1).decode())))


def test_both_work_names_organisation_and_portal(admin, db, portal, xero_sim):
    link = new_link(db)
    connect_xero(db, xero_sim, link, name="Kiwi <Widgets> & Co")
    assert give_token(admin, link, portal.token()).status == 200
    x, h = run_test(admin, link)
    assert "Works" in x and \
        'Signed in to the Xero organisation "Kiwi <Widgets> & Co"' in x
    assert "Works" in h and "HubSpot accepts the token for portal %d" % portal.id in h


def test_neither_connected(admin, db):
    link = new_link(db)
    x, h = run_test(admin, link)
    assert "Not connected" in x and "Connect Xero first" in x
    assert "Not connected" in h and "Connect HubSpot first" in h


def test_both_revoked(admin, db, portal, xero_sim, hubspot_sim):
    link = new_link(db)
    tok = connect_xero(db, xero_sim, link)
    token = portal.token()
    assert give_token(admin, link, token).status == 200
    sim(xero_sim, "POST", "/_sim/tokens/revoke", {"token": tok["refresh_token"]})
    portal.revoke(token)
    x, h = run_test(admin, link)
    assert "Revoked" in x and "Reconnect Xero" in x
    assert "Revoked" in h and "not active" in h
    assert one(db, "SELECT status FROM link WHERE id = %s", (link,)) == "needs_reconnect"


def test_both_missing_scopes(admin, db, portal, xero_sim):
    link = new_link(db)
    connect_xero(db, xero_sim, link, scope="openid profile email offline_access "
                                           "accounting.contacts.read")
    assert give_token(admin, link, portal.token(scopes=[
        "crm.objects.companies.read", "crm.objects.companies.write"])).status == 200
    x, h = run_test(admin, link)
    assert "Missing permissions" in x
    assert "accounting.invoices.read or accounting.transactions.read: to read sales invoices" in x
    assert "accounting.payments.read" in x and "accounting.contacts.read:" not in x
    assert "Missing scopes" in h
    assert "crm.objects.invoices.write: to write invoices" in h
    assert "crm.objects.companies.read:" not in h


def test_xero_expired_access_token(admin, db, portal, xero_sim):
    link = new_link(db)
    tok = connect_xero(db, xero_sim, link)
    sim(xero_sim, "POST", "/_sim/tokens/expire", {"access_token": tok["access_token"]})
    x, _ = run_test(admin, link)
    assert "Expired" in x and "has expired" in x


def test_xero_organisation_disconnected(admin, db, xero_sim):
    link = new_link(db)
    connect_xero(db, xero_sim, link)
    tenant = one(db, "SELECT xero_tenant_id::text FROM link WHERE id = %s", (link,))
    sim(xero_sim, "POST", "/_sim/tenants/%s/disconnect" % tenant, {})
    x, _ = run_test(admin, link)
    assert "Organisation disconnected" in x or "Revoked" in x


# ---- the bootstrap ----

def run_bootstrap(c, link, status=200):
    page = c.get("/links/%d/bootstrap" % link)
    assert page.status == 200
    action = "/links/%d/bootstrap" % link
    r = c.post(action, {"csrf": form_token(page.body, action)})
    assert r.status == status, text(r)
    return r


def rows(r):
    """{property name: outcome text} from the bootstrap table."""
    out = {}
    for tr in re.findall(rb"<tr><td>.*?</tr>", r.body, re.S):
        name = re.search(rb"<code>([^<]+)</code>", tr).group(1).decode()
        cells = re.findall(rb"<td>(.*?)</td>", tr, re.S)
        out.setdefault(name, []).append(html.unescape(re.sub(rb"<[^>]+>", b" ", cells[-1]).decode()))
    return out


def test_bootstrap_creates_then_finds_everything(admin, db, portal):
    link = new_link(db)
    assert give_token(admin, link, portal.token()).status == 200
    page = admin.get("/links/%d/bootstrap" % link)
    assert "xero_invoice_id" in text(page)
    r = run_bootstrap(admin, link)
    assert "has every property the sync needs" in text(r)
    got = rows(r)
    assert "Created" in " ".join(got["xero_invoice_id"])
    assert all("Created" in o or "Already there" in o for v in got.values() for o in v)
    r = run_bootstrap(admin, link)
    assert all("Already there" in o for v in rows(r).values() for o in v)
    assert "Last run" in text(admin.get("/links/%d/bootstrap" % link))


def test_bootstrap_lists_a_conflicting_property_and_why(admin, db, portal, hubspot_sim):
    sim(hubspot_sim, "POST", "/_sim/seed", {
        "portal_id": portal.id,
        "groups": {"invoices": [{"name": "theirs", "label": "Theirs"}]},
        "properties": {"invoices": [
            {"name": "xero_invoice_id", "label": "Someone else's", "type": "number",
             "fieldType": "number", "groupName": "theirs"}]}})
    link = new_link(db)
    assert give_token(admin, link, portal.token()).status == 200
    r = run_bootstrap(admin, link)
    t = text(r)
    assert "could not be used" in t
    got = rows(r)
    inv = " ".join(got["xero_invoice_id"])
    assert "Conflict" in inv and "it exists with type number; xhsync needs type string" in inv
    assert any("Not created" in o for v in got.values() for o in v)
    assert "Created" in " ".join(got["xero_contact_id"])


def test_bootstrap_without_hubspot_says_connect_first(admin, db):
    link = new_link(db)
    r = run_bootstrap(admin, link, status=409)
    assert "not connected to HubSpot yet" in text(r)


# ---- every POST needs the CSRF token and our origin ----

POSTS = ["/links/%d/hubspot/token", "/links/%d/hubspot/secret", "/links/%d/hubspot/oauth",
         "/links/%d/test", "/links/%d/bootstrap"]


@pytest.mark.parametrize("path", POSTS)
def test_post_without_or_with_wrong_csrf_or_origin_is_403(admin, db, path):
    link = new_link(db)
    p = path % link
    fields = {"kind": "project", "token": "x", "client_secret": "y"}
    assert admin.post(p, fields).status == 403
    assert admin.post(p, dict(fields, csrf="wrong-token")).status == 403
    good = admin.csrf("/links/%d/hubspot" % link, "/links/%d/hubspot/token" % link)
    assert admin.post(p, dict(fields, csrf=good),
                      headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
                      ).status == 403
    assert one(db, "SELECT count(*) FROM credential WHERE link_id = %s", (link,)) == 0
    assert one(db, "SELECT count(*) FROM oauth_flow WHERE link_id = %s", (link,)) == 0


def test_hostile_link_name_renders_escaped(admin, db):
    link = new_link(db, name="<script>alert('x')</script> \"q\" " + "n" * 150)
    for path in ("/links/%d/hubspot", "/links/%d/test", "/links/%d/bootstrap"):
        r = admin.get(path % link)
        assert r.status == 200
        assert b"<script>alert" not in r.body and b"&lt;script&gt;alert" in r.body
