"""Contact persons (link setting contact_persons) and the invoice-statuses
filter (filters.invoice_statuses) through the real worker and both
simulators: what HubSpot holds is computed here from the Xero simulator's
own data, independently of the engine's SQL (src/sync/push_sql.c, 0019)."""
import json

from sync_support import EMAIL, s  # noqa: F401  (the fixture)
from sync_support import assoc_ids, by_prop


def edit(s, kind, changes):
    s.xero.post("/_sim/objects/%s/%s" % (s.tenant, kind), changes)


def new_writes(s, before):
    return s.hubspot_writes()[len(before):]


def norm(e):
    return (e or "").strip().lower()


def want_people(s, persons):
    """{email: (ContactID, FirstName, LastName)} HubSpot must hold: every primary
    person with a usable email first, then (with persons) each contact person
    included in emails; the lowest ContactID owns an email shared at one level."""
    contacts = {c["ContactID"].lower(): c for c in s.xero_objects("Contacts")}
    out = {}
    for cid in sorted(contacts):
        c = contacts[cid]
        if EMAIL.match(norm(c.get("EmailAddress"))):
            out.setdefault(norm(c["EmailAddress"]), (cid, None, None))
    for cid in sorted(contacts) if persons else ():
        for p in contacts[cid].get("ContactPersons") or []:
            if p.get("IncludeInEmails") is True and EMAIL.match(norm(p.get("EmailAddress"))):
                out.setdefault(norm(p["EmailAddress"]), (cid, p.get("FirstName"),
                                                         p.get("LastName")))
    return out


def held_people(s):
    return {norm(r["properties"].get("email")): r for r in s.store("contacts")}


def check_people(s, persons, left=()):
    """Checks HubSpot's contacts: those wanted, and those left there (emails)."""
    want, held = want_people(s, persons), held_people(s)
    assert set(held) == set(want) | set(left)
    companies = by_prop(s.store("companies"), "xero_contact_id")
    for email, (cid, first, last) in want.items():
        rec = held[email]
        assert rec["properties"]["xero_contact_id"] == cid, email
        if first is not None:
            assert (rec["properties"].get("firstname"), rec["properties"].get("lastname")) == \
                (first, last), email
        assert assoc_ids(rec, "companies") == {str(companies[cid]["id"])}, email
    return want


def contact_emails(writes):
    """The emails of the contacts written by these HubSpot calls."""
    out = set()
    for e in writes:
        if e["path"].startswith("/crm/v3/objects/contacts/batch/"):
            for i in json.loads(e["body"]).get("inputs") or []:
                out.add(norm((i.get("properties") or {}).get("email") or i.get("id")))
    return out


def persons_of(s):
    """The contacts that have a person included in emails whose email no one else uses."""
    return [c for c in s.xero_objects("Contacts")
            if any(p.get("IncludeInEmails") for p in c.get("ContactPersons") or [])]


def person_refs(s):
    return dict(s.inst.q("SELECT xero_id::text, excluded FROM hubspot_ref WHERE link_id = %s"
                         " AND object = 'contact' AND substr(xero_id::text, 15, 1) = '8'",
                         (s.link,)))


def test_contact_persons_are_sent_only_when_the_link_asks_and_a_rerun_writes_nothing(s):
    s.sync()
    primaries = check_people(s, persons=False)
    assert person_refs(s) == {}
    s.cli_ok("link", "set", str(s.link), "contact_persons=on")
    before = s.hubspot_writes()
    s.sync()
    want = check_people(s, persons=True)
    assert len(want) > len(primaries) + 5
    new = new_writes(s, before)
    # the primary persons were not written again: only the persons are
    written = contact_emails(new)
    assert written == set(want) - set(primaries)
    refs = person_refs(s)
    assert len([v for v in refs.values() if v is None]) == len(want) - len(primaries)
    before = s.hubspot_writes()
    s.sync()
    assert new_writes(s, before) == []


def test_one_xero_contact_owns_each_email_and_bad_emails_are_skipped_with_a_note(s):
    contacts = sorted(s.xero_objects("Contacts"), key=lambda c: c["ContactID"].lower())
    emailed = [c for c in contacts if EMAIL.match(norm(c.get("EmailAddress")))]
    a, c, b = emailed[0], emailed[1], emailed[-1]
    shared = "shared.person@persons.test"
    edit(s, "Contacts", [
        # b's person has a's primary email: a's primary person keeps it
        {"ContactID": b["ContactID"], "ContactPersons": [
            {"FirstName": "Copy", "LastName": "Of A", "EmailAddress": a["EmailAddress"].upper(),
             "IncludeInEmails": True},
            {"FirstName": "Sam", "LastName": "Shared", "EmailAddress": shared,
             "IncludeInEmails": True},
            {"FirstName": "Not", "LastName": "Included", "EmailAddress": "not.incl@persons.test",
             "IncludeInEmails": False}]},
        # the same person in two contacts: the lower ContactID owns it
        {"ContactID": c["ContactID"], "ContactPersons": [
            {"FirstName": "Sam", "LastName": "Shared", "EmailAddress": " " + shared + " ",
             "IncludeInEmails": True},
            {"FirstName": "No", "LastName": "Email", "IncludeInEmails": True},
            {"FirstName": "Bad", "LastName": "Email", "EmailAddress": "bad at example",
             "IncludeInEmails": True}]}])
    s.cli_ok("link", "set", str(s.link), "contact_persons=on")
    s.sync()
    want = check_people(s, persons=True)
    held = held_people(s)
    low = min(b["ContactID"].lower(), c["ContactID"].lower())
    assert want[shared][0] == low
    assert held[shared]["properties"]["xero_contact_id"] == low
    assert held[norm(a["EmailAddress"])]["properties"]["xero_contact_id"] == \
        a["ContactID"].lower()
    assert "not.incl@persons.test" not in held
    notes = [v for v in person_refs(s).values() if v]
    high = max(b["ContactID"].lower(), c["ContactID"].lower())
    cc = c["ContactID"].lower()
    assert ("contact person Copy Of A of Xero contact %s has the same email address as the"
            " primary person of Xero contact %s" % (b["ContactID"].lower(),
                                                    a["ContactID"].lower())) in notes
    assert ("contact person Sam Shared of Xero contact %s has the same email address as a"
            " contact person of Xero contact %s" % (high, low)) in notes
    assert "contact person No Email of Xero contact %s has no email address" % cc in notes
    assert "contact person Bad Email of Xero contact %s has no usable email address" % cc in notes
    audited = [r[0] for r in s.inst.q(
        "SELECT detail->>'reason' FROM audit_event WHERE link_id = %s AND object = 'contact'"
        " AND action = 'push.excluded'", (s.link,))]
    assert set(notes) <= set(audited)


def test_a_person_no_longer_sent_is_left_in_hubspot_with_an_audit_note(s):
    s.cli_ok("link", "set", str(s.link), "contact_persons=on")
    s.sync()
    want = check_people(s, persons=True)
    with_persons = [c for c in persons_of(s) if any(
        p.get("IncludeInEmails") and want.get(norm(p.get("EmailAddress")), ("",))[0]
        == c["ContactID"].lower() for p in c["ContactPersons"])]
    x, y = with_persons[0], with_persons[1]
    gone = [p for p in x["ContactPersons"] if p.get("IncludeInEmails")]
    off = [dict(p, IncludeInEmails=False) for p in y["ContactPersons"]]
    edit(s, "Contacts", [{"ContactID": x["ContactID"], "ContactPersons": []},
                         {"ContactID": y["ContactID"], "ContactPersons": off}])
    held_before = held_people(s)
    before = s.hubspot_writes()
    s.sync()
    new = new_writes(s, before)
    assert not [e for e in new if "/contacts/" in e["path"] and "archive" in e["path"]]
    # the HubSpot contacts stay as they were, and the refs say why they are not sent
    held = held_people(s)
    assert set(held) == set(held_before)
    refs = person_refs(s)
    left = [v for v in refs.values() if v and v.startswith("no longer a contact person")]
    mine = {norm(p["EmailAddress"]) for p in gone + off
            if want.get(norm(p.get("EmailAddress")), ("",))[0] in (x["ContactID"].lower(),
                                                                    y["ContactID"].lower())}
    assert len(left) == len(mine) > 0
    for email in mine:
        assert any("(%s) is left as it is" % email in v and
                   "HubSpot contact %s " % held[email]["id"] in v for v in left), email
    # off: every person is left, the primaries are not written again
    s.cli_ok("link", "set", str(s.link), "contact_persons=off")
    before = s.hubspot_writes()
    s.sync()
    new = new_writes(s, before)
    assert [e["path"] for e in new if "/contacts/" in e["path"]] == []
    assert set(held_people(s)) == set(held)
    off_notes = [v for v in person_refs(s).values() if v and "contact_persons is off" in v]
    assert len(off_notes) == len(want) - len(want_people(s, persons=False)) - len(mine)
    before = s.hubspot_writes()
    s.sync()
    assert new_writes(s, before) == []
    # on again: the persons are sent again, to the same HubSpot contacts
    s.cli_ok("link", "set", str(s.link), "contact_persons=on")
    s.sync()
    again = check_people(s, persons=True, left=mine)
    assert {e: r["id"] for e, r in held_people(s).items()} == {e: r["id"] for e, r in held.items()}


def test_a_person_previews_through_the_contact_mapping(s):
    s.sync()
    c = persons_of(s)[0]
    p = next(p for p in c["ContactPersons"] if p.get("EmailAddress"))
    out = s.cli_ok("mapping", "preview", str(s.link), "contact", p["EmailAddress"]).stdout
    assert norm(p["EmailAddress"]) in out and c["ContactID"].lower() in out
    assert p["FirstName"] in out and p["LastName"] in out


def sent_statuses(s):
    return {i["InvoiceID"].lower(): i["Status"] for i in s.xero_objects("Invoices")
            if i["Type"] == "ACCREC"}


def test_the_invoice_status_filter_sends_only_those_statuses_and_keeps_sent_ones_current(s):
    bad = s.inst.cli("link", "set", str(s.link), "filters.invoice_statuses=AUTHORISED,PAYED",
                     config=s.config)
    assert bad.returncode != 0 and "'PAYED'" in bad.stderr and "AUTHORISED" in bad.stderr
    s.cli_ok("link", "set", str(s.link), "filters.invoice_statuses=authorised, paid")
    assert s.inst.one("SELECT settings->'filters'->>'invoice_statuses' FROM link WHERE id = %s",
                      (s.link,)) == "AUTHORISED,PAID"
    s.sync()
    statuses = sent_statuses(s)
    held = by_prop(s.store("invoices"), "xero_invoice_id")
    assert set(held) == {k for k, v in statuses.items() if v in ("AUTHORISED", "PAID")}
    why = dict(s.inst.q("SELECT xero_id::text, excluded FROM hubspot_ref WHERE link_id = %s"
                        " AND object = 'invoice' AND excluded IS NOT NULL", (s.link,)))
    draft = next(k for k, v in statuses.items() if v == "DRAFT")
    assert why[draft] == "status DRAFT is not among filters.invoice_statuses (AUTHORISED,PAID)"
    # an invoice sent before is still kept current when its status leaves the list,
    # and one entering the list is sent
    sent = next(k for k in held if statuses[k] == "AUTHORISED"
                and held[k]["properties"]["hs_invoice_status"] == "open")
    edit(s, "Invoices", [{"InvoiceID": sent, "Status": "VOIDED"},
                         {"InvoiceID": draft, "Status": "AUTHORISED"}])
    s.sync()
    held = by_prop(s.store("invoices"), "xero_invoice_id")
    assert held[sent]["properties"]["hs_invoice_status"] == "voided"
    assert draft in held
    # empty: every status again
    s.cli_ok("link", "set", str(s.link), "filters.invoice_statuses=")
    s.sync()
    held = by_prop(s.store("invoices"), "xero_invoice_id")
    assert {k for k, v in sent_statuses(s).items() if v in ("DRAFT", "SUBMITTED")} <= set(held)
