"""HubSpot simulator: static tokens, OAuth (authorize, token, refresh,
30-minute access tokens, revocation) and scope checks."""

import base64
import hashlib
import time
import urllib.parse

REDIRECT = "http://localhost:8080/hubspot/callback"
COMPANIES = "/crm/v3/objects/companies"


def _authorize(hs, scope="crm.objects.companies.read", decision="approve", extra=None):
    query = {"client_id": hs.app.oauth["client_id"], "redirect_uri": REDIRECT, "scope": scope, "state": "st-1"}
    query.update(extra or {})
    page = hs.request("GET", "/oauth/authorize?" + urllib.parse.urlencode(query))
    assert page.status == 200 and b'id="approve"' in page.body
    query["decision"] = decision
    resp = hs.request("GET", "/oauth/authorize/decision?" + urllib.parse.urlencode(query))
    assert resp.status == 302
    return urllib.parse.parse_qs(urllib.parse.urlsplit(resp.header("Location")).query)


def _token(hs, path="/oauth/v3/token", **form):
    base = {"client_id": hs.app.oauth["client_id"], "client_secret": hs.app.oauth["client_secret"]}
    base.update(form)
    return hs.request("POST", path, urllib.parse.urlencode(base),
                      {"Content-Type": "application/x-www-form-urlencoded"})


def _code_grant(hs, **extra):
    code = _authorize(hs, **extra)["code"][0]
    resp = _token(hs, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert resp.status == 200, resp.body
    return resp.json()


def test_static_token_reads(hubspot):
    assert hubspot.token.startswith("pat-na1-")
    assert hubspot.api("GET", COMPANIES).status == 200


def test_missing_or_unknown_token_is_401(hubspot):
    for token in (False, "pat-na1-00000000-0000-0000-0000-000000000000"):
        resp = hubspot.api("GET", COMPANIES, token=token)
        assert resp.status == 401
        body = resp.json()
        assert body["category"] == "INVALID_AUTHENTICATION" and body["status"] == "error"
        assert body["correlationId"]


def test_missing_scope_is_403_missing_scopes(hubspot):
    tok = hubspot.ctl("POST", "/_sim/tokens", {"scopes": ["crm.objects.companies.read"]})["token"]
    assert hubspot.api("GET", COMPANIES, token=tok).status == 200
    resp = hubspot.api("POST", COMPANIES, {"properties": {"name": "x"}}, token=tok)
    assert resp.status == 403
    body = resp.json()
    assert body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.companies.write"]


def test_line_items_accept_legacy_ecommerce_scope(hubspot):
    tok = hubspot.ctl("POST", "/_sim/tokens", {"scopes": ["e-commerce"]})["token"]
    assert hubspot.api("GET", "/crm/v3/objects/line_items", token=tok).status == 200
    assert hubspot.api("GET", "/crm/v3/objects/invoices", token=tok).status == 403


def test_portal_withdrawing_a_scope_applies_to_existing_tokens(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"scopes": ["crm.objects.contacts.read"]})
    assert hubspot.api("GET", COMPANIES).status == 403
    assert hubspot.api("GET", "/crm/v3/objects/contacts").status == 200


def test_oauth_code_flow_issues_30_minute_token(hubspot):
    tok = _code_grant(hubspot)
    assert tok["token_type"] == "bearer" and tok["token_use"] == "access_token"
    assert tok["expires_in"] == 1800 and tok["hub_id"] == hubspot.portal_id
    assert tok["scopes"] == ["crm.objects.companies.read"] and len(tok["access_token"]) > 100
    resp = hubspot.api("GET", COMPANIES, token=tok["access_token"])
    assert resp.status == 200
    assert resp.header("X-HubSpot-RateLimit-Daily") is None  # not sent for OAuth
    assert resp.header("X-HubSpot-RateLimit-Max") == "110"


def test_oauth_redirect_keeps_state_and_denial_is_reported(hubspot):
    assert _authorize(hubspot)["state"] == ["st-1"]
    denied = _authorize(hubspot, decision="deny")
    assert denied["error"] == ["access_denied"] and "code" not in denied


def test_oauth_auto_approve(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"auto_approve": "approve"})
    query = {"client_id": hubspot.app.oauth["client_id"], "redirect_uri": REDIRECT, "scope": "oauth", "state": "s"}
    resp = hubspot.request("GET", "/oauth/authorize?" + urllib.parse.urlencode(query))
    assert resp.status == 302 and "code=" in resp.header("Location")


def test_oauth_rejects_unknown_client_and_bad_secret(hubspot):
    query = {"client_id": "nope", "redirect_uri": REDIRECT, "scope": "oauth"}
    assert hubspot.request("GET", "/oauth/authorize?" + urllib.parse.urlencode(query)).status == 400
    code = _authorize(hubspot)["code"][0]
    resp = _token(hubspot, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, client_secret="bad")
    assert resp.status == 400 and resp.json()["error"] == "invalid_client"


def test_oauth_code_is_single_use_and_redirect_must_match(hubspot):
    code = _authorize(hubspot)["code"][0]
    bad = _token(hubspot, grant_type="authorization_code", code=code, redirect_uri="http://evil/cb")
    assert bad.status == 400 and bad.json()["status"] == "BAD_REDIRECT_URI"
    code = _authorize(hubspot)["code"][0]
    assert _token(hubspot, grant_type="authorization_code", code=code, redirect_uri=REDIRECT).status == 200
    again = _token(hubspot, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert again.status == 400 and again.json()["error"] == "invalid_grant"


def test_oauth_pkce_s256_is_checked(hubspot):
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    extra = {"code_challenge": challenge, "code_challenge_method": "S256"}
    code = _authorize(hubspot, extra=extra)["code"][0]
    assert _token(hubspot, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                  code_verifier="wrong").status == 400
    code = _authorize(hubspot, extra=extra)["code"][0]
    assert _token(hubspot, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                  code_verifier=verifier).status == 200


def test_access_token_expires_and_refresh_gives_new_one(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"access_token_ttl": 1800})
    hubspot.ctl("POST", "/_sim/time_scale", {"time_scale": 0.0001})  # 1800 s -> 0.18 s
    tok = _code_grant(hubspot)
    assert tok["expires_in"] == 1
    time.sleep(0.3)
    resp = hubspot.api("GET", COMPANIES, token=tok["access_token"])
    assert resp.status == 401 and resp.json()["category"] == "EXPIRED_AUTHENTICATION"
    hubspot.ctl("POST", "/_sim/time_scale", {"time_scale": 1})
    new = _token(hubspot, "/oauth/v1/token", grant_type="refresh_token", refresh_token=tok["refresh_token"]).json()
    assert new["access_token"] != tok["access_token"] and new["refresh_token"] == tok["refresh_token"]
    assert hubspot.api("GET", COMPANIES, token=new["access_token"]).status == 200


def test_revoked_refresh_token_is_invalid_grant(hubspot):
    tok = _code_grant(hubspot)
    assert _token(hubspot, "/oauth/2026-03/token/revoke", token=tok["refresh_token"]).status == 200
    resp = _token(hubspot, grant_type="refresh_token", refresh_token=tok["refresh_token"])
    assert resp.status == 400
    assert resp.json()["error"] == "invalid_grant" and resp.json()["status"] == "BAD_REFRESH_TOKEN"
    assert hubspot.api("GET", COMPANIES, token=tok["access_token"]).status == 401


def test_introspect_and_v1_token_info(hubspot):
    tok = _code_grant(hubspot)
    info = _token(hubspot, "/oauth/v3/token/introspect", token=tok["access_token"]).json()
    assert info["active"] is True and info["hub_id"] == hubspot.portal_id
    assert info["scopes"] == ["crm.objects.companies.read"]
    assert _token(hubspot, "/oauth/v3/token/introspect", token="junk").json() == {"active": False}
    v1 = hubspot.request("GET", "/oauth/v1/access-tokens/" + tok["access_token"]).json()
    assert v1["hub_id"] == hubspot.portal_id and v1["expires_in"] > 0
    assert hubspot.request("DELETE", "/oauth/v1/refresh-tokens/" + tok["refresh_token"]).status == 204
    assert hubspot.request("GET", "/oauth/v1/refresh-tokens/" + tok["refresh_token"]).status == 404


def test_control_revocation_and_uninstall(hubspot):
    other = hubspot.ctl("POST", "/_sim/tokens", {})["token"]
    assert hubspot.ctl("POST", "/_sim/tokens/revoke", {"token": other}) == {"revoked": True}
    assert hubspot.api("GET", COMPANIES, token=other).status == 401
    assert hubspot.api("GET", COMPANIES).status == 200
    oauth = hubspot.ctl("POST", "/_sim/tokens", {"kind": "oauth"})
    assert hubspot.ctl("POST", "/_sim/uninstall", {})["revoked"] == 2
    assert hubspot.api("GET", COMPANIES).status == 401
    assert hubspot.api("GET", COMPANIES, token=oauth["token"]).status == 401
    resp = _token(hubspot, grant_type="refresh_token", refresh_token=oauth["refresh_token"])
    assert resp.json()["error"] == "invalid_grant"


def test_tokens_are_bound_to_their_portal(hubspot):
    hubspot.ctl("POST", "/_sim/portal", {"portal_id": 777, "tier": "professional"})
    other = hubspot.ctl("POST", "/_sim/tokens", {"portal_id": 777})["token"]
    hubspot.api("POST", COMPANIES, {"properties": {"name": "in default portal"}})
    assert hubspot.api("GET", COMPANIES, token=other).json()["results"] == []
    resp = hubspot.api("POST", COMPANIES, {"properties": {"name": "in 777"}}, token=other)
    assert resp.status == 201 and resp.header("X-HubSpot-RateLimit-Max") == "190"
    assert [r["properties"]["name"] for r in hubspot.ctl("GET", "/_sim/objects/companies?portal_id=777")] == ["in 777"]
