-- 0018_sync_money.sql: what the push needs for associations, payments,
-- credit notes and items gone from Xero (src/sync/, src/hubspot/write_assoc.c).
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- The associations last created from a record: {"from": its HubSpot id,
-- "<object>": the target's HubSpot id, ...}. An update whose targets are
-- the same creates none again.
ALTER TABLE hubspot_ref ADD COLUMN assoc jsonb CHECK (jsonb_typeof(assoc) = 'object');

-- Payments and credit notes are mirrored on their own (the poll), and an
-- invoice's own Payments[] and CreditNotes[] may be older than they are.
CREATE INDEX xero_record_payment_invoice_idx
	ON xero_record (link_id, xh_uuid_or_null(payload -> 'Invoice' ->> 'InvoiceID'))
	WHERE object = 'payment';
CREATE INDEX xero_record_credit_note_contact_idx
	ON xero_record (link_id, xh_uuid_or_null(payload -> 'Contact' ->> 'ContactID'))
	WHERE object = 'credit_note';

-- A number member of a JSON object, or 0.
CREATE FUNCTION xh_num(doc jsonb, member text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN jsonb_typeof(doc -> member) = 'number' THEN (doc ->> member)::numeric ELSE 0 END
$$;

-- A JSON array member, or an empty array.
CREATE FUNCTION xh_arr(doc jsonb, member text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN jsonb_typeof(doc -> member) = 'array' THEN doc -> member ELSE '[]'::jsonb END
$$;

-- A sales invoice as the push sees it: its paid and credited amounts, due
-- amount, status, Payments[] and FullyPaidOnDate brought up to date with
-- the mirror's payments and credit notes, which may be newer than the
-- invoice's own record. A mirrored payment is live unless DELETED, with
-- its own amount; one the mirror does not hold counts as the invoice
-- lists it. The same for credit note allocations (a VOIDED or DELETED
-- credit note allocates nothing). Amounts the invoice holds beyond its
-- listed payments and allocations (prepayments, overpayments) are kept.
-- An invoice that is not AUTHORISED or PAID, or whose payments and
-- allocations agree with the mirror, is returned unchanged.
CREATE FUNCTION xh_invoice_effective(link bigint, inv jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
	iid uuid := xh_uuid_or_null(inv ->> 'InvoiceID');
	listed_pay numeric; live_pay numeric; listed_cn numeric; live_cn numeric;
	listed_n int; live_n int; pays jsonb; paid numeric; credited numeric; due numeric;
	last_date date; st text;
BEGIN
	IF iid IS NULL OR inv ->> 'Status' NOT IN ('AUTHORISED', 'PAID')
		OR coalesce(inv ->> 'Type', 'ACCREC') <> 'ACCREC' THEN
		RETURN inv;
	END IF;
	SELECT coalesce(sum(xh_num(e, 'Amount')), 0), count(*) INTO listed_pay, listed_n
		FROM jsonb_array_elements(xh_arr(inv, 'Payments')) e;
	WITH l AS (
		SELECT p.payload AS e FROM xero_record p
		 WHERE p.link_id = link AND p.object = 'payment'
		   AND xh_uuid_or_null(p.payload -> 'Invoice' ->> 'InvoiceID') = iid
		   AND p.payload ->> 'Status' IS DISTINCT FROM 'DELETED'
		UNION ALL
		SELECT e FROM jsonb_array_elements(xh_arr(inv, 'Payments')) e
		 WHERE NOT EXISTS (SELECT 1 FROM xero_record p WHERE p.link_id = link
		   AND p.object = 'payment' AND p.xero_id = xh_uuid_or_null(e ->> 'PaymentID')))
	SELECT coalesce(sum(xh_num(e, 'Amount')), 0), count(*),
	       coalesce(jsonb_agg(jsonb_build_object('PaymentID', e -> 'PaymentID', 'Date', e -> 'Date',
	         'Amount', e -> 'Amount') ORDER BY e ->> 'PaymentID'), '[]'::jsonb),
	       max(xh_xero_date(e ->> 'Date'))
	  INTO live_pay, live_n, pays, last_date FROM l;
	SELECT coalesce(sum(xh_num(e, 'AppliedAmount')), 0) INTO listed_cn
		FROM jsonb_array_elements(xh_arr(inv, 'CreditNotes')) e;
	WITH a AS (
		SELECT xh_num(al, 'Amount') AS amt, xh_xero_date(coalesce(al ->> 'Date', c.payload ->> 'Date')) AS d
		  FROM xero_record c CROSS JOIN LATERAL jsonb_array_elements(xh_arr(c.payload, 'Allocations')) al
		 WHERE c.link_id = link AND c.object = 'credit_note'
		   AND xh_uuid_or_null(c.payload -> 'Contact' ->> 'ContactID')
		       = xh_uuid_or_null(inv -> 'Contact' ->> 'ContactID')
		   AND c.payload ->> 'Status' NOT IN ('VOIDED', 'DELETED')
		   AND xh_uuid_or_null(al -> 'Invoice' ->> 'InvoiceID') = iid
		UNION ALL
		SELECT xh_num(e, 'AppliedAmount'), xh_xero_date(e ->> 'Date')
		  FROM jsonb_array_elements(xh_arr(inv, 'CreditNotes')) e
		 WHERE NOT EXISTS (SELECT 1 FROM xero_record c WHERE c.link_id = link
		   AND c.object = 'credit_note' AND c.xero_id = xh_uuid_or_null(e ->> 'CreditNoteID')))
	SELECT coalesce(sum(amt), 0), greatest(last_date, max(d)) INTO live_cn, last_date FROM a;
	IF live_pay = listed_pay AND live_n = listed_n AND live_cn = listed_cn THEN
		RETURN inv;
	END IF;
	paid := xh_num(inv, 'AmountPaid') + live_pay - listed_pay;
	credited := xh_num(inv, 'AmountCredited') + live_cn - listed_cn;
	due := round(xh_num(inv, 'Total') - paid - credited, 2);
	st := CASE WHEN due <= 0 THEN 'PAID' ELSE 'AUTHORISED' END;
	inv := inv || jsonb_build_object('AmountPaid', round(paid, 2), 'AmountCredited',
		round(credited, 2), 'AmountDue', greatest(due, 0), 'Status', st, 'Payments', pays);
	IF st <> 'PAID' THEN
		inv := inv - 'FullyPaidOnDate';
	ELSIF NOT inv ? 'FullyPaidOnDate' AND last_date IS NOT NULL THEN
		inv := inv || jsonb_build_object('FullyPaidOnDate', to_char(last_date, 'YYYY-MM-DD'));
	END IF;
	RETURN inv;
END
$$;

-- Credit notes are HubSpot notes on the company's timeline.
ALTER DOMAIN hubspot_object DROP CONSTRAINT hubspot_object_check;
ALTER DOMAIN hubspot_object ADD CONSTRAINT hubspot_object_check
	CHECK (VALUE IN ('company', 'contact', 'invoice', 'line_item', 'product', 'deal',
	                 'commerce_payment', 'note'));

-- Text made safe inside HTML (a note's body is HTML).
CREATE FUNCTION xh_html(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT replace(replace(replace(replace(coalesce(s, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
		'"', '&quot;')
$$;

-- An amount as 1234.50.
CREATE FUNCTION xh_money_text(v numeric) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT to_char(round(coalesce(v, 0), 2), 'FM999999999999990.00')
$$;

-- The body of a credit note's note on the company's timeline: its number,
-- date, amount, status, remaining credit and each allocation.
CREATE FUNCTION xh_credit_note_body(cn jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT '<p>Xero credit note ' || xh_html(coalesce(cn ->> 'CreditNoteNumber', '(no number)'))
		|| ' dated ' || coalesce(to_char(xh_xero_date(cn ->> 'Date'), 'YYYY-MM-DD'), '?')
		|| ': ' || xh_money_text(xh_num(cn, 'Total')) || ' ' || xh_html(cn ->> 'CurrencyCode')
		|| ' (' || xh_html(cn ->> 'Status') || '), '
		|| xh_money_text(xh_num(cn, 'RemainingCredit')) || ' not allocated.</p>'
		|| coalesce('<p>Allocated: ' || (SELECT string_agg(xh_html(coalesce(
			al -> 'Invoice' ->> 'InvoiceNumber', al -> 'Invoice' ->> 'InvoiceID')) || ' '
			|| xh_money_text(xh_num(al, 'Amount')) || ' on '
			|| coalesce(to_char(xh_xero_date(al ->> 'Date'), 'YYYY-MM-DD'), '?'), '; '
			ORDER BY al ->> 'Date', al -> 'Invoice' ->> 'InvoiceNumber')
			FROM jsonb_array_elements(xh_arr(cn, 'Allocations')) al) || '.</p>', '')
$$;

-- Xero's GET /Items has no paging and no deleted flag: an item missing
-- from a full read is gone (src/xero/pull.c), and its product archived.
ALTER TABLE xero_record ADD COLUMN gone_at timestamptz;

-- Adoption on a link's first push (src/hubspot/adopt_match.c): companies
-- already in HubSpot are taken over by the link setting match_key instead
-- of duplicated. hubspot_adopted_at says it ran.
ALTER TABLE link ADD COLUMN hubspot_adopted_at timestamptz;

-- A Xero contact that matched more than one HubSpot company (or shares its
-- one match with another Xero contact): not guessed, listed for the admin
-- (`xhsync link conflicts`), and its company is not pushed until resolved.
CREATE TABLE sync_conflict (
	link_id     bigint NOT NULL REFERENCES link (id) ON DELETE CASCADE,
	xero_id     uuid NOT NULL,
	match_key   text NOT NULL CHECK (match_key IN ('domain', 'name', 'contact_number')),
	match_value text NOT NULL CHECK (length(match_value) <= 500),
	candidates  jsonb NOT NULL CHECK (jsonb_typeof(candidates) = 'array'),
	created_at  timestamptz NOT NULL DEFAULT now(),
	resolved_at timestamptz,
	resolution  text CHECK (length(resolution) <= 100),
	PRIMARY KEY (link_id, xero_id)
);

-- Free-mail domains never match a company by domain.
CREATE FUNCTION xh_free_mail(d text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT d = ANY (ARRAY['gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.co.nz',
		'ymail.com', 'hotmail.com', 'hotmail.co.uk', 'outlook.com', 'live.com', 'msn.com',
		'icloud.com', 'me.com', 'mac.com', 'aol.com', 'proton.me', 'protonmail.com', 'gmx.com',
		'gmx.de', 'gmx.net', 'mail.com', 'yandex.com', 'yandex.ru', 'zoho.com', 'qq.com', '163.com',
		'web.de', 'fastmail.com', 'hey.com', 'xtra.co.nz', 'bigpond.com', 'btinternet.com'])
$$;

-- The key a company is matched by: a domain (lower case, without scheme,
-- www. or path; NULL for free mail), a name (lower case, no spaces), a
-- contact number (trimmed); NULL when empty.
CREATE FUNCTION xh_match_value(match_key text, v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT nullif(CASE match_key
		WHEN 'domain' THEN (SELECT CASE WHEN xh_free_mail(d) THEN NULL ELSE d END FROM (SELECT
			regexp_replace(regexp_replace(lower(btrim(coalesce(v, ''))), '^[a-z]+://', ''),
			'^www\.|[/:?#].*$', '', 'g') AS d) x)
		WHEN 'name' THEN regexp_replace(lower(coalesce(v, '')), '\s+', '', 'g')
		WHEN 'contact_number' THEN btrim(coalesce(v, ''))
	END, '')
$$;

-- Link filters (link_settings.c names them): why an invoice is not sent,
-- or NULL. filters.invoice_from "YYYY-MM-DD": older invoices; currencies
-- "NZD,AUD": invoices in another currency (the reason starts "currency").
CREATE FUNCTION xh_invoice_filter(settings jsonb, inv jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
	from_s text := nullif(settings -> 'filters' ->> 'invoice_from', '');
	cur_s text := nullif(replace(upper(settings ->> 'currencies'), ' ', ''), '');
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
	RETURN NULL;
END
$$;

-- filters.customers_only: a Xero contact not marked a customer is not sent.
CREATE FUNCTION xh_contact_filter(settings jsonb, c jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN settings -> 'filters' -> 'customers_only' = 'true'::jsonb
		AND c -> 'IsCustomer' IS DISTINCT FROM 'true'::jsonb
		THEN 'not a customer in Xero (filters.customers_only)' END
$$;
