-- 0012_xero_connect.sql: connecting Xero from the console
-- (src/web/handlers/xero_connect.c, src/xero/connections.c).
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- A console authorization (POST /connect/xero) is bound to the browser
-- that started it by a short-lived cookie whose SHA-256 is kept here: the
-- session cookie (SameSite=Strict) is not sent when Xero redirects back.
-- scope is the permission set asked for. For console flows, state holds
-- the hex SHA-256 of the state sent to Xero and code_verifier the hex
-- SHA-256 of the PKCE verifier, i.e. the public S256 challenge: the
-- verifier is derived from the browser cookie's token and never stored.
ALTER TABLE oauth_flow ADD COLUMN browser_hash sha256_digest;
ALTER TABLE oauth_flow ADD COLUMN scope text CHECK (length(scope) <= 1000);

-- A Xero token set between the callback and the admin's choice of
-- organisations: sealed (associated data "xero_grant:<id>"), bound to the
-- session, gone after 15 minutes or once used. connections is what
-- GET /connections said for this consent (no secret).
CREATE TABLE xero_grant (
	id           bigserial PRIMARY KEY,
	session_hash sha256_digest NOT NULL REFERENCES session (token_hash) ON DELETE CASCADE,
	grant_id     uuid NOT NULL,
	key_id       text NOT NULL CHECK (key_id ~ '^[A-Za-z0-9_-]{1,32}$'),
	sealed       bytea NOT NULL CHECK (length(sealed) >= 29),
	connections  jsonb NOT NULL CHECK (jsonb_typeof(connections) = 'array'),
	created_at   timestamptz NOT NULL DEFAULT now(),
	expires_at   timestamptz NOT NULL
);
CREATE INDEX xero_grant_session_idx ON xero_grant (session_hash, id);
CREATE INDEX xero_grant_expires_idx ON xero_grant (expires_at);

-- Links made from one consent share its token set (one Xero grant); the
-- grant's refresh token is revoked when its last link is disconnected.
ALTER TABLE link ADD COLUMN xero_grant_id uuid;
-- The Xero user who consented (the token's xero_userid): revoking a refresh
-- token removes all of that user's connections (XERO.md section 1.5), so it is
-- revoked only when no other connected link has the same user.
ALTER TABLE link ADD COLUMN xero_user_id uuid;
CREATE INDEX link_xero_grant_idx ON link (xero_grant_id) WHERE xero_grant_id IS NOT NULL;
