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
    [WEB_ROUTE_LINK] = {WEB_GET, "/links/{id}", web_handle_link, WEB_AUTH_SESSION},
    [WEB_ROUTE_LINK_PROGRESS] = {WEB_GET, "/links/{id}/progress.json", web_handle_link_progress, WEB_AUTH_SESSION},
    [WEB_ROUTE_LINK_PAUSE] = {WEB_POST, "/links/{id}/pause", web_handle_link_pause, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_LINK_RESUME] = {WEB_POST, "/links/{id}/resume", web_handle_link_resume, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_LINK_SYNC] = {WEB_POST, "/links/{id}/sync", web_handle_link_sync, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_LINK_BACKFILL] = {WEB_POST, "/links/{id}/backfill", web_handle_link_backfill, WEB_AUTH_SESSION_CSRF},
    /* public: a browser coming back from Xero sends no SameSite=Strict cookie; the flow is checked */
    [WEB_ROUTE_XERO_CALLBACK] = {WEB_GET, "/oauth/xero/callback", web_handle_xero_callback, WEB_AUTH_PUBLIC},
    [WEB_ROUTE_XERO_CONNECT] = {WEB_POST, "/connect/xero", web_handle_xero_connect, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_XERO_CHOOSE] = {WEB_GET, "/connect/xero/choose", web_handle_xero_choose, WEB_AUTH_SESSION},
    [WEB_ROUTE_XERO_CHOOSE_POST] = {WEB_POST, "/connect/xero/choose", web_handle_xero_choose_post, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_XERO_RECONNECT] = {WEB_POST, "/links/{id}/xero/reconnect", web_handle_xero_reconnect, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_XERO_DISCONNECT] = {WEB_GET, "/links/{id}/disconnect", web_handle_xero_disconnect, WEB_AUTH_SESSION},
    [WEB_ROUTE_XERO_DISCONNECT_POST] = {WEB_POST, "/links/{id}/disconnect", web_handle_xero_disconnect_post, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_HEALTH] = {WEB_GET, "/links/{id}/health", web_handle_link_health, WEB_AUTH_SESSION},
    [WEB_ROUTE_HEALTH_RETRY] = {WEB_POST, "/links/{id}/health/retry", web_handle_link_health_retry, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_JOB_RETRY] = {WEB_POST, "/links/{id}/jobs/{job}/retry", web_handle_link_job_retry, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_JOB_CANCEL] = {WEB_POST, "/links/{id}/jobs/{job}/cancel", web_handle_link_job_cancel, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_DELIVERIES] = {WEB_GET, "/deliveries", web_handle_deliveries, WEB_AUTH_SESSION},
    [WEB_ROUTE_SETTINGS] = {WEB_GET, "/links/{id}/settings", web_handle_link_settings, WEB_AUTH_SESSION},
    [WEB_ROUTE_SETTINGS_POST] = {WEB_POST, "/links/{id}/settings", web_handle_link_settings_post, WEB_AUTH_SESSION_CSRF},
    [WEB_ROUTE_AUDIT] = {WEB_GET, "/audit", web_handle_audit, WEB_AUTH_SESSION},
    [WEB_ROUTE_AUDIT_CSV] = {WEB_GET, "/audit.csv", web_handle_audit_csv, WEB_AUTH_SESSION},
    [WEB_ROUTE_AUDIT_DETAIL] = {WEB_GET, "/audit/{id}", web_handle_audit_detail, WEB_AUTH_SESSION},
    [WEB_ROUTE_AUDIT_REPLAY] = {WEB_POST, "/audit/{id}/replay", web_handle_audit_replay, WEB_AUTH_SESSION_CSRF},
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
