/*
 * config_int.h: internals shared by config.c (the key table and typed
 * values) and config_load.c (INI reader, environment, dump and doc).
 */
#ifndef XH_CONFIG_INT_H
#define XH_CONFIG_INT_H

#include <stddef.h>

#include "config.h"

enum cfg_type {
	CFG_STR,    /* CFG_STR: any string */
	CFG_INT,    /* CFG_INT: decimal int in [min, max] */
	CFG_SIZE,   /* CFG_SIZE: bytes, optional k or m suffix, in [min, max] */
	CFG_DOUBLE, /* CFG_DOUBLE: finite number in [min, max] */
	CFG_MODE,   /* CFG_MODE: octal permission bits */
	CFG_URL,    /* CFG_URL: http:// or https:// URL */
	CFG_LEVEL,  /* CFG_LEVEL: a log level name */
	CFG__MAX
};

/* One configuration key; env name is XHSYNC_<SECTION>_<KEY>. */
struct cfg_key {
	const char *section;
	const char *key;
	enum cfg_type type;
	size_t off; /* offset of the field in struct xh_config */
	const char *def;
	double min, max;
	int secret;
	const char *doc;
};

/* The key table, in dump order (grouped by section); *n gets its length. */
const struct cfg_key *xh_cfg_keys(size_t *n);
/* Parses val into k's field of cfg. 0, or -1 with the reason in why. */
int xh_cfg_set(struct xh_config *cfg, const struct cfg_key *k, const char *val, char *why,
               size_t whylen);
/* Formats k's current value in cfg as it would be written in a file. */
void xh_cfg_print(const struct xh_config *cfg, const struct cfg_key *k, char *out, size_t outlen);
/* The allowed range of k for docs ("1..256"), or "" if it has none. */
void xh_cfg_range(const struct cfg_key *k, char *out, size_t outlen);
/* 1 if k's field is a heap string owned by the config. */
int xh_cfg_is_str(const struct cfg_key *k);

#endif
