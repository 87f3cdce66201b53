"""`xhsync mapping`: a link's field mapping is shown, changed only when valid,
marks the affected records for re-push, is audited, and previews on a
mirrored record without writing anything (src/sync/map_store.c)."""
import json
import uuid

import pytest

from conftest import cli

INVOICE = {
    "InvoiceID": str(uuid.uuid4()), "Type": "ACCREC", "InvoiceNumber": "INV-7001",
    "Status": "PAID", "CurrencyCode": "EUR", "Date": "/Date(1539993600000+0000)/",
    "Total": 100.5, "AmountPaid": 100.5, "AmountDue": 0, "Reference": "PO <7>",
    "UpdatedDateUTC": "/Date(1541176290160+0000)/",
    "LineItems": [
        {"LineItemID": str(uuid.uuid4()), "Description": "Widget", "Quantity": 2,
         "UnitAmount": 50.25, "ItemCode": "W1"},
        {"LineItemID": str(uuid.uuid4()), "Description": "Refund", "Quantity": 1,
         "UnitAmount": -5},
    ],
}


@pytest.fixture
def link(db):
    with db.cursor() as c:
        c.execute("INSERT INTO link (name, status) VALUES ('mapping test', 'active') RETURNING id")
        lid = c.fetchone()[0]
        c.execute("INSERT INTO xero_record (link_id, object, xero_id, updated_at, payload,"
                  " content_hash) VALUES (%s, 'invoice', %s, now(), %s::jsonb,"
                  " sha256(convert_to(%s, 'UTF8')))",
                  (lid, INVOICE["InvoiceID"], json.dumps(INVOICE), json.dumps(INVOICE)))
        c.execute("INSERT INTO hubspot_ref (link_id, object, xero_id, hubspot_id, pushed_hash)"
                  " VALUES (%s, 'invoice', %s, '901', sha256('x'::bytea))",
                  (lid, INVOICE["InvoiceID"]))
    yield lid
    with db.cursor() as c:
        c.execute("DELETE FROM audit_event WHERE link_id = %s", (lid,))
        c.execute("DELETE FROM link WHERE id = %s", (lid,))


def pushed_hash_is_null(db, lid):
    with db.cursor() as c:
        c.execute("SELECT pushed_hash IS NULL FROM hubspot_ref WHERE link_id = %s", (lid,))
        return c.fetchone()[0]


def test_show_lists_the_defaults_with_locked_keys(link):
    r = cli("mapping", "show", str(link), "invoice")
    assert r.returncode == 0, r.stderr
    assert "xero_invoice_id" in r.stdout and "locked" in r.stdout
    assert "hs_invoice_date" in r.stdout and "Date || DateString" in r.stdout


def test_preview_renders_a_record_by_number_and_writes_nothing(link, db):
    r = cli("mapping", "preview", str(link), "invoice", "INV-7001")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    props = out["properties"]
    assert props["hs_invoice_status"] == "paid"
    assert props["hs_currency"] == "EUR"
    assert props["xero_total"] == "100.50"
    assert props["xero_reference"] == "PO <7>"
    assert props["hs_invoice_date"] == "2018-10-20"
    assert not pushed_hash_is_null(db, link)
    with db.cursor() as c:
        c.execute("SELECT count(*) FROM field_mapping WHERE link_id = %s", (link,))
        assert c.fetchone()[0] == 0


def test_preview_of_line_items_reports_the_bad_line_alone(link):
    r = cli("mapping", "preview", str(link), "line_item", INVOICE["InvoiceID"])
    assert r.returncode == 0, r.stderr
    lines = json.loads(r.stdout)["lines"]
    assert lines[0]["properties"]["price"] == "50.25"
    assert lines[0]["properties"]["hs_line_item_currency_code"] == "EUR"
    assert "negative" in lines[1]["error"]


def test_preview_of_a_record_the_mirror_lacks_fails_clearly(link):
    r = cli("mapping", "preview", str(link), "invoice", "INV-404")
    assert r.returncode == 1
    assert "no mirrored invoice 'INV-404'" in r.stderr


def test_set_changes_the_rendered_property_marks_repush_and_audits(link, db):
    r = cli("mapping", "set", str(link), "invoice", "hs_purchase_order_number", "Reference")
    assert r.returncode == 0, r.stderr
    assert "1 record(s) marked for re-push" in r.stdout
    assert pushed_hash_is_null(db, link)
    out = json.loads(cli("mapping", "preview", str(link), "invoice", "INV-7001").stdout)
    assert out["properties"]["hs_purchase_order_number"] == "PO <7>"
    with db.cursor() as c:
        c.execute("SELECT action, actor, detail FROM audit_event WHERE link_id = %s", (link,))
        rows = c.fetchall()
    assert [(a, b) for a, b, _ in rows] == [("mapping.set", "cli")]
    assert rows[0][2]["target"] == "hs_purchase_order_number"


@pytest.mark.parametrize("args,msg", [
    (["xero_invoice_id", "Reference"], "cannot be changed"),
    (["hs_due_date", "DueDate[", "date"], "source path 'DueDate['"),
    (["hs_due_date", "DueDate", "dat"], "unknown transform 'dat'"),
    (["Bad Name", "Reference"], "not a HubSpot property name"),
    (["x", "Name'; DROP TABLE link; --"], "unexpected"),
])
def test_an_invalid_mapping_is_refused_and_nothing_changes(link, db, args, msg):
    before = cli("mapping", "show", str(link), "invoice").stdout
    r = cli("mapping", "set", str(link), "invoice", *args)
    assert r.returncode == 1
    assert msg in r.stderr
    assert cli("mapping", "show", str(link), "invoice").stdout == before
    assert not pushed_hash_is_null(db, link)
    with db.cursor() as c:
        c.execute("SELECT count(*) FROM field_mapping WHERE link_id = %s", (link,))
        assert c.fetchone()[0] == 0


def test_disable_unset_and_reset(link):
    assert cli("mapping", "disable", str(link), "invoice", "xero_reference").returncode == 0
    out = json.loads(cli("mapping", "preview", str(link), "invoice", "INV-7001").stdout)
    assert "xero_reference" not in out["properties"]
    assert cli("mapping", "unset", str(link), "invoice", "xero_reference").returncode == 0
    out = json.loads(cli("mapping", "preview", str(link), "invoice", "INV-7001").stdout)
    assert out["properties"]["xero_reference"] == "PO <7>"
    r = cli("mapping", "unset", str(link), "invoice", "xero_reference")
    assert r.returncode == 1 and "no override of xero_reference" in r.stderr
    assert cli("mapping", "set", str(link), "invoice", "xero_total", "Total", "text").returncode == 0
    r = cli("mapping", "reset", str(link), "invoice")
    assert r.returncode == 0 and "reset invoice" in r.stdout
    assert cli("mapping", "reset", str(link), "invoice").returncode == 1


def test_usage_errors(link):
    assert cli("mapping", "show", str(link)).returncode == 2
    assert cli("mapping", "show", "x", "invoice").returncode == 2
    assert cli("mapping", "show", str(link), "deal").returncode == 2
    r = cli("mapping", "set", "999999", "invoice", "xero_reference", "Reference")
    assert r.returncode == 1 and "there is no link 999999" in r.stderr
