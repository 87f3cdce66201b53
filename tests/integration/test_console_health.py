"""The console's sync health (GET /links/{id}/health and its retries), the
webhook delivery log (GET /deliveries) and the link settings page, through
nginx, xhsync-web, PostgreSQL, the stack's worker and both simulators.
Records fail the way they do in life: a property the mapping writes is
deleted from the HubSpot portal, then the records change in Xero."""
import html
import json
import re
import uuid

import pytest

from conftest import cli, request
from console_support import Client, form_token, new_admin
from health_support import SyncedLink, xero_delivery


@pytest.fixture(autouse=True)
def no_throttle(db):
    with db.cursor() as cur:
        cur.execute("DELETE FROM login_throttle")
    yield


@pytest.fixture(scope="module")
def admin():
    return new_admin("health")


@pytest.fixture
def web(base_url, admin):
    c = Client(base_url)
    r = c.login(*admin)
    assert r.status == 303, r.body[:300]
    return c


@pytest.fixture
def s(db):
    link = SyncedLink(db)
    yield link
    link.close()


def text(r):
    return r.body.decode()


def health(web, link):
    r = web.get("/links/%d/health" % link)
    assert r.status == 200, r.body[:500]
    return text(r)


def token(web, link, action):
    """The CSRF token of the health page's form posting to action (the form must be there)."""
    return form_token(web.get("/links/%d/health" % link).body, action)


def retry(web, link, **fields):
    action = "/links/%d/health/retry" % link
    fields["csrf"] = token(web, link, action)
    return web.post(action, fields)


def counts(page):
    """The per-object table: {object: (in xero, in sync, pending, failing, excluded)}."""
    out = {}
    for obj, cells in re.findall(r'<tr><th scope="row">(\w+)</th>(.*?)</tr>', page):
        nums = re.findall(r"<td>(?:<span[^>]*>)?(\d+)", cells)
        out[obj] = tuple(int(n) for n in nums)
    return out


def group_keys(page):
    return re.findall(r'name="key" value="([0-9a-f]{32})"', page)


# ---- sync health ----

def test_health_shows_the_numbers_of_link_show(web, s):
    page = health(web, s.link)
    show = cli("link", "show", str(s.link)).stdout
    want = {}
    for ln in show.splitlines():
        f = ln.split()
        if f and f[0] in ("company", "contact", "invoice", "product"):
            want[f[0]] = tuple(int(x) for x in f[1:6])
    assert want and counts(page) == want


def test_failing_records_are_grouped_with_hubspots_message_and_links(web, s):
    ids = s.break_invoices(2, "broken")
    page = health(web, s.link)
    assert 'Property &quot;xero_reference&quot; does not exist' in page
    assert counts(page)["invoice"][3] == 2
    assert len(group_keys(page)) == 1  # one message, one group
    numbers = {i["InvoiceNumber"] for i in s.org["Invoices"] if i["InvoiceID"].lower() in ids}
    assert len(numbers) == 2
    for n in numbers:
        assert ">%s<" % html.escape(n) in page
    for i in ids:
        assert "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=%s" % i in page
    hub = s.q("SELECT hubspot_id FROM hubspot_ref WHERE link_id = %s AND xero_id::text = ANY(%s)",
              (s.link, ids))
    for (hid,) in hub:
        assert "%s/contacts/%d/record/0-53/%s" % (s.hs, s.portal, hid) in page


def test_retry_one_then_the_group_puts_them_in_sync(web, s):
    ids = s.break_invoices(2, "broken")
    s.restore_reference_property()
    r = retry(web, s.link, scope="one", object="invoice", xero_id=ids[0])
    assert r.status == 303 and r.header("Location").endswith("m=retry_queued")
    s.settle()
    assert set(s.failing()) == {ids[1]}
    assert s.hubspot_reference(ids[0]) == "broken 0"
    key = group_keys(health(web, s.link))
    assert len(key) == 1
    r = retry(web, s.link, scope="group", object="invoice", key=key[0])
    assert r.status == 303
    s.settle()
    assert s.failing() == {}
    assert s.hubspot_reference(ids[1]) == "broken 1"
    page = health(web, s.link)
    assert "No record is failing." in page
    assert counts(page)["invoice"][3] == 0


def test_retry_all_puts_every_failed_record_in_sync(web, s):
    ids = s.break_invoices(3, "again")
    assert set(s.failing()) == set(ids)
    s.restore_reference_property()
    r = retry(web, s.link, scope="all")
    assert r.status == 303
    s.settle()
    assert s.failing() == {}
    assert [s.hubspot_reference(i) for i in ids] == ["again 0", "again 1", "again 2"]


def test_retry_while_still_broken_keeps_them_failing(web, s):
    ids = s.break_invoices(1, "still")
    r = retry(web, s.link, scope="all")
    assert r.status == 303
    s.settle()
    assert set(s.failing()) == set(ids)
    assert "does not exist" in health(web, s.link)


def test_retry_forms_the_page_never_sends_are_refused(web, s):
    action = "/links/%d/health/retry" % s.link
    csrf = web.csrf()
    for fields in ({"scope": "one", "object": "invoice", "xero_id": "1' OR '1'='1"},
                   {"scope": "group", "object": "invoice", "key": "'; DROP TABLE job; --"},
                   {"scope": "one", "object": "line_item", "xero_id": str(uuid.uuid4())},
                   {"scope": "everything"}, {}):
        fields["csrf"] = csrf
        r = web.post(action, fields)
        assert r.status == 400, (fields, r.status)
    assert s.one("SELECT count(*) FROM job") is not None


def test_excluded_records_show_their_reason(web, s):
    page = health(web, s.link)
    reasons = s.q("SELECT object::text, excluded, count(*) FROM hubspot_ref WHERE link_id = %s"
                  " AND excluded IS NOT NULL GROUP BY 1, 2", (s.link,))
    assert {r[0] for r in reasons} >= {"contact", "invoice"}, reasons
    for obj, why, n in reasons:
        assert "%d record%s: %s" % (n, "" if n == 1 else "s", html.escape(why)) in page


def test_health_of_a_missing_or_malformed_link_is_404(web):
    for path in ("/links/999999999/health", "/links/0/health", "/links/-1/health",
                 "/links/1%27%20OR%201=1/health", "/links/99999999999999999999/health"):
        assert web.get(path).status == 404, path


# ---- jobs ----

def add_job(s, state, kind="xero.ping"):
    return s.one("INSERT INTO job (kind, link_id, state, attempts, max_attempts, run_at,"
                 " finished_at, last_error) VALUES (%s, %s, %s, 3, 3,"
                 " now() + interval '1 day', CASE WHEN %s = 'discarded' THEN now() END,"
                 " 'HubSpot said no <b>really</b>') RETURNING id", (kind, s.link, state, state))


def job_post(web, s, job, what):
    action = "/links/%d/jobs/%d/%s" % (s.link, job, what)
    return web.post(action, {"csrf": token(web, s.link, action)})


def test_discarded_job_is_listed_and_retry_runs_it_again(web, s):
    job = add_job(s, "discarded")
    page = health(web, s.link)
    assert "#%d xero.ping" % job in page
    assert "HubSpot said no &lt;b&gt;really&lt;/b&gt;" in page
    r = job_post(web, s, job, "retry")
    assert r.status == 303 and r.header("Location").endswith("m=job_retried")
    assert s.one("SELECT state FROM job WHERE id = %s", (job,)) != "discarded"
    assert s.one("SELECT attempts FROM job WHERE id = %s", (job,)) in (0, 1)


def test_waiting_job_can_be_cancelled_and_a_discarded_one_cannot(web, s):
    waiting, gone = add_job(s, "retryable"), add_job(s, "discarded")
    r = job_post(web, s, waiting, "cancel")
    assert r.status == 303
    assert s.one("SELECT state FROM job WHERE id = %s", (waiting,)) == "cancelled"
    csrf = token(web, s.link, "/links/%d/jobs/%d/retry" % (s.link, gone))
    r = web.post("/links/%d/jobs/%d/cancel" % (s.link, gone), {"csrf": csrf})
    assert r.status == 303 and r.header("Location").endswith("m=job_state")
    assert s.one("SELECT state FROM job WHERE id = %s", (gone,)) == "discarded"


def test_a_job_of_another_link_is_not_found(web, s, db):
    other = s.one("INSERT INTO link (name) VALUES ('other') RETURNING id")
    try:
        job = s.one("INSERT INTO job (kind, link_id, state, finished_at) VALUES"
                    " ('xero.ping', %s, 'discarded', now()) RETURNING id", (other,))
        csrf = web.csrf()
        assert web.post("/links/%d/jobs/%d/retry" % (s.link, job), {"csrf": csrf}).status == 404
        assert s.one("SELECT state FROM job WHERE id = %s", (job,)) == "discarded"
    finally:
        s.one("DELETE FROM job WHERE link_id = %s RETURNING 1", (other,))
        s.one("DELETE FROM link WHERE id = %s RETURNING 1", (other,))


# ---- CSRF ----

def test_every_post_needs_the_csrf_token_and_changes_nothing_without_it(web, s):
    ids = s.break_invoices(1, "csrf")
    s.restore_reference_property()
    job = add_job(s, "retryable")
    posts = [("/links/%d/health/retry" % s.link, {"scope": "all"}),
             ("/links/%d/jobs/%d/retry" % (s.link, job), {}),
             ("/links/%d/jobs/%d/cancel" % (s.link, job), {}),
             ("/links/%d/settings" % s.link, {"name": "renamed by csrf"})]
    for path, fields in posts:
        for csrf in (None, "forged", web.csrf()[:-2]):
            f = dict(fields)
            if csrf is not None:
                f["csrf"] = csrf
            assert web.post(path, f).status == 403, (path, csrf)
        # a valid token from another origin is refused too
        f = dict(fields, csrf=web.csrf())
        assert web.post(path, f, headers={"Origin": "http://evil.example",
                                          "Sec-Fetch-Site": "cross-site"}).status == 403
    s.settle()
    assert set(s.failing()) == set(ids)
    assert s.one("SELECT state FROM job WHERE id = %s", (job,)) == "retryable"
    assert s.one("SELECT name FROM link WHERE id = %s", (s.link,)) == "health"


# ---- deliveries ----

@pytest.fixture
def xero_key():
    key, label = "k-" + uuid.uuid4().hex, "health-" + uuid.uuid4().hex[:8]
    out = cli("webhook", "key", "add", "xero", label, input=key + "\n")
    assert out.returncode == 0, out.stderr
    yield key
    cli("webhook", "key", "remove", "xero", label)


def test_deliveries_list_verified_events_and_their_jobs(web, s, base_url, xero_key):
    cid = s.org["Contacts"][0]["ContactID"]
    body, sig = xero_delivery(xero_key, s.tenant, cid)
    r = request(base_url + "/webhooks/xero", "POST", body,
                {"Content-Type": "application/json", "x-xero-signature": sig})
    assert r.status == 200
    row = s.q("SELECT id, job_ids FROM webhook_delivery ORDER BY id DESC LIMIT 1")[0]
    page = text(web.get("/deliveries?vendor=xero"))
    assert "#%d" % row[0] in page
    seg = page[page.index("#%d<" % row[0]):]
    seg = seg[:seg.index("</tr>")]
    assert "verified" in seg and "CONTACT UPDATE" in seg and cid in seg
    assert row[1], "the delivery made a job"
    for job in row[1]:
        assert "#%d xero.fetch" % job in seg
    s.settle()


def test_refused_hostile_deliveries_render_escaped(web, base_url, db):
    hostile = b'<script>alert("x")</script>\'"&' + b"\xff\xfe" + b"A" * 10000
    for vendor, headers in (("xero", {"x-xero-signature": "Zm9yZ2Vk"}),
                            ("hubspot", {"X-HubSpot-Signature-v3": "forged",
                                         "X-HubSpot-Request-Timestamp": "1"})):
        r = request(base_url + "/webhooks/" + vendor, "POST", hostile,
                    dict(headers, **{"Content-Type": "application/json"}))
        assert r.status in (400, 401), r.status
    with db.cursor() as cur:
        cur.execute("SELECT id, vendor FROM webhook_delivery ORDER BY id DESC LIMIT 2")
        rows = cur.fetchall()
    r = web.get("/deliveries")
    assert r.status == 200
    page = text(r)
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    for rid, _ in rows:
        seg = page[page.index("#%d<" % rid):]
        assert "refused" in seg[:seg.index("</tr>")]


def test_deliveries_are_keyset_paged_without_overlap(web, db):
    with db.cursor() as cur:
        cur.execute("INSERT INTO webhook_delivery (vendor, status, verified, outcome)"
                    " SELECT 'hubspot', 401, false, 'bad_signature' FROM generate_series(1, 75)"
                    " RETURNING id")
        made = sorted(r[0] for r in cur.fetchall())
    try:
        seen, path = [], "/deliveries?vendor=hubspot"
        for _ in range(10):
            page = text(web.get(path))
            seen += [int(x) for x in re.findall(r'<td class="nowrap">#(\d+)<br>', page)]
            m = re.search(r'href="(/deliveries\?before=\d+&amp;vendor=hubspot)"', page)
            if not m:
                break
            path = html.unescape(m.group(1))
        assert len(seen) == len(set(seen))
        assert set(made) <= set(seen)
        assert seen == sorted(seen, reverse=True)
    finally:
        with db.cursor() as cur:
            cur.execute("DELETE FROM webhook_delivery WHERE id = ANY(%s)", (made,))


def test_deliveries_with_hostile_cursors_say_so_and_show_the_newest(web):
    for q in ("before=-5", "before=99999999999999999999", "before=1%27%3BDROP%20TABLE%20job",
              "before=", "vendor=%3Cscript%3E&before=abc"):
        r = web.get("/deliveries?" + q)
        assert r.status == 200, q
        assert "That page link is not valid" in text(r), q
        assert "<script>" not in text(r).split("</header>", 1)[1]


# ---- settings ----

def esc(s):
    """HTML escaping as the console's templates do it."""
    return html.escape(s, quote=True).replace("&#x27;", "&#39;")


def settings_form(web, link):
    r = web.get("/links/%d/settings" % link)
    assert r.status == 200, r.body[:500]
    return text(r)


def save(web, link, **fields):
    action = "/links/%d/settings" % link
    f = {k.replace("__", "."): v for k, v in fields.items()}
    f["csrf"] = form_token(web.get(action).body, action)
    return web.post(action, f)


def link_row(s):
    return s.q("SELECT name, status, settings::text FROM link WHERE id = %s", (s.link,))[0]


def test_settings_show_the_effective_values_of_link_settings(web, s):
    page = settings_form(web, s.link)
    cli("link", "set", str(s.link), "poll_interval_s=900")
    page = settings_form(web, s.link)
    assert 'name="poll_interval_s" value="900"' in page
    assert re.search(r'name="match_key".*?<option value="domain" selected>', page, re.S)
    assert re.search(r'name="objects.invoice".*?<option value="on" selected>', page, re.S)
    assert 'value="health"' in page


def test_settings_save_as_link_set_would_and_audit(web, s):
    r = save(web, s.link, name="Acme & Sons", match_key="name", currencies="nzd, aud",
             filters__invoice_from="2024-01-31", objects__item="off", poll_interval_s="3600")
    assert r.status == 303 and r.header("Location").endswith("m=settings_saved")
    name, _, settings = link_row(s)
    st = json.loads(settings)
    assert name == "Acme & Sons"
    assert st["match_key"] == "name" and st["currencies"] == "NZD,AUD"
    assert st["filters"]["invoice_from"] == "2024-01-31" and st["objects"]["item"] is False
    assert st["poll_interval_s"] == 3600
    show = cli("link", "show", str(s.link)).stdout
    assert '"match_key": "name"' in show or '"match_key":"name"' in show.replace(" ", "")
    audit = s.q("SELECT actor, detail::text FROM audit_event WHERE link_id = %s"
                " AND action = 'link.set' ORDER BY id DESC LIMIT 1", (s.link,))[0]
    assert audit[0].startswith("console:health-")


@pytest.mark.parametrize("key,value,named", [
    ("poll_interval_s", "299", "poll_interval_s is a whole number from 300 to 86400"),
    ("poll_interval_s", "-1", "poll_interval_s is a whole number from 300 to 86400"),
    ("match_key", "email", "match_key is one of domain|name|contact_number|none"),
    ("conflict_policy", "'; DROP TABLE link; --", "conflict_policy is one of"),
    ("currencies", "NZD;DELETE FROM job", "currencies is empty or a comma list"),
    ("filters__invoice_from", "2024-02-30", "filters.invoice_from is empty or a date"),
    ("objects__contact", "maybe", "objects.contact is on or off"),
    ("name", "", "name has 1 to 200 characters"),
    ("name", "x" * 201, "name has 1 to 200 characters"),
])
def test_a_bad_value_is_named_inline_and_nothing_changes(web, s, key, value, named):
    before = link_row(s)
    r = save(web, s.link, paid_mode="payment", **{key: value})
    assert r.status == 422, r.status
    page = text(r)
    assert esc(named.split(" ", 1)[1]) in page  # the rule, after the field's label
    field = key.replace("__", ".")
    assert re.search(r'id="f-%s" name="%s"[^>]*aria-invalid="true"' % (re.escape(field),
                                                                        re.escape(field)), page)
    if key in ("poll_interval_s", "currencies", "filters__invoice_from", "name"):
        assert 'value="%s"' % esc(value) in page  # kept as typed
    assert link_row(s) == before  # not even the valid paid_mode


def test_hostile_text_in_settings_is_stored_as_text_and_rendered_escaped(web, s):
    hostile = '<script>alert(1)</script>\' OR 1=1; --"'
    assert save(web, s.link, name=hostile).status == 303
    assert link_row(s)[0] == hostile
    page = settings_form(web, s.link)
    assert "<script>alert(1)" not in page
    assert 'value="%s"' % esc(hostile) in page
    assert s.one("SELECT count(*) FROM link WHERE id = %s", (s.link,)) == 1


def test_secrets_are_write_only(web, s, db):
    page = settings_form(web, s.link)
    assert 'name="secret.hubspot_client_secret" value=""' in page
    secret = "hs-secret-" + uuid.uuid4().hex
    key = "xk-" + uuid.uuid4().hex
    r = save(web, s.link, **{"secret.hubspot_client_secret": secret,
                             "secret.xero_webhook_key": key})
    assert r.status == 303
    try:
        page = settings_form(web, s.link)
        assert secret not in page and key not in page
        assert page.count('<span class="badge active">set</span>') >= 2
        with db.cursor() as cur:
            cur.execute("SELECT count(*) FROM credential WHERE link_id = %s AND vendor = 'hubspot'"
                        " AND purpose = 'client_secret'", (s.link,))
            assert cur.fetchone()[0] == 1
            cur.execute("SELECT count(*) FROM credential WHERE sealed::text LIKE %s",
                        ("%" + secret.encode().hex() + "%",))
            assert cur.fetchone()[0] == 0  # sealed, never in clear
        # A refused secret is not shown back either, and nothing is saved.
        r = save(web, s.link, name="kept?", **{"secret.xero_webhook_key": "short " + key})
        assert r.status == 422
        assert key not in text(r) and "type it again" in text(r)
        assert link_row(s)[0] != "kept?"
    finally:
        labels = s.q("SELECT label FROM webhook_key WHERE vendor = 'xero' AND label LIKE"
                     " 'console-%%'")
        for (label,) in labels:
            cli("webhook", "key", "remove", "xero", label)


def test_settings_of_a_missing_link_are_404(web):
    assert web.get("/links/999999999/settings").status == 404
    csrf = web.csrf()
    assert web.post("/links/999999999/settings", {"csrf": csrf, "name": "x"}).status == 404
