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
    /* connect HubSpot, test both ends, bootstrap */
    [WEB_ROUTE_LINK_HUBSPOT] = {WEB_GET, "/links/{id}/hubspot", web_handle_link_hubspot, WEB_AUTH_SESSION},
    [WEB_ROUTE_LINK_HUBSPOT_TOKEN] = {WEB_POST, "/links/{id}/hubspot/token", web_handle_link_hubspot_token, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_LINK_HUBSPOT_SECRET] = {WEB_POST, "/links/{id}/hubspot/secret", web_handle_link_hubspot_secret, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_LINK_HUBSPOT_OAUTH] = {WEB_POST, "/links/{id}/hubspot/oauth", web_handle_link_hubspot_oauth, WEB_AUTH_SESSION_CSRF},
    /* public: the SameSite=Strict cookie does not come on HubSpot's redirect; the handler requires the session */
    [WEB_ROUTE_OAUTH_HUBSPOT_CALLBACK] = {WEB_GET, "/oauth/hubspot/callback", web_handle_oauth_hubspot_callback, WEB_AUTH_PUBLIC},
    [WEB_ROUTE_LINK_TEST] = {WEB_GET, "/links/{id}/test", web_handle_link_test, WEB_AUTH_SESSION},
    [WEB_ROUTE_LINK_TEST_RUN] = {WEB_POST, "/links/{id}/test", web_handle_link_test_run, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_LINK_BOOTSTRAP] = {WEB_GET, "/links/{id}/bootstrap", web_handle_link_bootstrap, WEB_AUTH_SESSION},
    [WEB_ROUTE_LINK_BOOTSTRAP_RUN] = {WEB_POST, "/links/{id}/bootstrap", web_handle_link_bootstrap_run, WEB_AUTH_SESSION_CSRF},
};
/* clang-format on */
