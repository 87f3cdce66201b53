# Unit tests (Check). Each test_X.c is one program; add it to UNIT_TESTS.
UNIT_TESTS =
if HAVE_CHECK
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif
UNIT_LIBS = libxh.a $(XH_LIBS) $(CHECK_LIBS)
UNIT_CCFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)

UNIT_TESTS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_log_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_crypto
tests_unit_test_crypto_SOURCES = tests/unit/test_crypto.c
tests_unit_test_crypto_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_crypto_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_password
tests_unit_test_password_SOURCES = tests/unit/test_password.c
tests_unit_test_password_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_password_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_db
tests_unit_test_db_SOURCES = tests/unit/test_db.c
tests_unit_test_db_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_db_LDADD = $(UNIT_LIBS)

WEB_UNIT_LIBS = libxhweb.a $(UNIT_LIBS) $(FCGI_LIBS)

UNIT_TESTS += tests/unit/test_form
tests_unit_test_form_SOURCES = tests/unit/test_form.c
tests_unit_test_form_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_form_LDADD = $(WEB_UNIT_LIBS)

UNIT_TESTS += tests/unit/test_router
tests_unit_test_router_SOURCES = tests/unit/test_router.c
tests_unit_test_router_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_router_LDADD = $(WEB_UNIT_LIBS)

UNIT_TESTS += tests/unit/test_response
tests_unit_test_response_SOURCES = tests/unit/test_response.c
tests_unit_test_response_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_response_LDADD = $(WEB_UNIT_LIBS)

UNIT_TESTS += tests/unit/test_request
tests_unit_test_request_SOURCES = tests/unit/test_request.c
tests_unit_test_request_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_request_LDADD = $(WEB_UNIT_LIBS)

UNIT_TESTS += tests/unit/test_job
tests_unit_test_job_SOURCES = tests/unit/test_job.c
tests_unit_test_job_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_job_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_job_http
tests_unit_test_job_http_SOURCES = tests/unit/test_job_http.c
tests_unit_test_job_http_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_job_http_LDADD = $(UNIT_LIBS)
EXTRA_DIST += tests/unit/unit.h

UNIT_TESTS += tests/unit/test_xero_token
tests_unit_test_xero_token_SOURCES = tests/unit/test_xero_token.c src/xero/token_wire.c
tests_unit_test_xero_token_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_xero_token_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_xero_pull
tests_unit_test_xero_pull_SOURCES = tests/unit/test_xero_pull.c src/xero/pull_wire.c
tests_unit_test_xero_pull_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_xero_pull_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_xero_webhook
tests_unit_test_xero_webhook_SOURCES = tests/unit/test_xero_webhook.c src/xero/webhook.c src/xero/pull_wire.c
tests_unit_test_xero_webhook_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_xero_webhook_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_hubspot_webhook
tests_unit_test_hubspot_webhook_SOURCES = tests/unit/test_hubspot_webhook.c src/hubspot/webhook.c
tests_unit_test_hubspot_webhook_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_hubspot_webhook_LDADD = $(UNIT_LIBS)
UNIT_TESTS += tests/unit/test_sync_map
tests_unit_test_sync_map_SOURCES = tests/unit/test_sync_map.c $(SYNC_MAP_SOURCES) src/xero/pull_wire.c \
	src/hubspot/bootstrap_spec.c
tests_unit_test_sync_map_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_sync_map_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_sync_push
tests_unit_test_sync_push_SOURCES = tests/unit/test_sync_push.c $(SYNC_MAP_SOURCES) \
	src/sync/push.h src/sync/push_rules.c src/xero/pull_wire.c
tests_unit_test_sync_push_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_sync_push_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_hubspot_crm
tests_unit_test_hubspot_crm_SOURCES = tests/unit/test_hubspot_crm.c $(HUBSPOT_CRM_SOURCES)
tests_unit_test_hubspot_crm_CFLAGS = $(UNIT_CCFLAGS) -DHS_EXAMPLES='"$(abs_top_srcdir)/tests/unit/data/hubspot"'
tests_unit_test_hubspot_crm_LDADD = $(UNIT_LIBS)
EXTRA_DIST += tests/unit/data/hubspot
UNIT_TESTS += tests/unit/test_template
tests_unit_test_template_SOURCES = tests/unit/test_template.c
tests_unit_test_template_CFLAGS = $(UNIT_CCFLAGS) -DXH_TOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_template_LDADD = $(WEB_UNIT_LIBS)

UNIT_TESTS += tests/unit/test_routes
tests_unit_test_routes_SOURCES = tests/unit/test_routes.c
tests_unit_test_routes_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_routes_LDADD = $(WEB_UNIT_LIBS)

UNIT_TESTS += tests/unit/test_hubspot_auth
tests_unit_test_hubspot_auth_SOURCES = tests/unit/test_hubspot_auth.c src/hubspot/auth_wire.c \
	src/hubspot/oauth.c src/hubspot/auth.c src/hubspot/bootstrap_spec.c
tests_unit_test_hubspot_auth_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_hubspot_auth_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_xero_check
tests_unit_test_xero_check_SOURCES = tests/unit/test_xero_check.c src/xero/check_wire.c
tests_unit_test_xero_check_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_xero_check_LDADD = $(UNIT_LIBS)
UNIT_TESTS += tests/unit/test_link_card
tests_unit_test_link_card_SOURCES = tests/unit/test_link_card.c
tests_unit_test_link_card_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_link_card_LDADD = $(WEB_UNIT_LIBS)
UNIT_TESTS += tests/unit/test_xero_connect
tests_unit_test_xero_connect_SOURCES = tests/unit/test_xero_connect.c src/xero/connect_wire.c \
	src/xero/pull_wire.c
tests_unit_test_xero_connect_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_xero_connect_LDADD = $(UNIT_LIBS)

UNIT_TESTS += tests/unit/test_link_settings
tests_unit_test_link_settings_SOURCES = tests/unit/test_link_settings.c
tests_unit_test_link_settings_CFLAGS = $(UNIT_CCFLAGS)
tests_unit_test_link_settings_LDADD = $(UNIT_LIBS)
