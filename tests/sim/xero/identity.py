"""Xero identity: apps, authorize page, codes, tokens, revocation, connections.

State lives in Identity; every method is called with the app lock held.
Lifetimes: access tokens `access_lifetime` seconds (1800, not time-scaled, a
control switch shortens it); auth codes 300 s; refresh grace 1800 s and unused
refresh lifetime 60 days, both scaled by time_scale.
"""

import base64
import hashlib
import hmac
import re
import secrets
import urllib.parse

from . import jwt
from . import wire

ISSUER = "https://identity.xero.com"
AUDIENCE = "https://identity.xero.com/resources"
GRACE_SECONDS = 1800.0
REFRESH_IDLE_SECONDS = 60 * 86400.0
VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
KNOWN_SCOPES = set(
    """openid profile email offline_access app.connections
    accounting.transactions accounting.transactions.read accounting.contacts accounting.contacts.read
    accounting.settings accounting.settings.read accounting.attachments accounting.attachments.read
    accounting.reports.read accounting.journals.read accounting.budgets.read
    accounting.invoices accounting.invoices.read accounting.payments accounting.payments.read
    accounting.banktransactions accounting.banktransactions.read accounting.manualjournals
    accounting.manualjournals.read accounting.classicexpenses accounting.classicexpenses.read""".split()
)
DEFAULT_SCOPE = (
    "openid profile email offline_access accounting.transactions accounting.contacts "
    "accounting.settings"
)


class OAuthError(Exception):
    """A token-endpoint error: 400 {"error": code}."""

    def __init__(self, code, description=None, status=400):
        super().__init__(code)
        self.code = code
        self.description = description
        self.status = status


class Identity:
    """Clients, the simulated user, codes, tokens and connections."""

    def __init__(self, clock):
        self.clock = clock
        self.clients = {}
        self.user = {
            "xero_userid": wire.new_id(),
            "sub": secrets.token_hex(16),
            "email": "sim.user@example.com",
            "given_name": "Sim",
            "family_name": "User",
        }
        self.settings = {
            "access_lifetime": 1800.0,
            "code_lifetime": 300.0,
            "invalidate_access_on_refresh": False,
            "strict_grace": False,
            "auto": None,
            "auto_tenants": None,
        }
        self.reset_tokens()

    def reset_tokens(self):
        """Forget codes, tokens and connections."""
        self.codes = {}
        self.access = {}
        self.refresh = {}
        self.connections = {}

    # ---- clients ----

    def set_client(self, cfg):
        """Create or update an app: client_id, client_secret (None: PKCE app), redirect_uris, name."""
        cid = cfg.get("client_id") or secrets.token_hex(16).upper()
        client = self.clients.setdefault(cid, {"client_id": cid, "client_secret": None,
                                               "redirect_uris": [], "name": "xhsync-sim"})
        for key in ("client_secret", "redirect_uris", "name"):
            if key in cfg:
                client[key] = cfg[key]
        if isinstance(client["redirect_uris"], str):
            client["redirect_uris"] = [client["redirect_uris"]]
        return client

    def client_auth(self, req, form):
        """The authenticated client for a token/revocation request; raises invalid_client."""
        cid, secret = form.get("client_id"), form.get("client_secret")
        auth = req.headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            try:
                raw = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
                cid, _, secret = raw.partition(":")
            except (ValueError, UnicodeDecodeError) as exc:
                raise OAuthError("invalid_client") from exc
            cid, secret = urllib.parse.unquote(cid), urllib.parse.unquote(secret)
        client = self.clients.get(cid or "")
        if client is None:
            raise OAuthError("invalid_client")
        expected = client["client_secret"]
        if expected is None:
            if secret:
                raise OAuthError("invalid_client")
        elif not secret or not hmac.compare_digest(secret.encode(), expected.encode()):
            raise OAuthError("invalid_client")
        return client

    # ---- authorize ----

    def check_authorize(self, params):
        """Validate authorize parameters.

        Returns (client, None) when the request may proceed, (None, error page text)
        when the client or redirect URI is bad (never redirect then), or
        (client, redirect URL carrying an error) for other errors."""
        client = self.clients.get(params.get("client_id") or "")
        redirect = params.get("redirect_uri") or ""
        if client is None:
            return None, "Unknown client or client not enabled (unauthorized_client)"
        if redirect not in client["redirect_uris"]:
            return None, "Invalid redirect_uri (invalid_request)"
        err = self._authorize_error(client, params)
        return client, (self.error_redirect(params, err) if err else None)

    @staticmethod
    def _authorize_error(client, params):
        if params.get("response_type") != "code":
            return "unsupported_response_type"
        scopes = (params.get("scope") or "").split()
        if not scopes or any(s not in KNOWN_SCOPES for s in scopes):
            return "invalid_scope"
        challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
        if challenge and method != "S256":
            return "invalid_request"
        if client["client_secret"] is None and not challenge:
            return "invalid_request"
        return None

    @staticmethod
    def error_redirect(params, error):
        """redirect_uri?error=...&state=..."""
        out = {"error": error}
        if params.get("state") is not None:
            out["state"] = params["state"]
        return _append_query(params["redirect_uri"], out)

    def approve(self, params, tenant_ids):
        """Issue a code for the chosen tenants; returns the redirect URL."""
        code = secrets.token_urlsafe(32)
        self.codes[code] = {
            "client_id": params["client_id"],
            "redirect_uri": params["redirect_uri"],
            "scopes": params["scope"].split(),
            "tenants": list(tenant_ids),
            "challenge": params.get("code_challenge"),
            "expires": self.clock.now() + self.settings["code_lifetime"],
        }
        out = {"code": code, "scope": params["scope"]}
        if params.get("state") is not None:
            out["state"] = params["state"]
        out["session_state"] = secrets.token_urlsafe(32) + "." + secrets.token_hex(16)
        return _append_query(params["redirect_uri"], out)

    # ---- token endpoint ----

    def exchange_code(self, client, form, tenants):
        """authorization_code grant -> token response dict (connections created)."""
        code = self.codes.pop(form.get("code") or "", None)
        if code is None or code["client_id"] != client["client_id"]:
            raise OAuthError("invalid_grant")
        if self.clock.now() > code["expires"] or form.get("redirect_uri") != code["redirect_uri"]:
            raise OAuthError("invalid_grant")
        if code["challenge"] or form.get("code_verifier"):
            verifier = form.get("code_verifier") or ""
            digest = jwt.b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
            if not VERIFIER_RE.match(verifier) or not code["challenge"] or digest != code["challenge"]:
                raise OAuthError("invalid_grant")
        event = wire.new_id()
        self.connect(client["client_id"], code["tenants"], event, tenants)
        return self.issue(client["client_id"], code["scopes"], event, grant=wire.new_id())

    def refresh_grant(self, client, form):
        """refresh_token grant with rotation and the grace window."""
        now = self.clock.now()
        rec = self.refresh.get(form.get("refresh_token") or "")
        if rec is None or rec["client_id"] != client["client_id"] or rec["revoked"]:
            raise OAuthError("invalid_grant")
        if now - rec["last_used"] > self.clock.window(REFRESH_IDLE_SECONDS):
            raise OAuthError("invalid_grant")
        if rec["rotated_at"] is not None and now - rec["rotated_at"] > self.clock.window(GRACE_SECONDS):
            raise OAuthError("invalid_grant")
        scopes = rec["scopes"]
        if form.get("scope"):
            wanted = form["scope"].split()
            if any(s not in rec["scopes"] for s in wanted):
                raise OAuthError("invalid_scope")
            scopes = wanted
        if self.settings["invalidate_access_on_refresh"]:
            for at in self.access.values():
                if at["grant"] == rec["grant"]:
                    at["revoked"] = True
        if rec["rotated_at"] is not None and self.settings["strict_grace"] and rec["successor"]:
            return self._reissue(rec)
        rec["rotated_at"] = rec["rotated_at"] or now
        rec["last_used"] = now
        resp = self.issue(client["client_id"], scopes, rec["auth_event_id"], grant=rec["grant"])
        rec["successor"] = resp.get("refresh_token")
        return resp

    def _reissue(self, rec):
        """Strict grace mode: the same new refresh token again, with a fresh access token."""
        succ = self.refresh[rec["successor"]]
        resp = self.issue(succ["client_id"], succ["scopes"], succ["auth_event_id"], grant=succ["grant"],
                          with_refresh=False)
        resp["refresh_token"] = rec["successor"]
        return resp

    def issue(self, client_id, scopes, auth_event_id, grant, with_refresh=True):
        """Mint an access token (and refresh/id tokens as scopes allow); token response dict."""
        now = self.clock.now()
        life = self.settings["access_lifetime"]
        claims = {
            "nbf": int(now), "exp": int(now + life), "iss": ISSUER, "aud": AUDIENCE,
            "client_id": client_id, "sub": self.user["sub"], "auth_time": int(now),
            "xero_userid": self.user["xero_userid"], "global_session_id": grant.replace("-", ""),
            "sid": grant.replace("-", ""), "jti": secrets.token_hex(16),
            "authentication_event_id": auth_event_id, "scope": list(scopes),
        }
        at = jwt.encode(claims)
        self.access[at] = {"client_id": client_id, "scopes": list(scopes), "auth_event_id": auth_event_id,
                           "expires": now + life, "revoked": False, "grant": grant}
        resp = {}
        if "openid" in scopes:
            resp["id_token"] = self._id_token(client_id, now, life)
        resp.update({"access_token": at, "expires_in": int(round(life)), "token_type": "Bearer"})
        if with_refresh and "offline_access" in scopes:
            rt = secrets.token_hex(32)
            self.refresh[rt] = {"client_id": client_id, "scopes": list(scopes), "auth_event_id": auth_event_id,
                                "grant": grant, "rotated_at": None, "last_used": now, "revoked": False,
                                "successor": None}
            resp["refresh_token"] = rt
        resp["scope"] = " ".join(scopes)
        return resp

    def _id_token(self, client_id, now, life):
        u = self.user
        return jwt.encode({
            "nbf": int(now), "exp": int(now + life), "iss": ISSUER, "aud": client_id, "iat": int(now),
            "auth_time": int(now), "sub": u["sub"], "xero_userid": u["xero_userid"],
            "preferred_username": u["email"], "email": u["email"], "given_name": u["given_name"],
            "family_name": u["family_name"], "name": u["given_name"] + " " + u["family_name"],
            "amr": ["pwd"],
        })

    def revoke(self, client, token):
        """Revoke a refresh (or access) token's whole grant and the user's connections for the app."""
        rec = self.refresh.get(token) or self.access.get(token)
        if rec is None or rec["client_id"] != client["client_id"]:
            return False
        self.revoke_grant(rec["grant"])
        self.disconnect(lambda c: c["client_id"] == client["client_id"])
        return True

    def revoke_grant(self, grant):
        """Revoke every token of one grant (token family)."""
        for table in (self.access, self.refresh):
            for rec in table.values():
                if rec["grant"] == grant:
                    rec["revoked"] = True

    # ---- bearer tokens ----

    def bearer(self, req):
        """(token record, None) or (None, problem detail) for the Authorization header."""
        auth = req.headers.get("Authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        rec = self.access.get(token)
        if rec is None or rec["revoked"]:
            return None, "AuthenticationUnsuccessful"
        if self.clock.now() >= rec["expires"]:
            when = wire.iso_from_ms(int(rec["expires"] * 1000), "%m/%d/%Y %H:%M:%S")
            return None, "TokenExpired: token expired at " + when
        return rec, None

    # ---- connections ----

    def connect(self, client_id, tenant_ids, auth_event_id, tenants):
        """Create or refresh the user's connections to tenant_ids for client_id."""
        now = wire.now_ms()
        for tid in tenant_ids:
            tenant = tenants[tid]
            conn = self.connection_for(client_id, tid)
            if conn is None:
                conn = {"id": wire.new_id(), "tenantId": tid, "client_id": client_id, "created": now}
                self.connections[conn["id"]] = conn
            conn.update({"authEventId": auth_event_id, "updated": now, "tenantType": tenant.type,
                         "tenantName": tenant.name})

    def connection_for(self, client_id, tenant_id):
        """The connection of client_id to tenant_id, or None."""
        return next((c for c in self.connections.values()
                     if c["client_id"] == client_id and c["tenantId"] == tenant_id), None)

    def disconnect(self, predicate):
        """Remove connections matching predicate; returns how many."""
        gone = [cid for cid, c in self.connections.items() if predicate(c)]
        for cid in gone:
            del self.connections[cid]
        return len(gone)

    def list_connections(self, client_id, auth_event_id=None):
        """GET /connections body for a client (optionally one consent)."""
        out = []
        for c in self.connections.values():
            if c["client_id"] != client_id or (auth_event_id and c["authEventId"] != auth_event_id):
                continue
            out.append({"id": c["id"], "authEventId": c["authEventId"], "tenantId": c["tenantId"],
                        "tenantType": c["tenantType"], "tenantName": c["tenantName"],
                        "createdDateUtc": wire.connection_date(c["created"]),
                        "updatedDateUtc": wire.connection_date(c["updated"])})
        return out

    def snapshot(self):
        """Control-API view (token values included: this is a test double)."""
        now = self.clock.now()
        return {
            "settings": dict(self.settings),
            "clients": list(self.clients.values()),
            "access_tokens": [{"token": t, "expires_in": round(r["expires"] - now, 3), **_public(r)}
                              for t, r in self.access.items()],
            "refresh_tokens": [{"token": t, **_public(r)} for t, r in self.refresh.items()],
            "connections": list(self.connections.values()),
        }


def _public(rec):
    return {k: v for k, v in rec.items() if k != "expires"}


def _append_query(url, params):
    sep = "&" if "?" in url else "?"
    return url + sep + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
