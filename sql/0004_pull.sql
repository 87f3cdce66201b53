-- 0004_pull.sql: the state of a Xero pull pass (DESIGN.md section 3,
-- src/xero/pull.c).
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- A pass reads every record of one object changed since the watermark,
-- page by page in UpdatedDateUTC order. Its state must survive a killed
-- worker, so it lives in the cursor row and moves in the transaction that
-- stores each page:
--   pass_open       a pass has started and not yet read its last page;
--   pass_since      the If-Modified-Since of the current request (NULL:
--                   none, a full pass); it moves forward within a pass to
--                   the newest record read, so later pages never shift;
--   page            the page of the current request (already in 0001);
--   page_size       the page size of the current request's query: a first
--                   page too big for the HTTP client is asked for again at
--                   a smaller size, and the later pages of that query must
--                   use the same size;
--   pass_read       records read in this pass, pass_total the estimate of
--                   the pass's size from Xero's pagination, for progress;
--   pass_started_at when the pass began;
--   full_pass_at    when the last full pass (no If-Modified-Since) began:
--                   a periodic full pass picks up changes that do not bump
--                   UpdatedDateUTC (XERO.md section 2.5);
--   skipped         records not mirrored (other document types, malformed).
-- modified_since (0001) is the newest UpdatedDateUTC mirrored.
ALTER TABLE sync_cursor
	ADD COLUMN pass_open boolean NOT NULL DEFAULT false,
	ADD COLUMN pass_since timestamptz,
	ADD COLUMN page_size int CHECK (page_size BETWEEN 1 AND 1000),
	ADD COLUMN pass_read bigint NOT NULL DEFAULT 0 CHECK (pass_read >= 0),
	ADD COLUMN pass_total bigint CHECK (pass_total >= 0),
	ADD COLUMN pass_started_at timestamptz,
	ADD COLUMN full_pass_at timestamptz,
	ADD COLUMN skipped bigint NOT NULL DEFAULT 0 CHECK (skipped >= 0);
