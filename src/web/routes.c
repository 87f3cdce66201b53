/*
 * routes.c: the application's route table. Adding a page is one line here
 * plus its handler in handlers/.
 */
#include "web.h"

const struct web_route web_routes[WEB_ROUTE__MAX] = {
    [WEB_ROUTE_HOME] = {WEB_GET, "/", web_handle_home, WEB_AUTH_PUBLIC},
    [WEB_ROUTE_HEALTHZ] = {WEB_GET, "/healthz", web_handle_healthz, WEB_AUTH_PUBLIC},
    [WEB_ROUTE_WEBHOOK_XERO] = {WEB_POST, "/webhooks/xero", web_handle_webhook_xero,
                                WEB_AUTH_SIGNATURE},
    [WEB_ROUTE_WEBHOOK_HUBSPOT] = {WEB_POST, "/webhooks/hubspot", web_handle_webhook_hubspot,
                                   WEB_AUTH_SIGNATURE},
};
