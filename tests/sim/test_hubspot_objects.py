"""HubSpot simulator: CRM object create/get/update/archive/list and property
value rules (strings; unknown and read-only properties give 400)."""

import json

import pytest

C = "/crm/v3/objects/companies"
TYPES = ["companies", "contacts", "deals", "products", "line_items", "invoices", "notes", "commerce_payments"]
MINIMAL = {"invoices": {"hs_currency": "USD"}, "notes": {"hs_timestamp": "2026-03-02T10:00:00Z"},
           "commerce_payments": {"hs_initial_amount": "10", "hs_initiated_date": "2026-03-02T10:00:00Z"}}


def _unique_prop(hs, otype="companies", name="xero_contact_id"):
    group = {"companies": "companyinformation", "contacts": "contactinformation"}[otype]
    resp = hs.api("POST", "/crm/v3/properties/" + otype, {"name": name, "label": name, "type": "string",
                                                           "fieldType": "text", "groupName": group,
                                                           "hasUniqueValue": True})
    assert resp.status == 201


def _create(hs, props, otype="companies"):
    resp = hs.api("POST", "/crm/v3/objects/" + otype, {"properties": props})
    assert resp.status == 201, resp.body
    return resp.json()


@pytest.mark.parametrize("otype", TYPES)
def test_every_object_type_round_trips(hubspot, otype):
    rec = _create(hubspot, MINIMAL.get(otype, {}), otype)
    assert rec["id"].isdigit() and rec["archived"] is False
    assert rec["properties"]["hs_object_id"] == rec["id"]
    assert rec["createdAt"].endswith("Z") and len(rec["createdAt"]) == 24
    got = hubspot.api("GET", "/crm/v3/objects/%s/%s" % (otype, rec["id"]))
    assert got.status == 200 and got.json()["id"] == rec["id"]


def test_type_ids_are_accepted_and_unknown_types_rejected(hubspot):
    rec = _create(hubspot, {"hs_currency": "EUR"}, "0-53")
    assert hubspot.api("GET", "/crm/v3/objects/invoices/" + rec["id"]).status == 200
    resp = hubspot.api("GET", "/crm/v3/objects/companys")
    assert resp.status == 400 and "Unable to infer object type" in resp.json()["message"]


def test_values_are_stored_and_returned_as_strings(hubspot):
    rec = _create(hubspot, {"name": "Acme", "numberofemployees": 12, "annualrevenue": 1.5})
    props = hubspot.api("GET", "%s/%s?properties=name,numberofemployees,annualrevenue,phone" % (C, rec["id"])).json()
    assert props["properties"]["numberofemployees"] == "12"
    assert props["properties"]["annualrevenue"] == "1.5"
    assert props["properties"]["phone"] is None  # requested but unset


def test_unknown_property_gives_validation_error_body(hubspot):
    resp = hubspot.api("POST", C, {"properties": {"name": "x", "testproperty": "1"}})
    assert resp.status == 400
    body = resp.json()
    assert body["category"] == "VALIDATION_ERROR" and body["status"] == "error"
    prefix = "Property values were not valid: "
    assert body["message"].startswith(prefix)
    assert json.loads(body["message"][len(prefix):]) == [{
        "isValid": False, "message": 'Property "testproperty" does not exist', "error": "PROPERTY_DOESNT_EXIST",
        "name": "testproperty", "localizedErrorMessage": 'Property "testproperty" does not exist',
        "portalId": hubspot.portal_id}]
    assert body["errors"] == [{"message": 'Property "testproperty" does not exist', "code": "PROPERTY_DOESNT_EXIST",
                               "context": {"propertyName": ["testproperty"]}}]


def test_read_only_property_is_rejected(hubspot):
    rec = _create(hubspot, {"name": "x"})
    resp = hubspot.api("PATCH", "%s/%s" % (C, rec["id"]), {"properties": {"hs_lastmodifieddate": "2020-01-01"}})
    assert resp.status == 400 and resp.json()["errors"][0]["code"] == "READ_ONLY_VALUE"
    resp = hubspot.api("POST", "/crm/v3/objects/line_items", {"properties": {"amount": "5"}})
    assert resp.status == 400 and resp.json()["errors"][0]["code"] == "READ_ONLY_VALUE"


def test_malformed_values_are_rejected(hubspot):
    resp = hubspot.api("POST", C, {"properties": {"numberofemployees": "lots", "lifecyclestage": "boss"}})
    codes = sorted(e["code"] for e in resp.json()["errors"])
    assert resp.status == 400 and codes == ["INVALID_INTEGER", "INVALID_OPTION"]
    assert hubspot.api("POST", C, {"properties": {"name": {"a": 1}}}).status == 400
    assert hubspot.api("POST", C, b"{not json").status == 400


def test_update_and_clear_with_empty_string(hubspot):
    rec = _create(hubspot, {"name": "Acme", "city": "Auckland"})
    resp = hubspot.api("PATCH", "%s/%s" % (C, rec["id"]), {"properties": {"city": "", "name": "Acme Ltd"}})
    assert resp.status == 200
    got = hubspot.api("GET", "%s/%s?properties=city,name" % (C, rec["id"])).json()["properties"]
    assert got["city"] is None and got["name"] == "Acme Ltd"


def test_get_and_update_by_unique_id_property(hubspot):
    _unique_prop(hubspot)
    rec = _create(hubspot, {"name": "A", "xero_contact_id": "x-1"})
    got = hubspot.api("GET", C + "/x-1?idProperty=xero_contact_id")
    assert got.status == 200 and got.json()["id"] == rec["id"]
    assert hubspot.api("PATCH", C + "/x-1?idProperty=xero_contact_id", {"properties": {"name": "B"}}).status == 200
    assert hubspot.api("GET", C + "/x-2?idProperty=xero_contact_id").status == 404
    bad = hubspot.api("GET", C + "/A?idProperty=name")
    assert bad.status == 400 and "non-unique 0-2 property name" in bad.json()["message"]


def test_unique_value_conflict_is_409(hubspot):
    _unique_prop(hubspot)
    _create(hubspot, {"xero_contact_id": "dup"})
    resp = hubspot.api("POST", C, {"properties": {"xero_contact_id": "dup"}})
    assert resp.status == 409 and resp.json()["category"] == "CONFLICT"


def test_duplicate_contact_email_is_409_with_existing_id(hubspot):
    rec = _create(hubspot, {"email": "ada@example.com"}, "contacts")
    resp = hubspot.api("POST", "/crm/v3/objects/contacts", {"properties": {"email": "ADA@example.com"}})
    assert resp.status == 409
    assert resp.json()["message"] == "Contact already exists. Existing ID: %s" % rec["id"]


def test_archive_then_404_and_archived_read(hubspot):
    rec = _create(hubspot, {"name": "gone"})
    assert hubspot.api("DELETE", "%s/%s" % (C, rec["id"])).status == 204
    resp = hubspot.api("GET", "%s/%s" % (C, rec["id"]))
    assert resp.status == 404 and resp.json()["category"] == "OBJECT_NOT_FOUND"
    arch = hubspot.api("GET", "%s/%s?archived=true" % (C, rec["id"])).json()
    assert arch["archived"] is True and "archivedAt" in arch
    assert hubspot.api("DELETE", "%s/%s" % (C, rec["id"])).status == 204


def test_list_pages_with_after(hubspot):
    ids = [_create(hubspot, {"name": "c%d" % i})["id"] for i in range(7)]
    seen, after, pages = [], None, 0
    while True:
        resp = hubspot.api("GET", C + "?limit=3" + ("&after=" + after if after else "")).json()
        seen += [r["id"] for r in resp["results"]]
        pages += 1
        if "paging" not in resp:
            break
        after = resp["paging"]["next"]["after"]
        assert resp["paging"]["next"]["link"].endswith("after=" + after)
    assert seen == ids and pages == 3
    assert hubspot.api("GET", C + "?limit=101").status == 400


def test_list_archived_only_lists_archived(hubspot):
    keep, gone = _create(hubspot, {"name": "k"}), _create(hubspot, {"name": "g"})
    hubspot.api("DELETE", "%s/%s" % (C, gone["id"]))
    live = [r["id"] for r in hubspot.api("GET", C).json()["results"]]
    archived = [r["id"] for r in hubspot.api("GET", C + "?archived=true").json()["results"]]
    assert live == [keep["id"]] and archived == [gone["id"]]


def test_properties_with_history(hubspot):
    rec = _create(hubspot, {"name": "one"})
    hubspot.api("PATCH", "%s/%s" % (C, rec["id"]), {"properties": {"name": "two"}})
    got = hubspot.api("GET", "%s/%s?propertiesWithHistory=name" % (C, rec["id"])).json()
    assert [h["value"] for h in got["propertiesWithHistory"]["name"]] == ["two", "one"]
    assert got["propertiesWithHistory"]["name"][0]["sourceType"] == "API"


def test_get_with_associations(hubspot):
    comp = _create(hubspot, {"name": "Acme"})
    cont = hubspot.api("POST", "/crm/v3/objects/contacts", {"properties": {"email": "a@acme.example"}, "associations": [
        {"to": {"id": comp["id"]}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}]}]})
    assert cont.status == 201
    got = hubspot.api("GET", "%s/%s?associations=contacts" % (C, comp["id"])).json()
    assert got["associations"]["contacts"]["results"] == [{"id": cont.json()["id"], "type": "company_to_contact"}]


def test_dated_api_paths(hubspot):
    made = hubspot.api("POST", "/crm/objects/2026-03/companies", {"properties": {"name": "Dated"}})
    assert made.status == 201
    rid = made.json()["id"]
    assert hubspot.api("GET", "/crm/v3/objects/companies/" + rid).status == 200
    assert hubspot.api("GET", "/crm/properties/2026-03/companies/name").status == 200
    cont = _create(hubspot, {"email": "dated@x.example"}, "contacts")["id"]
    resp = hubspot.api("POST", "/crm/associations/2026-03/companies/contacts/batch/associate/default",
                       {"inputs": [{"from": {"id": rid}, "to": {"id": cont}}]})
    assert resp.status == 200
