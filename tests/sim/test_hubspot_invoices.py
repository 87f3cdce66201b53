"""HubSpot simulator: invoice rules (hs_currency required, statuses, `open`
needs a contact and a line item, one parent per line item, totals)."""

INV = "/crm/v3/objects/invoices"


def _new(hs, otype, props, assocs=None):
    body = {"properties": props}
    if assocs:
        body["associations"] = assocs
    resp = hs.api("POST", "/crm/v3/objects/" + otype, body)
    assert resp.status == 201, resp.body
    return resp.json()


def _to(rid, tid):
    return {"to": {"id": rid}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": tid}]}


def _status(hs, inv_id, status):
    return hs.api("PATCH", "%s/%s" % (INV, inv_id), {"properties": {"hs_invoice_status": status}})


def test_hs_currency_is_required(hubspot):
    resp = hubspot.api("POST", INV, {"properties": {"hs_purchase_order_number": "PO-1"}})
    assert resp.status == 400
    assert resp.json()["errors"][0]["context"] == {"propertyName": ["hs_currency"]}


def test_new_invoice_is_a_draft_with_dates(hubspot):
    inv = _new(hubspot, "invoices", {"hs_currency": "USD"})["properties"]
    assert inv["hs_invoice_status"] == "draft"
    assert inv["hs_invoice_date"].endswith("Z") and inv["hs_due_date"].endswith("Z")


def test_status_must_be_one_of_four(hubspot):
    inv = _new(hubspot, "invoices", {"hs_currency": "USD"})
    resp = _status(hubspot, inv["id"], "OPEN")
    assert resp.status == 400 and resp.json()["errors"][0]["code"] == "INVALID_OPTION"
    assert _status(hubspot, inv["id"], "voided").status == 200


def test_open_needs_contact_and_line_item(hubspot):
    inv = _new(hubspot, "invoices", {"hs_currency": "NZD"})
    resp = _status(hubspot, inv["id"], "open")
    assert resp.status == 400 and resp.json()["category"] == "VALIDATION_ERROR"
    contact = _new(hubspot, "contacts", {"email": "payer@x.example"})
    hubspot.api("PUT", "/crm/v4/objects/invoices/%s/associations/default/contacts/%s" % (inv["id"], contact["id"]))
    still = _status(hubspot, inv["id"], "open")
    assert still.status == 400 and still.json()["context"]["missingAssociations"] == ["line_items"]
    _new(hubspot, "line_items", {"name": "Work", "quantity": "2", "price": "50"}, [_to(inv["id"], 410)])
    ok = _status(hubspot, inv["id"], "open")
    assert ok.status == 200 and ok.json()["properties"]["hs_invoice_status"] == "open"


def test_create_open_with_inline_associations(hubspot):
    contact = _new(hubspot, "contacts", {"email": "p@x.example"})
    line = _new(hubspot, "line_items", {"name": "W", "quantity": "1", "price": "10"})
    bad = hubspot.api("POST", INV, {"properties": {"hs_currency": "USD", "hs_invoice_status": "open"},
                                    "associations": [_to(contact["id"], 177)]})
    assert bad.status == 400
    ok = _new(hubspot, "invoices", {"hs_currency": "USD", "hs_invoice_status": "open"},
              [_to(contact["id"], 177), _to(line["id"], 409)])
    assert ok["properties"]["hs_invoice_status"] == "open"


def test_line_item_has_exactly_one_parent(hubspot):
    first = _new(hubspot, "invoices", {"hs_currency": "USD"})
    second = _new(hubspot, "invoices", {"hs_currency": "USD"})
    line = _new(hubspot, "line_items", {"name": "W", "quantity": "1", "price": "10"}, [_to(first["id"], 410)])
    resp = hubspot.api("PUT", "/crm/v4/objects/invoices/%s/associations/line_items/%s" % (second["id"], line["id"]),
                       [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 409}])
    assert resp.status == 400 and "only one" in resp.json()["message"]
    deal = _new(hubspot, "deals", {"dealname": "D"})
    resp = hubspot.api("PUT", "/crm/v4/objects/line_items/%s/associations/default/deals/%s" % (line["id"], deal["id"]))
    assert resp.status == 400
    again = hubspot.api("PUT", "/crm/v4/objects/invoices/%s/associations/line_items/%s" % (first["id"], line["id"]),
                        [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 409}])
    assert again.status == 201


def test_totals_and_payment_marks_paid(hubspot):
    contact = _new(hubspot, "contacts", {"email": "q@x.example"})
    inv = _new(hubspot, "invoices", {"hs_currency": "USD"}, [_to(contact["id"], 177)])
    _new(hubspot, "line_items", {"name": "A", "quantity": "10", "price": "150.00"}, [_to(inv["id"], 410)])
    _new(hubspot, "line_items", {"name": "B", "quantity": "1", "price": "20", "hs_discount_percentage": "50"},
         [_to(inv["id"], 410)])
    assert _status(hubspot, inv["id"], "open").status == 200
    props = hubspot.ctl("GET", "/_sim/objects/invoices/" + inv["id"])["properties"]
    assert props["hs_amount_billed"] == "1510.00" and props["hs_balance_due"] == "1510.00"
    _new(hubspot, "commerce_payments", {"hs_initial_amount": "510", "hs_initiated_date": "2026-03-02T10:00:00Z"},
         [_to(inv["id"], 542)])
    props = hubspot.ctl("GET", "/_sim/objects/invoices/" + inv["id"])["properties"]
    assert props["hs_amount_paid"] == "510.00" and props["hs_balance_due"] == "1000.00"
    assert props["hs_invoice_status"] == "open"
    _new(hubspot, "commerce_payments", {"hs_initial_amount": "1000", "hs_initiated_date": "2026-03-03T10:00:00Z"},
         [_to(inv["id"], 542)])
    props = hubspot.ctl("GET", "/_sim/objects/invoices/" + inv["id"])["properties"]
    assert props["hs_invoice_status"] == "paid" and props["hs_payment_date"] == "2026-03-03T10:00:00.000Z"


def test_computed_amounts_are_read_only(hubspot):
    inv = _new(hubspot, "invoices", {"hs_currency": "USD"})
    resp = hubspot.api("PATCH", "%s/%s" % (INV, inv["id"]), {"properties": {"hs_balance_due": "0"}})
    assert resp.status == 400 and resp.json()["errors"][0]["code"] == "READ_ONLY_VALUE"


def test_only_draft_invoices_can_be_deleted(hubspot):
    draft = _new(hubspot, "invoices", {"hs_currency": "USD"})
    assert hubspot.api("DELETE", "%s/%s" % (INV, draft["id"])).status == 204
    voided = _new(hubspot, "invoices", {"hs_currency": "USD", "hs_invoice_status": "voided"})
    resp = hubspot.api("DELETE", "%s/%s" % (INV, voided["id"]))
    assert resp.status == 400 and resp.json()["category"] == "VALIDATION_ERROR"
    batch = hubspot.api("POST", INV + "/batch/archive", {"inputs": [{"id": voided["id"]}]})
    assert batch.status == 400
    assert hubspot.api("GET", "%s/%s" % (INV, voided["id"])).status == 200


def test_payments_need_amount_and_date(hubspot):
    resp = hubspot.api("POST", "/crm/v3/objects/commerce_payments", {"properties": {"hs_currency_code": "USD"}})
    assert resp.status == 400
    missing = sorted(e["context"]["propertyName"][0] for e in resp.json()["errors"])
    assert missing == ["hs_initial_amount", "hs_initiated_date"]
