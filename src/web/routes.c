/*
 * routes.c: the application's route table. Adding a page is one line here
 * plus its handler in handlers/. Every line names its auth requirement
 * (web.h: enum web_auth); test_routes fails on a line without one.
 */
#include "web.h"

/* clang-format off */
const struct web_route web_routes[WEB_ROUTE__MAX] = {
    [WEB_ROUTE_HOME] = {WEB_GET, "/", web_handle_home, WEB_AUTH_SESSION},
    [WEB_ROUTE_HEALTHZ] = {WEB_GET, "/healthz", web_handle_healthz, WEB_AUTH_PUBLIC},
    [WEB_ROUTE_WEBHOOK_XERO] = {WEB_POST, "/webhooks/xero", web_handle_webhook_xero,
                                WEB_AUTH_SIGNATURE},
    [WEB_ROUTE_WEBHOOK_HUBSPOT] = {WEB_POST, "/webhooks/hubspot", web_handle_webhook_hubspot,
                                   WEB_AUTH_SIGNATURE},
    [WEB_ROUTE_LOGIN] = {WEB_GET, "/login", web_handle_login, WEB_AUTH_PUBLIC},
    /* public, but the handler checks the origin and the pre-sign-in form token */
    [WEB_ROUTE_LOGIN_POST] = {WEB_POST, "/login", web_handle_login_post, WEB_AUTH_PUBLIC},
    [WEB_ROUTE_LOGOUT] = {WEB_POST, "/logout", web_handle_logout, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_USERS] = {WEB_GET, "/users", web_handle_users, WEB_AUTH_SESSION},
    [WEB_ROUTE_USERS_ADD] = {WEB_POST, "/users", web_handle_users_add, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_USERS_DISABLE] = {WEB_POST, "/users/{id}/disable", web_handle_users_disable, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_ACCOUNT_PASSWORD] = {WEB_POST, "/account/password", web_handle_account_password, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_MAPPINGS] = {WEB_GET, "/links/{id}/mappings", web_handle_mappings, WEB_AUTH_SESSION},
    [WEB_ROUTE_MAPPING] = {WEB_GET, "/links/{id}/mappings/{object}", web_handle_mapping, WEB_AUTH_SESSION},
    [WEB_ROUTE_MAPPING_PREVIEW] = {WEB_POST, "/links/{id}/mappings/{object}/preview", web_handle_mapping_preview, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_MAPPING_SAVE] = {WEB_POST, "/links/{id}/mappings/{object}/save", web_handle_mapping_save, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_MAPPING_DISABLE] = {WEB_POST, "/links/{id}/mappings/{object}/disable", web_handle_mapping_disable, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_MAPPING_UNSET] = {WEB_POST, "/links/{id}/mappings/{object}/unset", web_handle_mapping_unset, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_MAPPING_RESET] = {WEB_POST, "/links/{id}/mappings/{object}/reset", web_handle_mapping_reset, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_MAPPING_REFRESH] = {WEB_POST, "/links/{id}/mappings/{object}/refresh", web_handle_mapping_refresh, WEB_AUTH_SESSION_CSRF},
};
/* clang-format on */
