# The sync engine (src/sync): the field mapping, linked into the programs that use it.
SYNC_MAP_SOURCES = src/sync/map.h src/sync/map.c src/sync/map_path.c src/sync/map_transform.c \
	src/sync/map_defaults.c
# The push (sync.push) and what it needs of the HubSpot client, for the worker.
SYNC_PUSH_SOURCES = $(SYNC_MAP_SOURCES) src/sync/map_store.h src/sync/map_store.c \
	src/sync/push.h src/sync/push.c src/sync/push_jobs.c src/sync/push_rules.c src/sync/push_sql.h src/sync/push_sql.c
# A link's settings and their rules (link_settings.h), for the CLI and the console.
libxh_a_SOURCES += src/sync/link_settings.h src/sync/link_settings.c
