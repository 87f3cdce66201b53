"""`xhsync link set`: every setting of a link is checked by the one rule
table (src/sync/link_settings.c) the console uses too, stored where its
readers look for it, audited, and refused in plain words when wrong, with
nothing changed."""
import json

import pytest

from conftest import cli


@pytest.fixture
def link(db):
    with db.cursor() as c:
        c.execute("INSERT INTO link (name, status) VALUES ('settings test', 'active') RETURNING id")
        lid = c.fetchone()[0]
    yield lid
    with db.cursor() as c:
        c.execute("DELETE FROM audit_event WHERE link_id = %s", (lid,))
        c.execute("DELETE FROM link WHERE id = %s", (lid,))


def row(db, lid):
    with db.cursor() as c:
        c.execute("SELECT name, status, xero_tenant_id::text, settings FROM link WHERE id = %s",
                  (lid,))
        return c.fetchone()


def set_ok(lid, kv):
    r = cli("link", "set", str(lid), kv)
    assert r.returncode == 0, r.stderr
    return r


@pytest.mark.parametrize("kv, path, want", [
    ("objects.payment=off", ("objects", "payment"), False),
    ("objects.item=on", ("objects", "item"), True),
    ("poll_interval_s=3600", ("poll_interval_s",), 3600),
    ("match_key=name", ("match_key",), "name"),
    ("conflict_policy=keep_hubspot_edits", ("conflict_policy",), "keep_hubspot_edits"),
    ("currencies=nzd, aud", ("currencies",), "NZD,AUD"),
    ("currencies=", ("currencies",), ""),
    ("filters.invoice_from=2024-02-29", ("filters", "invoice_from"), "2024-02-29"),
    ("filters.customers_only=yes", ("filters", "customers_only"), True),
    ("contact_persons=true", ("contact_persons",), True),
    ("paid_mode=payment", ("paid_mode",), "payment"),
])
def test_a_valid_setting_is_stored_where_its_readers_look(db, link, kv, path, want):
    set_ok(link, kv)
    got = row(db, link)[3]
    for p in path:
        got = got[p]
    assert got == want


def test_nested_settings_keep_their_siblings(db, link):
    set_ok(link, "filters.invoice_from=2025-01-01")
    set_ok(link, "filters.customers_only=on")
    set_ok(link, "objects.payment=off")
    set_ok(link, "objects.item=off")
    s = row(db, link)[3]
    assert s["filters"] == {"invoice_from": "2025-01-01", "customers_only": True}
    assert s["objects"] == {"payment": False, "item": False}


def test_an_empty_poll_interval_goes_back_to_the_server_default(db, link):
    set_ok(link, "poll_interval_s=600")
    set_ok(link, "poll_interval_s=")
    with db.cursor() as c:
        c.execute("SELECT settings->>'poll_interval_s' FROM link WHERE id = %s", (link,))
        assert c.fetchone()[0] is None


def test_column_settings(db, link):
    set_ok(link, "name=Acme <NZ> 'Ltd'")
    set_ok(link, "status=paused")
    set_ok(link, "xero_tenant_id=9C4D1A36-0000-4000-8000-00000000ABCD")
    name, status, tenant, _ = row(db, link)
    assert (name, status, tenant) == ("Acme <NZ> 'Ltd'", "paused",
                                      "9c4d1a36-0000-4000-8000-00000000abcd")


@pytest.mark.parametrize("kv, words", [
    ("poll_interval_s=10", "poll_interval_s is a whole number from 300 to 86400"),
    ("poll_interval_s=1e3", "poll_interval_s is a whole number"),
    ("match_key=email", "match_key is one of domain|name|contact_number|none"),
    ("currencies=NZD,EURO", "currencies is empty or a comma list"),
    ("currencies=NZD,,AUD", "currencies is empty or a comma list"),
    ("filters.invoice_from=2023-02-29", "filters.invoice_from is empty or a date"),
    ("filters.invoice_from=2023-13-01", "filters.invoice_from is empty or a date"),
    ("objects.payment=maybe", "objects.payment is on or off"),
    ("status=setup", "status is active or paused"),
    ("name=", "name has 1 to 200 characters"),
    ("xero_tenant_id=x'; DROP TABLE link; --", "xero_tenant_id is a Xero tenant id"),
    ("objects.bill=on", "objects.bill: unknown setting"),
    ("nonsense=1", "nonsense: unknown setting"),
])
def test_a_bad_setting_is_refused_in_plain_words_and_nothing_changes(db, link, kv, words):
    before = row(db, link)
    r = cli("link", "set", str(link), kv)
    assert r.returncode == 1
    assert words in r.stderr
    assert row(db, link) == before


def test_every_change_is_audited_as_the_cli(db, link):
    set_ok(link, "match_key=contact_number")
    with db.cursor() as c:
        c.execute("SELECT actor, outcome, detail FROM audit_event WHERE link_id = %s"
                  " AND action = 'link.set'", (link,))
        rows = c.fetchall()
    assert rows == [("cli", "ok", {"match_key": "contact_number"})]


def test_an_unknown_link_is_named(db):
    r = cli("link", "set", "987654321", "match_key=name")
    assert r.returncode == 1 and "there is no link 987654321" in r.stderr


def test_show_prints_the_settings(link):
    set_ok(link, "currencies=USD")
    r = cli("link", "show", str(link))
    assert r.returncode == 0
    assert json.loads(r.stdout.split("settings: ", 1)[1].splitlines()[0])["currencies"] == "USD"
