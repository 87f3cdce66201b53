-- 0010_sync.sql: the push from the mirror to HubSpot (src/sync/push.c).
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- Xero's "/Date(1539993600000+0000)/" or an ISO date ("2018-10-20T00:00:00")
-- as a date in UTC; NULL for anything else. Immutable, so indexes may use it.
CREATE FUNCTION xh_xero_date(s text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
	IF s ~ '^/Date\(-?[0-9]{1,15}([+-][0-9]{4})?\)/$' THEN
		RETURN date '1970-01-01' + floor(substring(s FROM '-?[0-9]+')::bigint / 86400000.0)::int;
	ELSIF s ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN
		RETURN substring(s FROM 1 FOR 10)::date;
	END IF;
	RETURN NULL;
EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
	RETURN NULL;
END
$$;

-- A Xero id as a uuid, or NULL when the text is not one: nested ids
-- (an invoice's Contact.ContactID) are not checked by the pull.
CREATE FUNCTION xh_uuid_or_null(s text) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN s ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
		THEN s::uuid END
$$;

-- A money member of a Xero document in the organisation's base currency
-- (amount / CurrencyRate; a missing or zero rate counts as 1).
CREATE FUNCTION xh_base_amount(doc jsonb, member text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN jsonb_typeof(doc -> member) = 'number' THEN
		(doc ->> member)::numeric / coalesce(nullif(CASE WHEN jsonb_typeof(doc -> 'CurrencyRate')
			= 'number' THEN (doc ->> 'CurrencyRate')::numeric END, 0), 1)
	END
$$;

-- A company's balances are summed over its invoices in the mirror.
CREATE INDEX xero_record_invoice_contact_idx
	ON xero_record (link_id, xh_uuid_or_null(payload -> 'Contact' ->> 'ContactID'))
	WHERE object = 'invoice';

-- What the push decided for a record it did not write:
--   excluded     why the record is not sent (a filter, a draft voided
--                before it was ever sent, no usable email); with
--                pushed_hash set to what was looked at, so an unchanged
--                record is not looked at again;
--   failed_hash  the hash of the content that failed (mapping or HubSpot
--                refused it), so it is not retried until it changes or is
--                replayed; last_error (0001) says why.
ALTER TABLE hubspot_ref
	ADD COLUMN excluded text CHECK (length(excluded) <= 500),
	ADD COLUMN failed_hash sha256_digest;
CREATE INDEX hubspot_ref_excluded_idx ON hubspot_ref (link_id, object)
	WHERE excluded IS NOT NULL;
