"""The push from the mirror to HubSpot (src/sync/), end to end through the
real worker: `xhsync sync` pulls a seeded Xero organisation and the pushes
it triggers fill a HubSpot portal. The HubSpot simulator's store is
compared with what a checker computes from the Xero data alone, and its
request log counts the write calls."""
from sync_support import s  # noqa: F401  (the fixture)
from sync_support import assoc_ids, by_prop, Checker


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


def invoice_by_xero_id(s, iid):
    return by_prop(s.store("invoices"), "xero_invoice_id")[iid]


def sent_invoices(s):
    return [i for i in s.xero_objects("Invoices") if i["Type"] == "ACCREC"
            and i["Status"] in ("AUTHORISED", "PAID")]


def test_only_the_changed_records_are_written_again(s):
    s.sync()
    inv = sent_invoices(s)[:20]
    s.xero.post("/_sim/objects/%s/Invoices" % s.tenant,
                [{"InvoiceID": i["InvoiceID"], "Reference": "changed %d" % n}
                 for n, i in enumerate(inv)])
    before = s.hubspot_writes()
    s.sync()
    new = s.hubspot_writes()[len(before):]
    upserts = [e for e in new if e["path"] == "/crm/v3/objects/invoices/batch/upsert"]
    assert len(upserts) == 1 and upserts[0]["body"].count("objectWriteTraceId") == 20
    assert not [e for e in new if e["path"].startswith(("/crm/v3/objects/companies/",
                                                         "/crm/v3/objects/contacts/"))]
    for n, i in enumerate(inv):
        rec = invoice_by_xero_id(s, i["InvoiceID"].lower())
        assert rec["properties"]["xero_reference"] == "changed %d" % n


def test_a_custom_mapping_changes_the_written_property(s):
    s.sync()
    out = s.cli_ok("mapping", "set", str(s.link), "company", "description",
                   "Addresses[AddressType=STREET].City", "lower")
    assert "marked for re-push" in out.stdout
    s.sync()
    streets = {c["ContactID"].lower(): next((a.get("City") or "" for a in c.get("Addresses", [])
                                             if a.get("AddressType") == "STREET"), "")
               for c in s.xero_objects("Contacts")}
    got = {r["properties"]["xero_contact_id"]: r["properties"].get("description", "")
           for r in s.store("companies")}
    assert got == {k: v.lower() for k, v in streets.items()}


def test_a_refused_record_is_listed_failed_and_replay_writes_it_once_fixed(s):
    s.sync()
    target = sent_invoices(s)[0]
    iid = target["InvoiceID"].lower()
    tok = s.inst.one("SELECT hubspot_portal_id FROM link WHERE id = %s", (s.link,))
    assert tok
    hs_token = [e for e in s.hs.requests() if "Authorization" in e["headers"]][-1]
    auth = hs_token["headers"]["Authorization"]
    req = __import__("urllib.request").request.Request(
        s.hs.url + "/crm/v3/properties/invoices/xero_reference", method="DELETE",
        headers={"Authorization": auth})
    __import__("urllib.request").request.urlopen(req, timeout=10).read()
    s.xero.post("/_sim/objects/%s/Invoices" % s.tenant,
                {"InvoiceID": target["InvoiceID"], "Reference": "after the property went"})
    s.sync()
    row = s.inst.q("SELECT last_error, failed_hash IS NOT NULL FROM hubspot_ref"
                   " WHERE link_id = %s AND object = 'invoice' AND xero_id = %s", (s.link, iid))
    assert row and row[0][0] and "xero_reference" in row[0][0] and row[0][1], row
    show = s.cli_ok("link", "show", str(s.link)).stdout
    assert [ln.split()[4] for ln in show.splitlines() if ln.startswith("invoice")] == ["1"]
    before = len(s.hubspot_writes())
    s.sync()  # the failed record is not sent again while unchanged
    assert len(s.hubspot_writes()) == before
    # An admin creates the property again in HubSpot.
    s.hs.post("/_sim/seed", {"properties": {"invoices": [{
        "name": "xero_reference", "label": "Xero reference", "type": "string",
        "fieldType": "text", "groupName": "xero"}]}})
    out = s.cli_ok("replay", str(s.link), "--failed")
    assert "1 record(s) to push again" in out.stdout
    ws = [s.inst.worker(s.config)]
    s.settle()
    ws[0].stop()
    rec = invoice_by_xero_id(s, iid)
    assert rec["properties"]["xero_reference"] == "after the property went"
    assert s.inst.one("SELECT last_error FROM hubspot_ref WHERE link_id = %s AND"
                      " object = 'invoice' AND xero_id = %s", (s.link, iid)) is None
    outcomes = [r[0] for r in s.inst.q("SELECT outcome FROM audit_event WHERE xero_id = %s"
                                        " AND action = 'hubspot.write' ORDER BY id", (iid,))]
    assert outcomes[-2:] == ["error", "ok"]
