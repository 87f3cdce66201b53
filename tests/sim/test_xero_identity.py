"""Xero simulator: authorize page, token endpoint, rotation, revocation, connections, JWT claims."""

import base64
import hashlib
import html.parser
import json
import secrets
import time
import urllib.parse

import pytest

from xero import jwt


def authorize_url(xero, **extra):
    params = {"response_type": "code", "client_id": xero.client_id, "redirect_uri": xero.redirect_uri,
              "scope": "openid profile email offline_access accounting.transactions.read accounting.contacts.read",
              "state": "st-123"}
    params.update(extra)
    return "/identity/connect/authorize?" + urllib.parse.urlencode(params)


def callback_params(resp):
    assert resp.status == 302, resp.body
    loc = resp.header("Location")
    base, _, query = loc.partition("?")
    return base, dict(urllib.parse.parse_qsl(query))


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def basic(cid, secret):
    return "Basic " + base64.b64encode(("%s:%s" % (cid, secret)).encode()).decode()


def token_call(xero, form, auth="basic"):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    form = dict(form)
    if auth == "basic":
        headers["Authorization"] = basic(xero.client_id, xero.client_secret)
    elif auth == "form":
        form.update(client_id=xero.client_id, client_secret=xero.client_secret)
    return xero.request("POST", "/connect/token", urllib.parse.urlencode(form), headers)


def get_code(xero, **extra):
    _, params = callback_params(xero.request("GET", authorize_url(xero, auto="approve", **extra)))
    return params["code"]


def exchange(xero, auth="basic", **extra):
    code = get_code(xero, **{k: v for k, v in extra.items() if k.startswith("code_challenge")})
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": xero.redirect_uri}
    form.update({k: v for k, v in extra.items() if k == "code_verifier"})
    return token_call(xero, form, auth)


class FormParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append(dict(attrs))


def test_authorize_page_lists_orgs_to_grant(xero):
    xero.ctl("POST", "/_sim/tenants", {"name": "Second & Co"})
    resp = xero.request("GET", authorize_url(xero))
    assert resp.status == 200 and resp.header("Content-Type").startswith("text/html")
    assert "Test Org" in resp.text and "Second &amp; Co" in resp.text
    parser = FormParser()
    parser.feed(resp.text)
    tenants = [i["value"] for i in parser.inputs if i.get("name") == "tenant"]
    assert xero.tenant_id in tenants and len(tenants) == 2


def test_authorize_form_approve_redirects_with_code_state_scope_session_state(xero):
    page = xero.request("GET", authorize_url(xero))
    parser = FormParser()
    parser.feed(page.text)
    fields = [(i["name"], i["value"]) for i in parser.inputs if i.get("type") == "hidden"]
    fields += [("tenant", xero.tenant_id), ("action", "approve")]
    resp = xero.request("POST", "/identity/connect/authorize", urllib.parse.urlencode(fields),
                        {"Content-Type": "application/x-www-form-urlencoded"})
    base, params = callback_params(resp)
    assert base == xero.redirect_uri
    assert params["state"] == "st-123" and params["code"] and params["session_state"]
    assert "accounting.contacts.read" in params["scope"].split()


def test_authorize_auto_deny_redirects_access_denied(xero):
    _, params = callback_params(xero.request("GET", authorize_url(xero, auto="deny")))
    assert params == {"error": "access_denied", "state": "st-123"}


def test_authorize_control_setting_auto_approves(xero):
    xero.ctl("POST", "/_sim/authorize", {"auto": "approve"})
    _, params = callback_params(xero.request("GET", authorize_url(xero)))
    assert "code" in params


def test_authorize_bad_redirect_uri_shows_error_without_redirect(xero):
    resp = xero.request("GET", authorize_url(xero, redirect_uri="https://evil.example/cb", auto="approve"))
    assert resp.status == 400 and resp.header("Location") is None


def test_authorize_unknown_scope_redirects_invalid_scope(xero):
    _, params = callback_params(xero.request("GET", authorize_url(xero, scope="openid accounting.everything",
                                                                  auto="approve")))
    assert params["error"] == "invalid_scope"


@pytest.mark.parametrize("auth", ["basic", "form"])
def test_code_exchange_accepts_basic_and_form_client_auth(xero, auth):
    resp = exchange(xero, auth)
    assert resp.status == 200, resp.body
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert body["refresh_token"] and body["id_token"] and body["access_token"]
    assert resp.header("Content-Type") == "application/json; charset=UTF-8"


def test_code_exchange_wrong_secret_is_invalid_client(xero):
    code = get_code(xero)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": xero.redirect_uri}
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic(xero.client_id, "nope")}
    resp = xero.request("POST", "/connect/token", urllib.parse.urlencode(form), headers)
    assert resp.status == 400 and resp.json() == {"error": "invalid_client"}


def test_code_is_single_use(xero):
    code = get_code(xero)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": xero.redirect_uri}
    assert token_call(xero, form).status == 200
    again = token_call(xero, form)
    assert again.status == 400 and again.json()["error"] == "invalid_grant"


def test_code_exchange_redirect_uri_must_match(xero):
    code = get_code(xero)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/other"}
    assert token_call(xero, form).json() == {"error": "invalid_grant"}


def test_pkce_s256_verified(xero):
    verifier, challenge = pkce_pair()
    ok = exchange(xero, code_challenge=challenge, code_challenge_method="S256", code_verifier=verifier)
    assert ok.status == 200
    wrong = exchange(xero, code_challenge=challenge, code_challenge_method="S256",
                     code_verifier=pkce_pair()[0])
    assert wrong.status == 400 and wrong.json()["error"] == "invalid_grant"
    missing = exchange(xero, code_challenge=challenge, code_challenge_method="S256")
    assert missing.json()["error"] == "invalid_grant"


def test_pkce_plain_method_refused(xero):
    _, params = callback_params(xero.request(
        "GET", authorize_url(xero, code_challenge="x" * 43, code_challenge_method="plain", auto="approve")))
    assert params["error"] == "invalid_request"


def test_pkce_app_without_secret(xero):
    xero.ctl("POST", "/_sim/clients", {"client_id": "PKCEAPP", "client_secret": None,
                                       "redirect_uris": [xero.redirect_uri]})
    verifier, challenge = pkce_pair()
    no_pkce = xero.request("GET", authorize_url(xero, client_id="PKCEAPP", auto="approve"))
    assert callback_params(no_pkce)[1]["error"] == "invalid_request"
    _, params = callback_params(xero.request("GET", authorize_url(
        xero, client_id="PKCEAPP", code_challenge=challenge, code_challenge_method="S256", auto="approve")))
    form = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": xero.redirect_uri,
            "client_id": "PKCEAPP", "code_verifier": verifier}
    resp = xero.request("POST", "/connect/token", urllib.parse.urlencode(form),
                        {"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 200, resp.body


def refresh(xero, rt, auth="basic"):
    return token_call(xero, {"grant_type": "refresh_token", "refresh_token": rt}, auth)


def test_refresh_rotates_and_old_token_has_grace_window(xero):
    xero.ctl("POST", "/_sim/time_scale", {"time_scale": 0.0005})  # grace 1800 s -> 0.9 s
    rt1 = xero.token["refresh_token"]
    first = refresh(xero, rt1)
    assert first.status == 200
    rt2 = first.json()["refresh_token"]
    assert rt2 != rt1
    retry = refresh(xero, rt1, auth="form")  # lost response: old token retried within grace
    assert retry.status == 200 and retry.json()["access_token"]
    time.sleep(1.0)
    late = refresh(xero, rt1)
    assert late.status == 400 and late.json() == {"error": "invalid_grant"}
    assert refresh(xero, rt2).status == 200


def test_strict_grace_reissues_the_same_refresh_token(xero):
    xero.ctl("POST", "/_sim/token_settings", {"strict_grace": True})
    rt1 = xero.token["refresh_token"]
    rt2 = refresh(xero, rt1).json()["refresh_token"]
    assert refresh(xero, rt1).json()["refresh_token"] == rt2


def test_refresh_scope_cannot_grow(xero):
    resp = token_call(xero, {"grant_type": "refresh_token", "refresh_token": xero.token["refresh_token"],
                             "scope": "openid accounting.journals.read"})
    assert resp.status == 400 and resp.json()["error"] == "invalid_scope"


def test_unsupported_grant_type(xero):
    assert token_call(xero, {"grant_type": "password"}).json() == {"error": "unsupported_grant_type"}


def test_access_token_expires_with_token_expired_body(xero):
    xero.ctl("POST", "/_sim/token_settings", {"access_lifetime": 0.3})
    tok = xero.ctl("POST", "/_sim/tokens", {"tenantId": xero.tenant_id})
    assert tok["expires_in"] == 0
    assert xero.api("GET", "/Organisation", token=tok["access_token"]).status == 200
    time.sleep(0.4)
    resp = xero.api("GET", "/Organisation", token=tok["access_token"])
    assert resp.status == 401
    body = resp.json()
    assert body["Title"] == "Unauthorized" and body["Status"] == 401
    assert body["Detail"].startswith("TokenExpired: token expired at ")
    assert set(body) == {"Type", "Title", "Status", "Detail", "Instance", "Extensions"}


def test_expire_control_expires_a_token(xero):
    xero.ctl("POST", "/_sim/tokens/expire", {"access_token": xero.token["access_token"]})
    assert xero.api("GET", "/Contacts").json()["Detail"].startswith("TokenExpired")


def test_old_access_token_kept_unless_switch_set(xero):
    at1 = xero.token["access_token"]
    refresh(xero, xero.token["refresh_token"])
    assert xero.api("GET", "/Organisation", token=at1).status == 200
    xero.ctl("POST", "/_sim/token_settings", {"invalidate_access_on_refresh": True})
    tok = xero.ctl("POST", "/_sim/tokens", {"tenantId": xero.tenant_id})
    refresh(xero, tok["refresh_token"])
    assert xero.api("GET", "/Organisation", token=tok["access_token"]).status == 401


def test_revocation_revokes_tokens_and_removes_connections(xero):
    form = {"token": xero.token["refresh_token"]}
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Authorization": basic(xero.client_id, xero.client_secret)}
    resp = xero.request("POST", "/connect/revocation", urllib.parse.urlencode(form), headers)
    assert resp.status == 200
    assert refresh(xero, xero.token["refresh_token"]).json() == {"error": "invalid_grant"}
    assert xero.api("GET", "/Contacts").status == 401
    assert xero.ctl("GET", "/_sim/tokens")["connections"] == []


def test_connections_list_and_auth_event_filter(xero):
    other = xero.ctl("POST", "/_sim/tenants", {"name": "Other Org"})["tenantId"]
    second = exchange(xero).json()  # consents to both tenants
    bearer = {"Authorization": "Bearer " + second["access_token"]}
    all_conns = xero.request("GET", "/connections", headers=bearer)
    assert all_conns.status == 200 and all_conns.header("Content-Type") == "application/json"
    assert all_conns.header("X-AppMinLimit-Remaining") and all_conns.header("X-MinLimit-Remaining") is None
    conns = all_conns.json()
    assert {c["tenantId"] for c in conns} == {xero.tenant_id, other}
    event = second_event = jwt.decode_unverified(second["access_token"])["authentication_event_id"]
    assert all(c["authEventId"] == second_event for c in conns)
    first_event = xero.token["authEventId"]
    assert event != first_event
    filtered = xero.request("GET", "/Connections?authEventId=" + event, headers=bearer).json()
    assert len(filtered) == 2
    assert xero.request("GET", "/connections?authEventId=" + first_event, headers=bearer).json() == []
    c = conns[0]
    assert set(c) == {"id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc",
                      "updatedDateUtc"}
    assert len(c["createdDateUtc"].split(".")[1]) == 7 and not c["createdDateUtc"].endswith("Z")


def test_connections_requires_bearer(xero):
    resp = xero.request("GET", "/connections")
    assert resp.status == 401 and resp.json()["Detail"] == "AuthenticationUnsuccessful"


def test_delete_connection(xero):
    bearer = {"Authorization": "Bearer " + xero.token["access_token"]}
    conn_id = xero.token["connections"][0]["id"]
    wrong = xero.request("DELETE", "/connections/" + xero.tenant_id, headers=bearer)
    assert wrong.status == 403 and wrong.json()["Detail"] == "AuthenticationUnsuccessful"
    assert xero.request("DELETE", "/connections/" + conn_id, headers=bearer).status == 204
    assert xero.request("DELETE", "/connections/" + conn_id, headers=bearer).status == 404
    assert xero.request("GET", "/connections", headers=bearer).json() == []
    assert xero.api("GET", "/Contacts").status == 403


def test_access_token_is_rs256_jwt_with_documented_claims(xero):
    token = xero.token["access_token"]
    header = json.loads(jwt.b64url_decode(token.split(".")[0]))
    assert header["alg"] == "RS256" and header["kid"]
    claims = jwt.verify(token)
    assert claims is not None
    assert claims["iss"] == "https://identity.xero.com"
    assert claims["aud"] == "https://identity.xero.com/resources"
    assert claims["client_id"] == xero.client_id
    assert claims["authentication_event_id"] == xero.token["authEventId"]
    assert claims["xero_userid"] and isinstance(claims["scope"], list)
    assert claims["exp"] - claims["nbf"] == 1800
    assert jwt.verify(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")) is None


def test_jwt_verifies_with_published_jwks(xero):
    crypto = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    disc = xero.request("GET", "/.well-known/openid-configuration").json()
    assert disc["token_endpoint"].endswith("/connect/token")
    key = xero.request("GET", "/.well-known/openid-configuration/jwks").json()["keys"][0]
    n = int.from_bytes(jwt.b64url_decode(key["n"]), "big")
    e = int.from_bytes(jwt.b64url_decode(key["e"]), "big")
    pub = crypto.RSAPublicNumbers(e, n).public_key()
    head, body, sig = xero.token["access_token"].split(".")
    pub.verify(jwt.b64url_decode(sig), (head + "." + body).encode(), padding.PKCS1v15(), hashes.SHA256())


def test_id_token_and_refresh_token_follow_scopes(xero):
    tok = xero.ctl("POST", "/_sim/tokens", {"tenantId": xero.tenant_id, "scope": "accounting.contacts.read"})
    assert "refresh_token" not in tok and "id_token" not in tok
    tok = xero.ctl("POST", "/_sim/tokens", {"tenantId": xero.tenant_id, "scope": "openid email offline_access"})
    assert jwt.verify(tok["id_token"])["aud"] == xero.client_id and tok["refresh_token"]


def test_refresh_token_unused_for_60_days_expires(xero):
    xero.ctl("POST", "/_sim/time_scale", {"time_scale": 1e-7})  # 60 days -> 0.52 s
    time.sleep(0.6)
    assert refresh(xero, xero.token["refresh_token"]).json() == {"error": "invalid_grant"}


def test_authorization_code_expires(xero):
    xero.ctl("POST", "/_sim/token_settings", {"code_lifetime": 0.1})
    code = get_code(xero)
    time.sleep(0.2)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": xero.redirect_uri}
    assert token_call(xero, form).json() == {"error": "invalid_grant"}


def test_consent_can_grant_a_subset_of_orgs(xero):
    other = xero.ctl("POST", "/_sim/tenants", {"name": "Only This One"})["tenantId"]
    code = get_code(xero, tenants=other)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": xero.redirect_uri}
    tok = token_call(xero, form).json()
    event = jwt.decode_unverified(tok["access_token"])["authentication_event_id"]
    conns = xero.request("GET", "/connections?authEventId=" + event,
                         headers={"Authorization": "Bearer " + tok["access_token"]}).json()
    assert [c["tenantId"] for c in conns] == [other] and conns[0]["tenantName"] == "Only This One"


def test_control_app_configures_client_redirects_and_webhook(xero):
    cfg = xero.ctl("POST", "/_sim/app", {"client_id": "NEWAPP", "client_secret": "s3cret",
                                         "redirect_uris": ["https://app.example/cb"], "name": "My App",
                                         "webhook_url": "http://127.0.0.1:9/hook", "webhook_key": "k"})
    assert cfg["client"]["client_id"] == "NEWAPP" and cfg["webhook"]["url"] == "http://127.0.0.1:9/hook"
    assert cfg["webhook"]["client_id"] == "NEWAPP"
    params = {"response_type": "code", "client_id": "NEWAPP", "redirect_uri": "https://app.example/cb",
              "scope": "openid offline_access accounting.contacts", "auto": "approve"}
    _, got = callback_params(xero.request("GET", "/identity/connect/authorize?" + urllib.parse.urlencode(params)))
    form = {"grant_type": "authorization_code", "code": got["code"], "redirect_uri": "https://app.example/cb"}
    resp = xero.request("POST", "/connect/token", urllib.parse.urlencode(form),
                        {"Content-Type": "application/x-www-form-urlencoded",
                         "Authorization": basic("NEWAPP", "s3cret")})
    assert resp.status == 200
    tok = resp.json()["access_token"]
    body = xero.api("GET", "/Contacts", token=tok).json()
    assert body["ProviderName"] == "My App"
    old_redirect = xero.request("GET", authorize_url(xero, client_id="NEWAPP", auto="approve"))
    assert old_redirect.status == 400
