"""HubSpot simulator: CRM search filters, limits, paging cap, delayed
visibility, its own 5/s limit and no rate-limit headers."""

import time

S = "/crm/v3/objects/companies/search"


def _seed(hs, n, **extra):
    objs = [{"properties": dict({"name": "Company %03d" % i, "numberofemployees": str(i),
                                 "city": "Auckland" if i % 2 else "Sydney"}, **extra)} for i in range(n)]
    return hs.ctl("POST", "/_sim/seed", {"objects": {"companies": objs}})["ids"]["companies"]


def _search(hs, body):
    resp = hs.api("POST", S, body)
    assert resp.status == 200, resp.body
    return resp.json()


def _eq(name, value, op="EQ"):
    return {"propertyName": name, "operator": op, "value": value}


def test_filters_and_groups(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"search_limit": 100})
    _seed(hubspot, 10)
    one = _search(hubspot, {"filterGroups": [{"filters": [_eq("city", "auckland"), _eq("numberofemployees", "5",
                                                                                           "GTE")]}]})
    assert sorted(r["properties"]["name"] for r in one["results"]) == ["Company 005", "Company 007", "Company 009"]
    either = _search(hubspot, {"filterGroups": [{"filters": [_eq("numberofemployees", "1")]},
                                                {"filters": [_eq("numberofemployees", "2")]}]})
    assert either["total"] == 2
    between = _search(hubspot, {"filterGroups": [{"filters": [{"propertyName": "numberofemployees",
                                                               "operator": "BETWEEN", "value": "3",
                                                               "highValue": "4"}]}]})
    assert between["total"] == 2
    inside = _search(hubspot, {"filterGroups": [{"filters": [{"propertyName": "name", "operator": "IN",
                                                              "values": ["company 001", "Company 002"]}]}]})
    assert inside["total"] == 2
    has = _search(hubspot, {"filterGroups": [{"filters": [{"propertyName": "domain",
                                                           "operator": "NOT_HAS_PROPERTY"}]}]})
    assert has["total"] == 10
    token = _search(hubspot, {"filterGroups": [{"filters": [_eq("name", "00*", "CONTAINS_TOKEN")]}]})
    assert token["total"] == 10


def test_query_properties_sorts(hubspot):
    _seed(hubspot, 5)
    found = _search(hubspot, {"query": "company 003", "properties": ["city"]})
    assert found["total"] == 1 and set(found["results"][0]["properties"]) >= {"city", "hs_object_id"}
    desc = _search(hubspot, {"sorts": [{"propertyName": "numberofemployees", "direction": "DESCENDING"}],
                             "limit": 2})
    assert [r["properties"]["name"] for r in desc["results"]] == ["Company 004", "Company 003"]
    two_sorts = hubspot.api("POST", S, {"sorts": ["name", "city"]})
    assert two_sorts.status == 400


def test_filter_group_limits(hubspot):
    f = _eq("name", "x")
    assert hubspot.api("POST", S, {"filterGroups": [{"filters": [f]}] * 5}).status == 200
    six_groups = hubspot.api("POST", S, {"filterGroups": [{"filters": [f]}] * 6})
    assert six_groups.status == 400 and six_groups.json()["category"] == "VALIDATION_ERROR"
    assert hubspot.api("POST", S, {"filterGroups": [{"filters": [f] * 7}]}).status == 400
    assert hubspot.api("POST", S, {"filterGroups": [{"filters": [f] * 6}] * 3}).status == 200
    nineteen = [{"filters": [f] * 6}] * 3 + [{"filters": [f]}]
    assert hubspot.api("POST", S, {"filterGroups": nineteen}).status == 400


def test_page_size_and_paging_cap(hubspot):
    _seed(hubspot, 25)
    assert hubspot.api("POST", S, {"limit": 201}).status == 400
    first = _search(hubspot, {"limit": 10})
    assert first["total"] == 25 and first["paging"]["next"]["after"] == "10"
    last = _search(hubspot, {"limit": 10, "after": "20"})
    assert len(last["results"]) == 5 and "paging" not in last
    past = hubspot.api("POST", S, {"limit": 10, "after": "10000"})
    assert past.status == 400 and past.json()["category"] == "VALIDATION_ERROR"
    assert hubspot.api("POST", S, {"limit": 10, "after": "9990"}).status == 200


def test_new_and_changed_records_appear_after_a_delay(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"search_delay": 0.3})
    rid = hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"name": "Fresh"}}).json()["id"]
    query = {"filterGroups": [{"filters": [_eq("name", "Fresh")]}]}
    assert _search(hubspot, query)["total"] == 0
    time.sleep(0.4)
    assert _search(hubspot, query)["total"] == 1
    hubspot.api("PATCH", "/crm/v3/objects/companies/" + rid, {"properties": {"name": "Renamed"}})
    assert _search(hubspot, query)["total"] == 1  # the index still has the old value
    time.sleep(0.4)
    assert _search(hubspot, query)["total"] == 0


def test_search_delay_is_scaled_by_time_scale(hubspot):
    hubspot.ctl("POST", "/_sim/time_scale", {"time_scale": 0.01})  # default 2 s -> 20 ms
    hubspot.api("POST", "/crm/v3/objects/companies", {"properties": {"name": "Quick"}})
    time.sleep(0.05)
    assert _search(hubspot, {"query": "quick"})["total"] == 1


def test_archived_records_never_match(hubspot):
    ids = _seed(hubspot, 2)
    hubspot.api("DELETE", "/crm/v3/objects/companies/" + ids[0])
    hubspot.ctl("POST", "/_sim/search/reindex", {})
    assert _search(hubspot, {})["total"] == 1


def test_search_has_its_own_5_per_second_limit_and_no_headers(hubspot):
    replies = [hubspot.api("POST", S, {}) for _ in range(6)]
    assert [r.status for r in replies[:5]] == [200] * 5
    assert replies[5].status == 429
    body = replies[5].json()
    assert body["message"] == "You have reached your secondly limit."
    assert body["errorType"] == "RATE_LIMIT" and body["policyName"] == "SECONDLY"
    for reply in replies:
        assert not [h for h in reply.headers if h[0].lower().startswith("x-hubspot-ratelimit")]
    normal = hubspot.api("GET", "/crm/v3/objects/companies")
    assert normal.status == 200 and normal.header("X-HubSpot-RateLimit-Remaining") == "99"
