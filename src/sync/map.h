/*
 * map.h: the field-mapping engine (DESIGN.md section 10): how a mirrored
 * Xero record becomes the properties of a HubSpot object.
 *
 * A mapping is a list of rules "target_property <- source_path | transform".
 * The defaults ship in code, one table per HubSpot object (map_defaults.c);
 * a link overrides them in field_mapping (map_store.c). Everything here is
 * validated once, when a rule is compiled, so rendering a record trusts it.
 *
 * Source paths address the Xero JSON:
 *   Name                                  a member
 *   Balances.AccountsReceivable.Outstanding
 *   Addresses[AddressType=STREET].City    the first array element whose
 *                                         member equals the value (ASCII
 *                                         case-insensitive)
 *   Phones[0].PhoneNumber                 an array element by index
 *   ^.CurrencyCode                        the parent record (an invoice, for
 *                                         its line items)
 *   .                                     the record itself (for const:)
 *   Description || ItemCode               the first alternative that has a
 *                                         non-empty value
 * Transforms (one per rule, table in map_transform.c):
 *   text, lower, number[:nonneg], money[:nonneg], date, datetime,
 *   enum{A:a,B:b,*:c}, const:VALUE, domain_of_email, format:PREFIX{}SUFFIX
 */
#ifndef XH_SYNC_MAP_H
#define XH_SYNC_MAP_H

#include <json-c/json.h>
#include <stddef.h>

#include "arena.h"
#include "xh.h"

#define SYNC_PATH_MAX_SEGS 8     /* segments in one alternative */
#define SYNC_PATH_MAX_ALTS 4     /* alternatives joined by "||" */
#define SYNC_SOURCE_MAX    500   /* field_mapping.source_path */
#define SYNC_XFORM_MAX     500   /* field_mapping.transform */
#define SYNC_TARGET_MAX    100   /* field_mapping.target_property */
#define SYNC_ENUM_MAX      32    /* pairs in one enum{} */
#define SYNC_VALUE_MAX     65536 /* longest property value HubSpot stores */

/* The HubSpot objects a mapping writes (the SQL domain hubspot_object). */
enum sync_object {
	SO_COMPANY,   /* SO_COMPANY: from a Xero contact */
	SO_CONTACT,   /* SO_CONTACT: a Xero contact's primary person */
	SO_INVOICE,   /* SO_INVOICE: from a Xero sales invoice */
	SO_LINE_ITEM, /* SO_LINE_ITEM: one of an invoice's LineItems[] */
	SO_PRODUCT,   /* SO_PRODUCT: from a Xero item */
	SO_PAYMENT,   /* SO_PAYMENT: a commerce payment from a Xero payment (paid_mode payment) */
	SO_NOTE,      /* SO_NOTE: a note on the company's timeline from a Xero credit note */
	SO__MAX
};

/* The object's name ("company", ...), or NULL. */
const char *sync_object_name(enum sync_object o);
/* The object named s; -1 if none. */
int sync_object_find(const char *s);
/* The Xero mirror object a HubSpot object is made from ("contact", ...). */
const char *sync_object_source(enum sync_object o);

/* One step of a source path. */
struct sync_seg {
	const char *name; /* member name */
	const char *key;  /* [key=val] selector, or NULL */
	const char *val;
	int index; /* [n] selector; -1 if none */
};

struct sync_alt {
	int parent; /* starts at the parent record (^.) */
	int nseg;   /* 0: the record itself (".") */
	struct sync_seg seg[SYNC_PATH_MAX_SEGS];
};

struct sync_path {
	int nalt;
	struct sync_alt alt[SYNC_PATH_MAX_ALTS];
};

enum sync_xform_kind {
	SX_TEXT,            /* SX_TEXT */
	SX_LOWER,           /* SX_LOWER */
	SX_NUMBER,          /* SX_NUMBER */
	SX_MONEY,           /* SX_MONEY */
	SX_DATE,            /* SX_DATE */
	SX_DATETIME,        /* SX_DATETIME */
	SX_ENUM,            /* SX_ENUM */
	SX_CONST,           /* SX_CONST */
	SX_DOMAIN_OF_EMAIL, /* SX_DOMAIN_OF_EMAIL */
	SX_FORMAT,          /* SX_FORMAT */
	SX__MAX
};

struct sync_xform {
	enum sync_xform_kind kind;
	int nonneg;        /* number/money: refuse a negative value */
	const char *arg;   /* const: value; format: prefix */
	const char *arg2;  /* format: suffix */
	int npairs;        /* enum */
	const char **from; /* enum keys ("*": any other value) */
	const char **to;
};

/* A compiled rule. */
struct sync_rule {
	const char *target;
	const char *source;    /* as written */
	const char *transform; /* as written */
	struct sync_path path;
	struct sync_xform xf;
	int required;   /* a record without a value fails */
	int locked;     /* the engine relies on it: cannot be overridden or disabled */
	int overridden; /* comes from field_mapping */
};

struct sync_mapping {
	enum sync_object object;
	int n, cap;
	struct sync_rule *rules; /* in the arena */
};

/*
 * Parses a source path into out, strings in the arena. XH_ERR_INVAL with a
 * message naming the bad part (e.g. "segment 2: '[' without ']'").
 */
enum xh_err sync_path_parse(struct xh_arena *a, const char *s, struct sync_path *out, char *err,
                            size_t errlen);
/*
 * The value path p points at in rec (parent for "^."); NULL when it is
 * absent or JSON null. For alternatives, the first that is present and
 * not an empty string.
 */
json_object *sync_path_eval(const struct sync_path *p, json_object *rec, json_object *parent);

/* Parses a transform; XH_ERR_INVAL with a message as for sync_path_parse. */
enum xh_err sync_xform_parse(struct xh_arena *a, const char *s, struct sync_xform *out, char *err,
                             size_t errlen);
/*
 * Applies xf to v (NULL: no value). XH_OK with *out the property value
 * ("" when there is none; const gives its value regardless), or
 * XH_ERR_INVAL with a message when the record's value does not fit.
 */
enum xh_err sync_xform_apply(struct xh_arena *a, const struct sync_xform *xf, json_object *v,
                             const char **out, char *err, size_t errlen);

/* 1 if s is a HubSpot property name: a lower-case letter, then [a-z0-9_], at most SYNC_TARGET_MAX.
 */
int sync_property_name(const char *s);

/* 1 if domain (lower case) is a free-mail provider (gmail.com, ...). */
int sync_freemail(const char *domain);

/*
 * Compiles one rule. XH_ERR_INVAL when the target is not a HubSpot
 * property name, or the path or transform does not parse; err names which.
 */
enum xh_err sync_rule_compile(struct xh_arena *a, const char *target, const char *source,
                              const char *transform, struct sync_rule *out, char *err,
                              size_t errlen);

/* A shipped default rule. */
struct sync_default {
	const char *target;
	const char *source;
	const char *transform;
	int required;
	int locked;
};

/* The shipped defaults of o, n set to their count. */
const struct sync_default *sync_defaults(enum sync_object o, int *n);

/*
 * The default mapping of o, compiled into m (strings in the arena). Never
 * fails for the shipped tables (a unit test compiles every one).
 */
void sync_mapping_defaults(struct xh_arena *a, enum sync_object o, struct sync_mapping *m);
/*
 * Overlays one override on m: a rule for an existing target replaces it
 * (keeping required), a new target is added, enabled = 0 removes it.
 * XH_ERR_INVAL for a locked target or a rule that does not compile.
 */
enum xh_err sync_mapping_override(struct xh_arena *a, struct sync_mapping *m, const char *target,
                                  const char *source, const char *transform, int enabled, char *err,
                                  size_t errlen);

/*
 * Renders rec (its parent, or NULL) through m into a new JSON object of
 * property -> string. A rule whose value is absent gives "" (HubSpot
 * clears the property), unless it is required. XH_ERR_INVAL with
 * "target: reason" for the first rule the record does not satisfy; *props
 * is then NULL. The caller puts *props.
 */
enum xh_err sync_map_render(struct xh_arena *a, const struct sync_mapping *m, json_object *rec,
                            json_object *parent, json_object **props, char *err, size_t errlen);

#endif
