-- 0006_hubspot_auth.sql: HubSpot credentials and the property bootstrap
-- (src/hubspot/auth.c, src/hubspot/bootstrap.c).
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- The property bootstrap's last result for the link's portal:
--   {"portal": "<hub id>", "objects": {"company": {"ok": true,
--    "properties": {"xero_contact_id": "created", "xero_url": "exists",
--                   "xero_status": "conflict: ..."}}, ...}}
-- Pushes refuse an object whose entry is missing, not ok, or was checked
-- against another portal (hubspot_bootstrap_ok()).
ALTER TABLE link
	ADD COLUMN hubspot_bootstrap jsonb
		CHECK (hubspot_bootstrap IS NULL OR jsonb_typeof(hubspot_bootstrap) = 'object'),
	ADD COLUMN hubspot_bootstrap_at timestamptz;

-- An OAuth authorization started by the operator from the command line
-- (`xhsync hubspot authorize`) has no console session.
ALTER TABLE oauth_flow ALTER COLUMN session_hash DROP NOT NULL;
