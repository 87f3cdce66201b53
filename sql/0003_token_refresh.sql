-- 0003_token_refresh.sql: Xero token refresh without forked token sets
-- (DESIGN.md section 7), and recurring schedules per link (section 5).
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- issued_at: when the stored token set was obtained (consent or refresh);
-- the token keep-alive refreshes sets older than its threshold, so a
-- refresh token never reaches Xero's 60-day idle limit.
-- refreshing_until / refresh_holder: the refresh lease. Xero refresh
-- tokens rotate, and two workers refreshing one set would fork it, so a
-- worker first claims the lease in a short transaction (SELECT ... FOR
-- UPDATE, re-read, then set the lease), commits, and only the lease holder
-- calls the token endpoint; no row lock is held across that HTTP call.
-- The holder stores the new pair only while it still holds the lease. A
-- lease outlives the call's timeout, and an expired one (a killed worker)
-- may be taken over: Xero's 30-minute grace lets the old refresh token be
-- used again.
ALTER TABLE credential
	ADD COLUMN issued_at timestamptz NOT NULL DEFAULT now(),
	ADD COLUMN refreshing_until timestamptz,
	ADD COLUMN refresh_holder text CHECK (length(refresh_holder) BETWEEN 1 AND 200),
	ADD CONSTRAINT credential_refresh_lease_check
		CHECK ((refreshing_until IS NULL) = (refresh_holder IS NULL));

-- A refresh the vendor refused for good (invalid_grant) moves the link to
-- needs_reconnect and is audited with that outcome.
ALTER TABLE audit_event DROP CONSTRAINT audit_event_outcome_check;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_outcome_check
	CHECK (outcome IN ('ok', 'error', 'skipped', 'needs_reconnect'));

-- Per-link schedules (key "<schedule>:<link id>") belong to their link and
-- go with it.
ALTER TABLE job_schedule ADD COLUMN link_id bigint REFERENCES link (id) ON DELETE CASCADE;
CREATE INDEX job_schedule_link_idx ON job_schedule (link_id) WHERE link_id IS NOT NULL;
