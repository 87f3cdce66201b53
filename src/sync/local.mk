# The sync engine (src/sync): the field mapping, linked into the programs that use it.
SYNC_MAP_SOURCES = src/sync/map.h src/sync/map.c src/sync/map_path.c src/sync/map_transform.c \
	src/sync/map_defaults.c
