"""Authentication: static tokens (pat-…), OAuth 2.0 and scope checks
(HUBSPOT.md 1; auth-oauth-v1/v3/2026-03.json; examples/oauth_token.json).

- API calls need `Authorization: Bearer <token>`; a missing, unknown or
  revoked token gives 401 INVALID_AUTHENTICATION, an expired OAuth token 401
  EXPIRED_AUTHENTICATION.
- Static tokens never expire. OAuth access tokens last access_token_ttl
  seconds (1800, scaled by time_scale; expires_in says how long they really
  last). Refreshing returns a new access token and the same refresh token.
- A missing scope gives 403 MISSING_SCOPES listing the scopes that would do.
- Token endpoints take form bodies; errors follow RFC 6749 with HubSpot's
  legacy `status` field (e.g. BAD_REFRESH_TOKEN).
"""

import base64
import hashlib
import html
import secrets
import urllib.parse
import uuid

from simcore import Response, json_response, text_response

from .util import ApiError, correlation_id, error_body

AUTH_MESSAGE = ("Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
                "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
SCOPES_MESSAGE = ("This app hasn't been granted all required scopes to make this call. Read more about required "
                  "scopes here: https://developers.hubspot.com/scopes.")


class Token:
    """An access token (static or OAuth)."""

    def __init__(self, value, kind, portal_id, scopes, expires_at=None, refresh=None, user_id=1234567):
        self.value = value
        self.kind = kind
        self.portal_id = portal_id
        self.scopes = set(scopes)
        self.expires_at = expires_at
        self.refresh = refresh
        self.user_id = user_id
        self.revoked = False


class Auth:
    """Token, refresh-token and authorization-code stores."""

    def __init__(self):
        self.tokens = {}
        self.refresh = {}  # refresh token -> {portal_id, scopes, client_id, revoked}
        self.codes = {}  # code -> {portal_id, scopes, redirect_uri, client_id, expires_at, challenge}

    def issue_static(self, portal_id, scopes, value=None):
        """A new private-app token pat-na1-<uuid>."""
        tok = Token(value or "pat-na1-" + str(uuid.uuid4()), "static", portal_id, scopes)
        self.tokens[tok.value] = tok
        return tok

    def issue_oauth(self, portal_id, scopes, expires_at, refresh=None, client_id=None):
        """A new OAuth access token (long and opaque) and its refresh token."""
        if refresh is None:
            refresh = "na1-" + str(uuid.uuid4())
            self.refresh[refresh] = {"portal_id": portal_id, "scopes": sorted(scopes), "client_id": client_id,
                                     "revoked": False}
        value = "CO" + base64.urlsafe_b64encode(secrets.token_bytes(150)).decode().rstrip("=")
        tok = Token(value, "oauth", portal_id, scopes, expires_at, refresh)
        self.tokens[value] = tok
        return tok

    def authenticate(self, req, now):
        """The live Token a request carries; raises 401 otherwise."""
        header = req.headers.get("Authorization") or ""
        scheme, _, value = header.strip().partition(" ")
        tok = self.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if tok is None or tok.revoked or (tok.refresh and self.refresh.get(tok.refresh, {}).get("revoked")):
            raise ApiError(401, error_body("INVALID_AUTHENTICATION", AUTH_MESSAGE))
        if tok.expires_at is not None and now >= tok.expires_at:
            raise ApiError(401, error_body(
                "EXPIRED_AUTHENTICATION",
                "The OAuth token used to make this call expired %d second(s) ago." % max(1, int(now - tok.expires_at))))
        return tok

    @staticmethod
    def check_scopes(tok, groups, portal_scopes):
        """403 MISSING_SCOPES unless every group has one scope the token holds
        (and the portal still grants)."""
        held = tok.scopes & portal_scopes
        for group in groups:
            if group and not held.intersection(group):
                raise ApiError(403, error_body(
                    "MISSING_SCOPES", SCOPES_MESSAGE, links={"scopes": "https://developers.hubspot.com/scopes"},
                    errors=[{"message": "One or more of the following scopes are required.",
                             "context": {"requiredGranularScopes": list(group)}}]))

    def revoke(self, value):
        """Revoke an access or refresh token (a refresh token takes its access tokens along)."""
        found = False
        if value in self.tokens:
            self.tokens[value].revoked = found = True
        if value in self.refresh:
            self.refresh[value]["revoked"] = found = True
        return found

    def revoke_portal(self, portal_id):
        """Revoke everything issued for a portal (the app was uninstalled)."""
        n = 0
        for tok in self.tokens.values():
            if tok.portal_id == portal_id and not tok.revoked:
                tok.revoked, n = True, n + 1
        for info in self.refresh.values():
            if info["portal_id"] == portal_id:
                info["revoked"] = True
        return n


def oauth_error(error, description, legacy, status=400):
    """RFC 6749 error body with HubSpot's legacy fields."""
    return json_response(status, {"error": error, "error_description": description, "status": legacy,
                                  "message": description, "correlationId": correlation_id()})


# ---- OAuth HTTP endpoints (no Bearer auth, no rate limits) ----

def _bad_authorize(app, q):
    """An error page when the authorize parameters are unusable, else None."""
    cfg = app.oauth
    if q.get("client_id") != cfg["client_id"]:
        return text_response(400, "Unknown client_id", "text/html; charset=utf-8")
    uris = cfg.get("redirect_uris") or []
    if not q.get("redirect_uri") or (uris and q["redirect_uri"] not in uris):
        return text_response(400, "redirect_uri is not registered for this app", "text/html; charset=utf-8")
    requested = (q.get("scope") or "").split()
    unknown = [s for s in requested if s not in cfg["scopes"]]
    if not requested or unknown:
        return text_response(400, "Invalid scope: %s" % (" ".join(unknown) or "(none)"), "text/html; charset=utf-8")
    return None


def authorize_page(app, req):
    """GET /oauth/authorize: choose a portal and grant, or deny (or auto-decide)."""
    cfg, q = app.oauth, {k: v[0] for k, v in req.query.items()}
    bad = _bad_authorize(app, q)
    if bad is not None:
        return bad
    requested = q["scope"].split()
    auto = cfg.get("auto_approve")
    if auto in ("approve", "deny"):
        return decide(app, req, q, auto)
    hidden = "".join('<input type="hidden" name="%s" value="%s">' % (html.escape(k), html.escape(v))
                     for k, v in q.items())
    portals = "".join('<label><input type="radio" name="portal_id" value="%d"%s> Account %d</label><br>'
                      % (p, " checked" if n == 0 else "", p) for n, p in enumerate(sorted(app.portals)))
    page = ("<!doctype html><html><head><title>Connect app</title></head><body><h1>Connect %s</h1>"
            "<p>Scopes: %s</p><form method=\"get\" action=\"/oauth/authorize/decision\">%s%s"
            "<button id=\"approve\" name=\"decision\" value=\"approve\">Connect app</button>"
            "<button id=\"deny\" name=\"decision\" value=\"deny\">Cancel</button></form></body></html>"
            % (html.escape(cfg["app_name"]), html.escape(" ".join(requested)), hidden, portals))
    return text_response(200, page, "text/html; charset=utf-8")


def decision(app, req):
    """GET /oauth/authorize/decision?decision=approve|deny&… from the page's form."""
    q = {k: v[0] for k, v in req.query.items()}
    return _bad_authorize(app, q) or decide(app, req, q, q.get("decision", "deny"))


def _redirect(uri, params):
    sep = "&" if urllib.parse.urlsplit(uri).query else "?"
    return Response(302, b"", {"Location": uri + sep + urllib.parse.urlencode(params)})


def decide(app, req, q, choice):
    """Redirect back with ?code=&state= (approve) or ?error=access_denied (deny)."""
    state = {"state": q["state"]} if "state" in q else {}
    if choice != "approve":
        return _redirect(q["redirect_uri"], dict(error="access_denied", error_description="The user denied access",
                                                 **state))
    portal_id = q.get("portal_id") or str(min(app.portals))
    portal_id = int(portal_id) if portal_id.isdigit() else 0
    if portal_id not in app.portals:
        return text_response(400, "Unknown account", "text/html; charset=utf-8")
    scopes = q.get("scope", "").split()
    scopes += [s for s in q.get("optional_scope", "").split() if s in app.portals[portal_id].scopes]
    code = "code-" + secrets.token_urlsafe(24)
    app.auth.codes[code] = {"portal_id": portal_id, "scopes": scopes, "redirect_uri": q["redirect_uri"],
                            "client_id": q["client_id"], "expires_at": app.clock.now() + app.clock.window(600),
                            "challenge": q.get("code_challenge"), "method": q.get("code_challenge_method", "plain")}
    return _redirect(q["redirect_uri"], dict(code=code, **state))


def _pkce_ok(info, verifier):
    if not info["challenge"]:
        return True
    if not verifier:
        return False
    if info["method"] == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=") == info["challenge"]
    return verifier == info["challenge"]


def _token_reply(app, tok):
    return json_response(200, {
        "access_token": tok.value, "refresh_token": tok.refresh, "expires_in": app.token_lifetime(),
        "token_type": "bearer", "token_use": "access_token", "hub_id": tok.portal_id, "user_id": tok.user_id,
        "scopes": sorted(tok.scopes)})


def _grant_code(app, form):
    info = app.auth.codes.pop(form.get("code", ""), None)
    if info is None or app.clock.now() > info["expires_at"]:
        return oauth_error("invalid_grant", "auth code is invalid, expired or already used", "BAD_AUTH_CODE")
    if form.get("redirect_uri") != info["redirect_uri"]:
        return oauth_error("invalid_grant", "redirect_uri does not match the authorization request",
                           "BAD_REDIRECT_URI")
    if not _pkce_ok(info, form.get("code_verifier")):
        return oauth_error("invalid_grant", "code_verifier does not match the code_challenge", "BAD_AUTH_CODE")
    tok = app.auth.issue_oauth(info["portal_id"], info["scopes"], app.token_expiry(), client_id=info["client_id"])
    return _token_reply(app, tok)


def _grant_refresh(app, form):
    refresh = form.get("refresh_token", "")
    info = app.auth.refresh.get(refresh)
    if info is None or info["revoked"] or info["portal_id"] not in app.portals:
        return oauth_error("invalid_grant", "refresh token is invalid, expired or revoked", "BAD_REFRESH_TOKEN")
    tok = app.auth.issue_oauth(info["portal_id"], info["scopes"], app.token_expiry(), refresh=refresh)
    return _token_reply(app, tok)


def _client_ok(app, form):
    if form.get("client_id") != app.oauth["client_id"]:
        return oauth_error("invalid_client", "missing or unknown client_id", "BAD_CLIENT_ID")
    if form.get("client_secret") != app.oauth["client_secret"]:
        return oauth_error("invalid_client", "client_secret does not match the app", "BAD_CLIENT_SECRET")
    return None


def token(app, req):
    """POST /oauth/v1/token, /oauth/v3/token, /oauth/2026-03/token."""
    form = req.form()
    bad = _client_ok(app, form)
    if bad is not None:
        return bad
    grants = {"authorization_code": _grant_code, "refresh_token": _grant_refresh}
    grant = grants.get(form.get("grant_type"))
    if grant is None:
        return oauth_error("unsupported_grant_type", "grant_type must be authorization_code or refresh_token",
                           "BAD_GRANT_TYPE")
    return grant(app, form)


def _access_info(app, tok):
    now = app.clock.now()
    left = int(max(0, tok.expires_at - now)) if tok.expires_at else 0
    return {"token": tok.value, "user": "user%d@example.com" % tok.user_id, "hub_domain": "portal%d.example.com"
            % tok.portal_id, "scopes": sorted(tok.scopes), "hub_id": tok.portal_id, "app_id": app.oauth["app_id"],
            "expires_in": left, "user_id": tok.user_id, "token_type": "access", "client_id": app.oauth["client_id"],
            "is_private_distribution": tok.kind == "static"}


def _signed(app, tok):
    return {"appId": app.oauth["app_id"], "appInstallId": str(tok.portal_id), "audience": "api.hubapi.com",
            "expiresAt": int((tok.expires_at or 0) * 1000), "hubId": tok.portal_id, "hublet": "na1",
            "installingUserId": tok.user_id, "isPrivateDistribution": tok.kind == "static",
            "isServiceAccount": False, "isUserLevel": False, "newSignature": "", "scopeToScopeGroupPks": "",
            "scopes": " ".join(sorted(tok.scopes)), "signature": "", "trialScopeToScopeGroupPks": "",
            "trialScopes": "", "userId": tok.user_id}


def introspect(app, req):
    """POST /oauth/v3/token/introspect: {active, …} for an access or refresh token."""
    form = req.form()
    bad = _client_ok(app, form)
    if bad is not None:
        return bad
    value, now = form.get("token", ""), app.clock.now()
    tok = app.auth.tokens.get(value)
    if tok is not None and not tok.revoked and (tok.expires_at is None or now < tok.expires_at):
        out = _access_info(app, tok)
        out.update({"active": True, "token_use": "access_token", "token_type": "bearer",
                    "signed_access_token": _signed(app, tok)})
        return json_response(200, out)
    info = app.auth.refresh.get(value)
    if info is not None and not info["revoked"]:
        return json_response(200, {"active": True, "token": value, "token_use": "refresh_token",
                                   "token_type": "refresh", "hub_id": info["portal_id"], "user_id": 1234567,
                                   "app_id": app.oauth["app_id"], "client_id": app.oauth["client_id"],
                                   "scopes": info["scopes"]})
    return json_response(200, {"active": False})


def revoke(app, req):
    """POST /oauth/v3/token/revoke: revoke a refresh (or access) token; 200."""
    form = req.form()
    bad = _client_ok(app, form)
    if bad is not None:
        return bad
    app.auth.revoke(form.get("token", ""))
    return Response(200, b"")


def v1_access_info(app, req, token):
    """GET /oauth/v1/access-tokens/{token}."""
    tok = app.auth.tokens.get(token)
    if tok is None or tok.revoked or (tok.expires_at is not None and app.clock.now() >= tok.expires_at):
        return json_response(404, error_body("OBJECT_NOT_FOUND", "access token not found or expired"))
    return json_response(200, _access_info(app, tok))


def v1_refresh_info(app, req, token):
    """GET /oauth/v1/refresh-tokens/{token}."""
    info = app.auth.refresh.get(token)
    if info is None or info["revoked"]:
        return json_response(404, error_body("OBJECT_NOT_FOUND", "refresh token not found"))
    return json_response(200, {"token": token, "user": "user1234567@example.com", "hub_domain": "portal%d.example.com"
                               % info["portal_id"], "scopes": info["scopes"], "hub_id": info["portal_id"],
                               "client_id": app.oauth["client_id"], "user_id": 1234567, "token_type": "refresh"})


def v1_refresh_delete(app, req, token):
    """DELETE /oauth/v1/refresh-tokens/{token} -> 204."""
    if not app.auth.revoke(token):
        return json_response(404, error_body("OBJECT_NOT_FOUND", "refresh token not found"))
    return Response(204, b"")


def routes():
    """(method, pattern, handler(app, req, **params)) for the OAuth endpoints."""
    out = [("GET", "/oauth/authorize", authorize_page), ("GET", "/oauth/authorize/decision", decision),
           ("POST", "/oauth/v1/token", token),
           ("GET", "/oauth/v1/access-tokens/{token}", v1_access_info),
           ("GET", "/oauth/v1/refresh-tokens/{token}", v1_refresh_info),
           ("DELETE", "/oauth/v1/refresh-tokens/{token}", v1_refresh_delete)]
    for ver in ("v3", "2026-03"):
        out += [("POST", "/oauth/%s/token" % ver, token), ("POST", "/oauth/%s/token/introspect" % ver, introspect),
                ("POST", "/oauth/%s/token/revoke" % ver, revoke)]
    return out
