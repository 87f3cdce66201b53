/*
 * template.c: the mustache parser. One pass over the source builds a tree
 * of nodes (template_int.h); tags that stand alone on their line (sections,
 * inverted sections, closes, comments, partials, delimiter changes) take
 * the whole line with them, as the spec says.
 */
#include <stdio.h>
#include <string.h>

#include "template_int.h"

#define DELIM_MAX 16  /* longest custom delimiter */
#define NAME_MAX_ 256 /* longest tag name */

struct parser {
	struct web_tpl *t;
	const char *src;
	size_t len;
	size_t pos;        /* where the search for the next tag starts */
	size_t text_start; /* start of literal text not yet emitted */
	char otag[DELIM_MAX + 1], ctag[DELIM_MAX + 1];
	size_t olen, clen;
	struct tpl_node **tail[WEB_TPL_MAX_NEST + 1]; /* where the next node goes, per level */
	struct tpl_node *open[WEB_TPL_MAX_NEST + 1];  /* the open section, per level */
	int depth;
	size_t line_pos; /* line counting: position counted up to, and its line */
	int line;
	char *err;
	size_t errlen;
};

/* A parsed tag: its sigil, trimmed content, and where it ends. */
struct tag {
	char sigil; /* '!', '#', '^', '/', '>', '=', '{', '&' or 0 for a variable */
	const char *s;
	size_t len;
	size_t start, end; /* of the whole tag in the source */
	int line;
};

/* The 1-based line of source position pos (pos never moves backwards by much). */
static int
line_of(struct parser *p, size_t pos)
{
	if (pos < p->line_pos) {
		p->line_pos = 0;
		p->line = 1;
	}
	for (; p->line_pos < pos; p->line_pos++)
		if (p->src[p->line_pos] == '\n')
			p->line++;
	return p->line;
}

static enum xh_err
fail(struct parser *p, int line, const char *what, const char *name, size_t nlen)
{
	if (name != NULL)
		xh_errf(p->err, p->errlen, "%s:%d: %s '%.*s'", p->t->name, line, what,
		        (int)(nlen > 64 ? 64 : nlen), name);
	else
		xh_errf(p->err, p->errlen, "%s:%d: %s", p->t->name, line, what);
	return XH_ERR_INVAL;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_space(char c)
{
	return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The first occurrence of needle[0..n) in s[from..len), or len if none. */
static size_t
find(const char *s, size_t len, size_t from, const char *needle, size_t n)
{
	size_t i;

	for (i = from; i + n <= len; i++)
		if (s[i] == needle[0] && memcmp(s + i, needle, n) == 0)
			return i;
	return len;
}

/* Appends a node of kind k at the current nesting level and returns it. */
static struct tpl_node *
add_node(struct parser *p, enum tpl_kind k, const char *s, size_t n, int line)
{
	struct tpl_node *nd = xh_alloc(p->t->arena, sizeof(*nd));

	nd->kind = k;
	nd->s = s;
	nd->len = n;
	nd->indent = "";
	nd->line = line;
	*p->tail[p->depth] = nd;
	p->tail[p->depth] = &nd->next;
	return nd;
}

/* Reads the tag whose opening delimiter is at start into tg. */
static enum xh_err
read_tag(struct parser *p, size_t start, struct tag *tg)
{
	size_t in = start + p->olen, close, clen = p->clen;
	char closer[DELIM_MAX + 2];

	tg->start = start;
	tg->line = line_of(p, start);
	tg->sigil = in < p->len && p->src[in] != '\0' && strchr("!#^/>={&", p->src[in]) != NULL
	                ? p->src[in]
	                : 0;
	if (tg->sigil != 0)
		in++;
	if (tg->sigil == '{' || tg->sigil == '=') {
		closer[0] = tg->sigil == '{' ? '}' : '=';
		memcpy(closer + 1, p->ctag, p->clen + 1);
		clen++;
	} else {
		memcpy(closer, p->ctag, p->clen + 1);
	}
	close = find(p->src, p->len, in, closer, clen);
	if (close == p->len)
		return fail(p, tg->line, "tag is never closed", NULL, 0);
	tg->end = close + clen;
	while (in < close && is_space(p->src[in]))
		in++;
	while (close > in && is_space(p->src[close - 1]))
		close--;
	tg->s = p->src + in;
	tg->len = close - in;
	return XH_OK;
}

/*
 * If tag tg may stand alone and does, returns 1 with *line_start (where
 * its line begins) and *next (past its line end). Else 0.
 */
static int
standalone(const struct parser *p, const struct tag *tg, size_t *line_start, size_t *next)
{
	size_t i = tg->start, j = tg->end;

	if (tg->sigil == 0 || tg->sigil == '{' || tg->sigil == '&')
		return 0;
	while (i > p->text_start && is_blank(p->src[i - 1]))
		i--;
	if (i > 0 && p->src[i - 1] != '\n')
		return 0;
	while (j < p->len && is_blank(p->src[j]))
		j++;
	if (j < p->len && p->src[j] == '\r' && j + 1 < p->len && p->src[j + 1] == '\n')
		j += 2;
	else if (j < p->len && p->src[j] == '\n')
		j++;
	else if (j < p->len)
		return 0;
	*line_start = i;
	*next = j;
	return 1;
}

/* {{=<% %>=}}: two delimiters, each without blanks or '='. */
static enum xh_err
set_delims(struct parser *p, const struct tag *tg)
{
	size_t a = 0, b, c;

	while (a < tg->len && !is_space(tg->s[a]))
		a++;
	b = a;
	while (b < tg->len && is_space(tg->s[b]))
		b++;
	c = tg->len - b;
	if (a == 0 || b == a || c == 0 || a > DELIM_MAX || c > DELIM_MAX ||
	    memchr(tg->s, '=', tg->len) != NULL)
		return fail(p, tg->line, "bad delimiter change", tg->s, tg->len);
	for (size_t i = b; i < tg->len; i++)
		if (is_space(tg->s[i]))
			return fail(p, tg->line, "bad delimiter change", tg->s, tg->len);
	memcpy(p->otag, tg->s, a);
	p->otag[a] = '\0';
	p->olen = a;
	memcpy(p->ctag, tg->s + b, c);
	p->ctag[c] = '\0';
	p->clen = c;
	return XH_OK;
}

/* Opens a section of kind k named by tg (one level deeper). */
static enum xh_err
open_section(struct parser *p, const struct tag *tg, enum tpl_kind k)
{
	struct tpl_node *nd;

	if (p->depth == WEB_TPL_MAX_NEST)
		return fail(p, tg->line, "sections nested too deeply at", tg->s, tg->len);
	nd = add_node(p, k, tg->s, tg->len, tg->line);
	p->depth++;
	p->open[p->depth] = nd;
	p->tail[p->depth] = &nd->child;
	return XH_OK;
}

/* {{/name}}: must close the innermost open section of the same name. */
static enum xh_err
close_section(struct parser *p, const struct tag *tg)
{
	const struct tpl_node *o = p->open[p->depth];
	char what[96];

	if (p->depth == 0)
		return fail(p, tg->line, "close tag without an open section:", tg->s, tg->len);
	if (o->len != tg->len || memcmp(o->s, tg->s, tg->len) != 0) {
		snprintf(what, sizeof(what), "section '%.*s' opened on line %d is closed by",
		         (int)(o->len > 32 ? 32 : o->len), o->s, o->line);
		return fail(p, tg->line, what, tg->s, tg->len);
	}
	p->depth--;
	return XH_OK;
}

/* Adds the node for tag tg (indent: the blanks before a standalone partial). */
static enum xh_err
handle_tag(struct parser *p, const struct tag *tg, const char *indent, size_t ilen)
{
	struct tpl_node *nd;

	if (tg->sigil == '!')
		return XH_OK;
	if (tg->sigil == '=')
		return set_delims(p, tg);
	if (tg->len == 0 || tg->len > NAME_MAX_)
		return fail(p, tg->line, tg->len ? "tag name too long" : "empty tag name", NULL, 0);
	switch (tg->sigil) {
	case '#':
		return open_section(p, tg, TPL_SECTION);
	case '^':
		return open_section(p, tg, TPL_INVERTED);
	case '/':
		return close_section(p, tg);
	case '>':
		nd = add_node(p, TPL_PARTIAL, tg->s, tg->len, tg->line);
		nd->indent = xh_strndup(p->t->arena, indent, ilen);
		return XH_OK;
	default:
		add_node(p, tg->sigil ? TPL_RAW : TPL_VAR, tg->s, tg->len, tg->line);
		return XH_OK;
	}
}

/* Emits the text [text_start, end) and handles the tag at start. */
static enum xh_err
step(struct parser *p, size_t start)
{
	size_t text_end, next, ls;
	const char *indent = "";
	size_t ilen = 0;
	struct tag tg;
	enum xh_err err;

	if ((err = read_tag(p, start, &tg)) != XH_OK)
		return err;
	if (standalone(p, &tg, &ls, &next)) {
		text_end = ls;
		indent = p->src + ls;
		ilen = start - ls;
	} else {
		text_end = start;
		next = tg.end;
	}
	if (text_end > p->text_start)
		add_node(p, TPL_TEXT, p->src + p->text_start, text_end - p->text_start, 0);
	if ((err = handle_tag(p, &tg, indent, ilen)) != XH_OK)
		return err;
	p->pos = p->text_start = next;
	return XH_OK;
}

/* Runs the parser over the whole source. */
static enum xh_err
parse_all(struct parser *p)
{
	size_t at;
	enum xh_err err;

	for (;;) {
		at = find(p->src, p->len, p->pos, p->otag, p->olen);
		if (at == p->len)
			break;
		if ((err = step(p, at)) != XH_OK)
			return err;
	}
	if (p->len > p->text_start)
		add_node(p, TPL_TEXT, p->src + p->text_start, p->len - p->text_start, 0);
	if (p->depth > 0)
		return fail(p, p->open[p->depth]->line,
		            "section is never closed:", p->open[p->depth]->s,
		            p->open[p->depth]->len);
	return XH_OK;
}

enum xh_err
web_tpl_parse(const char *name, const char *src, size_t len, struct web_tpl **out, char *errbuf,
              size_t errlen)
{
	struct parser p;
	struct web_tpl *t;
	struct xh_arena *a = xh_arena_new();
	enum xh_err err;
	char *copy;

	t = xh_alloc(a, sizeof(*t));
	t->arena = a;
	t->name = xh_strdup(a, name);
	copy = xh_alloc(a, len + 1); /* NULs inside stay: lengths are kept */
	memcpy(copy, src, len);
	t->src = copy;
	t->src_len = len;
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.src = t->src;
	p.len = len;
	p.line = 1;
	p.err = errbuf;
	p.errlen = errlen;
	memcpy(p.otag, "{{", 3);
	memcpy(p.ctag, "}}", 3);
	p.olen = p.clen = 2;
	p.tail[0] = &t->first;
	if ((err = parse_all(&p)) != XH_OK) {
		xh_arena_free(a);
		*out = NULL;
		return err;
	}
	*out = t;
	return XH_OK;
}

void
web_tpl_free(struct web_tpl *t)
{
	if (t != NULL)
		xh_arena_free(t->arena);
}
