"""Incremental pushes (src/sync/, src/hubspot/write*.c) through the real
worker: after a backfill, a change in Xero writes only what it affects in
HubSpot, counted in the HubSpot simulator's request log, and the store
still matches what the Xero data says."""
from sync_support import s  # noqa: F401  (the fixture)
from sync_support import assoc_ids, by_prop


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


def money(v):
    return round(float(v or 0), 2)


def live_paid(s, iid):
    """What Xero's own payments say an invoice has been paid."""
    return money(sum(float(p["Amount"]) for p in s.xero_objects("Payments")
                     if p["Invoice"]["InvoiceID"].lower() == iid and p["Status"] != "DELETED"))


def pushed_invoice(s, iid):
    return by_prop(s.store("invoices"), "xero_invoice_id")[iid]["properties"]


def company_of(s, cid):
    return by_prop(s.store("companies"), "xero_contact_id")[cid]["properties"]


def outstanding(s, cid, paid):
    """A contact's outstanding balance in base currency, from Xero's invoices,
    with the paid amounts given for some of them."""
    total = 0.0
    for inv in s.xero_objects("Invoices"):
        if inv["Contact"]["ContactID"].lower() != cid or inv["Type"] != "ACCREC":
            continue
        iid = inv["InvoiceID"].lower()
        if inv["Status"] not in ("AUTHORISED", "PAID"):
            continue
        due = (float(inv["Total"]) - paid[iid] - float(inv["AmountCredited"]) if iid in paid
               else float(inv["AmountDue"]))
        if due > 0:
            total += due / (float(inv.get("CurrencyRate") or 1) or 1)
    return money(total)


def open_invoices(s):
    """Sent invoices whose contact is a HubSpot contact, so HubSpot holds them open or paid."""
    emailed = {r["properties"]["xero_contact_id"] for r in s.store("contacts")}
    return [i for i in s.xero_objects("Invoices") if i["Type"] == "ACCREC"
            and i["Contact"]["ContactID"].lower() in emailed and i.get("LineItems")]


def test_new_changed_and_deleted_payments_refresh_invoices_and_balances(s):
    s.sync()
    invs = open_invoices(s)
    unpaid = next(i for i in invs if i["Status"] == "AUTHORISED" and float(i["AmountDue"]) > 0
                  and not i["Payments"])
    paid = next(i for i in invs if i["Status"] == "PAID" and len(i["Payments"]) == 1
                and i["Contact"]["ContactID"] != unpaid["Contact"]["ContactID"])
    assert pushed_invoice(s, unpaid["InvoiceID"].lower())["hs_invoice_status"] == "open"
    assert pushed_invoice(s, paid["InvoiceID"].lower())["hs_invoice_status"] == "paid"
    new_id = "0f0f0f0f-1111-4222-8333-444455556666"
    # A new payment pays the unpaid invoice in full; the paid one's payment is deleted.
    edit(s, "Payments", [
        {"PaymentID": new_id, "Invoice": {"InvoiceID": unpaid["InvoiceID"]},
         "Amount": float(unpaid["AmountDue"]), "Date": "/Date(1767225600000+0000)/",
         "Status": "AUTHORISED", "PaymentType": "ACCRECPAYMENT",
         "CurrencyRate": unpaid.get("CurrencyRate", 1)},
        {"PaymentID": paid["Payments"][0]["PaymentID"], "Status": "DELETED"}])
    before = s.hubspot_writes()
    s.sync()
    new = new_writes(s, before)
    a, b = unpaid["InvoiceID"].lower(), paid["InvoiceID"].lower()
    pa, pb = pushed_invoice(s, a), pushed_invoice(s, b)
    assert pa["hs_invoice_status"] == "paid" and money(pa["xero_amount_due"]) == 0
    assert money(pa["xero_amount_paid"]) == live_paid(s, a) == money(unpaid["AmountDue"])
    assert pb["hs_invoice_status"] == "open" and money(pb["xero_amount_paid"]) == 0
    assert money(pb["xero_amount_due"]) == money(float(paid["Total"]) -
                                                 float(paid["AmountCredited"]))
    assert pb["xero_status"] == "AUTHORISED" and not pb.get("xero_fully_paid_date")
    ca, cb = (i["Contact"]["ContactID"].lower() for i in (unpaid, paid))
    want = {a: live_paid(s, a), b: live_paid(s, b)}
    assert money(company_of(s, ca)["xero_outstanding"]) == outstanding(s, ca, want)
    assert money(company_of(s, cb)["xero_outstanding"]) == outstanding(s, cb, want)
    assert company_of(s, ca)["xero_last_payment_date"].startswith("2026-01-01")
    # Only those two invoices and their two companies were written.
    ups = [e for e in new if e["path"].endswith("/batch/upsert")]
    assert sorted(e["path"].split("/")[4] for e in ups) == ["companies", "invoices"]
    assert all(e["body"].count("objectWriteTraceId") == 2 for e in ups)
    # A payment whose amount changes is followed too.
    edit(s, "Payments", {"PaymentID": new_id, "Amount": 1.0})
    s.sync()
    pa = pushed_invoice(s, a)
    assert pa["hs_invoice_status"] == "open" and money(pa["xero_amount_paid"]) == 1.0


def test_paid_mode_payment_writes_commerce_payments_and_archives_deleted_ones(s):
    s.cli_ok("link", "set", str(s.link), "paid_mode=payment")
    s.sync()
    invs = [i for i in open_invoices(s) if i["Status"] == "PAID" and i["Payments"]]
    assert invs
    pays = by_prop(s.store("commerce_payments"), "xero_payment_id")
    live = [p for p in s.xero_objects("Payments") if p["Status"] != "DELETED"]
    pushed = {r["properties"]["xero_invoice_id"]: r for r in s.store("invoices")}
    want = {p["PaymentID"].lower() for p in live
            if p["Invoice"]["InvoiceID"].lower() in pushed}
    assert set(pays) == want
    for inv in invs:
        rec = pushed[inv["InvoiceID"].lower()]
        mine = {str(pays[p["PaymentID"].lower()]["id"]) for p in inv["Payments"]}
        assert assoc_ids(rec, "commerce_payments") == mine
        assert rec["properties"]["hs_invoice_status"] == "paid"  # HubSpot derives it
        assert money(rec["properties"]["hs_amount_paid"]) == money(inv["AmountPaid"])
    # A payment deleted in Xero: its commerce payment is archived, and the invoice open again.
    inv = invs[0]
    pid = inv["Payments"][0]["PaymentID"]
    edit(s, "Payments", {"PaymentID": pid, "Status": "DELETED"})
    before = s.hubspot_writes()
    s.sync()
    new = new_writes(s, before)
    assert [e["path"] for e in new if "commerce_payments/batch/archive" in e["path"]]
    assert pid.lower() not in by_prop(s.store("commerce_payments"), "xero_payment_id")
    rec = pushed_invoice(s, inv["InvoiceID"].lower())
    assert rec["xero_status"] == "AUTHORISED"
    assert money(rec["xero_amount_paid"]) == live_paid(s, inv["InvoiceID"].lower())
    # Nothing changed: nothing written.
    before = s.hubspot_writes()
    s.sync()
    assert new_writes(s, before) == []


def notes_by_company(s):
    out = {}
    for n in s.store("notes"):
        for cid in assoc_ids(n, "companies"):
            out.setdefault(cid, []).append(n)
    return out


def test_credit_notes_credit_invoices_and_appear_on_the_company_timeline(s):
    s.sync()
    companies = by_prop(s.store("companies"), "xero_contact_id")
    sent = [c for c in s.xero_objects("CreditNotes")
            if c["Type"] == "ACCRECCREDIT" and c["Status"] in ("AUTHORISED", "PAID")
            and c["Contact"]["ContactID"].lower() in companies]
    assert sent
    notes = s.store("notes")
    assert len(notes) == len(sent)
    timeline = notes_by_company(s)
    for cn in sent:
        mine = [n for n in timeline[str(companies[cn["Contact"]["ContactID"].lower()]["id"])]
                if cn["CreditNoteNumber"] in n["properties"]["hs_note_body"]]
        assert len(mine) == 1, cn["CreditNoteNumber"]
        body = mine[0]["properties"]["hs_note_body"]
        assert "%.2f" % float(cn["Total"]) in body
        for al in cn["Allocations"]:
            assert al["Invoice"]["InvoiceNumber"] in body
    # A new credit note, allocated to an open invoice.
    inv = next(i for i in open_invoices(s) if i["Status"] == "AUTHORISED"
               and float(i["AmountDue"]) > 20)
    iid, cid = inv["InvoiceID"].lower(), inv["Contact"]["ContactID"].lower()
    cn_id = "0e0e0e0e-2222-4333-8444-555566667777"
    cn = {"CreditNoteID": cn_id, "CreditNoteNumber": "CN-TEST-1", "Type": "ACCRECCREDIT",
          "Contact": {"ContactID": inv["Contact"]["ContactID"]}, "Status": "PAID",
          "Date": "/Date(1767225600000+0000)/", "CurrencyCode": inv["CurrencyCode"],
          "CurrencyRate": inv.get("CurrencyRate", 1), "Total": 20.0, "RemainingCredit": 0.0,
          "Allocations": [{"Amount": 20.0, "Date": "/Date(1767225600000+0000)/",
                           "Invoice": {"InvoiceID": inv["InvoiceID"],
                                       "InvoiceNumber": inv["InvoiceNumber"]}}]}
    balance = money(companies[cid]["properties"]["xero_outstanding"])
    edit(s, "CreditNotes", cn)
    s.sync()
    p = pushed_invoice(s, iid)
    assert money(p["xero_amount_credited"]) == money(float(inv["AmountCredited"]) + 20)
    assert money(p["xero_amount_due"]) == money(float(inv["AmountDue"]) - 20)
    rate = float(inv.get("CurrencyRate") or 1) or 1
    assert abs(money(company_of(s, cid)["xero_outstanding"]) - (balance - 20 / rate)) < 0.02
    assert len(s.store("notes")) == len(sent) + 1
    note = next(n for n in s.store("notes") if "CN-TEST-1" in n["properties"]["hs_note_body"])
    assert assoc_ids(note, "companies") == {str(companies[cid]["id"])}
    assert "20.00" in note["properties"]["hs_note_body"]
    assert inv["InvoiceNumber"] in note["properties"]["hs_note_body"]
    # Changed: the same note is updated in place, never duplicated.
    edit(s, "CreditNotes", {"CreditNoteID": cn_id, "Total": 15.0, "Allocations": [
        dict(cn["Allocations"][0], Amount=15.0)]})
    before = s.hubspot_writes()
    s.sync()
    new = new_writes(s, before)
    assert not [e for e in new if e["path"] == "/crm/v3/objects/notes/batch/create"]
    assert [e for e in new if e["path"] == "/crm/v3/objects/notes/batch/update"]
    assert assoc_calls(new) == []
    again = [n for n in s.store("notes") if "CN-TEST-1" in n["properties"]["hs_note_body"]]
    assert [n["id"] for n in again] == [note["id"]]
    assert "15.00" in again[0]["properties"]["hs_note_body"]
    assert money(pushed_invoice(s, iid)["xero_amount_due"]) == money(float(inv["AmountDue"]) - 15)


def test_an_item_missing_from_a_full_read_is_marked_gone_and_its_product_archived(s):
    s.sync()
    items = s.xero_objects("Items")
    assert {r["properties"]["xero_item_id"] for r in s.store("products")} == {
        i["ItemID"].lower() for i in items}
    dead = [i["ItemID"].lower() for i in items[:2]]
    for iid in dead:
        s.xero.call("DELETE", "/_sim/objects/%s/Items/%s" % (s.tenant, iid))
    before = s.hubspot_writes()
    s.sync()  # an incremental read (If-Modified-Since) cannot tell what is gone
    assert new_writes(s, before) == []
    s.sync(full=True)
    new = new_writes(s, before)
    assert [(e["path"], e["body"].count('"id"')) for e in new] == [
        ("/crm/v3/objects/products/batch/archive", 2)]
    assert {r["properties"]["xero_item_id"] for r in s.store("products")} == {
        i["ItemID"].lower() for i in items[2:]}
    archived = {r["properties"]["xero_item_id"]
                for r in s.hs.get("/_sim/objects/products?archived=true")}
    assert archived == set(dead)
    gone = s.inst.q("SELECT xero_id::text FROM xero_record WHERE link_id = %s AND object = 'item'"
                    " AND gone_at IS NOT NULL", (s.link,))
    assert sorted(r[0] for r in gone) == sorted(dead)
    before = s.hubspot_writes()
    s.sync(full=True)
    assert new_writes(s, before) == []


def test_link_filters_exclude_old_foreign_and_non_customer_records_with_reasons(s):
    for kv in ("filters.invoice_from=2025-08-13", "currencies=NZD,AUD",
               "filters.customers_only=on"):
        s.cli_ok("link", "set", str(s.link), kv)
    s.sync()
    contacts = {c["ContactID"].lower(): c for c in s.xero_objects("Contacts")}
    customers = {k for k, c in contacts.items() if c.get("IsCustomer") is True}
    assert customers and customers != set(contacts)
    assert set(by_prop(s.store("companies"), "xero_contact_id")) == customers
    sent = [i for i in s.xero_objects("Invoices") if i["Type"] == "ACCREC"
            and i["Status"] not in ("VOIDED", "DELETED")]
    want = {i["InvoiceID"].lower() for i in sent if i["DateString"][:10] >= "2025-08-13"
            and i["CurrencyCode"] in ("NZD", "AUD")
            and i["Contact"]["ContactID"].lower() in customers}
    assert set(by_prop(s.store("invoices"), "xero_invoice_id")) == want
    why = dict(s.inst.q("SELECT xero_id::text, excluded FROM hubspot_ref WHERE link_id = %s"
                        " AND object = 'invoice' AND excluded IS NOT NULL", (s.link,)))
    old = next(i for i in sent if i["DateString"][:10] < "2025-08-13")
    assert "before filters.invoice_from 2025-08-13" in why[old["InvoiceID"].lower()]
    usd = next(i for i in sent if i["CurrencyCode"] == "USD" and i["DateString"][:10] >= "2025-08-13"
               and i["Contact"]["ContactID"].lower() in customers)
    assert why[usd["InvoiceID"].lower()].startswith("currency USD")
    other = next(k for k in contacts if k not in customers)
    assert s.inst.one("SELECT excluded FROM hubspot_ref WHERE link_id = %s AND object = 'company'"
                      " AND xero_id = %s", (s.link, other)) == \
        "not a customer in Xero (filters.customers_only)"
    # Lifting a filter sends what it held back.
    s.cli_ok("link", "set", str(s.link), "currencies=")
    s.sync()
    assert usd["InvoiceID"].lower() in by_prop(s.store("invoices"), "xero_invoice_id")


def test_an_archived_xero_contact_is_marked_never_deleted(s):
    s.sync()
    c = next(c for c in s.xero_objects("Contacts") if c.get("ContactStatus") == "ACTIVE")
    cid = c["ContactID"].lower()
    hid = company_of(s, cid)
    edit(s, "Contacts", {"ContactID": c["ContactID"], "ContactStatus": "ARCHIVED"})
    before = s.hubspot_writes()
    s.sync()
    new = new_writes(s, before)
    assert not [e for e in new if e["path"].endswith("/batch/archive")]
    assert company_of(s, cid)["xero_status"] == "ARCHIVED"
    assert company_of(s, cid)["name"] == hid["name"]


def test_a_renamed_company_is_written_alone_not_its_unchanged_contact(s):
    """The contact's Xero record changed (the name is the contact's too), but
    what its HubSpot contact shows did not: no contact write, and the push's
    summary counts it unchanged."""
    s.sync()
    people = by_prop(s.store("contacts"), "xero_contact_id")
    c = next(c for c in s.xero_objects("Contacts") if c["ContactID"].lower() in people)
    edit(s, "Contacts", [{"ContactID": c["ContactID"], "Name": "Renamed Holdings Ltd"}])
    before = s.hubspot_writes()
    s.sync()
    new = new_writes(s, before)
    paths = [e["path"] for e in new]
    assert "/crm/v3/objects/companies/batch/upsert" in paths, paths
    assert not [p for p in paths if "/contacts/" in p], paths
    company = by_prop(s.store("companies"), "xero_contact_id")[c["ContactID"].lower()]
    assert company["properties"]["name"] == "Renamed Holdings Ltd"
    detail = s.inst.one("SELECT detail FROM audit_event WHERE link_id = %s AND object = 'contact'"
                        " AND action = 'push' ORDER BY id DESC LIMIT 1", (s.link,))
    assert detail["unchanged"] == 1 and detail["written"] == 0, detail
    # a forced push (replay of the record) writes it whatever it renders to
    s.cli_ok("replay", str(s.link), "--object", "contact", "--xero-id", c["ContactID"])
    before = s.hubspot_writes()
    s.sync()
    assert [e for e in new_writes(s, before) if "/contacts/batch/upsert" in e["path"]]
