"""Identity routes (login.xero.com / identity.xero.com / api.xero.com/connections): a mixin for XeroSim.

  GET  /identity/connect/authorize      HTML page listing the orgs to grant
                                        (?auto=approve|deny, &tenants=T1,T2 for tests)
  POST /identity/connect/authorize      the page's form: action=approve|deny, tenant=...
  POST /connect/token                   authorization_code (+PKCE S256), refresh_token
  POST /connect/revocation              token=<refresh token>
  GET  /connections[?authEventId=]      DELETE /connections/{id}
  GET  /.well-known/openid-configuration, /.well-known/openid-configuration/jwks
"""

import email.utils
import html
import json
import urllib.parse

import simcore

from . import jwt
from . import wire
from .accounting import not_found, problem
from .identity import OAuthError

AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                    "code_challenge_method")
IDENTITY_HEADERS = {"Cache-Control": "max-age=0, no-cache, no-store", "Pragma": "no-cache"}


def redirect(url):
    """302 to url."""
    return simcore.Response(302, b"", {"Location": url, "Cache-Control": "no-store"})


def identity_json(status, obj):
    """Identity-service JSON (charset=UTF-8, compact) with Xero id headers."""
    headers = dict(IDENTITY_HEADERS, **{"Content-Type": "application/json; charset=UTF-8",
                                        "Xero-Correlation-Id": wire.new_id().replace("-", "")})
    return simcore.Response(status, json.dumps(obj, separators=(",", ":")).encode(), headers)


class IdentityRoutes:
    """OAuth2/OIDC and connections handlers; mixed into XeroSim."""

    def register_identity(self):
        self.route("GET", "/identity/connect/authorize", self.authorize_page)
        self.route("POST", "/identity/connect/authorize", self.authorize_submit)
        self.route("POST", "/connect/token", self.token_endpoint)
        self.route("POST", "/connect/revocation", self.revocation_endpoint)
        self.route("GET", "/connections", self.connections_list)
        self.route("DELETE", "/connections/{cid}", self.connections_delete)
        self.route("GET", "/.well-known/openid-configuration", self.discovery)
        self.route("GET", "/.well-known/openid-configuration/jwks", self.jwks)

    # ---- authorize ----

    def authorize_page(self, req):
        """Validate, then auto-approve/deny (tests) or show the consent page."""
        params = {k: req.q(k) for k in AUTHORIZE_PARAMS if req.q(k) is not None}
        auto = req.q("auto") or self.identity.settings["auto"]
        wanted = [t.strip().lower() for t in (req.q("tenants") or "").split(",") if t.strip()]
        return self._authorize(params, auto, wanted or self.identity.settings["auto_tenants"])

    def authorize_submit(self, req):
        """The consent form's POST."""
        form = _form_multi(req)
        params = {k: form[k][0] for k in AUTHORIZE_PARAMS if k in form}
        action = (form.get("action") or ["deny"])[0]
        return self._authorize(params, action, [t.lower() for t in form.get("tenant", [])], from_form=True)

    def _authorize(self, params, action, tenant_ids, from_form=False):
        with self.lock:
            client, err = self.identity.check_authorize(params)
            if client is None:
                return simcore.text_response(400, _error_page(err), "text/html; charset=utf-8")
            if err:
                return redirect(err)
            if action == "deny":
                return redirect(self.identity.error_redirect(params, "access_denied"))
            if action != "approve":
                return simcore.text_response(200, self._consent_page(client, params), "text/html; charset=utf-8")
            chosen = [t for t in (tenant_ids or list(self.tenants)) if t in self.tenants]
            if not chosen and from_form:
                return simcore.text_response(200, self._consent_page(client, params, "Select an organisation"),
                                             "text/html; charset=utf-8")
            return redirect(self.identity.approve(params, chosen))

    def _consent_page(self, client, params, notice=""):
        hidden = "".join('<input type="hidden" name="%s" value="%s">' % (k, html.escape(v))
                         for k, v in params.items())
        orgs = "".join('<li><label><input type="checkbox" name="tenant" value="%s" checked> %s</label></li>'
                       % (html.escape(t.id), html.escape(t.name)) for t in self.tenants.values())
        scopes = "".join("<li>%s</li>" % html.escape(s) for s in params.get("scope", "").split())
        return ("<!doctype html><html><head><title>Xero | Authorise</title></head><body>"
                "<h1>%s wants access to your Xero organisations</h1><p>%s</p>"
                '<form method="post" action="/identity/connect/authorize">%s'
                "<h2>Organisations</h2><ul id=\"orgs\">%s</ul><h2>Permissions</h2><ul>%s</ul>"
                '<button type="submit" name="action" value="approve" id="approve">Allow access</button>'
                '<button type="submit" name="action" value="deny" id="deny">Cancel</button>'
                "</form></body></html>") % (html.escape(client["name"]), html.escape(notice), hidden, orgs, scopes)

    # ---- token and revocation ----

    def token_endpoint(self, req):
        """POST /connect/token."""
        form = req.form()
        try:
            with self.lock:
                client = self.identity.client_auth(req, form)
                grant = form.get("grant_type")
                if grant == "authorization_code":
                    body = self.identity.exchange_code(client, form, self.tenants)
                elif grant == "refresh_token":
                    body = self.identity.refresh_grant(client, form)
                else:
                    raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            err = {"error": exc.code}
            if exc.description:
                err["error_description"] = exc.description
            return identity_json(exc.status, err)
        return identity_json(200, body)

    def revocation_endpoint(self, req):
        """POST /connect/revocation: 200 whether or not the token was known (RFC 7009)."""
        form = req.form()
        try:
            with self.lock:
                client = self.identity.client_auth(req, form)
                if not form.get("token"):
                    raise OAuthError("invalid_request")
                self.identity.revoke(client, form["token"])
        except OAuthError as exc:
            return identity_json(exc.status, {"error": exc.code})
        return simcore.Response(200, b"", dict(IDENTITY_HEADERS))

    # ---- connections ----

    def _tenantless(self, req):
        """(token, None, rate headers) or (None, error Response, None) for /connections."""
        correlation = wire.new_id()
        with self.lock:
            token, detail = self.identity.bearer(req)
        if token is None:
            return None, problem(401, detail, correlation), None
        ticket, refused = self.limits.acquire(token["client_id"], None)
        if ticket is None:
            return None, self.too_many(refused), None
        return token, None, ticket.headers

    def connections_list(self, req):
        """GET /connections: compact JSON, Content-Type without charset."""
        token, err, headers = self._tenantless(req)
        if err is not None:
            return err
        with self.lock:
            body = self.identity.list_connections(token["client_id"], req.q("authEventId"))
        resp = simcore.Response(200, json.dumps(body, separators=(",", ":")).encode(),
                                [("Content-Type", "application/json")] + headers)
        return self._connection_headers(resp)

    def connections_delete(self, req, cid):
        """DELETE /connections/{id}: 204; a tenant id or an authEventId instead of the connection id is 403."""
        token, err, headers = self._tenantless(req)
        if err is not None:
            return err
        with self.lock:
            conn = self.identity.connections.get(cid.lower())
            if conn is not None and conn["client_id"] == token["client_id"]:
                del self.identity.connections[cid.lower()]
                return self._connection_headers(simcore.Response(204, b"", headers))
            # The wrong id kind (a tenant id or an authEventId) is 403 (XERO.md section 1.3).
            if cid.lower() in self.tenants or any(
                    c["authEventId"] == cid.lower() for c in self.identity.connections.values()):
                return problem(403, "AuthenticationUnsuccessful", wire.new_id())
        return not_found()

    @staticmethod
    def _connection_headers(resp):
        resp.set_header("Xero-Correlation-Id", wire.new_id())
        resp.set_header("Cache-Control", "max-age=0, no-cache, no-store")
        resp.set_header("Expires", email.utils.formatdate(usegmt=True))
        return resp

    # ---- discovery ----

    def discovery(self, req):
        """OIDC discovery pointing at this simulator."""
        base = "http://" + (req.headers.get("Host") or "127.0.0.1")
        return identity_json(200, {
            "issuer": "https://identity.xero.com",
            "authorization_endpoint": base + "/identity/connect/authorize",
            "token_endpoint": base + "/connect/token",
            "revocation_endpoint": base + "/connect/revocation",
            "jwks_uri": base + "/.well-known/openid-configuration/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        })

    def jwks(self, req):
        """The public key the tokens are signed with."""
        return identity_json(200, jwt.jwks())


def _form_multi(req):
    """Form body as name -> list of values (checkbox groups repeat)."""
    return urllib.parse.parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)


def _error_page(message):
    return ("<!doctype html><html><head><title>Xero | Error</title></head><body><h1>Error</h1><p>%s</p>"
            "</body></html>") % html.escape(message)
