# xhsync-web: the FastCGI front (owned by the web layer).
# Everything but main.c goes into libxhweb.a so unit tests can link it.
noinst_LIBRARIES += libxhweb.a
libxhweb_a_SOURCES = \
	src/web/web.h \
	src/web/form.c \
	src/web/request.c \
	src/web/response.c \
	src/web/router.c \
	src/web/routes.c \
	src/web/html.c \
	src/web/template.h \
	src/web/template_int.h \
	src/web/template.c \
	src/web/template_render.c \
	src/web/template_set.c \
	src/web/fcgi_loop.c \
	src/web/supervisor.c \
	src/web/handlers/health.c \
	src/web/session.c \
	src/web/page.c \
	src/web/handlers/home.c \
	src/web/handlers/login.c \
	src/web/handlers/users.c

bin_PROGRAMS += xhsync-web
xhsync_web_SOURCES = src/web/main.c
xhsync_web_LDADD = libxhweb.a libxh.a $(XH_LIBS) $(FCGI_LIBS)
libxhweb_a_SOURCES += src/web/handlers/webhook.h src/web/handlers/webhook.c \
	src/web/handlers/webhook_xero.c src/web/handlers/webhook_hubspot.c \
	src/xero/webhook.h src/xero/webhook.c src/xero/pull_wire.c \
	src/hubspot/webhook.h src/hubspot/webhook.c
# connect HubSpot, test both ends, bootstrap: the handlers and the vendor code they run
libxhweb_a_SOURCES += src/web/handlers/hubs.h src/web/handlers/link_common.c \
	src/web/handlers/link_hubspot.c src/web/handlers/link_hubspot_oauth.c \
	src/web/handlers/link_test.c src/web/handlers/link_bootstrap.c \
	$(HUBSPOT_AUTH_SOURCES) src/hubspot/check.h src/hubspot/check.c \
	src/hubspot/oauth.h src/hubspot/oauth.c \
	src/hubspot/bootstrap.h src/hubspot/bootstrap.c src/hubspot/bootstrap_spec.c \
	src/xero/token.h src/xero/token.c src/xero/token_wire.c src/xero/api.h src/xero/api.c \
	src/xero/check.h src/xero/check.c src/xero/check_wire.c
# The dashboard, the link page and its lifecycle buttons (issue 13, items 7-8).
libxhweb_a_SOURCES += src/web/handlers/link_card.h src/web/handlers/link_card.c \
	src/web/handlers/link_chart.c src/web/handlers/link.c \
	src/sync/link_ops.h src/sync/link_ops.c
# Connecting Xero (src/xero/connect.h), shared by the console and the CLI.
XERO_CONNECT_SOURCES = src/xero/connect.h src/xero/connect_wire.c src/xero/connections.c \
	src/xero/token.h src/xero/token.c src/xero/token_wire.c src/xero/names.h src/xero/names.c
libxhweb_a_SOURCES += src/web/handlers/xero_web.h src/web/handlers/xero_web.c \
	src/web/handlers/xero_connect.c src/web/handlers/xero_callback.c \
	src/web/handlers/xero_choose.c src/web/handlers/xero_disconnect.c \
	$(XERO_CONNECT_SOURCES)
# Sync health, webhook deliveries and link settings, with the replay they share with the CLI.
libxhweb_a_SOURCES += src/web/handlers/health_common.h src/web/handlers/health_common.c \
	src/web/handlers/link_health.c src/web/handlers/deliveries.c src/web/handlers/link_settings_page.c \
	$(SYNC_MAP_SOURCES) src/sync/push.h src/sync/push_jobs.c src/sync/push_sql.h src/sync/push_sql.c
# The audit browser (GET /audit, /audit/{id}, /audit.csv; POST replay), the
# streamed bodies it exports with, and the replay it shares with the CLI.
libxhweb_a_SOURCES += src/web/stream.c src/web/handlers/audit.h src/web/handlers/audit.c \
	src/web/handlers/audit_filter.c src/web/handlers/audit_detail.c \
	src/web/handlers/audit_csv.c src/hubspot/batch_wire.c
# The field-mapping editor (issue 14) and the mapping engine it edits.
libxhweb_a_SOURCES += src/web/handlers/mapping.h src/web/handlers/mapping.c \
	src/web/handlers/mapping_post.c src/sync/map_store.h src/sync/map_store.c \
	src/sync/map_check.h src/sync/map_check.c
