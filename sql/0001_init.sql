-- 0001_init.sql: the data model of DESIGN.md section 4, except the job
-- queue and the rate limiter (0002_jobs.sql).
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.
--
-- Conventions:
--   * ids are bigserial; timestamps are timestamptz, NOT NULL DEFAULT now();
--   * hashes and tokens are bytea (SHA-256: 32 bytes), never the token;
--   * a child that means nothing without its parent is ON DELETE CASCADE;
--     history (webhook deliveries, audit) survives with link_id set NULL;
--   * Xero ids are GUIDs (uuid); HubSpot ids are numeric strings (text).

-- Keeps updated_at honest on every UPDATE, whatever the caller sets.
CREATE FUNCTION xh_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.updated_at := now();
	RETURN NEW;
END
$$;

-- Record kinds read from Xero (the mirror and the pull cursors).
CREATE DOMAIN xero_object AS text
	CHECK (VALUE IN ('contact', 'invoice', 'credit_note', 'payment', 'item'));

-- Record kinds written to HubSpot (references and field mappings).
CREATE DOMAIN hubspot_object AS text
	CHECK (VALUE IN ('company', 'contact', 'invoice', 'line_item', 'product', 'deal'));

CREATE DOMAIN vendor_name AS text CHECK (VALUE IN ('xero', 'hubspot'));

-- SHA-256 digest.
CREATE DOMAIN sha256_digest AS bytea CHECK (length(VALUE) = 32);

------------------------------------------------------------------------
-- Admin users and their sessions.

-- Console users. email is unique case-insensitively (index below);
-- password_hash is an encoded Argon2id string ($argon2id$v=19$...).
CREATE TABLE app_user (
	id            bigserial PRIMARY KEY,
	email         text NOT NULL
	              CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%'),
	password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
	disabled      boolean NOT NULL DEFAULT false,
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now(),
	last_login_at timestamptz
);
CREATE UNIQUE INDEX app_user_email_key ON app_user (lower(email));
CREATE TRIGGER app_user_touch BEFORE UPDATE ON app_user
	FOR EACH ROW EXECUTE FUNCTION xh_touch_updated_at();

-- Logged-in sessions, keyed by SHA-256 of the cookie token (the token
-- itself is never stored). A session ends at the earlier of expires_at
-- (absolute) and idle_expires_at (pushed forward on use).
CREATE TABLE session (
	token_hash      sha256_digest PRIMARY KEY,
	user_id         bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
	csrf_token_hash sha256_digest NOT NULL,
	created_at      timestamptz NOT NULL DEFAULT now(),
	last_seen_at    timestamptz NOT NULL DEFAULT now(),
	idle_expires_at timestamptz NOT NULL,
	expires_at      timestamptz NOT NULL,
	remote_addr     inet,
	user_agent      text CHECK (length(user_agent) <= 512),
	CHECK (idle_expires_at <= expires_at)
);
CREATE INDEX session_user_idx ON session (user_id);
CREATE INDEX session_expires_idx ON session (expires_at);

------------------------------------------------------------------------
-- Links and their secrets.

-- One Xero organisation synced to one HubSpot portal. The vendor ids are
-- known once each side is connected. settings holds the objects switched
-- on, filters, schedule and policies, e.g.
--   {"objects": {"contact": true, "invoice": true}, "poll_minutes": 60}
CREATE TABLE link (
	id                bigserial PRIMARY KEY,
	name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	status            text NOT NULL DEFAULT 'setup'
	                  CHECK (status IN ('setup', 'active', 'paused', 'needs_reconnect', 'error')),
	status_reason     text,
	xero_tenant_id    uuid,
	hubspot_portal_id bigint CHECK (hubspot_portal_id > 0),
	settings          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
	created_at        timestamptz NOT NULL DEFAULT now(),
	updated_at        timestamptz NOT NULL DEFAULT now(),
	UNIQUE (xero_tenant_id, hubspot_portal_id)
);
-- Webhook intake finds links by the vendor's tenant or portal id.
CREATE INDEX link_xero_tenant_idx ON link (xero_tenant_id) WHERE xero_tenant_id IS NOT NULL;
CREATE INDEX link_hubspot_portal_idx ON link (hubspot_portal_id)
	WHERE hubspot_portal_id IS NOT NULL;
CREATE TRIGGER link_touch BEFORE UPDATE ON link
	FOR EACH ROW EXECUTE FUNCTION xh_touch_updated_at();

-- Sealed secrets (AES-256-GCM, see crypto.h): OAuth token sets, HubSpot
-- app tokens, webhook keys. purpose names the secret, e.g. 'oauth',
-- 'app_token', 'webhook_key'. key_id names the master key that sealed it
-- (rotate-key re-seals rows with an old key_id); version is bumped on
-- every write so a refresh can detect that another worker got there first.
CREATE TABLE credential (
	id         bigserial PRIMARY KEY,
	link_id    bigint NOT NULL REFERENCES link (id) ON DELETE CASCADE,
	vendor     vendor_name NOT NULL,
	purpose    text NOT NULL CHECK (purpose ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
	key_id     text NOT NULL CHECK (key_id ~ '^[A-Za-z0-9_-]{1,32}$'),
	version    int NOT NULL DEFAULT 1 CHECK (version >= 1),
	sealed     bytea NOT NULL CHECK (length(sealed) >= 29),
	expires_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (link_id, vendor, purpose)
);
CREATE INDEX credential_key_idx ON credential (key_id);
-- The token keep-alive looks for credentials expiring soon.
CREATE INDEX credential_expires_idx ON credential (expires_at) WHERE expires_at IS NOT NULL;
CREATE TRIGGER credential_touch BEFORE UPDATE ON credential
	FOR EACH ROW EXECUTE FUNCTION xh_touch_updated_at();

-- An OAuth authorization in progress: the state sent to the vendor, the
-- PKCE verifier, and the admin session that started it. Rows live minutes;
-- link_id is NULL when the flow creates a new link.
CREATE TABLE oauth_flow (
	state         text PRIMARY KEY CHECK (length(state) BETWEEN 16 AND 128),
	provider      vendor_name NOT NULL,
	code_verifier text NOT NULL CHECK (length(code_verifier) BETWEEN 43 AND 128),
	session_hash  sha256_digest NOT NULL REFERENCES session (token_hash) ON DELETE CASCADE,
	link_id       bigint REFERENCES link (id) ON DELETE CASCADE,
	redirect_uri  text NOT NULL,
	created_at    timestamptz NOT NULL DEFAULT now(),
	expires_at    timestamptz NOT NULL
);
CREATE INDEX oauth_flow_expires_idx ON oauth_flow (expires_at);
CREATE INDEX oauth_flow_session_idx ON oauth_flow (session_hash);

-- Per-link overrides of the default field mapping (defaults ship in code):
-- target_property <- source_path | transform, for one HubSpot object.
CREATE TABLE field_mapping (
	id              bigserial PRIMARY KEY,
	link_id         bigint NOT NULL REFERENCES link (id) ON DELETE CASCADE,
	object          hubspot_object NOT NULL,
	target_property text NOT NULL CHECK (target_property ~ '^[a-z0-9_]{1,100}$'),
	source_path     text NOT NULL CHECK (length(source_path) BETWEEN 1 AND 500),
	transform       text NOT NULL DEFAULT 'text' CHECK (length(transform) BETWEEN 1 AND 500),
	enabled         boolean NOT NULL DEFAULT true,
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now(),
	UNIQUE (link_id, object, target_property)
);
CREATE TRIGGER field_mapping_touch BEFORE UPDATE ON field_mapping
	FOR EACH ROW EXECUTE FUNCTION xh_touch_updated_at();

------------------------------------------------------------------------
-- The sync pipeline: mirror, references, cursors.

-- The local mirror of Xero records (DESIGN.md section 3): one row per
-- record as last read, with the hash of its canonical content.
-- updated_at is Xero's UpdatedDateUTC.
CREATE TABLE xero_record (
	link_id      bigint NOT NULL REFERENCES link (id) ON DELETE CASCADE,
	object       xero_object NOT NULL,
	xero_id      uuid NOT NULL,
	updated_at   timestamptz NOT NULL,
	payload      jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
	content_hash sha256_digest NOT NULL,
	fetched_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (link_id, object, xero_id)
);
-- Push walks a link's records of one kind in Xero's order.
CREATE INDEX xero_record_order_idx ON xero_record (link_id, object, updated_at, xero_id);

-- What was written to HubSpot for a Xero record: one row per HubSpot
-- object made from it (a Xero contact yields a company and a contact).
-- A record needs a push when pushed_hash differs from its content_hash.
CREATE TABLE hubspot_ref (
	link_id       bigint NOT NULL REFERENCES link (id) ON DELETE CASCADE,
	object        hubspot_object NOT NULL,
	xero_id       uuid NOT NULL,
	hubspot_id    text CHECK (hubspot_id ~ '^[0-9]{1,20}$'),
	pushed_hash   sha256_digest,
	pushed_at     timestamptz,
	attempts      int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	last_error    text,
	last_error_at timestamptz,
	PRIMARY KEY (link_id, object, xero_id)
);
-- One HubSpot record belongs to one Xero record; also the reverse lookup
-- for HubSpot webhooks.
CREATE UNIQUE INDEX hubspot_ref_hubspot_key ON hubspot_ref (link_id, object, hubspot_id)
	WHERE hubspot_id IS NOT NULL;
-- The health page lists failing records.
CREATE INDEX hubspot_ref_failing_idx ON hubspot_ref (link_id, object, last_error_at)
	WHERE last_error IS NOT NULL;

-- Pull progress per link and Xero object: the If-Modified-Since watermark,
-- the next page of the current pass, and counts for the progress display.
CREATE TABLE sync_cursor (
	link_id        bigint NOT NULL REFERENCES link (id) ON DELETE CASCADE,
	object         xero_object NOT NULL,
	modified_since timestamptz,
	page           int NOT NULL DEFAULT 1 CHECK (page >= 1),
	pulled         bigint NOT NULL DEFAULT 0 CHECK (pulled >= 0),
	pushed         bigint NOT NULL DEFAULT 0 CHECK (pushed >= 0),
	failed         bigint NOT NULL DEFAULT 0 CHECK (failed >= 0),
	last_pull_at   timestamptz,
	last_push_at   timestamptz,
	updated_at     timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (link_id, object)
);
CREATE TRIGGER sync_cursor_touch BEFORE UPDATE ON sync_cursor
	FOR EACH ROW EXECUTE FUNCTION xh_touch_updated_at();

------------------------------------------------------------------------
-- Webhooks and audit.

-- Raw verified webhook deliveries, byte for byte (capped at 1 MiB by the
-- intake). dedupe_key makes a redelivery a no-op. link_id is NULL when a
-- delivery names no known link or spans several.
CREATE TABLE webhook_event (
	id           bigserial PRIMARY KEY,
	vendor       vendor_name NOT NULL,
	link_id      bigint REFERENCES link (id) ON DELETE SET NULL,
	dedupe_key   text NOT NULL UNIQUE CHECK (length(dedupe_key) BETWEEN 1 AND 200),
	received_at  timestamptz NOT NULL DEFAULT now(),
	body         bytea NOT NULL CHECK (length(body) <= 1048576),
	processed_at timestamptz
);
CREATE INDEX webhook_event_link_idx ON webhook_event (link_id, received_at);
CREATE INDEX webhook_event_received_idx ON webhook_event USING brin (received_at);

-- Records a webhook said changed, waiting for the debounced pull that
-- fetches them by id (DESIGN.md section 3, step 4).
CREATE TABLE pending_fetch (
	link_id  bigint NOT NULL REFERENCES link (id) ON DELETE CASCADE,
	object   xero_object NOT NULL,
	xero_id  uuid NOT NULL,
	added_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (link_id, object, xero_id)
);

-- Every record-level action and every admin action: who did what to which
-- record, and how it went. detail holds the diff or the error. job_id has
-- no foreign key: finished jobs are purged, their audit stays.
CREATE TABLE audit_event (
	id         bigserial PRIMARY KEY,
	at         timestamptz NOT NULL DEFAULT now(),
	link_id    bigint REFERENCES link (id) ON DELETE SET NULL,
	object     text,
	xero_id    uuid,
	hubspot_id text,
	action     text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.]{0,63}$'),
	outcome    text NOT NULL CHECK (outcome IN ('ok', 'error', 'skipped')),
	job_id     bigint,
	actor      text NOT NULL DEFAULT 'system' CHECK (length(actor) BETWEEN 1 AND 200),
	detail     jsonb
);
CREATE INDEX audit_event_link_idx ON audit_event (link_id, at);
CREATE INDEX audit_event_record_idx ON audit_event (link_id, object, xero_id, at)
	WHERE xero_id IS NOT NULL;
CREATE INDEX audit_event_errors_idx ON audit_event (link_id, at) WHERE outcome = 'error';
-- Retention deletes by age; the table is append-only, so BRIN is enough.
CREATE INDEX audit_event_at_idx ON audit_event USING brin (at);
