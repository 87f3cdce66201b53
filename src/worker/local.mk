# xhsync-worker: the job worker.
bin_PROGRAMS += xhsync-worker
xhsync_worker_SOURCES = \
	src/worker/worker.h src/worker/main.c src/worker/pool.c src/worker/beat.c src/worker/wake.c \
	src/worker/maint.c src/worker/kinds.c src/worker/testkinds.c src/worker/retention.c \
	src/xero/ping.h src/xero/ping.c src/hubspot/ping.h src/hubspot/ping.c \
	src/xero/token.h src/xero/token.c src/xero/token_wire.c \
	src/xero/api.h src/xero/api.c src/xero/pull.h src/xero/pull.c src/xero/pull_wire.c
xhsync_worker_SOURCES += src/xero/webhook.h src/xero/webhook.c src/xero/fetch.c
xhsync_worker_SOURCES += $(HUBSPOT_CRM_SOURCES) src/hubspot/write.h src/hubspot/write_int.h \
	src/hubspot/write.c src/hubspot/write_args.c src/hubspot/write_store.c \
	src/hubspot/write_assoc.c \
	src/hubspot/adopt.h src/hubspot/adopt.c src/hubspot/adopt_match.c
xhsync_worker_SOURCES += $(SYNC_PUSH_SOURCES)
xhsync_worker_LDADD = libxh.a $(XH_LIBS)
xhsync_worker_SOURCES += \
	src/hubspot/bootstrap.h src/hubspot/bootstrap.c src/hubspot/bootstrap_spec.c
xhsync_worker_SOURCES += src/sync/hs_events.h src/sync/hs_events.c
# The organisation's name of a link made unnamed, learnt by the first poll (src/xero/names.h).
xhsync_worker_SOURCES += src/xero/connect.h src/xero/connect_wire.c src/xero/connections.c \
	src/xero/names.h src/xero/names.c
