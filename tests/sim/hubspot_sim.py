#!/usr/bin/python3
"""HubSpot simulator for xhsync tests, demo mode and benchmarks.

    /usr/bin/python3 tests/sim/hubspot_sim.py --port 8092 [--host 127.0.0.1]
        [--demo] [--seed N] [--time-scale 1.0] [--webhook-url URL] [--client-id ID]
        [--client-secret S]

Defaults: portal 12345678 (starter tier), app id 987654, client id
xhsync-demo-client, client secret hubsim-client-secret-0001, every scope
granted. --demo seeds companies and contacts and prints a static token that
depends only on --seed.

Written from shared/reference/HUBSPOT.md and the OpenAPI specs beside it. The
code is in tests/sim/hubspot/ (one module per concern: auth, objects, batch,
search, properties, associations, invoices, ratelimit, webhooks, control);
each module's docstring lists the vendor rules it implements.

API surface (also under the dated /crm/objects/2026-03, /crm/properties/2026-03,
/crm/associations/2026-03 and /oauth/2026-03 prefixes):
  /crm/v3/objects/{type}[/{id}]                 list, create, get, update, archive
  /crm/v3/objects/{type}/batch/{read,create,update,upsert,archive}
  /crm/v3/objects/{type}/search
  /crm/v3/properties/{type}[/{name}], …/groups[/{name}], …/batch/{create,read,archive}
  /crm/v4/associations/{from}/{to}/batch/{create,associate/default,read,archive,labels/archive}
  /crm/v4/objects/{type}/{id}/associations/…     default PUT, labelled PUT, GET, DELETE
  /oauth/authorize, /oauth/{v1,v3}/token, /oauth/v3/token/{introspect,revoke},
  /oauth/v1/access-tokens/{t}, /oauth/v1/refresh-tokens/{t}
  types: companies contacts deals products line_items invoices notes commerce_payments
  (or their type ids 0-2, 0-1, 0-3, 0-7, 0-8, 0-53, 0-46, 0-101).

Control API (JSON in and out; `portal_id` in the body or query selects a
portal, default the first one, 12345678). Common to every simulator (simcore):
  GET /_sim/health, GET|DELETE /_sim/requests[?since=ID], GET|POST|DELETE
  /_sim/faults (error_rate, error_statuses — 423 gives HubSpot's Locked body —,
  latency_ms, hang_rate, burst_429, malformed_rate, path_regex, seed),
  POST /_sim/time_scale {"time_scale": x}, POST /_sim/reset (back to the start
  state; demo data again in --demo mode).
HubSpot-specific:
  GET  /_sim/config                      app settings, portals, time scale
  POST /_sim/portal                      configure; app keys: app_id, app_name, client_id,
        client_secret, webhook_url, signature_version ("v1", "v2", "v3", "v1,v3" (default),
        "all"), redirect_uris, app_scopes (what OAuth may grant), auto_approve (null |
        "approve" | "deny"), access_token_ttl (s, default 1800), subscriptions ([{id,
        subscriptionType, objectTypeId?, propertyName?, active}]), batch_delay (s),
        user_id; portal keys: portal_id (created if new), tier (100 | 190 | starter |
        professional | enterprise), burst_limit, daily_limit, oauth_burst_limit (110),
        scopes (granted to the app in this portal), search_delay (s, default 2, scaled),
        search_limit (search requests per second, default 5),
        emit_api_changes (webhooks for API writes too, default false),
        allow_open_invoice_delete, assoc_create_status (201 | 200)
  POST /_sim/tokens {kind: static|oauth, scopes?, value?}  -> {token, refresh_token?, …}
  POST /_sim/tokens/revoke {token}        the token (or refresh token) stops working
  POST /_sim/uninstall                    the portal removes the app: every token dies
  POST /_sim/locked {count}               the next `count` API calls get 423 Locked
  POST /_sim/seed {groups: {type: [..]}, properties: {type: [PropertyCreate]},
        objects: {type: [{properties, associations?}]}}  -> {ids: {type: [id]}};
        seeded records are searchable at once and emit no webhooks
  GET  /_sim/objects/{type}[?archived=true|any]   stored records, all properties + associations
  GET  /_sim/objects/{type}/{id}
  POST|PATCH|DELETE /_sim/objects/{type}[/{id}]   a user creating/editing/deleting the record
        in HubSpot: emits webhooks (changeSource CRM_UI)
  GET  /_sim/webhooks                     {deliveries: [{id, url, events, attempts:
        [{attemptNumber, status, time, error}], delivered, done, body, headers}], pending}
  POST /_sim/webhooks/flush               send pending events now
  POST /_sim/webhooks/trigger {events: […]}  send these events (missing fields filled)
  DELETE /_sim/webhooks                   forget deliveries and pending events
  GET  /_sim/ratelimit                    daily, burst and search counters
  POST /_sim/search/reindex               make every write searchable now
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hubspot.app import HubSpotApp, main  # noqa: E402

__all__ = ["HubSpotApp", "main"]

if __name__ == "__main__":
    sys.exit(main(sys.argv))
