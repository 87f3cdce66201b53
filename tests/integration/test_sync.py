"""The push from the mirror to HubSpot (src/sync/), end to end through the
real worker: `xhsync sync` pulls a seeded Xero organisation and the pushes
it triggers fill a HubSpot portal. The HubSpot simulator's store is
compared with what a checker computes from the Xero data alone, and its
request log counts the write calls."""
import pytest

from sync_support import Checker, Sync


@pytest.fixture
def s(tmp_path):
    sync = Sync(tmp_path)
    yield sync
    sync.inst.close()


def by_prop(records, prop):
    return {r["properties"].get(prop): r for r in records}


def assoc_ids(rec, otype):
    return {str(a["toObjectId"]) for a in rec.get("associations") or []
            if a["toObjectType"] == otype}


def test_a_backfill_fills_hubspot_as_the_checker_says(s):
    s.sync()
    ck = Checker(s.xero_objects("Contacts"), s.xero_objects("Invoices"))
    companies = by_prop(s.store("companies"), "xero_contact_id")
    assert {k: v["properties"]["name"] for k, v in companies.items()} == ck.companies()
    contacts = by_prop(s.store("contacts"), "email")
    assert {r["properties"]["xero_contact_id"]: e for e, r in contacts.items()} == ck.people()
    for email, rec in contacts.items():
        company = companies[rec["properties"]["xero_contact_id"]]
        assert assoc_ids(rec, "companies") == {str(company["id"])}, email
    invoices = by_prop(s.store("invoices"), "xero_invoice_id")
    want = ck.invoice_states()
    assert set(invoices) == set(want)
    for iid, (status, currency, cid, nlines) in want.items():
        rec = invoices[iid]
        assert rec["properties"]["hs_invoice_status"] == status, (iid, rec["properties"])
        assert rec["properties"]["hs_currency"] == currency
        assert assoc_ids(rec, "companies") == {str(companies[cid]["id"])}
        assert len(assoc_ids(rec, "line_items")) == nlines, iid
    assert len(s.store("line_items")) == ck.line_count()
    assert {r["properties"]["xero_item_id"] for r in s.store("products")} == {
        i["ItemID"].lower() for i in s.xero_objects("Items")}


def test_a_second_sync_writes_nothing_to_hubspot(s):
    s.sync()
    before = len(s.hubspot_writes())
    assert before > 0
    s.sync(full=True)
    assert len(s.hubspot_writes()) == before
