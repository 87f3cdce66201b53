# Core library: linked into every binary and test.
noinst_LIBRARIES += libxh.a
libxh_a_SOURCES = \
	src/lib/xh.h src/lib/xh.c \
	src/lib/arena.h src/lib/arena.c \
	src/lib/log.h src/lib/crypto.h src/lib/config.h src/lib/db.h \
	src/lib/log.c \
	src/lib/base64.c src/lib/crypto.c src/lib/keyring.c \
	src/lib/config_int.h src/lib/config.c src/lib/config_load.c
libxh_a_SOURCES += src/lib/db_int.h src/lib/db.c src/lib/db_exec.c src/lib/migrate.c
libxh_a_SOURCES += src/lib/password.h src/lib/password.c
libxh_a_SOURCES += src/lib/job.h src/lib/job_int.h src/lib/job.c src/lib/job_admin.c src/lib/job_ctx.c \
	src/lib/retry.h src/lib/retry.c \
	src/lib/ratelimit.h src/lib/ratelimit.c src/lib/http.h src/lib/http.c \
	src/lib/cred.h src/lib/cred.c src/lib/token_lease.h src/lib/token_lease.c
libxh_a_SOURCES += src/lib/json.h src/lib/json.c
libxh_a_SOURCES += src/lib/job_local.h src/lib/job_local.c
libxh_a_SOURCES += src/lib/webhook_key.h src/lib/webhook_key.c
# The HubSpot CRM client (src/hubspot/crm.h), linked into the worker; the
# pure part (HUBSPOT_WIRE_SOURCES) also into its unit and fuzz tests.
HUBSPOT_AUTH_SOURCES = src/hubspot/auth.h src/hubspot/auth.c src/hubspot/auth_wire.c
HUBSPOT_WIRE_SOURCES = src/hubspot/crm.h src/hubspot/batch_wire.c src/hubspot/errors.c
HUBSPOT_CRM_SOURCES = $(HUBSPOT_WIRE_SOURCES) $(HUBSPOT_AUTH_SOURCES) \
	src/hubspot/client.c src/hubspot/batch.c src/hubspot/assoc.c src/hubspot/search.c \
	src/hubspot/props.c
