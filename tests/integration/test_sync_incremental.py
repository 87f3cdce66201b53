"""Incremental pushes (src/sync/, src/hubspot/write*.c) through the real
worker: after a backfill, a change in Xero writes only what it affects in
HubSpot, counted in the HubSpot simulator's request log, and the store
still matches what the Xero data says."""
import pytest

from sync_support import assoc_ids, by_prop, Sync


@pytest.fixture
def s(tmp_path):
    sync = Sync(tmp_path)
    yield sync
    sync.inst.close()


def new_writes(s, before):
    return s.hubspot_writes()[len(before):]


def assoc_calls(writes):
    return [e for e in writes if e["path"].startswith("/crm/v4/")]


def edit(s, kind, changes):
    s.xero.post("/_sim/objects/%s/%s" % (s.tenant, kind), changes)


def test_an_update_does_not_create_its_associations_again(s):
    s.sync()
    ck_invoices = [i for i in s.xero_objects("Invoices") if i["Type"] == "ACCREC"
                   and i["Status"] in ("AUTHORISED", "PAID")][:20]
    edit(s, "Invoices", [{"InvoiceID": i["InvoiceID"], "Reference": "assoc %d" % n}
                         for n, i in enumerate(ck_invoices)])
    contacts = [c for c in s.xero_objects("Contacts") if c.get("EmailAddress")][:5]
    edit(s, "Contacts", [{"ContactID": c["ContactID"], "FirstName": "Renamed%d" % n}
                         for n, c in enumerate(contacts)])
    before = s.hubspot_writes()
    s.sync()
    new = new_writes(s, before)
    assert [e["path"] for e in new if "/invoices/batch/upsert" in e["path"]]
    assert [e["path"] for e in new if "/contacts/batch/upsert" in e["path"]]
    assert assoc_calls(new) == [], [e["path"] for e in assoc_calls(new)]


def test_an_invoice_moved_to_another_contact_is_associated_to_it_alone(s):
    s.sync()
    invoices = [i for i in s.xero_objects("Invoices") if i["Type"] == "ACCREC"
                and i["Status"] == "AUTHORISED"]
    inv = invoices[0]
    old = inv["Contact"]["ContactID"].lower()
    emails = {}
    for c in s.xero_objects("Contacts"):
        emails.setdefault((c.get("EmailAddress") or "").lower(), c["ContactID"].lower())
    people = set(emails.values()) - {emails.get("")}
    new_cid = next(c["ContactID"].lower() for c in s.xero_objects("Contacts")
                   if c["ContactID"].lower() != old and c["ContactID"].lower() in people)
    edit(s, "Invoices", {"InvoiceID": inv["InvoiceID"], "Contact": {"ContactID": new_cid}})
    before = s.hubspot_writes()
    s.sync()
    new = new_writes(s, before)
    creates = [e for e in assoc_calls(new) if e["path"].endswith("/batch/create")]
    # one call each for the company and the contact, with this invoice alone
    assert sorted(e["path"] for e in creates) == [
        "/crm/v4/associations/invoices/companies/batch/create",
        "/crm/v4/associations/invoices/contacts/batch/create"]
    assert all(e["body"].count('"from"') == 1 for e in creates)
    companies = by_prop(s.store("companies"), "xero_contact_id")
    contacts = by_prop(s.store("contacts"), "xero_contact_id")
    rec = by_prop(s.store("invoices"), "xero_invoice_id")[inv["InvoiceID"].lower()]
    assert assoc_ids(rec, "companies") == {str(companies[new_cid]["id"])}
    assert assoc_ids(rec, "contacts") == {str(contacts[new_cid]["id"])}
