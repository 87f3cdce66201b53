"""The hubspot.events job (src/sync/hs_events.c), end to end through the real
worker against the HubSpot simulator: events stored as the web intake stores
them are handled once, in order, per the link's conflict policy. A person's
edit of a synced property is overwritten with Xero's value; the connector's
own writes echoed back change nothing; a deleted company is re-created (or
left deleted); a merge moves the record to the surviving HubSpot id."""
import json
import time
import uuid

import pytest

from jobs_support import wait_for
from sync_support import Sync

SIZES = dict(contacts=6, invoices=4, payments=0, credit_notes=0, items=2)


@pytest.fixture
def s(tmp_path):
    sync = Sync(tmp_path, sizes=SIZES)
    sync.sync()
    yield sync
    sync.inst.close()


def event(s, otype, action, obj, **extra):
    ev = {"eventId": int(uuid.uuid4().int % 10 ** 9), "subscriptionId": 1, "portalId": 23456789,
          "appId": 42, "occurredAt": int(time.time() * 1000), "attemptNumber": 0,
          "subscriptionType": "%s.%s" % (otype, action), "objectId": int(obj),
          "changeSource": "CRM_UI", "sourceId": "userId:7"}
    ev.update(extra)
    return ev


def store_events(s, *events):
    """As the web intake stores a verified delivery's events."""
    for ev in events:
        s.inst.q("INSERT INTO webhook_event (vendor, link_id, dedupe_key, body)"
                 " VALUES ('hubspot', %s, %s, convert_to(%s, 'UTF8')) RETURNING id",
                 (s.link, "test:%s" % uuid.uuid4(), json.dumps(ev)))


def handle(s):
    """Runs hubspot.events for the link, then every push it enqueued."""
    s.cli_ok("jobs", "enqueue", "hubspot.events", "--link", str(s.link))
    w = s.inst.worker(s.config)
    try:
        assert wait_for(lambda: s.inst.one(
            "SELECT count(*) FROM job WHERE kind = 'hubspot.events'"
            " AND state NOT IN ('completed', 'discarded')") == 0, timeout=60)
        s.settle()
    finally:
        w.stop()
    assert s.inst.one("SELECT count(*) FROM job WHERE kind = 'hubspot.events'"
                      " AND state = 'discarded'") == 0
    assert s.inst.one("SELECT count(*) FROM webhook_event WHERE processed_at IS NULL") == 0


def companies(s):
    return {r["properties"]["xero_contact_id"]: r for r in s.store("companies")}


def audit(s, action):
    return s.inst.q("SELECT hubspot_id, detail FROM audit_event WHERE link_id = %s"
                    " AND action = %s ORDER BY id", (s.link, action))


def test_a_persons_edit_of_a_synced_property_is_overwritten_with_xeros_value(s):
    xid, rec = sorted(companies(s).items())[0]
    name = rec["properties"]["name"]
    s.hs.call("PATCH", "/_sim/objects/companies/%s" % rec["id"],
              {"properties": {"name": "Renamed by a person"}})
    store_events(s, event(s, "company", "propertyChange", rec["id"], propertyName="name",
                          propertyValue="Renamed by a person"))
    before = len(s.hubspot_writes())
    handle(s)
    assert companies(s)[xid]["properties"]["name"] == name
    assert len(s.hubspot_writes()) == before + 1
    (hid, detail), = audit(s, "hubspot.edited")
    assert hid == str(rec["id"]) and detail["property"] == "name"
    assert detail["value"] == "Renamed by a person" and detail["by"] == "userId:7"


def test_the_connectors_own_echoes_and_unsynced_properties_cause_no_write(s):
    rec = sorted(companies(s).values(), key=lambda r: r["id"])[0]
    before = len(s.hubspot_writes())
    store_events(s,
                 event(s, "company", "propertyChange", rec["id"], propertyName="name",
                       propertyValue=rec["properties"]["name"], changeSource="INTEGRATION",
                       sourceId="42"),
                 event(s, "company", "propertyChange", rec["id"], propertyName="hs_lead_status",
                       propertyValue="NEW"),
                 event(s, "company", "propertyChange", 99999999, propertyName="name",
                       propertyValue="not ours"),
                 event(s, "deal", "propertyChange", 5, propertyName="dealstage",
                       propertyValue="closedwon"),
                 {"not": "an event"})
    handle(s)
    assert len(s.hubspot_writes()) == before
    assert audit(s, "hubspot.edited") == []
    (_, summary), = audit(s, "hubspot.events")
    assert summary == {"events": 5, "deleted": 0, "merged": 0, "edited": 0, "own_or_app": 1,
                       "deal_stage": 1, "ignored": 3}


def test_a_company_deleted_in_hubspot_is_re_created_when_xero_wins(s):
    xid, rec = sorted(companies(s).items())[0]
    s.hs.call("DELETE", "/_sim/objects/companies/%s" % rec["id"])
    store_events(s, event(s, "company", "deletion", rec["id"], changeFlag="DELETED"))
    handle(s)
    again = companies(s)[xid]
    assert str(again["id"]) != str(rec["id"])
    assert s.inst.one("SELECT hubspot_id FROM hubspot_ref WHERE link_id = %s AND object ="
                      " 'company' AND xero_id = %s", (s.link, xid)) == str(again["id"])
    (hid, detail), = audit(s, "hubspot.deleted")
    assert hid == str(rec["id"]) and detail["then"] == "re-created on the next push"


def test_a_company_deleted_in_hubspot_stays_deleted_when_hubspot_edits_are_kept(s):
    s.cli_ok("link", "set", str(s.link), "conflict_policy=keep_hubspot_edits")
    xid, rec = sorted(companies(s).items())[0]
    s.hs.call("DELETE", "/_sim/objects/companies/%s" % rec["id"])
    store_events(s, event(s, "company", "deletion", rec["id"], changeFlag="DELETED"))
    before = len(s.hubspot_writes())
    handle(s)
    s.sync(full=True)
    assert xid not in companies(s)
    assert len(s.hubspot_writes()) == before
    assert s.inst.one("SELECT excluded FROM hubspot_ref WHERE link_id = %s AND object ="
                      " 'company' AND xero_id = %s", (s.link, xid)) == "deleted in HubSpot"


def test_a_merge_moves_the_record_to_the_surviving_id_and_never_guesses(s):
    (xa, a), (xb, b) = sorted(companies(s).items())[:2]
    store_events(s, event(s, "company", "merge", a["id"], primaryObjectId=int(a["id"]),
                          mergedObjectIds=[int(b["id"])], newObjectId=987654321))
    handle(s)
    refs = dict(s.inst.q("SELECT xero_id::text, hubspot_id FROM hubspot_ref WHERE link_id = %s"
                         " AND object = 'company' AND xero_id::text IN (%s, %s)",
                         (s.link, xa, xb)))
    assert refs == {xa: "987654321", xb: None}
    assert "merged in HubSpot into 987654321" in s.inst.one(
        "SELECT excluded FROM hubspot_ref WHERE link_id = %s AND object = 'company'"
        " AND xero_id = %s", (s.link, xb))
    assert len(audit(s, "hubspot.merged")) == 2


def test_events_are_handled_once(s):
    rec = sorted(companies(s).values(), key=lambda r: r["id"])[0]
    store_events(s, event(s, "company", "propertyChange", rec["id"], propertyName="name",
                          propertyValue="x"))
    handle(s)
    handle(s)
    assert len(audit(s, "hubspot.edited")) == 1
