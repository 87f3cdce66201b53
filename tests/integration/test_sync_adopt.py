"""Adoption on a link's first push (src/hubspot/adopt_match.c): companies
already in HubSpot are adopted by the link's match_key instead of being
duplicated; an ambiguous match is a conflict for the admin, never guessed."""
from sync_support import s  # noqa: F401  (the fixture)
from sync_support import by_prop


def seed_companies(s, props):
    out = s.hs.post("/_sim/seed", {"objects": {"companies": [{"properties": p} for p in props]}})
    return [str(i) for i in out["ids"]["companies"]]


def domain_of(c):
    return (c.get("EmailAddress") or "").split("@")[-1].lower()


def test_first_push_adopts_companies_by_domain_and_lists_ambiguous_ones(s):
    contacts = [c for c in s.xero_objects("Contacts")
                if "@" in (c.get("EmailAddress") or "") and domain_of(c) != "gmail.com"]
    adopt, ambiguous = contacts[:10], contacts[10:12]
    ids = seed_companies(s, [{"name": "Old name %d" % n, "domain": "WWW." + domain_of(c).upper()}
                             for n, c in enumerate(adopt)])
    twins = seed_companies(s, [{"name": "Twin %d%s" % (n, k), "domain": domain_of(c)}
                               for n, c in enumerate(ambiguous) for k in "ab"])
    gmail = seed_companies(s, [{"name": "Someone", "domain": "gmail.com"}])
    s.sync()
    companies = {r["id"]: r for r in s.store("companies")}
    for hid, c in zip(ids, adopt):  # adopted: the same record, now keyed and named from Xero
        assert companies[hid]["properties"]["xero_contact_id"] == c["ContactID"].lower()
        assert companies[hid]["properties"]["name"] == c["Name"]
    keyed = by_prop(companies.values(), "xero_contact_id")
    xero = {c["ContactID"].lower() for c in s.xero_objects("Contacts")}
    left = {c["ContactID"].lower() for c in ambiguous}
    assert set(keyed) - {None} == xero - left  # one company each, the ambiguous left alone
    for hid in twins + gmail:
        assert not companies[hid]["properties"].get("xero_contact_id")
    assert len(companies) == len(xero) - 2 + len(twins) + len(gmail)
    out = s.cli_ok("link", "conflicts", str(s.link)).stdout
    for n, c in enumerate(ambiguous):
        line = next(ln for ln in out.splitlines() if ln.startswith(c["ContactID"].lower()))
        assert "domain %s" % domain_of(c) in line
        assert sorted(line.split()[-1].split(",")) == sorted(twins[2 * n:2 * n + 2])
    assert "adoption conflicts: 2" in s.cli_ok("link", "show", str(s.link)).stdout
    # The admin settles them: one adopts the first twin, the other gets a new company.
    a, b = (c["ContactID"].lower() for c in ambiguous)
    s.cli_ok("link", "resolve", str(s.link), a, twins[0])
    s.cli_ok("link", "resolve", str(s.link), b, "new")
    bad = s.inst.cli("link", "resolve", str(s.link), a, twins[1], config=s.config)
    assert bad.returncode != 0 and "no open conflict" in bad.stderr
    s.sync()
    keyed = by_prop(s.store("companies"), "xero_contact_id")
    assert str(keyed[a]["id"]) == twins[0]
    assert str(keyed[b]["id"]) not in twins
    assert set(keyed) - {None} == xero
    assert "no adoption conflicts" in s.cli_ok("link", "conflicts", str(s.link)).stdout


def test_match_key_name_ignores_case_and_spaces(s):
    c = s.xero_objects("Contacts")[0]
    hid = seed_companies(s, [{"name": "  " + c["Name"].upper().replace(" ", "  ") + " "}])[0]
    s.cli_ok("link", "set", str(s.link), "match_key=name")
    s.sync()
    rec = next(r for r in s.store("companies") if r["id"] == hid)
    assert rec["properties"]["xero_contact_id"] == c["ContactID"].lower()
    assert len([r for r in s.store("companies")
                if r["properties"].get("name") == c["Name"]]) == 1
