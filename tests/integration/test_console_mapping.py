"""The console's field-mapping editor (/links/{id}/mappings), through nginx,
xhsync-web, PostgreSQL, the stack's worker and both simulators: invalid
rules are refused field by field and change nothing, a preview renders a
real mirrored record and writes nothing anywhere, a saved rule re-pushes
and reaches the HubSpot simulator, properties come from the portal."""
import html
import re
import time

import pytest

from conftest import wait_for
from console_support import Client, form_token, new_admin
from mapping_support import MapLink


@pytest.fixture(scope="module")
def ml(dsn, xero_sim, hubspot_sim):
    import psycopg2
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    m = MapLink(conn, xero_sim, hubspot_sim)
    yield m
    m.close()
    conn.close()


@pytest.fixture(scope="module")
def admin_client(base_url, db_module):
    with db_module.cursor() as c:
        c.execute("DELETE FROM login_throttle")
    c = Client(base_url)
    r = c.login(*new_admin("mapping"))
    assert r.status == 303
    return c


@pytest.fixture(scope="module")
def db_module(dsn):
    import psycopg2
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    yield conn
    conn.close()


def page(c, ml, obj="invoice", query=""):
    r = c.get("/links/%d/mappings/%s%s" % (ml.link, obj, query))
    assert r.status == 200, r.body[:500]
    return r.body.decode()


def cached(ml, obj="invoice"):
    return ml.one("SELECT fetched_at FROM hubspot_property_cache WHERE link_id = %s"
                  " AND object = %s", (ml.link, obj))


@pytest.fixture(scope="module")
def c(admin_client, ml):
    """The admin's client, once the portal's invoice properties are cached (the
    first visit of the page asks the worker to read them)."""
    page(admin_client, ml)
    assert wait_for(lambda: cached(ml) is not None, timeout=30)
    return admin_client


def post(c, ml, action, fields, obj="invoice"):
    """Posts a form of the object's page (preview is the rule form's other button)."""
    path = "/links/%d/mappings/%s/%s" % (ml.link, obj, action)
    form = path if action != "preview" else path[:-len("preview")] + "save"
    body = page(c, ml, obj)
    return c.post(path, dict(fields, csrf=form_token(body, form)))


def test_the_index_lists_every_object_and_unknown_links_or_objects_are_404(c, ml):
    r = c.get("/links/%d/mappings" % ml.link)
    assert r.status == 200
    body = r.body.decode()
    for obj in ("company", "contact", "invoice", "line_item", "product"):
        assert 'href="/links/%d/mappings/%s"' % (ml.link, obj) in body
    assert c.get("/links/999999999/mappings").status == 404
    assert c.get("/links/999999999/mappings/invoice").status == 404
    assert c.get("/links/%d/mappings/deal" % ml.link).status == 404
    assert c.get("/links/x'1/mappings/invoice").status == 404


def test_the_table_shows_defaults_and_locked_key_rules(c, ml):
    body = page(c, ml)
    row = re.search(r"<tr>\s*<td><code>xero_invoice_id</code>.*?</tr>", body, re.S).group(0)
    assert "locked" in row and "Turn off" not in row and "Edit" not in row
    row = re.search(r"<tr>\s*<td><code>xero_reference</code>.*?</tr>", body, re.S).group(0)
    assert "default" in row and "<code>Reference</code>" in row and "Edit" in row


def test_the_dropdown_lists_the_portals_real_properties_with_when_they_were_read(c, ml):
    body = page(c, ml)
    options = re.findall(r'<option value="([^"]+)"', body)
    assert "xero_reference" in options and "hs_due_date" in options
    assert "xero_contact_id" not in options  # a company property, not an invoice one
    fetched = cached(ml).strftime("%Y-%m-%d %H:%M")
    assert "read %s UTC" % fetched in body


def test_refresh_properties_reads_them_from_hubspot_again(c, ml):
    before = cached(ml)
    n0 = len(ml.hs.get("/_sim/requests"))
    path = "/links/%d/mappings/invoice/refresh" % ml.link
    r = c.post(path, {"csrf": form_token(page(c, ml), path)})
    assert r.status == 303 and r.header("Location") == "/links/%d/mappings/invoice" % ml.link
    assert wait_for(lambda: cached(ml) > before, timeout=30)
    calls = [e["path"] for e in ml.hs.get("/_sim/requests")[n0:]]
    assert "/crm/v3/properties/invoices" in calls


BAD = [
    ({"target": "xero_reference", "source": "NoSuchField", "transform": "text"},
     "source", "no mirrored Xero invoice has a field &#39;NoSuchField&#39;"),
    ({"target": "hs_due_date", "source": "DueDate[", "transform": "date"},
     "source", "Xero source:"),
    ({"target": "hs_due_date", "source": "DueDate", "transform": "dat"},
     "transform", "Transform: unknown transform &#39;dat&#39;"),
    ({"target": "hs_due_date", "source": "DueDate", "transform": "enum{A:a"},
     "transform", "Transform:"),
    ({"target": "xero_no_such_property", "source": "Reference", "transform": "text"},
     "target", "the portal has no invoice property xero_no_such_property"),
    ({"target": "xero_invoice_id", "source": "Reference", "transform": "text"},
     "target", "xero_invoice_id is a key rule the sync relies on"),
]


@pytest.mark.parametrize("fields,field,msg", BAD, ids=[
    "unknown-path", "path-syntax", "unknown-transform", "transform-syntax",
    "property-the-portal-lacks", "locked-key-rule"])
def test_an_invalid_rule_is_refused_field_by_field_and_nothing_changes(c, ml, fields, field, msg):
    before = ml.state()
    r = post(c, ml, "save", dict(fields, record=""))
    assert r.status == 422
    body = r.body.decode()
    assert 'id="%s-error">' % field in body and msg in body
    assert 'id="%s" name="%s"' % (field, field) in body
    assert re.search(r'id="%s"[^>]*aria-invalid="true"' % field, body)
    # what was typed is kept
    assert 'value="%s"' % html.escape(fields["source"], quote=True) in body
    assert 'value="%s"' % html.escape(fields["transform"], quote=True) in body
    assert re.search(r'<option value="%s" selected>' % fields["target"], body)
    assert "Nothing was saved" in body
    assert ml.state() == before


def test_a_preview_renders_the_record_and_writes_nothing_to_hubspot_or_the_database(c, ml):
    inv, _ = ml.pushed_invoice()
    number = inv["InvoiceNumber"]
    ml.settle()
    before, writes = ml.state(), len(ml.hubspot_writes())
    r = post(c, ml, "preview", {"target": "xero_reference", "source": "InvoiceNumber",
                                 "transform": "format:REF-{}", "record": number})
    assert r.status == 200, r.body[:800]
    body = r.body.decode()
    row = re.search(r'<tr class="changed">\s*<td><code>xero_reference</code>.*?</tr>', body,
                    re.S).group(0)
    assert "REF-%s" % html.escape(number) in row
    assert html.escape(inv.get("Reference") or "") in row
    # an unchanged property is shown, not highlighted
    assert re.search(r"<tr>\s*<td><code>xero_invoice_number</code>", body)
    assert 'value="format:REF-{}"' in body  # the form keeps the edit
    time.sleep(1.5)  # a write the preview had queued would have gone out by now
    assert ml.state() == before
    assert len(ml.hubspot_writes()) == writes


def test_a_preview_of_a_line_item_rule_shows_each_line(c, ml):
    inv, _ = ml.pushed_invoice()
    r = post(c, ml, "preview", {"target": "description", "source": "Description",
                                 "transform": "format:<b>{}</b>",
                                 "record": inv["InvoiceNumber"]}, obj="line_item")
    assert r.status == 200, r.body[:800]
    body = r.body.decode()
    assert body.count("<h3>Line ") == len(inv.get("LineItems") or [])
    assert "&lt;b&gt;" in body and "<b>" not in body.split('id="preview"')[1]


def test_a_preview_for_a_record_that_does_not_exist_says_so(c, ml):
    before = ml.state()
    r = post(c, ml, "preview", {"target": "xero_reference", "source": "Reference",
                                 "transform": "text", "record": "INV-NOPE-404"})
    assert r.status == 422
    body = r.body.decode()
    assert "no invoice &#39;INV-NOPE-404&#39; is mirrored for this link" in body
    assert 'value="INV-NOPE-404"' in body and 'id="preview"' not in body
    assert ml.state() == before


def esc(s):
    """s as the console's template engine escapes it."""
    return html.escape(s, quote=True).replace("&#x27;", "&#39;")


def test_a_company_preview_finds_a_contact_by_name_and_names_the_balances(c, ml):
    name = ml.one("SELECT payload->>'Name' FROM xero_record WHERE link_id = %s"
                  " AND object = 'contact' ORDER BY xero_id LIMIT 1", (ml.link,))
    before = ml.state()
    r = post(c, ml, "preview", {"target": "", "source": "", "transform": "", "record": name},
             obj="company")
    assert r.status == 200, r.body[:800]
    body = r.body.decode()
    assert "Preview on %s" % esc(name) in body
    assert "No rule was typed, so this is what the current mapping writes." in body
    pv = body.split('id="preview"')[1]
    row = re.search(r"<tr>\s*<td><code>name</code>.*?</tr>", pv, re.S).group(0)
    assert row.count(esc(name)) == 2
    row = re.search(r"<tr>\s*<td><code>xero_outstanding</code>.*?</tr>", pv, re.S).group(0)
    assert "worked out from the contact's invoices when the record is pushed" in row
    assert 'class="changed"' not in body
    assert ml.state() == before


def test_a_saved_rule_re_pushes_and_hubspot_gets_the_new_value(c, ml):
    inv, hid = ml.pushed_invoice()
    ml.settle()
    n_pushed = ml.one("SELECT count(*) FROM hubspot_ref WHERE link_id = %s AND object = 'invoice'"
                      " AND pushed_hash IS NOT NULL", (ml.link,))
    r = post(c, ml, "save", {"target": "xero_reference", "source": "InvoiceNumber",
                              "transform": "format:REF-{}", "record": ""})
    assert r.status == 200, r.body[:800]
    body = r.body.decode()
    assert "Saved: xero_reference now comes from InvoiceNumber | format:REF-{}." in body
    assert "<strong>%d</strong> record(s) will be written to HubSpot again" % n_pushed in body
    assert 'href="/links/%d">link page</a>' % ml.link in body
    row = re.search(r"<tr>\s*<td><code>xero_reference</code>.*?</tr>", body, re.S).group(0)
    assert "changed" in row and "format:REF-{}" in row
    want = "REF-" + inv["InvoiceNumber"]
    assert wait_for(lambda: ml.hubspot_invoice(hid)["properties"].get("xero_reference") == want,
                    timeout=60, interval=0.5), ml.hubspot_invoice(hid)["properties"]
    ml.settle()
    assert "are up to date with this mapping" in page(c, ml)
    audit = ml.one("SELECT actor FROM audit_event WHERE link_id = %s AND action = 'mapping.set'"
                   " ORDER BY id DESC LIMIT 1", (ml.link,))
    assert audit.startswith("mapping-") and audit.endswith("@example.com")


def test_turn_off_back_on_and_reset(c, ml):
    r = post(c, ml, "disable", {"target": "xero_amount_credited"})
    assert r.status == 200 and "Turned off: xero_amount_credited" in r.body.decode()
    assert re.search(r'<tr class="off">\s*<td><code>xero_amount_credited</code>', r.body.decode())
    r = post(c, ml, "disable", {"target": "xero_invoice_id"})
    assert r.status == 422 and "key rule" in r.body.decode()
    r = post(c, ml, "unset", {"target": "xero_amount_credited"})
    assert r.status == 200 and "xero_amount_credited is back to its default" in r.body.decode()
    r = post(c, ml, "reset", {})
    assert r.status == 200 and "every rule is back to the default" in r.body.decode()
    assert ml.one("SELECT count(*) FROM field_mapping WHERE link_id = %s", (ml.link,)) == 0
    r = post(c, ml, "reset", {})
    assert r.status == 422 and "Nothing to reset" in r.body.decode()
    ml.settle()


@pytest.mark.parametrize("action", ["preview", "save", "disable", "unset", "reset", "refresh"])
def test_every_post_needs_the_csrf_token_and_the_origin(c, ml, action):
    before = ml.state()
    path = "/links/%d/mappings/invoice/%s" % (ml.link, action)
    fields = {"target": "xero_reference", "source": "InvoiceNumber", "transform": "text",
              "record": "x"}
    assert c.post(path, fields).status == 403
    assert c.post(path, dict(fields, csrf="forged")).status == 403
    token = form_token(page(c, ml), "/links/%d/mappings/invoice/save" % ml.link)
    assert c.post(path, dict(fields, csrf=token), origin=False,
                  headers={"Origin": "https://evil.example"}).status == 403
    assert ml.state() == before


def test_hostile_values_are_escaped_and_refused(c, ml):
    before = ml.state()
    evil = '<script>alert("x")</script>\'"'
    r = post(c, ml, "save", {"target": evil, "source": evil, "transform": "x" * 10000,
                              "record": evil})
    assert r.status == 422
    body = r.body.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&quot;" in body
    r = post(c, ml, "preview", {"target": "xero_reference", "source": "Reference",
                                 "transform": "text", "record": evil})
    assert r.status == 422 and "<script>alert" not in r.body.decode()
    path = "/links/%d/mappings/invoice/preview" % ml.link
    token = form_token(page(c, ml), "/links/%d/mappings/invoice/save" % ml.link)
    raw = "csrf=%s&target=xero_reference&source=Reference&transform=text&record=%%ff%%fe%%3Cb" % (
        token)
    from conftest import request
    r = request(c.base + path, method="POST", body=raw, headers=c._headers({
        "Content-Type": "application/x-www-form-urlencoded", "Origin": c.origin,
        "Sec-Fetch-Site": "same-origin"}))
    assert r.status == 422
    assert "\ufffd" in r.body.decode("utf-8") and b"<b" not in r.body.split(b'id="record"')[1][:200]
    assert ml.state() == before


@pytest.fixture
def bare_link(db_module):
    """A link without any HubSpot connection."""
    with db_module.cursor() as cur:
        cur.execute("INSERT INTO link (name, status) VALUES ('no hubspot <yet>', 'setup')"
                    " RETURNING id")
        lid = cur.fetchone()[0]
    yield lid
    with db_module.cursor() as cur:
        cur.execute("DELETE FROM audit_event WHERE link_id = %s", (lid,))
        cur.execute("DELETE FROM link WHERE id = %s", (lid,))


def test_without_hubspot_the_page_says_why_properties_are_missing_and_save_is_refused(
        c, bare_link, db_module):
    path = "/links/%d/mappings/invoice" % bare_link

    def failed():
        body = c.get(path).body.decode()
        return "Reading them from HubSpot failed:" in body and body
    body = wait_for(failed, timeout=60, interval=0.5)
    with db_module.cursor() as cur:
        cur.execute("SELECT kind, state, attempts, run_at - now(), last_error FROM job"
                    " WHERE link_id = %s", (bare_link,))
        jobs = cur.fetchall()
    assert body, jobs
    assert "no hubspot &lt;yet&gt;" in body and "<yet>" not in body
    assert "The portal's properties have not been read yet." in body
    assert '<input id="target" name="target" type="text"' in body  # no list to choose from
    r = c.post(path + "/save", {"csrf": form_token(body, path + "/save"), "target": "xero_reference",
                                "source": "Reference", "transform": "text", "record": ""})
    assert r.status == 422
    assert "have not been read yet. Press" in r.body.decode()
    with db_module.cursor() as cur:
        cur.execute("SELECT count(*) FROM field_mapping WHERE link_id = %s", (bare_link,))
        assert cur.fetchone()[0] == 0
