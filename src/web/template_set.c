/*
 * template_set.c: templates by name, loaded from a directory of
 * NAME.mustache files, with a check that every partial used exists.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template_int.h"

#define TPL_FILE_MAX (1024 * 1024)
#define TPL_EXT      ".mustache"

struct tpl_entry {
	char *name;
	struct web_tpl *t;
};

struct web_tpl_set {
	struct tpl_entry *v;
	size_t n, cap;
};

struct web_tpl_set *
web_tpl_set_new(void)
{
	return xh_xcalloc(1, sizeof(struct web_tpl_set));
}

void
web_tpl_set_free(struct web_tpl_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		web_tpl_free(s->v[i].t);
	}
	free(s->v);
	free(s);
}

static struct tpl_entry *
set_find(const struct web_tpl_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

const struct web_tpl *
web_tpl_set_get(const struct web_tpl_set *s, const char *name)
{
	const struct tpl_entry *e = s ? set_find(s, name) : NULL;

	return e ? e->t : NULL;
}

/* Adds t as name, replacing (and freeing) an older one. Takes t. */
static void
set_put(struct web_tpl_set *s, const char *name, struct web_tpl *t)
{
	struct tpl_entry *e = set_find(s, name);

	if (e != NULL) {
		web_tpl_free(e->t);
		e->t = t;
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = xh_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = (struct tpl_entry){xh_xstrdup(name), t};
}

enum xh_err
web_tpl_set_add(struct web_tpl_set *s, const char *name, const char *src, size_t len, char *errbuf,
                size_t errlen)
{
	struct web_tpl *t;
	enum xh_err err;

	if ((err = web_tpl_parse(name, src, len, &t, errbuf, errlen)) != XH_OK)
		return err;
	set_put(s, name, t);
	return XH_OK;
}

/* Finds a partial in nodes (recursively) that the set lacks. */
static const struct tpl_node *
missing_partial(const struct web_tpl_set *s, const struct tpl_node *nd)
{
	const struct tpl_node *m;
	char name[260];

	for (; nd != NULL; nd = nd->next) {
		if (nd->kind == TPL_PARTIAL) {
			snprintf(name, sizeof(name), "%.*s", (int)nd->len, nd->s);
			if (set_find(s, name) == NULL)
				return nd;
		}
		if (nd->child != NULL && (m = missing_partial(s, nd->child)) != NULL)
			return m;
	}
	return NULL;
}

enum xh_err
web_tpl_set_check(const struct web_tpl_set *s, char *errbuf, size_t errlen)
{
	const struct tpl_node *m;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if ((m = missing_partial(s, s->v[i].t->first)) != NULL) {
			xh_errf(errbuf, errlen, "%s:%d: partial '%.*s' not found", s->v[i].t->name,
			        m->line, (int)m->len, m->s);
			return XH_ERR_NOTFOUND;
		}
	}
	return XH_OK;
}

/* Reads the file at path (at most TPL_FILE_MAX bytes) into b. */
static enum xh_err
read_file(const char *path, struct xh_buf *b, char *errbuf, size_t errlen)
{
	char chunk[8192];
	FILE *f = fopen(path, "rb");
	size_t n;
	enum xh_err err = XH_OK;

	if (f == NULL) {
		xh_errf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return XH_ERR_IO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b->len <= TPL_FILE_MAX)
		xh_buf_append(b, chunk, n);
	if (ferror(f)) {
		xh_errf(errbuf, errlen, "%s: read error", path);
		err = XH_ERR_IO;
	} else if (b->len > TPL_FILE_MAX) {
		xh_errf(errbuf, errlen, "%s: larger than 1 MiB", path);
		err = XH_ERR_TOOBIG;
	}
	fclose(f);
	return err;
}

/* Loads dir/file as the template named file minus ".mustache". */
static enum xh_err
load_one(struct web_tpl_set *s, const char *dir, const char *file, char *errbuf, size_t errlen)
{
	size_t n = strlen(file) - strlen(TPL_EXT);
	char path[4096], name[256];
	struct web_tpl *t = NULL;
	struct xh_buf b;
	enum xh_err err;

	if (n == 0 || n >= sizeof(name))
		return XH_OK;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(name, sizeof(name), "%.*s", (int)n, file);
	xh_buf_init(&b);
	err = read_file(path, &b, errbuf, errlen);
	if (err == XH_OK)
		err = web_tpl_parse(path, b.data ? b.data : "", b.len, &t, errbuf, errlen);
	if (err == XH_OK)
		set_put(s, name, t);
	xh_buf_free(&b);
	return err;
}

/* 1 if file ends in ".mustache" and is not hidden. */
static int
is_template_file(const char *file)
{
	size_t n = strlen(file), e = strlen(TPL_EXT);

	return file[0] != '.' && n > e && strcmp(file + n - e, TPL_EXT) == 0;
}

/* XH_ERR_NOTFOUND naming the first required page the set lacks. */
static enum xh_err
check_required(const struct web_tpl_set *s, const char *dir, const char *const *required,
               char *errbuf, size_t errlen)
{
	for (; required != NULL && *required != NULL; required++) {
		if (set_find(s, *required) == NULL) {
			xh_errf(errbuf, errlen, "%s/%s%s: template missing", dir, *required,
			        TPL_EXT);
			return XH_ERR_NOTFOUND;
		}
	}
	return XH_OK;
}

enum xh_err
web_tpl_set_load_dir(struct web_tpl_set *s, const char *dir, const char *const *required,
                     char *errbuf, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	enum xh_err err = XH_OK;

	if (d == NULL) {
		xh_errf(errbuf, errlen, "%s: %s", dir, strerror(errno));
		return XH_ERR_IO;
	}
	while (err == XH_OK && (de = readdir(d)) != NULL)
		if (is_template_file(de->d_name))
			err = load_one(s, dir, de->d_name, errbuf, errlen);
	closedir(d);
	if (err == XH_OK)
		err = check_required(s, dir, required, errbuf, errlen);
	if (err == XH_OK)
		err = web_tpl_set_check(s, errbuf, errlen);
	return err;
}
