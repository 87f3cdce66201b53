"""Connecting Xero from the console, through nginx, xhsync-web, PostgreSQL
and the Xero simulator: POST /connect/xero, Xero's consent page, the
callback, choosing organisations; reconnect; disconnect (the console and
`xhsync link disconnect`). Every refusal is a page in plain words that
leaves no half-made link."""
import base64
import hashlib
import json
import time
import urllib.parse
import uuid

import pytest

from conftest import cli, request, wait_for
from console_support import Client, form_token, new_admin


# ---- helpers ---------------------------------------------------------------

def sim(xero_sim, method, path, body=None):
    r = request(xero_sim + path, method=method,
                body=json.dumps(body) if body is not None else None,
                headers={"Content-Type": "application/json"} if body is not None else {})
    assert r.status < 300, (path, r.status, r.body[:300])
    return r.json() if r.body else None


def new_tenant(xero_sim, name=None):
    name = name or "XC Org %s" % uuid.uuid4().hex[:8]
    return sim(xero_sim, "POST", "/_sim/tenants", {"name": name})["tenantId"], name


def signed_in(base_url):
    c = Client(base_url)
    email, pw = new_admin("xero")
    assert c.login(email, pw).status == 303
    c.email = email
    return c


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def start(client, path="/connect/xero", scopes=None, page="/", action="/connect/xero"):
    """POSTs the connect (or reconnect) form; returns Xero's authorize URL."""
    fields = {"csrf": client.csrf(page, action)}
    if scopes:
        fields["scopes"] = scopes
    r = client.post(path, fields)
    assert r.status == 303, r.body[:500]
    return r.header("Location")


def consent(url, action="approve", tenants=()):
    """What Xero's consent page answers when the user approves or denies: the callback URL."""
    extra = "&auto=" + action + ("&tenants=" + ",".join(tenants) if tenants else "")
    r = request(url + extra)
    assert r.status == 302, r.body[:300]
    return r.header("Location")


def callback(client, url, base_url):
    assert url.startswith(base_url + "/oauth/xero/callback?"), url
    return client.get(url[len(base_url):])


def connect(client, base_url, tenants, scopes=None):
    """The whole flow up to the choose page; returns (callback reply, callback url)."""
    url = consent(start(client, scopes=scopes), tenants=tenants)
    return callback(client, url, base_url), url


def choose(client, tenants):
    page = client.get("/connect/xero/choose")
    assert page.status == 200, page.body[:500]
    grant = _hidden(page.body, "grant")
    fields = [("csrf", form_token(page.body, "/connect/xero/choose")), ("grant", grant)]
    fields += [("tenant", t) for t in tenants]
    return client.post("/connect/xero/choose", fields)


def _hidden(body, name):
    text = body.decode()
    marker = 'name="%s" value="' % name
    i = text.index(marker) + len(marker)
    return text[i:text.index('"', i)]


def link_of(db, tenant):
    cur = db.cursor()
    cur.execute("SELECT id, name, status, xero_connection_id::text, xero_tenant_name,"
                " xero_grant_id::text, coalesce(status_reason, '') FROM link"
                " WHERE xero_tenant_id = %s ORDER BY id", (tenant,))
    return cur.fetchall()


def xero_cred(db, link_id):
    cur = db.cursor()
    cur.execute("SELECT version, encode(sealed, 'hex') FROM credential"
                " WHERE link_id = %s AND vendor = 'xero'", (link_id,))
    return cur.fetchone()


def sim_connections(xero_sim):
    return sim(xero_sim, "GET", "/_sim/tokens")["connections"]


def connection_for(xero_sim, tenant):
    return [c for c in sim_connections(xero_sim) if c["tenantId"] == tenant]


def run_job(db, kind, link_id, args=None):
    """Runs one job for the link through the worker; its final state."""
    extra = ["--args", json.dumps(args)] if args else []
    out = cli("jobs", "enqueue", kind, "--link", str(link_id), *extra)
    assert out.returncode == 0, out.stderr
    job = int(out.stdout.split()[-1])
    cur = db.cursor()

    def done():
        cur.execute("SELECT state FROM job WHERE id = %s", (job,))
        state = cur.fetchone()[0]
        return state in ("completed", "discarded", "retryable") and state
    return wait_for(done, timeout=20)


def ping(db, link_id):
    """xero.ping: one Xero call with the link's token set and organisation."""
    return run_job(db, "xero.ping", link_id)


def connected_link(client, base_url, db, xero_sim, name=None):
    tenant, name = new_tenant(xero_sim, name)
    r, _ = connect(client, base_url, [tenant])
    assert r.status == 303
    r = choose(client, [tenant])
    assert r.status == 303, r.body[:500]
    return link_of(db, tenant)[0][0], tenant, name


def two_links(client, base_url, db, xero_sim):
    """Two organisations connected in one consent: ((link, tenant), (link, tenant))."""
    (t1, _), (t2, _) = new_tenant(xero_sim), new_tenant(xero_sim)
    connect(client, base_url, [t1, t2])
    assert choose(client, [t1, t2]).status == 303
    return (link_of(db, t1)[0][0], t1), (link_of(db, t2)[0][0], t2)


@pytest.fixture(autouse=True)
def clean_xero_links(db):
    """Links of earlier tests would share the simulator's one Xero user."""
    yield
    db.cursor().execute("DELETE FROM link WHERE xero_user_id IS NOT NULL OR xero_grant_id IS NOT NULL"
                        " OR xero_tenant_name LIKE 'XC %'")


# ---- connect ---------------------------------------------------------------

def test_connect_sends_to_xero_with_state_pkce_and_the_granular_scopes(base_url, config):
    c = signed_in(base_url)
    r = c.post("/connect/xero", {"csrf": c.csrf("/", "/connect/xero")})
    assert r.status == 303
    url = r.header("Location")
    q = query_of(url)
    assert url.startswith(config["xero"]["login_url"].rstrip("/") + "/identity/connect/authorize?")
    assert q["response_type"] == "code" and q["client_id"] == config["xero"]["client_id"]
    assert q["redirect_uri"] == base_url + "/oauth/xero/callback"
    assert q["scope"].split() == ["openid", "profile", "email", "offline_access",
                                  "accounting.contacts.read", "accounting.invoices.read",
                                  "accounting.payments.read", "accounting.settings.read"]
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert len(q["state"]) == 43
    # The flow cookie must come back from Xero (SameSite=Lax), and lives 10 minutes.
    cookie = [v for k, v in r.headers if k.lower() == "set-cookie" and v.startswith("__Host-xflow=")]
    assert len(cookie) == 1
    for attr in ("Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=600"):
        assert attr in cookie[0]


def test_connect_can_ask_for_the_broad_legacy_scopes(base_url):
    c = signed_in(base_url)
    q = query_of(start(c, scopes="legacy"))
    assert "accounting.transactions.read" in q["scope"].split()
    assert "accounting.invoices.read" not in q["scope"].split()


def test_state_and_verifier_are_stored_hashed_and_bound_to_the_session(base_url, db):
    c = signed_in(base_url)
    q = query_of(start(c))
    cur = db.cursor()
    cur.execute("SELECT state, code_verifier, encode(browser_hash, 'hex'), session_hash IS NOT NULL,"
                " expires_at - now() < interval '11 minutes' FROM oauth_flow WHERE provider = 'xero'"
                " AND state = %s", (hashlib.sha256(q["state"].encode()).hexdigest(),))
    state, verifier_hash, browser_hash, bound, short = cur.fetchone()
    assert state != q["state"] and len(verifier_hash) == 64 and bound and short
    assert browser_hash == hashlib.sha256(c.cookies["__Host-xflow"].encode()).hexdigest()
    # The verifier is not stored: only its SHA-256, i.e. the public S256 challenge.
    assert base64.urlsafe_b64encode(bytes.fromhex(verifier_hash)).rstrip(b"=").decode() == q["code_challenge"]


def test_connect_one_organisation_makes_a_link_named_after_it(base_url, db, xero_sim):
    c = signed_in(base_url)
    tenant, name = new_tenant(xero_sim, "XC Maple <Florists> & \"Sons\"")
    r, cb_url = connect(c, base_url, [tenant])
    assert r.status == 303 and r.header("Location") == "/connect/xero/choose"
    assert r.header("Referrer-Policy") == "no-referrer"
    assert "__Host-xflow" not in c.cookies  # spent with the flow
    page = c.get("/connect/xero/choose")
    assert page.status == 200
    assert b"Maple &lt;Florists&gt; &amp; &quot;Sons&quot;" in page.body
    assert b"becomes a new link" in page.body
    assert b"access_token" not in page.body and query_of(cb_url)["code"].encode() not in page.body
    r = choose(c, [tenant])
    assert r.status == 303
    links = link_of(db, tenant)
    assert len(links) == 1
    link_id, lname, status, conn_id, tname, grant, _ = links[0]
    assert r.header("Location") == "/links/%d?m=xero_connected" % link_id
    assert lname == name and tname == name and status == "setup" and grant
    assert conn_id == connection_for(xero_sim, tenant)[0]["id"]
    assert xero_cred(db, link_id) is not None
    # The flash message is shown by whatever page /links/{id} is.
    flash = c.get("/links/%d?m=xero_connected" % link_id)
    assert b"Xero is connected" in flash.body
    # Nothing of the flow is left, and no token is in a cookie.
    cur = db.cursor()
    cur.execute("SELECT count(*) FROM xero_grant")
    assert cur.fetchone()[0] == 0
    assert all(len(v) < 100 for v in c.cookies.values())
    # The stored token set works: the worker's xero.ping calls Xero with it.
    cli("link", "set", str(link_id), "status=active")
    assert ping(db, link_id) == "completed"


def test_two_organisations_chosen_at_once_make_two_links(base_url, db, xero_sim):
    c = signed_in(base_url)
    (t1, n1), (t2, n2) = new_tenant(xero_sim), new_tenant(xero_sim)
    r, _ = connect(c, base_url, [t1, t2])
    assert r.status == 303
    page = c.get("/connect/xero/choose")
    assert n1.encode() in page.body and n2.encode() in page.body
    r = choose(c, [t1, t2])
    assert r.status == 303 and r.header("Location") == "/?m=xero_connected_many"
    l1, l2 = link_of(db, t1)[0], link_of(db, t2)[0]
    assert (l1[1], l2[1]) == (n1, n2)
    assert l1[5] == l2[5]  # one consent, one grant
    assert {l1[3], l2[3]} == {connection_for(xero_sim, t)[0]["id"] for t in (t1, t2)}
    assert xero_cred(db, l1[0]) and xero_cred(db, l2[0])


def test_choose_needs_a_ticked_organisation_and_keeps_the_list(base_url, db, xero_sim):
    c = signed_in(base_url)
    tenant, name = new_tenant(xero_sim)
    connect(c, base_url, [tenant])
    r = choose(c, [])
    assert r.status == 422
    assert b"Organisations: tick at least one" in r.body and name.encode() in r.body
    assert b" checked>" not in r.body  # what was submitted (nothing ticked) is kept
    r = choose(c, [str(uuid.uuid4())])
    assert r.status == 422 and b"not part of this sign-in" in r.body
    assert link_of(db, tenant) == []
    assert choose(c, [tenant]).status == 303


def test_connecting_an_organisation_again_updates_its_link(base_url, db, xero_sim):
    c = signed_in(base_url)
    link_id, tenant, _ = connected_link(c, base_url, db, xero_sim)
    before = xero_cred(db, link_id)
    connect(c, base_url, [tenant])
    page = c.get("/connect/xero/choose")
    assert b"updates its link" in page.body
    assert choose(c, [tenant]).status == 303
    assert [row[0] for row in link_of(db, tenant)] == [link_id]
    after = xero_cred(db, link_id)
    assert after[0] == before[0] + 1 and after[1] != before[1]


def test_choose_page_without_a_waiting_sign_in_says_so(base_url):
    c = signed_in(base_url)
    r = c.get("/connect/xero/choose")
    assert r.status == 404 and b"Nothing to choose" in r.body and b'action="/connect/xero"' in r.body


def test_callback_without_the_session_cookie_moves_on_from_our_own_origin(base_url, db, xero_sim):
    # A browser coming back from login.xero.com does not send the SameSite=Strict cookie.
    c = signed_in(base_url)
    tenant, _ = new_tenant(xero_sim)
    url = consent(start(c), tenants=[tenant])
    sid = c.cookies.pop("__Host-sid")
    r = c.get(url[len(base_url):])
    assert r.status == 200 and r.header("Referrer-Policy") == "no-referrer"
    assert b'http-equiv="refresh" content="0; url=/connect/xero/choose"' in r.body
    assert query_of(url)["code"].encode() not in r.body
    c.cookies["__Host-sid"] = sid
    assert choose(c, [tenant]).status == 303
    assert len(link_of(db, tenant)) == 1


# ---- refusals ----------------------------------------------------------------

def test_denial_on_xeros_page_is_explained_and_changes_nothing(base_url, db, xero_sim):
    c = signed_in(base_url)
    tenant, _ = new_tenant(xero_sim)
    url = consent(start(c), action="deny")
    assert query_of(url)["error"] == "access_denied"
    r = callback(c, url, base_url)
    assert r.status == 400 and r.header("Referrer-Policy") == "no-referrer"
    assert b"You chose not to allow xhsync access" in r.body
    assert b"Connect Xero" in r.body  # a way to start again
    assert link_of(db, tenant) == []


def test_replayed_state_is_refused(base_url, db, xero_sim):
    c = signed_in(base_url)
    link_id, tenant, _ = connected_link(c, base_url, db, xero_sim)
    # The same callback URL again (a replay): the state was spent.
    url = consent(start(c), tenants=[tenant])
    assert callback(c, url, base_url).status == 303
    r = callback(c, url, base_url)
    assert r.status == 400 and b"This sign-in link is not valid" in r.body
    assert [row[0] for row in link_of(db, tenant)] == [link_id]


def test_forged_or_missing_state_is_refused(base_url, db):
    c = signed_in(base_url)
    r = c.get("/oauth/xero/callback?code=abc&state=" + "A" * 43)
    assert r.status == 400 and b"not valid" in r.body
    r = c.get("/oauth/xero/callback?code=abc")
    assert r.status == 400 and b"end of a Xero sign-in" in r.body
    r = c.get("/oauth/xero/callback?code=abc&state=%3Cscript%3E")
    assert r.status == 400 and b"<script>" not in r.body


def _tampered_flow(base_url, db, xero_sim, change):
    """Callback reply after `SET change` on the flow's row between consent and callback."""
    c = signed_in(base_url)
    tenant, _ = new_tenant(xero_sim)
    url = consent(start(c), tenants=[tenant])
    db.cursor().execute("UPDATE oauth_flow SET " + change + " WHERE provider = 'xero' AND state = %s",
                        (hashlib.sha256(query_of(url)["state"].encode()).hexdigest(),))
    r = callback(c, url, base_url)
    assert link_of(db, tenant) == []
    return r


def test_expired_state_is_refused(base_url, db, xero_sim):
    r = _tampered_flow(base_url, db, xero_sim, "expires_at = now() - interval '1 second'")
    assert r.status == 400 and b"took too long" in r.body


def test_callback_in_another_session_is_refused(base_url, db, xero_sim):
    a, b = signed_in(base_url), signed_in(base_url)
    tenant, _ = new_tenant(xero_sim)
    url = consent(start(a), tenants=[tenant])
    start(b)  # b has a flow cookie of its own
    r = callback(b, url, base_url)
    assert r.status == 403 and b"belongs to another session" in r.body
    # A stolen flow cookie without the session that started it is no better.
    url = consent(start(a), tenants=[tenant])
    b.cookies["__Host-xflow"] = a.cookies["__Host-xflow"]
    r = callback(b, url, base_url)
    assert r.status == 403
    # The flow was spent by the refused attempt: its owner cannot use it now either.
    assert callback(a, url, base_url).status == 400
    assert link_of(db, tenant) == []


def test_code_used_twice_is_refused(base_url, db, xero_sim):
    c = signed_in(base_url)
    tenant, _ = new_tenant(xero_sim)
    first = consent(start(c), tenants=[tenant])
    assert callback(c, first, base_url).status == 303
    # The first code with the state of a new flow: Xero refuses a code used twice.
    second = start(c)
    url = "%s/oauth/xero/callback?code=%s&state=%s" % (
        base_url, urllib.parse.quote(query_of(first)["code"]), query_of(second)["state"])
    r = callback(c, url, base_url)
    assert r.status == 400 and b"already used" in r.body
    assert link_of(db, tenant) == []


def test_missing_verifier_is_refused(base_url, db, xero_sim):
    r = _tampered_flow(base_url, db, xero_sim, "code_verifier = repeat('0', 64)")
    assert r.status == 400 and b"security check is missing" in r.body


def test_connect_needs_the_csrf_token(base_url):
    c = signed_in(base_url)
    assert c.post("/connect/xero", {"csrf": "wrong"}).status == 403
    assert c.post("/connect/xero", {"csrf": c.csrf("/", "/connect/xero")}, origin=False).status == 403


# ---- reconnect -----------------------------------------------------------------

def test_reconnect_replaces_the_token_set_and_keeps_the_data(base_url, db, xero_sim):
    c = signed_in(base_url)
    link_id, tenant, _ = connected_link(c, base_url, db, xero_sim)
    cur = db.cursor()
    cur.execute("INSERT INTO xero_record (link_id, object, xero_id, updated_at, payload, content_hash)"
                " VALUES (%s, 'contact', %s, now(), '{\"Name\": \"kept\"}', sha256('x'))",
                (link_id, str(uuid.uuid4())))
    cur.execute("UPDATE link SET status = 'needs_reconnect', status_reason = 'invalid_grant'"
                " WHERE id = %s", (link_id,))
    before = xero_cred(db, link_id)
    url = start(c, "/links/%d/xero/reconnect" % link_id)
    url = consent(url, tenants=[tenant])
    r = callback(c, url, base_url)
    assert r.status == 303 and r.header("Location") == "/links/%d?m=xero_reconnected" % link_id
    row = link_of(db, tenant)[0]
    assert row[2] == "active" and row[6] == ""
    after = xero_cred(db, link_id)
    assert after[0] > before[0] and after[1] != before[1]
    cur.execute("SELECT count(*) FROM xero_record WHERE link_id = %s", (link_id,))
    assert cur.fetchone()[0] == 1
    assert ping(db, link_id) == "completed"


def test_reconnect_to_another_organisation_is_refused(base_url, db, xero_sim):
    c = signed_in(base_url)
    link_id, tenant, name = connected_link(c, base_url, db, xero_sim)
    other, _ = new_tenant(xero_sim)
    before = xero_cred(db, link_id)
    url = consent(start(c, "/links/%d/xero/reconnect" % link_id), tenants=[other])
    r = callback(c, url, base_url)
    assert r.status == 409 and b"Another organisation was chosen" in r.body
    assert name.encode() in r.body
    assert b'action="/links/%d/xero/reconnect"' % link_id in r.body
    assert xero_cred(db, link_id) == before
    assert link_of(db, other) == []


def test_reconnect_of_a_link_without_organisation_is_explained(base_url, db):
    c = signed_in(base_url)
    out = cli("link", "add", "no org yet")
    link_id = int(out.stdout.split()[-1])
    r = c.post("/links/%d/xero/reconnect" % link_id, {"csrf": c.csrf("/", "/connect/xero")})
    assert r.status == 409 and b"Nothing to reconnect" in r.body
    assert c.post("/links/999999999/xero/reconnect", {"csrf": c.csrf("/", "/connect/xero")}).status == 404
    db.cursor().execute("DELETE FROM link WHERE id = %s", (link_id,))


# ---- disconnect ------------------------------------------------------------------

@pytest.fixture
def alone(db):
    """Links of other suites with a Xero token but no known Xero user could share the
    simulator's one user, so a disconnect would keep the sign-in: for tests that need it
    revoked, they get users of their own meanwhile."""
    cur = db.cursor()
    cur.execute("UPDATE link l SET xero_user_id = gen_random_uuid() WHERE xero_user_id IS NULL"
                " AND EXISTS (SELECT 1 FROM credential c WHERE c.link_id = l.id AND c.vendor = 'xero')"
                " RETURNING id")
    ids = [r[0] for r in cur.fetchall()]
    yield
    cur.execute("UPDATE link SET xero_user_id = NULL WHERE id = ANY(%s)", (ids,))


def _mirror(db, link_id):
    cur = db.cursor()
    cur.execute("INSERT INTO xero_record (link_id, object, xero_id, updated_at, payload, content_hash)"
                " VALUES (%s, 'contact', %s, now(), '{}', sha256('x'))", (link_id, str(uuid.uuid4())))
    cur.execute("INSERT INTO audit_event (link_id, action, outcome) VALUES (%s, 'test.event', 'ok')",
                (link_id,))


def _mirrored_link(base_url, db, xero_sim):
    """A connected link with a mirrored record and an audit event, and the simulator log's end."""
    c = signed_in(base_url)
    link_id, tenant, _ = connected_link(c, base_url, db, xero_sim)
    _mirror(db, link_id)
    return c, link_id, tenant, link_of(db, tenant)[0][3], _log_since(xero_sim)


def _disconnect(c, link_id, data=None):
    page = c.get("/links/%d/disconnect" % link_id)
    fields = {"csrf": form_token(page.body, "/links/%d/disconnect" % link_id)}
    if data:
        fields["data"] = data
    return c.post("/links/%d/disconnect" % link_id, fields)


def _log_since(xero_sim):
    return max([e["id"] for e in sim(xero_sim, "GET", "/_sim/requests")] or [0])


def _counts(db, link_id):
    cur = db.cursor()
    cur.execute("SELECT (SELECT count(*) FROM xero_record WHERE link_id = %s),"
                " (SELECT count(*) FROM audit_event WHERE link_id = %s AND action <> 'xero.disconnect')",
                (link_id, link_id))
    return cur.fetchone()


def test_disconnect_page_names_what_will_happen(base_url, db, xero_sim, alone):
    c = signed_in(base_url)
    link_id, tenant, name = connected_link(c, base_url, db, xero_sim)
    _mirror(db, link_id)
    r = c.get("/links/%d/disconnect" % link_id)
    assert r.status == 200
    conn_id = link_of(db, tenant)[0][3]
    for text in (name.encode(), conn_id.encode(), b"revoked", b"destroyed",
                 b"1 mirrored Xero records", b'for="data-keep"', b'for="data-purge"'):
        assert text in r.body, text
    assert c.get("/links/999999999/disconnect").status == 404


def test_disconnect_deletes_the_connection_by_its_id_and_destroys_credentials(base_url, db, xero_sim,
                                                                             alone):
    c, link_id, tenant, conn_id, since = _mirrored_link(base_url, db, xero_sim)
    r = _disconnect(c, link_id, "keep")
    assert r.status == 303 and r.header("Location") == "/links/%d?m=xero_disconnected" % link_id
    log = sim(xero_sim, "GET", "/_sim/requests?since=%d" % since)
    deletes = [e for e in log if e["method"] == "DELETE"]
    assert [e["path"] for e in deletes] == ["/connections/" + conn_id]
    assert deletes[0]["status"] == 204 and conn_id != tenant
    assert any(e["path"] == "/connect/revocation" and e["status"] == 200 for e in log)
    assert xero_cred(db, link_id) is None
    assert connection_for(xero_sim, tenant) == []
    row = link_of(db, tenant)[0]
    assert row[2] == "setup" and row[3] is None and "Disconnected from Xero" in row[6]
    assert _counts(db, link_id) == (1, 1)
    cur = db.cursor()
    cur.execute("SELECT actor, detail FROM audit_event WHERE link_id = %s AND action = 'xero.disconnect'",
                (link_id,))
    actor, detail = cur.fetchone()
    assert actor == "admin:" + c.email and detail["xero_connection_deleted"] and detail["token_revoked"]
    # Connecting the organisation again updates the same link.
    connect(c, base_url, [tenant])
    assert choose(c, [tenant]).status == 303
    assert [row[0] for row in link_of(db, tenant)] == [link_id]


def test_disconnect_with_purge_deletes_the_mirror_and_audit(base_url, db, xero_sim):
    c = signed_in(base_url)
    link_id, tenant, _ = connected_link(c, base_url, db, xero_sim)
    _mirror(db, link_id)
    r = _disconnect(c, link_id, "purge")
    assert r.status == 303 and r.header("Location").endswith("m=xero_disconnected_purged")
    assert _counts(db, link_id) == (0, 0)
    assert xero_cred(db, link_id) is None


def test_disconnect_keeps_a_sign_in_other_links_share(base_url, db, xero_sim, alone):
    c = signed_in(base_url)
    (l1, t1), (l2, t2) = two_links(c, base_url, db, xero_sim)
    page = c.get("/links/%d/disconnect" % l1)
    assert b"is kept, because 1 other link(s) may use it" in page.body
    since = _log_since(xero_sim)
    r = _disconnect(c, l1)
    assert r.status == 303
    log = sim(xero_sim, "GET", "/_sim/requests?since=%d" % since)
    assert not any(e["path"] == "/connect/revocation" for e in log)
    assert connection_for(xero_sim, t1) == [] and len(connection_for(xero_sim, t2)) == 1
    cli("link", "set", str(l2), "status=active")
    assert ping(db, l2) == "completed"


def test_link_disconnect_command_does_the_same(base_url, db, xero_sim):
    c, link_id, tenant, conn_id, since = _mirrored_link(base_url, db, xero_sim)
    out = cli("link", "disconnect", str(link_id), "--purge")
    assert out.returncode == 0, out.stderr
    assert "connection to the organisation was removed" in out.stdout
    assert "purged: 1 mirrored records, 1 audit events" in out.stdout
    log = sim(xero_sim, "GET", "/_sim/requests?since=%d" % since)
    assert [e["path"] for e in log if e["method"] == "DELETE"] == ["/connections/" + conn_id]
    assert xero_cred(db, link_id) is None and _counts(db, link_id) == (0, 0)
    assert cli("link", "disconnect", "999999999").returncode == 1
    assert cli("link", "disconnect").returncode == 2


def test_disconnect_when_xero_refuses_still_disconnects_here(base_url, db, xero_sim):
    c = signed_in(base_url)
    link_id, tenant, _ = connected_link(c, base_url, db, xero_sim)
    # The user removed the app in Xero: the grant of this consent is revoked there.
    event = connection_for(xero_sim, tenant)[0]["authEventId"]
    for t in sim(xero_sim, "GET", "/_sim/tokens")["refresh_tokens"]:
        if t["auth_event_id"] == event:
            sim(xero_sim, "POST", "/_sim/tokens/revoke", {"token": t["token"]})
    r = _disconnect(c, link_id)
    assert r.status == 303 and r.header("Location").endswith("m=xero_disconnected_untold")
    assert xero_cred(db, link_id) is None
    flash = c.get(r.header("Location"))
    assert b"Xero could not be told" in flash.body


def test_links_of_one_consent_share_one_token_set(base_url, db, xero_sim):
    # Xero rotates the refresh token on every use: copies refreshed apart would fork it.
    c = signed_in(base_url)
    (l1, t1), (l2, t2) = two_links(c, base_url, db, xero_sim)
    for link in (l1, l2):
        cli("link", "set", str(link), "status=active")
    v1, v2 = xero_cred(db, l1)[0], xero_cred(db, l2)[0]
    since = _log_since(xero_sim)
    assert run_job(db, "xero.token_keepalive", l2, {"max_age_s": 0}) == "completed"
    log = sim(xero_sim, "GET", "/_sim/requests?since=%d" % since)
    assert len([e for e in log if e["path"] == "/connect/token"]) == 1
    assert (xero_cred(db, l1)[0], xero_cred(db, l2)[0]) == (v1 + 1, v2)  # the grant's one row
    # l2 calls Xero for its own organisation with the shared set.
    since = _log_since(xero_sim)
    assert ping(db, l2) == "completed"
    calls = [e for e in sim(xero_sim, "GET", "/_sim/requests?since=%d" % since)
             if e["path"].endswith("/Organisation")]
    assert calls and calls[-1]["headers"].get("xero-tenant-id", calls[-1]["headers"].get("Xero-Tenant-Id")) == t2
    # Disconnecting the link that holds the set hands it to the next one.
    assert _disconnect(c, l1).status == 303
    assert xero_cred(db, l2)[0] == v2 + 1
    assert ping(db, l2) == "completed"
    assert run_job(db, "xero.token_keepalive", l2, {"max_age_s": 0}) == "completed"
    assert xero_cred(db, l2)[0] == v2 + 2


def test_hostile_organisation_names_render_escaped_and_fit(base_url, db, xero_sim):
    c = signed_in(base_url)
    # 10 kB, markup, quotes and a control character (invalid UTF-8: tests/unit/test_xero_connect.c).
    hostile = "XC <script>alert('x')</script> \"q\" \x01" + "é" * 5000
    tenant = sim(xero_sim, "POST", "/_sim/tenants", {"name": hostile})["tenantId"]
    try:
        connect(c, base_url, [tenant])
        page = c.get("/connect/xero/choose")
        assert page.status == 200
        assert b"<script>alert" not in page.body and b"&lt;script&gt;alert(&#39;x&#39;)" in page.body
        page.body.decode("utf-8")  # valid UTF-8 throughout
        assert choose(c, [tenant]).status == 303
        link_id, name, _, _, tname, _, _ = link_of(db, tenant)[0]
        assert name.startswith("XC <script>") and len(name) <= 200
        assert len(tname.encode()) <= 500 and "\x01" not in tname
        r = c.get("/links/%d/disconnect" % link_id)
        assert r.status == 200 and b"<script>alert" not in r.body
    finally:
        sim(xero_sim, "DELETE", "/_sim/tenants/" + tenant)


def test_refused_refresh_marks_every_link_of_the_consent(base_url, db, xero_sim):
    c = signed_in(base_url)
    (l1, t1), (l2, t2) = two_links(c, base_url, db, xero_sim)
    event = connection_for(xero_sim, t1)[0]["authEventId"]
    for t in sim(xero_sim, "GET", "/_sim/tokens")["refresh_tokens"]:
        if t["auth_event_id"] == event:
            sim(xero_sim, "POST", "/_sim/tokens/revoke", {"token": t["token"]})
    assert run_job(db, "xero.token_keepalive", l2, {"max_age_s": 0}) == "discarded"
    assert [link_of(db, t)[0][2] for t in (t1, t2)] == ["needs_reconnect", "needs_reconnect"]
    # Reconnecting the one that holds the set brings it back.
    url = consent(start(c, "/links/%d/xero/reconnect" % l1), tenants=[t1])
    assert callback(c, url, base_url).status == 303
    assert link_of(db, t1)[0][2] == "active"


def test_reconnecting_the_link_holding_a_shared_set_hands_it_on(base_url, db, xero_sim):
    c = signed_in(base_url)
    (l1, t1), (l2, t2) = two_links(c, base_url, db, xero_sim)
    cli("link", "set", str(l2), "status=active")
    v2 = xero_cred(db, l2)[0]
    url = consent(start(c, "/links/%d/xero/reconnect" % l1), tenants=[t1])
    assert callback(c, url, base_url).status == 303
    assert link_of(db, t1)[0][5] != link_of(db, t2)[0][5]  # l1 is on the new consent now
    assert xero_cred(db, l2)[0] == v2 + 1  # l2 holds the old consent's set itself
    assert ping(db, l2) == "completed"


def test_disconnect_of_a_link_made_on_the_command_line_finds_its_connection(base_url, db, xero_sim,
                                                                           config):
    # `xhsync credential set` links know their tenant but not their connection id.
    other, _, _ = connected_link(signed_in(base_url), base_url, db, xero_sim)
    tenant, _ = new_tenant(xero_sim)
    tokens = sim(xero_sim, "POST", "/_sim/tokens", {"tenantId": tenant,
                                                     "client_id": config["xero"]["client_id"]})
    link_id = int(cli("link", "add", "XC cli link").stdout.split()[-1])
    try:
        assert cli("link", "set", str(link_id), "xero_tenant_id=" + tenant).returncode == 0
        payload = {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"],
                   "expires_at": int(time.time()) + 1800, "tenant_id": tenant}
        assert cli("credential", "set", str(link_id), "xero", input=json.dumps(payload)).returncode == 0
        conn_id = connection_for(xero_sim, tenant)[0]["id"]
        since = _log_since(xero_sim)
        out = cli("link", "disconnect", str(link_id))
        assert out.returncode == 0, out.stderr
        log = sim(xero_sim, "GET", "/_sim/requests?since=%d" % since)
        assert [e["path"] for e in log if e["method"] == "DELETE"] == ["/connections/" + conn_id]
        assert "kept: the mirrored records" in out.stdout
        # Its Xero user is unknown: another connected link may share the sign-in, so it is kept.
        assert not any(e["path"] == "/connect/revocation" for e in log)
        assert "Xero sign-in: kept" in out.stdout
    finally:
        db.cursor().execute("DELETE FROM link WHERE id = %s", (link_id,))
