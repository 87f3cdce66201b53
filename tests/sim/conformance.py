"""Shared helpers of the spec-conformance tests (test_conformance*.py).

Spec loaders for the vendor OpenAPI files in ../shared/reference (or
$XHSYNC_REFERENCE), and assertions that report a simulator answer that does
not match its documented schema in a form the integrator can route to the
simulator's owner.
"""

import json
import os

import openapi_check as oc

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.environ.get("XHSYNC_REFERENCE",
                     os.path.join(HERE, "..", "..", "..", "shared", "reference"))
XREF = os.path.join(REF, "xero")
HREF = os.path.join(REF, "hubspot")


def xero_spec():
    return oc.load_spec(os.path.join(XREF, "xero_accounting.yaml"))


def identity_spec():
    return oc.load_spec(os.path.join(XREF, "xero-identity.yaml"))


def webhooks_spec():
    return oc.load_spec(os.path.join(XREF, "xero-webhooks.yaml"))


def hubspot_spec(name):
    """One HubSpot spec by file stem, e.g. 'crm-companies-v3'."""
    return oc.load_spec(os.path.join(HREF, "openapi", name + ".json"))


def read_json(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def report(sim, method, path, status, spec, template, errs):
    """The failure message routed to the simulator's owner."""
    return ("%s simulator: %s %s -> %s does not match %s %s %s %s:\n  %s"
            % (sim, method, path, status, os.path.basename(spec.path), method.upper(),
               template, status, "\n  ".join(errs)))


def conforms(sim, spec, template, method, path, resp, status=200):
    """Asserts the status and that the JSON body matches the documented schema."""
    assert resp.status == status, "%s simulator: %s %s -> %s (want %s): %s" % (
        sim, method, path, resp.status, status, resp.body[:500])
    body = resp.json() if resp.body else None
    errs = oc.validate_response(spec, template, method, status, body)
    assert errs == [], report(sim, method, path, status, spec, template, errs)
    return body
