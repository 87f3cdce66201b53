"""The console's audit browser (GET /audit, /audit/{id}, /audit.csv and
POST /audit/{id}/replay) through nginx -> xhsync-web -> PostgreSQL, with
records pushed by the stack's own worker to the HubSpot simulator."""
import csv
import io
import json
import re
import urllib.parse
import uuid

import psycopg2
import pytest

from audit_support import PrivateWeb, StackLink, fill_audit, one, q
from conftest import cli, read_config
from console_support import Client, form_token, new_admin

BIG = 100_000  # rows of the bulk link: the CSV export's size


@pytest.fixture(scope="module")
def mdb():
    conn = psycopg2.connect(read_config()["database"]["dsn"])
    conn.autocommit = True
    yield conn
    conn.close()


@pytest.fixture(autouse=True)
def no_throttle(db):
    with db.cursor() as cur:
        cur.execute("DELETE FROM login_throttle")
    yield
    with db.cursor() as cur:
        cur.execute("DELETE FROM login_throttle")


@pytest.fixture
def signed_in(base_url):
    c = Client(base_url)
    r = c.login(*new_admin("audit"))
    assert r.status == 303
    return c


@pytest.fixture(scope="module")
def pushed(mdb):
    """A tiny organisation pushed to a new portal by the stack's worker."""
    s = StackLink(mdb)
    s.sync()
    yield s
    s.close()


@pytest.fixture(scope="module")
def bulk(mdb):
    """Two links of synthetic audit rows: BIG rows, and 1,000 (a selective link)."""
    a = one(mdb, "INSERT INTO link (name, status) VALUES ('audit-bulk', 'active') RETURNING id")
    b = one(mdb, "INSERT INTO link (name, status) VALUES ('audit-small', 'active') RETURNING id")
    fill_audit(mdb, a, BIG)
    fill_audit(mdb, b, 1000)
    yield a, b
    for link in (a, b):
        q(mdb, "DELETE FROM audit_event WHERE link_id = %s", (link,))
        q(mdb, "DELETE FROM link WHERE id = %s", (link,))


def entry_ids(body):
    return [int(x) for x in re.findall(rb'href="/audit/(\d+)"', body)]


def filter_error(body):
    m = re.search(rb'id="filter-error">(.*?)</p>', body, re.S)
    return m.group(1).decode() if m else None


# ---- diffs, detail, replay ----

def invoice_writes(db, link, xid):
    return q(db, "SELECT id, detail FROM audit_event WHERE link_id = %s AND object = 'invoice'"
                 " AND xero_id = %s AND action = 'hubspot.write' AND outcome = 'ok' ORDER BY id",
             (link, xid))


def sent_invoice(s):
    ids = {r[0] for r in q(s.db, "SELECT xero_id::text FROM hubspot_ref WHERE link_id = %s"
                                 " AND object = 'invoice' AND hubspot_id IS NOT NULL", (s.link,))}
    inv = [i for i in s.org["Invoices"] if i["InvoiceID"].lower() in ids and i.get("InvoiceNumber")]
    assert inv, "the push sent no invoice"
    return inv[0]


def test_a_push_writes_the_diff_and_the_detail_shows_before_and_after(pushed, signed_in, mdb):
    inv = sent_invoice(pushed)
    xid = inv["InvoiceID"].lower()
    first = invoice_writes(mdb, pushed.link, xid)
    assert first
    changes = first[0][1]["changes"]
    assert changes and all(c["before"] is None for c in changes), changes  # a first write
    assert "hs_currency" in {c["property"] for c in changes}
    stored = one(mdb, "SELECT pushed_props FROM hubspot_ref WHERE link_id = %s AND"
                      " object = 'invoice' AND xero_id = %s", (pushed.link, xid))
    assert "hs_currency" in stored and "LineItems" not in stored  # mapped properties only
    old = stored.get("xero_reference")

    new = "Audit diff <b>%s</b>" % uuid.uuid4().hex[:8]
    pushed.xero.post("/_sim/objects/%s/Invoices" % pushed.tenant,
                     {"InvoiceID": inv["InvoiceID"], "Reference": new})
    pushed.sync()
    rows = invoice_writes(mdb, pushed.link, xid)[-2:]
    assert len(rows) == 2 and rows[0][0] >= first[-1][0]
    diff = rows[1][1]["changes"]
    assert {"property": "xero_reference", "before": old, "after": new} in diff
    assert "hs_currency" not in {c["property"] for c in diff}  # unchanged: not listed

    # Found by its invoice number (any case), newest first; the detail shows the diff.
    page = signed_in.get("/audit?" + urllib.parse.urlencode(
        {"record": inv["InvoiceNumber"].lower(), "link": pushed.link}))
    assert page.status == 200
    ids = entry_ids(page.body)
    assert ids[0] == rows[1][0] and rows[0][0] in ids
    detail = signed_in.get("/audit/%d" % rows[1][0])
    assert detail.status == 200
    body = detail.body.decode()
    assert "xero_reference" in body and "Audit diff &lt;b&gt;" in body and "<b>" not in body
    cell = re.search(r'<td class="before">(.*?)</td>.*?<td class="after">(.*?)</td>',
                     body[body.index("xero_reference"):], re.S)
    assert cell and "Audit diff &lt;b&gt;" in cell.group(2)
    assert (old if old is not None else "(none)").replace('"', "&quot;") in cell.group(1)
    assert "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=%s" % xid in body
    hid = one(mdb, "SELECT hubspot_id FROM hubspot_ref WHERE link_id = %s AND object = 'invoice'"
                   " AND xero_id = %s", (pushed.link, xid))
    assert "/contacts/%d/record/0-53/%s" % (pushed.portal, hid) in body
    assert re.search(r"attempts \d+ of \d+", body) and "written on attempt 1" in body
    first_page = signed_in.get("/audit/%d" % first[0][0]).body.decode()
    assert "First write of this record" in first_page and "(none)" in first_page


def test_replay_from_the_detail_pushes_the_record_again(pushed, signed_in, mdb):
    inv = sent_invoice(pushed)
    xid = inv["InvoiceID"].lower()
    last = invoice_writes(mdb, pushed.link, xid)[-1][0]
    detail = signed_in.get("/audit/%d" % last)
    token = form_token(detail.body, "/audit/%d/replay" % last)
    before = len(pushed.writes())
    r = signed_in.post("/audit/%d/replay" % last, {"csrf": token})
    assert r.status == 303 and r.header("Location") == "/audit/%d?replayed=1" % last
    assert b"queued to be pushed to HubSpot again" in signed_in.get(r.header("Location")).body
    pushed.settle()
    after = pushed.writes()
    assert len(after) > before
    assert any("/invoices/batch/" in e["path"] for e in after[before:]), after[before:]
    rows = invoice_writes(mdb, pushed.link, xid)
    assert rows[-1][0] > last and rows[-1][1]["changes"] == []  # the same values again
    page = signed_in.get("/audit/%d" % rows[-1][0]).body
    assert b"No property changed value" in page


def test_replay_needs_the_csrf_token(pushed, signed_in, mdb):
    last = q(mdb, "SELECT max(id) FROM audit_event WHERE link_id = %s AND object = 'invoice'",
             (pushed.link,))[0][0]
    jobs = one(mdb, "SELECT count(*) FROM job WHERE link_id = %s", (pushed.link,))
    r = signed_in.post("/audit/%d/replay" % last, {"csrf": "forged"})
    assert r.status == 403
    assert one(mdb, "SELECT count(*) FROM job WHERE link_id = %s", (pushed.link,)) == jobs


# ---- filters, paging, hostile input ----

HOSTILE = [
    ("record", "'; DROP TABLE audit_event; --", 200, None),
    ("record", "x' OR '1'='1", 200, None),
    ("record", "<script>alert(1)</script>", 200, None),
    ("record", "%_\\", 200, None),
    ("record", "A" * 3000, 400, "at most 200 characters"),
    ("link", "1 OR 1=1", 400, "Choose a link"),
    ("link", "-1", 400, "Choose a link"),
    ("link", "99999999999999999999999", 400, "Choose a link"),
    ("object", "invoice'--", 400, "record type"),
    ("hubspot_id", "1; DELETE FROM link", 400, "HubSpot id"),
    ("action", "hubspot.write' OR 'a'='a", 400, "action"),
    ("outcome", "ok' OR 'x'='x", 400, "outcome"),
    ("from", "2026-02-30", 400, "first day"),
    ("to", "yesterday", 400, "last day"),
    ("before", "-1_5", 400, "page link is not valid"),
    ("before", "1_-5", 400, "page link is not valid"),
    ("before", "99999999999999999999_1", 400, "page link is not valid"),
    ("before", "1733300000000000_99999999999999999999", 400, "page link is not valid"),
    ("before", "0_0", 400, "page link is not valid"),
    ("before", "garbage", 400, "page link is not valid"),
    ("before", "1e5_1", 400, "page link is not valid"),
    ("before", "1733300000000000_1 OR 1=1", 400, "page link is not valid"),
]


@pytest.mark.parametrize("field,value,status,message", HOSTILE,
                         ids=["%s-%d" % (h[0], i) for i, h in enumerate(HOSTILE)])
def test_hostile_filters_are_harmless_and_answered_clearly(signed_in, mdb, field, value, status,
                                                          message):
    count = one(mdb, "SELECT count(*) FROM audit_event")
    links = one(mdb, "SELECT count(*) FROM link")
    r = signed_in.get("/audit?" + urllib.parse.urlencode({field: value}))
    assert r.status == status, r.body[:500]
    body = r.body.decode()
    if message:
        assert message in filter_error(r.body), filter_error(r.body)
        assert field == "before" or 'aria-invalid="true"' in body
    if field in ("record", "hubspot_id", "action", "from", "to") and len(value) < 1000:
        # the form keeps what was typed, escaped
        assert "<script>alert" not in body
        assert urllib.parse.quote(value) in urllib.parse.quote(__import__("html").unescape(body))
    assert one(mdb, "SELECT count(*) FROM audit_event") >= count  # nothing dropped or deleted
    assert one(mdb, "SELECT count(*) FROM link") >= links
    csvr = signed_in.get("/audit.csv?" + urllib.parse.urlencode({field: value}))
    assert csvr.status == status


def test_invalid_utf8_or_nul_in_a_filter_is_refused(signed_in):
    r = signed_in.get("/audit?record=%ff%fe")
    assert r.status == 400 and "at most 200 characters" in filter_error(r.body)
    assert b"%ff%fe" not in r.body and b"\xff" not in r.body
    assert signed_in.get("/audit?record=INV%00-1").status == 400  # the query parser refuses NUL


def test_unknown_and_bad_entry_ids_are_404(signed_in):
    for path in ("/audit/999999999999", "/audit/0", "/audit/-1", "/audit/abc",
                 "/audit/99999999999999999999999"):
        r = signed_in.get(path)
        assert r.status == 404 and b"There is no audit entry at this address" in r.body, path


def test_keyset_paging_walks_every_row_once(signed_in, bulk):
    _, small = bulk
    seen, path = [], "/audit?link=%d" % small
    for _ in range(30):
        r = signed_in.get(path)
        assert r.status == 200
        ids = entry_ids(r.body)
        seen += ids
        m = re.search(rb'href="(/audit\?[^"]*before=[^"]*)"', r.body)
        if not m:
            break
        path = __import__("html").unescape(m.group(1).decode())
        assert "link=%d" % small in path  # the filter is kept
    assert len(seen) == 1000 and len(set(seen)) == 1000
    assert seen == sorted(seen)  # newest first: fill_audit dates later ids earlier


def plan_nodes(query):
    out = cli("audit", "explain", query)
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)[0]["Plan"]
    nodes = []

    def walk(n):
        nodes.append(n)
        for c in n.get("Plans", []):
            walk(c)
    walk(plan)
    return nodes


def test_each_filter_is_answered_by_its_index(bulk, mdb):
    """At BIG + 1,000 rows the planner prefers the indexes by itself (no
    enable_seqscan tricks); each filter's query must use its own."""
    big, small = bulk
    xid = one(mdb, "SELECT xero_id::text FROM audit_event WHERE link_id = %s LIMIT 1", (big,))
    hid = one(mdb, "SELECT hubspot_id FROM audit_event WHERE link_id = %s LIMIT 1", (big,))
    num = "AUDIT-%s" % uuid.uuid4().hex[:6]
    cases = {
        "": "audit_event_page_idx",
        "link=%d" % small: "audit_event_link_idx",
        "object=product": "audit_event_object_idx",
        "record=" + xid: "audit_event_xero_idx",
        "record=" + num: "xero_record_label_idx",
        "hubspot_id=" + hid: "audit_event_hubspot_idx",
        "action=hubspot.archive": "audit_event_action_idx",
        "outcome=skipped": "audit_event_outcome_idx",
        "from=2026-01-01&to=2026-01-31": "audit_event_page_idx",
        "before=1733300000000000_5": "audit_event_page_idx",
    }
    for query, index in cases.items():
        nodes = plan_nodes(query)
        used = {n.get("Index Name") for n in nodes}
        assert index in used, (query, used)
        assert not [n for n in nodes if n["Node Type"] == "Seq Scan"
                    and n.get("Relation Name") == "audit_event"], query
    # The number is looked up in the mirror, then its records by the Xero-id index.
    assert "audit_event_xero_idx" in {n.get("Index Name") for n in plan_nodes("record=" + num)}


# ---- CSV ----

def test_csv_export_streams_100k_rows_with_the_web_childs_rss_flat(signed_in, bulk, tmp_path):
    big, small = bulk
    web = PrivateWeb(tmp_path)
    try:
        web.cookies["__Host-sid"] = signed_in.cookies["__Host-sid"]
        web.request("GET", "/audit.csv", "link=%d" % small, on_chunk=lambda c: None)  # warm up
        base = web.hwm_kb()
        got = {"bytes": 0, "head": b"", "tail": b"", "peak": base}

        def chunk(c):
            if len(got["head"]) < 4096:
                got["head"] += c
            got["tail"] = (got["tail"] + c)[-4096:]
            got["bytes"] += len(c)
            got["lines"] = got.get("lines", 0) + c.count(b"\n")  # CRLFs may straddle chunks
            if got["lines"] % 5000 < c.count(b"\n") + 1:
                got["peak"] = max(got["peak"], web.hwm_kb())
        web.request("GET", "/audit.csv", "link=%d" % big, on_chunk=chunk)
        peak = max(got["peak"], web.hwm_kb())
    finally:
        web.stop()
    assert got["head"].startswith(b"Status: 200")
    assert b"Content-Type: text/csv" in got["head"] and b"Content-Length" not in got["head"]
    assert got["lines"] >= BIG + 1 + 8  # the rows, the header line, the CGI headers
    assert got["bytes"] > 10 * 1024 * 1024
    grew = peak - base
    print("CSV export: %d bytes; web child VmHWM %d kB -> %d kB (+%d kB)" % (
        got["bytes"], base, peak, grew))
    assert grew < 8 * 1024, "the web child grew by %d kB exporting %d bytes" % (grew, got["bytes"])


def test_csv_quotes_fields_and_defuses_formulas(signed_in, mdb):
    link = one(mdb, "INSERT INTO link (name, status) VALUES ('=cmd|calc', 'active') RETURNING id")
    texts = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2-2", "@SUM(A1)", "\tTAB", "plain",
             'say "hi", then\nleave', " padded "]
    try:
        for t in texts:
            q(mdb, "INSERT INTO audit_event (link_id, object, action, outcome, detail)"
                   " VALUES (%s, 'invoice', 'push.error', 'error', %s)",
              (link, json.dumps({"message": t})))
        r = signed_in.get("/audit.csv?link=%d&outcome=error" % link)
        assert r.status == 200 and r.header("Content-Type").startswith("text/csv")
        assert "attachment" in r.header("Content-Disposition")
        rows = list(csv.reader(io.StringIO(r.body.decode(), newline="")))
    finally:
        q(mdb, "DELETE FROM audit_event WHERE link_id = %s", (link,))
        q(mdb, "DELETE FROM link WHERE id = %s", (link,))
    head, body = rows[0], rows[1:]
    assert head[:3] == ["id", "at_utc", "link_id"] and "message" in head
    msg = [row[head.index("message")] for row in body]
    want = ["'" + t if t[0] in "=+-@\t" else t for t in texts]
    assert sorted(msg) == sorted(want)
    assert all(row[head.index("link")] == "'=cmd|calc" for row in body)
    assert r.body.count(b"\r\n") == len(texts) + 1  # the embedded newline stays inside quotes
