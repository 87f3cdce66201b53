/*
 * template_int.h: the parsed form of a template, shared by the parser
 * (template.c), the renderer (template_render.c) and the set
 * (template_set.c).
 */
#ifndef XH_WEB_TEMPLATE_INT_H
#define XH_WEB_TEMPLATE_INT_H

#include "template.h"

enum tpl_kind {
	TPL_TEXT,     /* TPL_TEXT: literal text */
	TPL_VAR,      /* TPL_VAR: {{name}}, escaped */
	TPL_RAW,      /* TPL_RAW: {{{name}}} or {{&name}} */
	TPL_SECTION,  /* TPL_SECTION: {{#name}}...{{/name}} */
	TPL_INVERTED, /* TPL_INVERTED: {{^name}}...{{/name}} */
	TPL_PARTIAL,  /* TPL_PARTIAL: {{>name}} */
	TPL__MAX
};

struct tpl_node {
	enum tpl_kind kind;
	const char *s;          /* text, or the tag's name */
	size_t len;             /* of s */
	const char *indent;     /* partial on a standalone line: its leading blanks; else "" */
	int line;               /* of the tag, 1-based */
	struct tpl_node *child; /* first node inside a section */
	struct tpl_node *next;
};

struct web_tpl {
	struct xh_arena *arena; /* owns every node and string below */
	const char *name;
	const char *src; /* a copy of the source (indented partials are re-parsed from it) */
	size_t src_len;
	struct tpl_node *first;
};

#endif
