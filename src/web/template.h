/*
 * template.h: a mustache engine over json-c values (DESIGN.md §9).
 *
 * {{x}} is HTML-escaped, {{{x}}} and {{&x}} are raw (trusted markup only),
 * {{#s}}..{{/s}} sections (lists iterate, truthy values push a context),
 * {{^s}}..{{/s}} inverted sections, {{! comments}}, {{>partial}} (with the
 * standalone-line indentation of the spec), {{=<% %>=}} delimiters, dotted
 * names and the implicit iterator {{.}}. Lambdas are not supported: data
 * is JSON.
 *
 * A template is parsed once into a tree (web_tpl_parse) and rendered many
 * times. A set holds templates by name; partials are resolved in the set
 * at render time, and web_tpl_set_check() finds references to missing
 * partials before any page is served.
 */
#ifndef XH_WEB_TEMPLATE_H
#define XH_WEB_TEMPLATE_H

#include <stddef.h>

#include "arena.h"
#include "xh.h"

struct json_object;
struct web_tpl;
struct web_tpl_set;

/* Limits: nesting of sections in one template, and of contexts/partials at render. */
#define WEB_TPL_MAX_NEST   64
#define WEB_TPL_MAX_DEPTH  128
#define WEB_TPL_MAX_OUTPUT (16 * 1024 * 1024)
#define WEB_TPL_MAX_WORK   (4 * 1024 * 1024) /* nodes rendered + bytes re-parsed */

/*
 * Parses src[0..len) into *out. On a syntax error returns XH_ERR_INVAL with
 * "name:LINE: what" in errbuf (unclosed tag or section, a close tag that
 * does not match, an empty or over-long name, a bad delimiter change).
 */
enum xh_err web_tpl_parse(const char *name, const char *src, size_t len, struct web_tpl **out,
                          char *errbuf, size_t errlen);
void web_tpl_free(struct web_tpl *t);

/*
 * Renders t with data as the root context, appending to out; partials come
 * from set (NULL: none). XH_ERR_TOOBIG when contexts or partials nest
 * deeper than WEB_TPL_MAX_DEPTH (runaway recursion) or the output passes
 * WEB_TPL_MAX_OUTPUT, or rendering takes over WEB_TPL_MAX_WORK steps (a
 * partial that includes itself twice); out then holds what was rendered
 * so far.
 */
enum xh_err web_tpl_render(const struct web_tpl *t, const struct web_tpl_set *set,
                           struct json_object *data, struct xh_buf *out);

struct web_tpl_set *web_tpl_set_new(void);
void web_tpl_set_free(struct web_tpl_set *s);
/* Parses and adds (or replaces) template name; errors as web_tpl_parse. */
enum xh_err web_tpl_set_add(struct web_tpl_set *s, const char *name, const char *src, size_t len,
                            char *errbuf, size_t errlen);
/* The template called name, or NULL. */
const struct web_tpl *web_tpl_set_get(const struct web_tpl_set *s, const char *name);
/*
 * XH_ERR_NOTFOUND with "file:LINE: partial 'x' not found" if a template
 * of the set uses a partial the set does not hold.
 */
enum xh_err web_tpl_set_check(const struct web_tpl_set *s, char *errbuf, size_t errlen);
/*
 * Loads every NAME.mustache file of dir as template NAME, then checks the
 * set. XH_ERR_IO names an unreadable directory or file, XH_ERR_INVAL a
 * syntax error (file and line), XH_ERR_NOTFOUND a missing partial or a
 * required page (required: NULL-terminated names, or NULL).
 */
enum xh_err web_tpl_set_load_dir(struct web_tpl_set *s, const char *dir,
                                 const char *const *required, char *errbuf, size_t errlen);

/* Appends s[0..n) HTML-escaped (& < > " '); invalid UTF-8 and NUL become U+FFFD. */
void web_html_escape_n(struct xh_buf *out, const char *s, size_t n);
/* 1 if s[0..n) is valid UTF-8 without NUL bytes (html.c). */
int web_utf8_valid(const char *s, size_t n);

#endif
