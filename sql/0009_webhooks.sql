-- Webhook intake (issue 12, DESIGN.md section 8).

-- The app's webhook keys (Xero) and client secrets (HubSpot), sealed like
-- every secret (cred.c: AES-256-GCM, associated data
-- "webhook_key:<vendor>:<label>"). They are the app's, not a link's: one
-- Xero app signs every organisation's deliveries with its webhook key,
-- one HubSpot app's client secret signs every portal's, and a delivery is
-- verified before we may read which tenant it is for. credential rows
-- belong to a link (link_id NOT NULL), so these have a table of their own.
-- Several rows of a vendor are active at once while a key is rotated.
CREATE TABLE webhook_key (
	id         bigserial PRIMARY KEY,
	vendor     vendor_name NOT NULL,
	label      text NOT NULL CHECK (label ~ '^[A-Za-z0-9_.:-]{1,64}$'),
	key_id     text NOT NULL CHECK (key_id ~ '^[A-Za-z0-9_-]{1,32}$'),
	sealed     bytea NOT NULL CHECK (length(sealed) >= 29),
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (vendor, label)
);
CREATE INDEX webhook_key_key_idx ON webhook_key (key_id);

-- The delivery log: one row per request to a webhook endpoint, verified
-- or not, for the console and `xhsync webhook log`. outcome says what
-- became of it; sample holds the start of a refused body, escaped, for
-- diagnosis (never a verified body: those are in webhook_event).
CREATE TABLE webhook_delivery (
	id          bigserial PRIMARY KEY,
	vendor      vendor_name NOT NULL,
	received_at timestamptz NOT NULL DEFAULT now(),
	status      smallint NOT NULL CHECK (status BETWEEN 100 AND 599),
	verified    boolean NOT NULL,
	outcome     text NOT NULL CHECK (outcome ~ '^[a-z_]{1,32}$'),
	events      int NOT NULL DEFAULT 0 CHECK (events >= 0),
	new_events  int NOT NULL DEFAULT 0 CHECK (new_events >= 0),
	unknown     int NOT NULL DEFAULT 0 CHECK (unknown >= 0),
	link_ids    bigint[] NOT NULL DEFAULT '{}',
	job_ids     bigint[] NOT NULL DEFAULT '{}',
	sample      text CHECK (length(sample) <= 1024)
);
CREATE INDEX webhook_delivery_received_idx ON webhook_delivery (vendor, received_at);

-- A verified event remembers its delivery (no foreign key: the log is pruned first).
ALTER TABLE webhook_event ADD COLUMN delivery_id bigint;

-- The fetch marks an id Xero no longer returns instead of asking again
-- forever; a new webhook for it clears the mark.
ALTER TABLE pending_fetch ADD COLUMN missing_at timestamptz;
CREATE INDEX pending_fetch_due_idx ON pending_fetch (link_id, object, added_at)
	WHERE missing_at IS NULL;
