"""HubSpot simulator: batch read/create/update/upsert/archive rules
(HUBSPOT.md 2 and 2.1)."""

B = "/crm/v3/objects/companies/batch/"


def _unique_prop(hs, name="xero_contact_id"):
    assert hs.api("POST", "/crm/v3/properties/companies", {
        "name": name, "label": name, "type": "string", "fieldType": "text", "groupName": "companyinformation",
        "hasUniqueValue": True}).status == 201


def _stored(hs, otype="companies"):
    return hs.ctl("GET", "/_sim/objects/" + otype)


def test_more_than_100_inputs_is_400(hubspot):
    inputs = [{"properties": {"name": "c%d" % i}} for i in range(101)]
    resp = hubspot.api("POST", B + "create", {"inputs": inputs})
    assert resp.status == 400 and resp.json()["category"] == "VALIDATION_ERROR"
    assert hubspot.api("POST", B + "create", {"inputs": inputs[:100]}).status == 201
    assert len(_stored(hubspot)) == 100


def test_upsert_on_non_unique_property_is_rejected(hubspot):
    resp = hubspot.api("POST", B + "upsert", {"inputs": [
        {"idProperty": "domain", "id": "acme.example", "properties": {"name": "Acme"}}]})
    assert resp.status == 400
    body = resp.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"] == ("Unable to perform update/upsert by non-unique 0-2 property domain in portal ID %d"
                               % hubspot.portal_id)
    assert _stored(hubspot) == []


def test_upsert_by_hs_object_id_or_without_id_property_is_rejected(hubspot):
    for item in ({"idProperty": "hs_object_id", "id": "1", "properties": {}}, {"id": "1", "properties": {}}):
        resp = hubspot.api("POST", B + "upsert", {"inputs": [item]})
        assert resp.status == 400 and "non-unique 0-2 property hs_object_id" in resp.json()["message"]


def test_upsert_creates_then_updates(hubspot):
    _unique_prop(hubspot)
    item = {"idProperty": "xero_contact_id", "id": "x-1", "properties": {"name": "Acme"}}
    first = hubspot.api("POST", B + "upsert", {"inputs": [item]})
    assert first.status == 200 and first.json()["status"] == "COMPLETE"
    created = first.json()["results"][0]
    assert created["new"] is True and created["properties"]["xero_contact_id"] == "x-1"
    item["properties"] = {"name": "Acme Ltd"}
    again = hubspot.api("POST", B + "upsert", {"inputs": [item]}).json()["results"][0]
    assert again["new"] is False and again["id"] == created["id"] and again["properties"]["name"] == "Acme Ltd"
    assert len(_stored(hubspot)) == 1


def test_upsert_contacts_by_email(hubspot):
    resp = hubspot.api("POST", "/crm/v3/objects/contacts/batch/upsert", {"inputs": [
        {"idProperty": "email", "id": "ada@example.com", "properties": {"firstname": "Ada"}}]})
    assert resp.status == 200 and resp.json()["results"][0]["properties"]["email"] == "ada@example.com"


def test_duplicate_ids_in_one_upsert_batch_are_rejected(hubspot):
    _unique_prop(hubspot)
    item = {"idProperty": "xero_contact_id", "id": "x-1", "properties": {"name": "A"}}
    resp = hubspot.api("POST", B + "upsert", {"inputs": [item, dict(item, properties={"name": "B"})]})
    assert resp.status == 400 and "Duplicate IDs" in resp.json()["message"]
    assert _stored(hubspot) == []


def test_duplicate_ids_in_one_update_batch_are_rejected(hubspot):
    rid = hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"name": "A"}}).json()["id"]
    resp = hubspot.api("POST", B + "update", {"inputs": [{"id": rid, "properties": {"name": "B"}},
                                                         {"id": rid, "properties": {"name": "C"}}]})
    assert resp.status == 400 and resp.json()["message"].startswith("Duplicate IDs found in batch input")


def test_upsert_partial_failure_is_207_keyed_by_trace_id(hubspot):
    _unique_prop(hubspot)
    resp = hubspot.api("POST", B + "upsert", {"inputs": [
        {"idProperty": "xero_contact_id", "id": "x-1", "objectWriteTraceId": "t-ok", "properties": {"name": "A"}},
        {"idProperty": "xero_contact_id", "id": "x-2", "objectWriteTraceId": "t-bad",
         "properties": {"numberofemployees": "lots"}}]})
    assert resp.status == 207
    body = resp.json()
    assert body["numErrors"] == 1 and len(body["results"]) == 1
    assert body["results"][0]["objectWriteTraceId"] == "t-ok"
    err = body["errors"][0]
    assert err["context"] == {"objectWriteTraceId": ["t-bad"]}
    assert err["category"] == "VALIDATION_ERROR" and err["status"] == "error"
    assert "INVALID_INTEGER" in err["message"]
    assert [r["properties"]["xero_contact_id"] for r in _stored(hubspot)] == ["x-1"]


def test_batch_create_with_trace_ids_gives_207(hubspot):
    resp = hubspot.api("POST", B + "create", {"inputs": [
        {"objectWriteTraceId": "a", "properties": {"name": "ok"}},
        {"objectWriteTraceId": "b", "properties": {"missing": "1"}}]})
    assert resp.status == 207
    body = resp.json()
    assert [r["properties"]["name"] for r in body["results"]] == ["ok"]
    assert body["errors"][0]["context"] == {"objectWriteTraceId": ["b"]}
    assert "PROPERTY_DOESNT_EXIST" in body["errors"][0]["message"]


def test_batch_create_without_trace_ids_fails_as_a_whole(hubspot):
    resp = hubspot.api("POST", B + "create", {"inputs": [
        {"properties": {"name": "ok"}}, {"properties": {"missing": "1"}}]})
    assert resp.status == 400 and resp.json()["category"] == "VALIDATION_ERROR"
    assert _stored(hubspot) == []


def test_batch_create_without_trace_ids_conflict_fails_as_a_whole(hubspot):
    hubspot.api("POST", "/crm/v3/objects/contacts", {"properties": {"email": "a@x.example"}})
    resp = hubspot.api("POST", "/crm/v3/objects/contacts/batch/create", {"inputs": [
        {"properties": {"email": "new@x.example"}}, {"properties": {"email": "a@x.example"}}]})
    assert resp.status == 409 and resp.json()["category"] == "CONFLICT"
    assert len(_stored(hubspot, "contacts")) == 1


def test_batch_update_partial_and_by_unique_property(hubspot):
    _unique_prop(hubspot)
    rid = hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"xero_contact_id": "x-1"}}).json()["id"]
    resp = hubspot.api("POST", B + "update", {"inputs": [
        {"id": "x-1", "idProperty": "xero_contact_id", "properties": {"name": "A"}},
        {"id": "999999", "properties": {"name": "B"}}]})
    assert resp.status == 207
    body = resp.json()
    assert body["results"][0]["id"] == rid and body["results"][0]["properties"]["name"] == "A"
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND" and body["errors"][0]["context"] == {"ids": ["999999"]}


def test_batch_update_by_email_is_rejected_as_non_unique(hubspot):
    resp = hubspot.api("POST", "/crm/v3/objects/contacts/batch/update", {"inputs": [
        {"id": "a@x.example", "idProperty": "email", "properties": {"firstname": "A"}}]})
    assert resp.status == 400 and "non-unique 0-1 property email" in resp.json()["message"]


def test_batch_read_reports_missing_ids_in_207(hubspot):
    rid = hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"name": "A"}}).json()["id"]
    resp = hubspot.api("POST", B + "read", {"inputs": [{"id": rid}, {"id": "424242"}], "properties": ["name"],
                                            "propertiesWithHistory": []})
    assert resp.status == 207
    body = resp.json()
    assert body["results"][0]["properties"]["name"] == "A"
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND" and body["errors"][0]["context"]["ids"] == ["424242"]
    ok = hubspot.api("POST", B + "read", {"inputs": [{"id": rid}], "properties": [], "propertiesWithHistory": []})
    assert ok.status == 200 and "errors" not in ok.json()


def test_batch_archive(hubspot):
    ids = [hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"name": n}}).json()["id"]
           for n in ("a", "b")]
    resp = hubspot.api("POST", B + "archive", {"inputs": [{"id": ids[0]}, {"id": "777"}]})
    assert resp.status == 204 and resp.body == b""
    assert [r["id"] for r in _stored(hubspot)] == [ids[1]]
