"""Tests for the small OpenAPI checker (openapi_check.py) on a hand-made spec."""

import json

import pytest

import openapi_check as oc

SPEC_30 = """
openapi: 3.0.0
info: {title: t, version: "1"}
servers:
  - url: https://api.example.com/api.xro/2.0
paths:
  /Things:
    get:
      responses:
        "200":
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Things"}
        "400": {$ref: "#/components/responses/Problem"}
  /Things/{ThingID}:
    get:
      responses:
        "200":
          content:
            application/json; charset=utf-8:
              schema: {$ref: "#/components/schemas/Thing"}
    delete:
      responses:
        "204": {description: gone}
  /Things/Special:
    get:
      responses:
        default:
          content:
            "*/*":
              schema: {type: object, required: [message]}
components:
  responses:
    Problem:
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Problem"}
  schemas:
    Things:
      type: object
      properties:
        Things: {type: array, items: {$ref: "#/components/schemas/Thing"}}
    Problem:
      type: object
      required: [Message]
      properties: {Message: {type: string}}
    Kind:
      type: string
      enum: [A, B]
    Thing:
      type: object
      required: [ThingID]
      properties:
        ThingID: {type: string, format: uuid}
        Kind: {$ref: "#/components/schemas/Kind", type: string, description: ignored}
        Note: {type: string, nullable: true}
        Level: {type: string, enum: [low, high], nullable: true}
        Count: {type: integer, format: int32, minimum: 0, exclusiveMinimum: true}
        Ratio: {type: number, maximum: 1, exclusiveMaximum: false}
        When: {type: string, format: date-time}
        Day: {type: string, format: date}
        Created: {type: string, example: 2020-01-01}
        Either:
          oneOf:
            - {type: object, properties: {a: {type: string}}}
            - {type: object, properties: {b: {type: string}}}
        Both:
          allOf:
            - {type: object, required: [x], properties: {x: {type: integer}}}
            - {type: object, required: [y]}
        Maybe:
          nullable: true
          allOf:
            - {$ref: "#/components/schemas/Problem"}
"""

SPEC_31 = {
    "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
    "webhooks": {"hook": {"post": {"requestBody": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Event"}}}}}}},
    "components": {"schemas": {
        "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        "Event": {"$ref": "#/components/schemas/Base",
                  "required": ["seq"], "properties": {"seq": {"type": ["integer", "null"]}}}}},
}

GOOD = {"ThingID": "0b8c3a2e-52d4-4a52-9b8e-1d2f3c4b5a69", "Kind": "A", "Note": None,
        "Level": None, "Count": 1, "Ratio": 1.0, "When": "2026-04-20T11:47:10.3365440",
        "Day": "2026-04-20", "Either": {"a": "x", "b": "y"}, "Both": {"x": 1, "y": 2},
        "Maybe": None}


@pytest.fixture(scope="module")
def spec30(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC_30)
    return oc.load_spec(str(path), cache=False)


@pytest.fixture(scope="module")
def spec31(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "spec.json"
    path.write_text(json.dumps(SPEC_31))
    return oc.load_spec(str(path), cache=False)


def thing(spec, **changes):
    """Errors for GOOD with some fields changed (KeyError as the value deletes the key)."""
    body = dict(GOOD)
    for k, v in changes.items():
        if v is KeyError:
            del body[k]
        else:
            body[k] = v
    return oc.validate_response(spec, "/Things/{ThingID}", "get", 200, body)


def test_valid_body_passes(spec30):
    assert thing(spec30) == []
    assert oc.validate_response(spec30, "/Things", "get", 200, {"Things": [GOOD]}) == []


def test_yaml_dates_stay_strings(spec30):
    created = spec30["components"]["schemas"]["Thing"]["properties"]["Created"]
    assert created["example"] == "2020-01-01"


@pytest.mark.parametrize("field,value,fragment", [
    ("ThingID", "not-a-guid", "$.ThingID"),
    ("ThingID", KeyError, "'ThingID' is a required property"),
    ("Kind", "C", "$.Kind"),
    ("Note", 5, "$.Note"),
    ("Level", "mid", "$.Level"),
    ("Count", 0, "$.Count"),
    ("Count", 2 ** 31, "$.Count"),
    ("Count", 1.5, "$.Count"),
    ("Ratio", 1.01, "$.Ratio"),
    ("Ratio", True, "$.Ratio"),
    ("When", "20 April 2026", "$.When"),
    ("Day", "2026-4-20", "$.Day"),
    ("Either", "flat", "$.Either"),
    ("Both", {"x": 1}, "$.Both"),
    ("Both", {"x": "1", "y": 2}, "$.Both.x"),
    ("Maybe", {}, "$.Maybe"),
])
def test_each_rule_can_fail(spec30, field, value, fragment):
    errs = thing(spec30, **{field: value})
    assert len(errs) == 1 and fragment in errs[0], errs


def test_ref_siblings_are_ignored_in_30(spec30):
    # Kind's sibling `type: string` is ignored; the referenced enum applies.
    assert thing(spec30, Kind="B") == []


def test_oneof_accepts_overlapping_branches(spec30):
    assert thing(spec30, Either={"a": "only"}) == []


def test_strict_rejects_undeclared_properties(spec30):
    body = dict(GOOD, Extra=1)
    assert oc.validate_response(spec30, "/Things/{ThingID}", "get", 200, body) == []
    errs = oc.validate_response(spec30, "/Things/{ThingID}", "get", 200, body, strict=True)
    assert len(errs) == 1 and "'Extra' was unexpected" in errs[0]
    # composition members stay open (Either, Both and Maybe's $ref'd branch)
    body = dict(GOOD, Maybe={"Message": "m", "Code": 7})
    assert oc.validate_response(spec30, "/Things/{ThingID}", "get", 200, body, strict=True) == []
    assert oc.validate_response(spec30, "/Things/{ThingID}", "get", 200, body, strict=True,
                                allow=("Extra",)) == []


def test_response_lookup(spec30):
    problem = oc.validate_response(spec30, "/Things", "get", 400, {"Message": "no"})
    assert problem == []
    assert oc.validate_response(spec30, "/Things", "get", 400, {}) == [
        "$: 'Message' is a required property"]
    assert oc.validate_response(spec30, "/Things/Special", "get", 503, {"message": "x"}) == []
    assert oc.validate_response(spec30, "/Things/{ThingID}", "delete", 204, None) == []
    assert "documents no JSON body" in oc.validate_response(
        spec30, "/Things/{ThingID}", "delete", 204, {"x": 1})[0]
    assert "documents no 500 response" in oc.validate_response(
        spec30, "/Things", "get", 500, {})[0]
    assert "is not in" in oc.validate_response(spec30, "/Nope", "get", 200, {})[0]
    assert "is not in" in oc.validate_response(spec30, "/Things", "put", 200, {})[0]


def test_match_path(spec30):
    assert oc.match_path(spec30, "/api.xro/2.0/Things/Special") == "/Things/Special"
    assert oc.match_path(spec30, "/Things/abc?x=1") == "/Things/{ThingID}"
    assert oc.match_path(spec30, "/api.xro/2.0/things") == "/Things"
    assert oc.match_path(spec30, "/Other/abc") is None


def test_31_refs_keep_siblings_and_type_lists(spec31):
    assert oc.validate_webhook(spec31, "hook", {"id": "e1", "seq": None}) == []
    errs = oc.validate_webhook(spec31, "hook", {"seq": 1})
    assert errs == ["$: 'id' is a required property"]
    errs = oc.validate_webhook(spec31, "hook", {"id": "e1"})
    assert errs == ["$: 'seq' is a required property"]
    assert "not in" in oc.validate_webhook(spec31, "other", {})[0]


def test_not_a_spec(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")
    with pytest.raises(ValueError):
        oc.load_spec(str(path))
