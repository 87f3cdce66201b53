-- 0018_sync_money.sql: what the push needs for associations, payments,
-- credit notes and items gone from Xero (src/sync/, src/hubspot/write_assoc.c).
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- The associations last created from a record: {"from": its HubSpot id,
-- "<object>": the target's HubSpot id, ...}. An update whose targets are
-- the same creates none again.
ALTER TABLE hubspot_ref ADD COLUMN assoc jsonb CHECK (jsonb_typeof(assoc) = 'object');
