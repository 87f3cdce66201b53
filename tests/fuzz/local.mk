# libFuzzer targets, built with --enable-fuzzing (CC=clang). Each
# fuzz_X.c defines LLVMFuzzerTestOneInput; add it to FUZZ_TARGETS.
FUZZ_TARGETS =
if FUZZING
noinst_PROGRAMS += $(FUZZ_TARGETS)
endif
FUZZ_LIBS = libxh.a $(XH_LIBS)
FUZZ_LINKFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
EXTRA_DIST += tests/fuzz/README.md

FUZZ_TARGETS += tests/fuzz/fuzz_base64
tests_fuzz_fuzz_base64_SOURCES = tests/fuzz/fuzz_base64.c
tests_fuzz_fuzz_base64_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_base64_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_form
tests_fuzz_fuzz_form_SOURCES = tests/fuzz/fuzz_form.c
tests_fuzz_fuzz_form_LDADD = libxhweb.a $(FUZZ_LIBS) $(FCGI_LIBS)
tests_fuzz_fuzz_form_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_cookie
tests_fuzz_fuzz_cookie_SOURCES = tests/fuzz/fuzz_cookie.c
tests_fuzz_fuzz_cookie_LDADD = libxhweb.a $(FUZZ_LIBS) $(FCGI_LIBS)
tests_fuzz_fuzz_cookie_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_vendor_headers
tests_fuzz_fuzz_vendor_headers_SOURCES = tests/fuzz/fuzz_vendor_headers.c
tests_fuzz_fuzz_vendor_headers_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_vendor_headers_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_xero_token
tests_fuzz_fuzz_xero_token_SOURCES = tests/fuzz/fuzz_xero_token.c src/xero/token_wire.c
tests_fuzz_fuzz_xero_token_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_xero_token_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_xero_page
tests_fuzz_fuzz_xero_page_SOURCES = tests/fuzz/fuzz_xero_page.c src/xero/pull_wire.c
tests_fuzz_fuzz_xero_page_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_xero_page_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_log
tests_fuzz_fuzz_log_SOURCES = tests/fuzz/fuzz_log.c
tests_fuzz_fuzz_log_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_log_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_xero_webhook
tests_fuzz_fuzz_xero_webhook_SOURCES = tests/fuzz/fuzz_xero_webhook.c src/xero/webhook.c src/xero/pull_wire.c
tests_fuzz_fuzz_xero_webhook_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_xero_webhook_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_hubspot_webhook
tests_fuzz_fuzz_hubspot_webhook_SOURCES = tests/fuzz/fuzz_hubspot_webhook.c src/hubspot/webhook.c
tests_fuzz_fuzz_hubspot_webhook_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_hubspot_webhook_LDFLAGS = $(FUZZ_LINKFLAGS)
FUZZ_TARGETS += tests/fuzz/fuzz_sync_map
tests_fuzz_fuzz_sync_map_SOURCES = tests/fuzz/fuzz_sync_map.c $(SYNC_MAP_SOURCES) src/xero/pull_wire.c
tests_fuzz_fuzz_sync_map_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_sync_map_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_hubspot_batch
tests_fuzz_fuzz_hubspot_batch_SOURCES = tests/fuzz/fuzz_hubspot_batch.c $(HUBSPOT_WIRE_SOURCES)
tests_fuzz_fuzz_hubspot_batch_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_hubspot_batch_LDFLAGS = $(FUZZ_LINKFLAGS)
FUZZ_TARGETS += tests/fuzz/fuzz_template
tests_fuzz_fuzz_template_SOURCES = tests/fuzz/fuzz_template.c
tests_fuzz_fuzz_template_LDADD = libxhweb.a $(FUZZ_LIBS) $(FCGI_LIBS)
tests_fuzz_fuzz_template_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_hubspot_auth
tests_fuzz_fuzz_hubspot_auth_SOURCES = tests/fuzz/fuzz_hubspot_auth.c src/hubspot/auth_wire.c \
	src/hubspot/oauth.c src/hubspot/auth.c src/hubspot/bootstrap_spec.c
tests_fuzz_fuzz_hubspot_auth_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_hubspot_auth_LDFLAGS = $(FUZZ_LINKFLAGS)

FUZZ_TARGETS += tests/fuzz/fuzz_xero_check
tests_fuzz_fuzz_xero_check_SOURCES = tests/fuzz/fuzz_xero_check.c src/xero/check_wire.c
tests_fuzz_fuzz_xero_check_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_xero_check_LDFLAGS = $(FUZZ_LINKFLAGS)
