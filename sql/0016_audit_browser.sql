-- 0016_audit_browser.sql: the console's audit browser (GET /audit) and the
-- property diffs of the push.
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- What the push last wrote for a record: the mapped HubSpot properties
-- only ({name: value}), never the Xero payload, so its size is bounded by
-- the mapping. The next write's audit detail lists the properties that
-- changed as before -> after (a first write has before = null).
ALTER TABLE hubspot_ref
	ADD COLUMN pushed_props jsonb CHECK (jsonb_typeof(pushed_props) = 'object');

-- The browser pages newest first by (at, id) (keyset: the cursor is the
-- last row's (at, id)). One index per filter it offers, each ending in
-- (at, id), so a filtered page is one backward index range scan however
-- many rows the table holds. (link_id, at, id) replaces (link_id, at).
DROP INDEX audit_event_link_idx;
CREATE INDEX audit_event_link_idx ON audit_event (link_id, at, id);
CREATE INDEX audit_event_page_idx ON audit_event (at, id);
CREATE INDEX audit_event_object_idx ON audit_event (object, at, id);
CREATE INDEX audit_event_xero_idx ON audit_event (xero_id, at, id) WHERE xero_id IS NOT NULL;
CREATE INDEX audit_event_hubspot_idx ON audit_event (hubspot_id, at, id)
	WHERE hubspot_id IS NOT NULL;
CREATE INDEX audit_event_action_idx ON audit_event (action, at, id);
CREATE INDEX audit_event_outcome_idx ON audit_event (outcome, at, id);

-- A mirrored record's document number or name as the browser searches it
-- (case-insensitive): an invoice's or credit note's number, a contact's or
-- an item's name.
CREATE FUNCTION xh_record_label(doc jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(doc ->> 'InvoiceNumber', doc ->> 'CreditNoteNumber', doc ->> 'Name')
$$;
CREATE INDEX xero_record_label_idx ON xero_record (lower(xh_record_label(payload)));
