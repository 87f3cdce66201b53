/*
 * link_settings.h: the settings a link carries, and the one set of rules
 * that checks them for both `xhsync link set` and the console's settings
 * page.
 *
 * A few settings are columns of `link` (name, status, the vendor ids); the
 * rest live in `link.settings` (jsonb) under their key, a dotted key being
 * a nested object ("filters.invoice_from" is settings->'filters'->
 * 'invoice_from'). Readers elsewhere (the pull, the push) read the jsonb
 * directly and apply the same defaults as the table here.
 */
#ifndef XH_SYNC_LINK_SETTINGS_H
#define XH_SYNC_LINK_SETTINGS_H

#include <stddef.h>

#include "arena.h"
#include "db.h"
#include "xh.h"

struct json_object;

enum link_setting_kind {
	LS_NAME,       /* LS_NAME: 1 to 200 characters */
	LS_STATUS,     /* LS_STATUS: active or paused */
	LS_UUID,       /* LS_UUID: a Xero tenant id */
	LS_ID,         /* LS_ID: a positive number */
	LS_BOOL,       /* LS_BOOL: on or off (true/false, yes/no, 1/0 accepted) */
	LS_INT,        /* LS_INT: an integer in [min, max] */
	LS_CHOICE,     /* LS_CHOICE: one of choices */
	LS_CURRENCIES, /* LS_CURRENCIES: "" (all) or a comma list of ISO 4217 codes */
	LS_DATE,       /* LS_DATE: "" (none) or YYYY-MM-DD */
	LS_WORDS,      /* LS_WORDS: "" (all) or a comma list of choices, any case */
	LS__MAX
};

struct link_setting {
	const char *key;             /* "name", "objects.invoice", "filters.invoice_from" */
	enum link_setting_kind kind; /* how its value is checked */
	const char *choices;         /* LS_CHOICE, LS_WORDS: "a|b|c" */
	long long min, max;          /* LS_INT */
	const char *dflt;            /* the value in effect when unset, as a user types it */
	const char *label;           /* a few words, for the console */
	const char *help;            /* one sentence: what it does */
};

/* The table of settings, in the order the console shows them. */
const struct link_setting *link_settings_table(size_t *n);

/* The setting named key, or NULL. */
const struct link_setting *link_setting_find(const char *key);

/* 1 if the setting is a column of `link` rather than a key of its settings. */
int link_setting_is_column(const struct link_setting *s);

/*
 * Checks value for key. NULL if valid, with *stored set (in a) to what is
 * stored: the column's text, or the JSON text of the settings value. Else
 * why not, in plain words starting with the key.
 */
const char *link_setting_check(struct xh_arena *a, const char *key, const char *value,
                               const char **stored);

/*
 * Checks and stores n settings of link in one transaction, audited as
 * action "link.set" by actor. Nothing is stored unless all are valid:
 * XH_ERR_INVAL with *bad the failing key's index and *why the reason.
 * XH_ERR_NOTFOUND if there is no such link; XH_ERR_DB otherwise.
 */
enum xh_err link_settings_set(struct xh_db *db, struct xh_arena *a, const char *link,
                              const char *const *keys, const char *const *values, size_t n,
                              const char *actor, size_t *bad, const char **why);

/*
 * The effective value of every setting of link, as a user would type it
 * (defaults applied), as one JSON object of strings under their keys.
 * XH_ERR_NOTFOUND if there is no such link.
 */
enum xh_err link_settings_get(struct xh_db *db, const char *link, struct json_object **out);

#endif
