-- 0011_link_vendor_names.sql: what the console shows and needs about the two
-- ends of a link.
--
-- Applied by `xhsync migrate` inside one transaction; never edit this file
-- once applied anywhere: add a new numbered file instead.

-- Xero: the connection this link was granted through (GET /connections "id",
-- which DELETE /connections/{id} needs: never the tenant id), and the
-- organisation's name as Xero gave it, for display only.
ALTER TABLE link ADD COLUMN xero_connection_id uuid;
ALTER TABLE link ADD COLUMN xero_tenant_name text CHECK (length(xero_tenant_name) <= 500);

-- HubSpot: the portal's name or domain as the account-info call gave it, for
-- display only.
ALTER TABLE link ADD COLUMN hubspot_portal_name text CHECK (length(hubspot_portal_name) <= 500);
