"""HubSpot simulator: associations v4 (batch create/read, default associate,
archive; type ids checked per object pair)."""

import json
import os
from conftest import REFERENCE  # noqa: E402

V4 = "/crm/v4/associations/"
REF = os.path.join(REFERENCE, "hubspot",
                   "association_type_ids.json")
LOCAL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hubspot", "data", "association_type_ids.json")


def _new(hs, otype, props):
    resp = hs.api("POST", "/crm/v3/objects/" + otype, {"properties": props})
    assert resp.status == 201, resp.body
    return resp.json()["id"]


def _spec(tid):
    return [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": tid}]


def test_type_table_is_the_reference_copy():
    with open(LOCAL, encoding="utf-8") as mine:
        local = json.load(mine)
    if os.path.exists(REF):
        with open(REF, encoding="utf-8") as ref:
            assert json.load(ref) == local
    assert local["association_type_ids"]["INVOICE_TO_LINE_ITEM"] == 409


def test_batch_create_checks_type_per_pair(hubspot):
    inv = _new(hubspot, "invoices", {"hs_currency": "USD"})
    lines = [_new(hubspot, "line_items", {"name": "l%d" % i, "price": "1", "quantity": "1"}) for i in range(2)]
    resp = hubspot.api("POST", V4 + "invoices/line_items/batch/create", {"inputs": [
        {"from": {"id": inv}, "to": {"id": lines[0]}, "types": _spec(409)},
        {"from": {"id": inv}, "to": {"id": lines[1]}, "types": _spec(410)}]})
    assert resp.status == 207
    body = resp.json()
    assert body["results"] == [{"fromObjectTypeId": "0-53", "fromObjectId": inv, "toObjectTypeId": "0-8",
                                "toObjectId": lines[0], "labels": []}]
    assert body["numErrors"] == 1 and body["errors"][0]["category"] == "VALIDATION_ERROR"
    assert "410" in body["errors"][0]["message"]
    ok = hubspot.api("POST", V4 + "invoices/line_items/batch/create", {"inputs": [
        {"from": {"id": inv}, "to": {"id": lines[1]}, "types": _spec(409)}]})
    assert ok.status == 201 and "errors" not in ok.json()


def test_batch_create_status_can_be_200_as_observed(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"assoc_create_status": 200})
    a, b = _new(hubspot, "contacts", {"email": "a@x.example"}), _new(hubspot, "companies", {"name": "X"})
    resp = hubspot.api("POST", V4 + "contacts/companies/batch/create", {"inputs": [
        {"from": {"id": a}, "to": {"id": b}, "types": _spec(1)}]})
    assert resp.status == 200 and resp.json()["results"][0]["labels"] == ["Primary"]


def test_associations_are_stored_with_their_inverse(hubspot):
    comp, cont = _new(hubspot, "companies", {"name": "A"}), _new(hubspot, "contacts", {"email": "a@a.example"})
    hubspot.api("POST", V4 + "contacts/companies/batch/create", {"inputs": [
        {"from": {"id": cont}, "to": {"id": comp}, "types": _spec(279)}]})
    back = hubspot.api("GET", "/crm/v4/objects/companies/%s/associations/contacts" % comp).json()
    assert back == {"results": [{"toObjectId": cont, "associationTypes": [{"category": "HUBSPOT_DEFINED",
                                                                           "typeId": 280}]}]}


def test_default_associate_returns_both_directions(hubspot):
    inv, comp = _new(hubspot, "invoices", {"hs_currency": "USD"}), _new(hubspot, "companies", {"name": "A"})
    resp = hubspot.api("POST", V4 + "invoices/companies/batch/associate/default", {"inputs": [
        {"from": {"id": inv}, "to": {"id": comp}}]})
    assert resp.status == 200
    specs = sorted(r["associationSpec"]["associationTypeId"] for r in resp.json()["results"])
    assert specs == [179, 180]
    single = hubspot.api("PUT", "/crm/v4/objects/invoices/%s/associations/default/companies/%s" % (inv, comp))
    assert single.status == 200 and single.json()["status"] == "COMPLETE"


def test_missing_record_is_a_per_input_error(hubspot):
    comp = _new(hubspot, "companies", {"name": "A"})
    resp = hubspot.api("POST", V4 + "companies/contacts/batch/associate/default", {"inputs": [
        {"from": {"id": comp}, "to": {"id": "9999999"}}]})
    assert resp.status == 207 and resp.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"


def test_batch_read_and_no_associations_error(hubspot):
    comp = _new(hubspot, "companies", {"name": "A"})
    lonely = _new(hubspot, "companies", {"name": "B"})
    cont = _new(hubspot, "contacts", {"email": "c@a.example"})
    hubspot.api("PUT", "/crm/v4/objects/companies/%s/associations/default/contacts/%s" % (comp, cont))
    resp = hubspot.api("POST", V4 + "companies/contacts/batch/read", {"inputs": [{"id": comp}, {"id": lonely}]})
    assert resp.status == 207
    body = resp.json()
    assert body["results"][0]["from"] == {"id": comp}
    assert body["results"][0]["to"][0]["toObjectId"] == cont
    err = body["errors"][0]
    assert err["category"] == "OBJECT_NOT_FOUND" and err["context"] == {"fromObjectId": [lonely]}
    assert err["message"] == "No contact is associated with company %s." % lonely


def test_labelled_put_list_and_delete(hubspot):
    inv, cont = _new(hubspot, "invoices", {"hs_currency": "USD"}), _new(hubspot, "contacts", {"email": "d@x.example"})
    path = "/crm/v4/objects/invoices/%s/associations/contacts/%s" % (inv, cont)
    resp = hubspot.api("PUT", path, _spec(177))
    assert resp.status == 201 and resp.json()["toObjectTypeId"] == "0-1"
    assert hubspot.api("PUT", path, "just a string").status == 400
    missing = hubspot.api("PUT", path, [{"associationTypeId": 177}])
    assert missing.status == 400 and "Some required fields were not set" in missing.json()["message"]
    assert hubspot.api("PUT", path, _spec(178)).status == 400  # contact->invoice id used from the invoice side
    listed = hubspot.api("GET", "/crm/v4/objects/invoices/%s/associations/contacts" % inv).json()
    assert listed["results"][0]["toObjectId"] == cont
    assert hubspot.api("DELETE", path).status == 204
    assert hubspot.api("GET", "/crm/v4/objects/invoices/%s/associations/contacts" % inv).json()["results"] == []


def test_batch_archive_and_labels_archive(hubspot):
    comp = _new(hubspot, "companies", {"name": "A"})
    cont = _new(hubspot, "contacts", {"email": "e@x.example"})
    hubspot.api("POST", V4 + "contacts/companies/batch/create", {"inputs": [
        {"from": {"id": cont}, "to": {"id": comp}, "types": _spec(1) + _spec(279)}]})
    assert hubspot.api("POST", V4 + "contacts/companies/batch/labels/archive", {"inputs": [
        {"from": {"id": cont}, "to": {"id": comp}, "types": _spec(1)}]}).status == 204
    left = hubspot.ctl("GET", "/_sim/objects/contacts/" + cont)["associations"]
    assert left == [{"toObjectType": "companies", "toObjectId": comp, "typeIds": [279]}]
    assert hubspot.api("POST", V4 + "contacts/companies/batch/archive", {"inputs": [
        {"from": {"id": cont}, "to": [{"id": comp}]}]}).status == 204
    assert hubspot.ctl("GET", "/_sim/objects/companies/" + comp)["associations"] == []


def test_batch_limits(hubspot):
    inputs = [{"from": {"id": "1"}, "to": [{"id": "2"}]}] * 101
    assert hubspot.api("POST", V4 + "contacts/companies/batch/archive", {"inputs": inputs}).status == 400
    reads = [{"id": str(i)} for i in range(1001)]
    assert hubspot.api("POST", V4 + "contacts/companies/batch/read", {"inputs": reads}).status == 400


def test_associations_need_scopes_for_both_objects(hubspot):
    tok = hubspot.ctl("POST", "/_sim/tokens", {"scopes": ["crm.objects.contacts.read",
                                                          "crm.objects.contacts.write"]})["token"]
    resp = hubspot.api("POST", V4 + "contacts/companies/batch/read", {"inputs": [{"id": "1"}]}, token=tok)
    assert resp.status == 403 and resp.json()["category"] == "MISSING_SCOPES"
