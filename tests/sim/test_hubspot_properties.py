"""HubSpot simulator: Properties API (groups, properties, 409 on duplicates,
hasUniqueValue enforced on writes)."""

P = "/crm/v3/properties/companies"


def _prop(name, **kw):
    body = {"name": name, "label": name.title(), "type": "string", "fieldType": "text",
            "groupName": "companyinformation"}
    body.update(kw)
    return body


def test_create_read_and_list_property(hubspot):
    resp = hubspot.api("POST", P, _prop("xero_contact_id", hasUniqueValue=True))
    assert resp.status == 201
    prop = resp.json()
    assert prop["hasUniqueValue"] is True and prop["hubspotDefined"] is False
    assert prop["modificationMetadata"]["readOnlyValue"] is False
    assert hubspot.api("GET", P + "/xero_contact_id").json()["name"] == "xero_contact_id"
    names = [p["name"] for p in hubspot.api("GET", P).json()["results"]]
    assert "xero_contact_id" in names and "name" in names and "hs_object_id" in names


def test_duplicate_property_name_is_409(hubspot):
    assert hubspot.api("POST", P, _prop("xero_id")).status == 201
    dup = hubspot.api("POST", P, _prop("xero_id"))
    assert dup.status == 409 and dup.json()["status"] == "error"
    assert hubspot.api("POST", P, _prop("name")).status == 409  # built-in


def test_required_fields_and_type_pairs(hubspot):
    assert hubspot.api("POST", P, {"name": "x1", "label": "X"}).status == 400
    assert hubspot.api("POST", P, _prop("x2", type="number", fieldType="text")).status == 400
    assert hubspot.api("POST", P, _prop("x3", groupName="nosuchgroup")).status == 400
    assert hubspot.api("POST", P, _prop("hs_mine")).status == 400
    assert hubspot.api("POST", P, _prop("x4", type="enumeration", fieldType="select")).status == 400
    ok = _prop("x5", type="enumeration", fieldType="select", options=[{"label": "A", "value": "a"}])
    assert hubspot.api("POST", P, ok).status == 201


def test_enumeration_options_checked_on_write(hubspot):
    hubspot.api("POST", P, _prop("tier", type="enumeration", fieldType="select",
                                 options=[{"label": "Gold", "value": "gold"}]))
    assert hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"tier": "gold"}}).status == 201
    bad = hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"tier": "tin"}})
    assert bad.status == 400 and bad.json()["errors"][0]["code"] == "INVALID_OPTION"


def test_unique_value_enforced_on_create_update_and_upsert(hubspot):
    hubspot.api("POST", P, _prop("xero_contact_id", hasUniqueValue=True))
    first = hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"xero_contact_id": "A"}}).json()
    other = hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"xero_contact_id": "B"}}).json()
    clash = hubspot.api("PATCH", "/crm/v3/objects/companies/" + other["id"], {"properties": {"xero_contact_id": "A"}})
    assert clash.status == 409 and first["id"] in clash.json()["message"]
    same = hubspot.api("PATCH", "/crm/v3/objects/companies/" + first["id"], {"properties": {"xero_contact_id": "A"}})
    assert same.status == 200
    hubspot.api("DELETE", "/crm/v3/objects/companies/" + first["id"])
    freed = hubspot.api("PATCH", "/crm/v3/objects/companies/" + other["id"], {"properties": {"xero_contact_id": "A"}})
    assert freed.status == 200


def test_has_unique_value_cannot_change(hubspot):
    hubspot.api("POST", P, _prop("ref"))
    resp = hubspot.api("PATCH", P + "/ref", {"hasUniqueValue": True})
    assert resp.status == 400
    assert hubspot.api("PATCH", P + "/ref", {"label": "Reference"}).json()["label"] == "Reference"
    assert hubspot.api("PATCH", P + "/name", {"label": "Nom"}).status == 400  # HubSpot-defined


def test_at_most_ten_unique_properties(hubspot):
    for i in range(10):
        assert hubspot.api("POST", P, _prop("u%d" % i, hasUniqueValue=True)).status == 201
    assert hubspot.api("POST", P, _prop("u10", hasUniqueValue=True)).status == 400


def test_archive_property_then_writes_fail(hubspot):
    hubspot.api("POST", P, _prop("temp"))
    assert hubspot.api("DELETE", P + "/temp").status == 204
    assert hubspot.api("DELETE", P + "/never_existed").status == 204
    assert hubspot.api("GET", P + "/temp").status == 404
    resp = hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"temp": "x"}})
    assert resp.status == 400 and resp.json()["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    archived = [p["name"] for p in hubspot.api("GET", P + "?archived=true").json()["results"]]
    assert archived == ["temp"]


def test_groups(hubspot):
    resp = hubspot.api("POST", P + "/groups", {"name": "xero", "label": "Xero", "displayOrder": 1})
    assert resp.status == 201 and resp.json() == {"name": "xero", "label": "Xero", "displayOrder": 1,
                                                  "archived": False}
    assert hubspot.api("POST", P + "/groups", {"name": "xero", "label": "Again"}).status == 409
    assert hubspot.api("POST", P + "/groups", {"name": "nolabel"}).status == 400
    assert "xero" in [g["name"] for g in hubspot.api("GET", P + "/groups").json()["results"]]
    assert hubspot.api("PATCH", P + "/groups/xero", {"label": "Xero sync"}).json()["label"] == "Xero sync"
    assert hubspot.api("POST", P, _prop("xero_id", groupName="xero")).status == 201
    assert hubspot.api("DELETE", P + "/groups/xero").status == 204
    assert hubspot.api("GET", P + "/groups/xero").status == 404


def test_batch_create_and_read(hubspot):
    resp = hubspot.api("POST", P + "/batch/create", {"inputs": [_prop("a1"), _prop("name")]})
    assert resp.status == 207 and [p["name"] for p in resp.json()["results"]] == ["a1"]
    read = hubspot.api("POST", P + "/batch/read", {"archived": False, "inputs": [{"name": "a1"}, {"name": "zz"}]})
    assert read.status == 207 and read.json()["errors"][0]["context"] == {"names": ["zz"]}


def test_creating_properties_needs_schema_scope(hubspot):
    tok = hubspot.ctl("POST", "/_sim/tokens", {"scopes": ["crm.objects.companies.write",
                                                          "crm.objects.companies.read"]})["token"]
    assert hubspot.api("GET", P, token=tok).status == 200
    resp = hubspot.api("POST", P, _prop("xid"), token=tok)
    assert resp.status == 403 and resp.json()["category"] == "MISSING_SCOPES"
    tok2 = hubspot.ctl("POST", "/_sim/tokens", {"scopes": ["crm.schemas.companies.write"]})["token"]
    assert hubspot.api("POST", P, _prop("xid"), token=tok2).status == 201
