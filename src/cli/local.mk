# xhsync: the operator's command line.
bin_PROGRAMS += xhsync
xhsync_SOURCES = \
	src/cli/cli.h src/cli/main.c \
	src/cli/cmd_migrate.c src/cli/cmd_keygen.c src/cli/cmd_user.c src/cli/cmd_config.c
xhsync_LDADD = libxh.a $(XH_LIBS)
xhsync_SOURCES += src/cli/cmd_jobs.c src/cli/cmd_credential.c
xhsync_SOURCES += src/cli/cmd_sync.c src/xero/pull_wire.c
xhsync_SOURCES += src/cli/cmd_webhook.c
xhsync_SOURCES += src/cli/cmd_mapping.c $(SYNC_MAP_SOURCES) src/sync/map_store.h src/sync/map_store.c
xhsync_SOURCES += src/cli/cmd_link.c src/cli/conflict.h src/cli/cmd_conflict.c src/cli/cmd_push.c src/sync/push.h src/sync/push_jobs.c \
	src/sync/push_sql.h src/sync/push_sql.c
xhsync_SOURCES += src/cli/cmd_hubspot.c \
	$(HUBSPOT_AUTH_SOURCES) \
	src/hubspot/check.h src/hubspot/check.c src/hubspot/oauth.h src/hubspot/oauth.c \
	src/hubspot/bootstrap.h src/hubspot/bootstrap.c src/hubspot/bootstrap_spec.c
xhsync_SOURCES += src/sync/link_ops.h src/sync/link_ops.c
xhsync_SOURCES += src/cli/cmd_link_disconnect.c $(XERO_CONNECT_SOURCES)
# audit explain|pages: the console's audit query (src/web/handlers/audit_filter.c)
xhsync_SOURCES += src/cli/cmd_audit.c src/web/handlers/audit.h src/web/handlers/audit_filter.c \
	src/web/form.c src/web/html.c
