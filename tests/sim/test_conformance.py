"""Spec conformance, part 1: the checker against the reference bodies.

Spec examples, live recordings and hand-made examples from ../shared/reference
must validate against the vendors' OpenAPI files (known vendor
inconsistencies are listed exactly), and mutated bodies must fail: a checker
that cannot fail proves nothing.  The simulators are checked in
test_conformance_xero.py and test_conformance_hubspot.py.
"""

import copy
import glob
import os

import pytest

import openapi_check as oc
from conformance import (HREF, XREF, hubspot_spec, identity_spec, read_json, webhooks_spec,
                         xero_spec)


XERO_EXAMPLES = {
    "accounting_GET_Contacts_200.json": "/Contacts",
    "accounting_GET_Contact_by_id_200.json": "/Contacts/{ContactID}",
    "accounting_GET_CreditNotes_200.json": "/CreditNotes",
    "accounting_GET_CreditNote_by_id_200.json": "/CreditNotes/{CreditNoteID}",
    "accounting_GET_Invoices_200.json": "/Invoices",
    "accounting_GET_Invoice_by_id_200.json": "/Invoices/{InvoiceID}",
    "accounting_GET_Items_200.json": "/Items",
    "accounting_GET_Item_by_id_200.json": "/Items/{ItemID}",
    "accounting_GET_Organisation_200.json": "/Organisation",
    "accounting_GET_Payments_200.json": "/Payments",
    "accounting_GET_Payment_by_id_200.json": "/Payments/{PaymentID}",
}
# The spec's own Payment examples disagree with its BatchPayment schema; the
# 2026 live recording (nango-2026/GET_Payments_page1_pageSize100) sends numbers
# and booleans, so the schema is right and the example is not.
XERO_EXAMPLE_DEVIATIONS = {
    "accounting_GET_Payments_200.json": [
        "$.Payments[0].BatchPayment.TotalAmount: '50.00' is not of type 'number'",
        "$.Payments[0].BatchPayment.IsReconciled: 'false' is not of type 'boolean'"],
    "accounting_GET_Payment_by_id_200.json": [
        "$.Payments[0].BatchPayment.TotalAmount: '50.00' is not of type 'number'",
        "$.Payments[0].BatchPayment.IsReconciled: 'false' is not of type 'boolean'"],
}


@pytest.mark.parametrize("name", sorted(XERO_EXAMPLES))
def test_xero_spec_examples(name):
    body = read_json(os.path.join(XREF, "examples", name))
    errs = oc.validate_response(xero_spec(), XERO_EXAMPLES[name], "get", 200, body)
    assert errs == XERO_EXAMPLE_DEVIATIONS.get(name, [])


@pytest.mark.parametrize("name", ["accounting_POST_Contacts_400_ValidationException.json",
                                  "accounting_PUT_Contacts_400_ValidationException.json"])
def test_xero_validation_exception_examples(name):
    body = read_json(os.path.join(XREF, "examples", name))
    method = name.split("_")[1].lower()
    assert oc.validate_response(xero_spec(), "/Contacts", method, 400, body) == []


def _recorded():
    """(name, method, path, status, body) for every recorded live response."""
    out = []
    for body_path in sorted(glob.glob(os.path.join(XREF, "recorded", "**", "*.body.json"),
                                      recursive=True)):
        meta = read_json(body_path.replace(".body.json", ".meta.json"))
        if "uri" in meta.get("request", {}):
            method, uri = meta["request"]["method"], meta["request"]["uri"]
            status = meta["response"]["status"]["code"]
        else:
            method, uri, status = meta["method"], meta["path"], meta["status"]
        name = os.path.relpath(body_path, os.path.join(XREF, "recorded"))
        out.append((name, method, uri, status, read_json(body_path)))
    return out


@pytest.mark.parametrize("name,method,uri,status,body", _recorded(),
                         ids=[r[0] for r in _recorded()])
def test_xero_recorded_bodies(name, method, uri, status, body):
    if uri.startswith("https://identity.xero.com/connect/token"):
        errs = oc.validate_schema(identity_spec(), "#/components/schemas/AccessToken", body)
    else:
        path = uri.split("api.xero.com")[-1]
        spec = identity_spec() if path.lower().startswith("/connections") else xero_spec()
        template = oc.match_path(spec, path)
        assert template, "no template for %s" % path
        errs = oc.validate_response(spec, template, method, status, body)
    assert errs == []


@pytest.mark.parametrize("name", ["spec_example_contact_update.json",
                                  "spec_example_creditnote_create.json",
                                  "SYNTHETIC_invoice_and_contact_update.json"])
def test_xero_webhook_examples(name):
    body = read_json(os.path.join(XREF, "webhooks", name))
    hook = "creditNotes" if "creditnote" in name else "contacts"
    assert oc.validate_webhook(webhooks_spec(), hook, body) == []


def _hubspot_examples():
    """(id, spec stem, template, method, status, body) from hubspot/examples."""
    return [
        ("assoc-labelled", "crm-associations-v4",
         "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create", "post", 201,
         ("associations_batch_create.json", "labelled_batch_create")),
        ("assoc-default", "crm-associations-v4",
         "/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/associate/default",
         "post", 200, ("associations_batch_create.json", "default_batch_associate")),
        ("invoice-create", "crm-invoices-v3", "/crm/v3/objects/invoices", "post", 201,
         ("invoice_create.json", "create_draft_minimal")),
        ("line-item-create", "crm-line-items-v3", "/crm/v3/objects/line_items", "post", 201,
         ("line_item_create.json",)),
    ]


def _dig(keys):
    obj = read_json(os.path.join(HREF, "examples", keys[0]))
    for k in keys[1:]:
        obj = obj[k]
    return obj["response"]["body"]


@pytest.mark.parametrize("case", _hubspot_examples(), ids=lambda c: c[0])
def test_hubspot_examples(case):
    _, stem, template, method, status, keys = case
    assert oc.validate_response(hubspot_spec(stem), template, method, status,
                                _dig(keys)) == []


# HubSpot error bodies: the docs' and observed 4xx bodies, against the Error
# schema every CRM spec uses.  The 429 bodies (docs and observed) carry
# errorType/policyName instead of `category`, which the schema requires; the
# simulator copies the real bodies, so this is a known vendor inconsistency.
HUBSPOT_ERROR_DEVIATIONS = {
    "rate_limited_daily_docs": ["$: 'category' is a required property"],
    "rate_limited_ten_secondly_observed": ["$: 'category' is a required property"],
    "rate_limited_search_observed": ["$: 'category' is a required property"],
}


@pytest.mark.parametrize("key", ["generic_error_docs", "property_doesnt_exist_docs",
                                 "contact_conflict_observed", "rate_limited_daily_docs",
                                 "rate_limited_ten_secondly_observed",
                                 "rate_limited_search_observed"])
def test_hubspot_error_examples(key):
    entry = read_json(os.path.join(HREF, "examples", "errors.json"))[key]
    errs = oc.validate_response(hubspot_spec("crm-companies-v3"), "/crm/v3/objects/companies",
                                "post", entry["status"], entry["body"])
    assert errs == HUBSPOT_ERROR_DEVIATIONS.get(key, [])


# --- the checker must be able to fail -------------------------------------

def _mutations():
    """(id, check(body) -> errors, body factory, mutate, expected error fragments)."""
    inv_page = os.path.join(XREF, "recorded", "nango-2026", "GET_Invoices_page1_pageSize100.body.json")
    conns = os.path.join(XREF, "recorded", "nango-2026", "GET_connections.body.json")
    token = os.path.join(XREF, "recorded", "POST_token_refresh.body.json")

    def invoices(b):
        return oc.validate_response(xero_spec(), "/Invoices", "get", 200, b)

    def connections(b):
        return oc.validate_response(identity_spec(), "/Connections", "get", 200, b)

    def access_token(b):
        return oc.validate_schema(identity_spec(), "#/components/schemas/AccessToken", b)

    def hs_invoice(b):
        return oc.validate_response(hubspot_spec("crm-invoices-v3"), "/crm/v3/objects/invoices",
                                    "post", 201, b)

    def webhook(b):
        return oc.validate_webhook(webhooks_spec(), "contacts", b)

    def m_total(b):
        b["Invoices"][0]["Total"] = "31.39"

    def m_status(b):
        b["Invoices"][3]["Status"] = "OPEN"

    def m_line(b):
        b["Invoices"][0]["LineItems"][0]["LineItemID"] = "not-a-guid"

    def m_pagination(b):
        b["pagination"]["pageCount"] = 1.5

    def m_conn(b):
        b[0]["tenantId"] = 42

    def m_conn_date(b):
        b[1]["createdDateUtc"] = "20 April 2026"

    def m_token(b):
        b["expires_in"] = "1800"

    def m_hs(b):
        del b["createdAt"]
        b["properties"]["hs_currency"] = 5

    def m_hook(b):
        del b["events"][0]["tenantType"]
        b["lastEventSequence"] = 0

    hs_body = lambda: _dig(("invoice_create.json", "create_draft_minimal"))  # noqa: E731
    hook_body = lambda: read_json(os.path.join(XREF, "webhooks",  # noqa: E731
                                           "spec_example_contact_update.json"))
    return [
        ("xero-total-string", invoices, lambda: read_json(inv_page), m_total, ["$.Invoices[0].Total"]),
        ("xero-status-enum", invoices, lambda: read_json(inv_page), m_status, ["$.Invoices[3].Status"]),
        ("xero-line-uuid", invoices, lambda: read_json(inv_page), m_line,
         ["$.Invoices[0].LineItems[0].LineItemID"]),
        ("xero-pagination", invoices, lambda: read_json(inv_page), m_pagination,
         ["$.pagination.pageCount"]),
        ("identity-type", connections, lambda: read_json(conns), m_conn, ["$[0].tenantId"]),
        ("identity-date", connections, lambda: read_json(conns), m_conn_date,
         ["$[1].createdDateUtc"]),
        ("token-int", access_token, lambda: read_json(token), m_token, ["$.expires_in"]),
        ("hubspot-object", hs_invoice, hs_body, m_hs,
         ["'createdAt' is a required property", "$.properties.hs_currency"]),
        ("xero-webhook", webhook, hook_body, m_hook,
         ["'tenantType' is a required property", "$.lastEventSequence"]),
    ]


@pytest.mark.parametrize("case", _mutations(), ids=lambda c: c[0])
def test_mutated_reference_bodies_fail(case):
    _, check, make, mutate, fragments = case
    body = make()
    assert check(copy.deepcopy(body)) == [], "unmutated body must pass"
    mutate(body)
    errs = check(body)
    text = "\n".join(errs)
    assert len(errs) == len(fragments), text
    for frag in fragments:
        assert frag in text
