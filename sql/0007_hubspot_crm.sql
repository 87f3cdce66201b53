-- The HubSpot CRM client (issue 9): commerce payments are written too,
-- line items remember their invoice (so removed lines can be archived),
-- and the portal's property definitions are cached per link.

ALTER DOMAIN hubspot_object DROP CONSTRAINT hubspot_object_check;
ALTER DOMAIN hubspot_object ADD CONSTRAINT hubspot_object_check
	CHECK (VALUE IN ('company', 'contact', 'invoice', 'line_item', 'product', 'deal',
	                 'commerce_payment'));

-- A line item's invoice (its Xero InvoiceID); NULL for other objects.
ALTER TABLE hubspot_ref ADD COLUMN parent_xero_id uuid;
CREATE INDEX hubspot_ref_parent_idx ON hubspot_ref (link_id, object, parent_xero_id)
	WHERE parent_xero_id IS NOT NULL;

-- GET /crm/v3/properties/{object} as read, for the mapping editor.
CREATE TABLE hubspot_property_cache (
	link_id    bigint NOT NULL REFERENCES link (id) ON DELETE CASCADE,
	object     hubspot_object NOT NULL,
	body       jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object'),
	fetched_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (link_id, object)
);
