-- A Xero contact's other people as HubSpot contacts (link setting
-- contact_persons), and the invoice-statuses filter (filters.invoice_statuses).

-- The uuid that stands for the contact person with this email of a Xero
-- contact in hubspot_ref.xero_id: md5 of the ContactID and the lower-cased
-- email, stamped as a version 8 ("custom") uuid. Xero's own ids are version
-- 4, so a person's ref is told from a contact's by its version digit.
CREATE FUNCTION xh_person_id(contact uuid, email text) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT (substr(h, 1, 12) || '8' || substr(h, 14, 3)
		|| translate(substr(h, 17, 1), '0123456789abcdef', '89ab89ab89ab89ab')
		|| substr(h, 18))::uuid
	FROM md5(contact::text || lower(btrim(coalesce(email, '')))) AS h
$$;

-- 1 if a hubspot_ref xero_id is a contact person's (xh_person_id).
CREATE FUNCTION xh_is_person_id(id uuid) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT substr(id::text, 15, 1) = '8'
$$;

-- A contact person as the contact mapping reads it: the Xero contact's
-- record without its ContactPersons, with the person's FirstName, LastName
-- and EmailAddress in place of the primary person's.
CREATE FUNCTION xh_person_doc(contact jsonb, person jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT (contact - 'ContactPersons' - 'FirstName' - 'LastName' - 'EmailAddress')
		|| jsonb_strip_nulls(jsonb_build_object('FirstName', person -> 'FirstName',
			'LastName', person -> 'LastName', 'EmailAddress', person -> 'EmailAddress'))
$$;

-- The contact persons a link sends for Xero contact c: none unless the
-- setting contact_persons is on; else each person with IncludeInEmails,
-- once per email (the first listed), with its email trimmed and lower-cased
-- ('' when it has none).
CREATE FUNCTION xh_contact_persons(settings jsonb, c jsonb)
RETURNS TABLE (email text, person jsonb)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT DISTINCT ON (e.email) e.email, e.p FROM (
		SELECT lower(btrim(coalesce(p ->> 'EmailAddress', ''))) AS email, p, n
		FROM jsonb_array_elements(xh_arr(c, 'ContactPersons')) WITH ORDINALITY AS x(p, n)
		WHERE settings -> 'contact_persons' = 'true'::jsonb AND jsonb_typeof(p) = 'object'
			AND p -> 'IncludeInEmails' = 'true'::jsonb) e
	ORDER BY e.email, e.n
$$;

-- Link filters (link_settings.c names them): why an invoice is not sent,
-- or NULL. filters.invoice_from "YYYY-MM-DD": older invoices; currencies
-- "NZD,AUD": invoices in another currency (the reason starts "currency");
-- filters.invoice_statuses "AUTHORISED,PAID": invoices in another status
-- (the reason starts "status", and comes last: the push still updates an
-- invoice already in HubSpot whose status leaves the list, so a void or a
-- payment reaches it).
CREATE OR REPLACE FUNCTION xh_invoice_filter(settings jsonb, inv jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	from_s text := nullif(settings -> 'filters' ->> 'invoice_from', '');
	cur_s text := nullif(replace(upper(settings ->> 'currencies'), ' ', ''), '');
	st_s text := nullif(replace(upper(settings -> 'filters' ->> 'invoice_statuses'), ' ', ''), '');
	d date := xh_xero_date(coalesce(inv ->> 'Date', inv ->> 'DateString'));
BEGIN
	IF from_s ~ '^\d{4}-\d{2}-\d{2}$' AND (d IS NULL OR d < from_s::date) THEN
		RETURN 'dated ' || coalesce(d::text, '(no date)') || ', before filters.invoice_from '
			|| from_s;
	END IF;
	IF cur_s IS NOT NULL AND NOT coalesce(upper(inv ->> 'CurrencyCode') = ANY (string_to_array(cur_s, ',')),
		false) THEN
		RETURN 'currency ' || coalesce(inv ->> 'CurrencyCode', '(none)')
			|| ' is not among the link''s currencies (' || cur_s || ')';
	END IF;
	IF st_s IS NOT NULL AND NOT coalesce(upper(inv ->> 'Status') = ANY (string_to_array(st_s, ',')),
		false) THEN
		RETURN 'status ' || coalesce(inv ->> 'Status', '(none)')
			|| ' is not among filters.invoice_statuses (' || st_s || ')';
	END IF;
	RETURN NULL;
END
$$;
