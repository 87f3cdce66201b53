/*
 * config_load.c: reads the INI file, applies environment overrides, and
 * writes the effective configuration and the key reference.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config_int.h"

#define CFG_LINE_MAX 4096      /* longest accepted line, newline excluded */
#define CFG_FILE_MAX (1 << 20) /* largest accepted file */
#define CFG_KEYS_MAX 128       /* room in the duplicate-key flags */
#define CFG_WHY_MAX  160

/* State of one INI parse. */
struct cfg_parser {
	struct xh_config *cfg;
	const struct cfg_key *keys;
	size_t nkeys;
	const char *name; /* file name for messages */
	int lineno;
	const char *section; /* a table string; NULL before the first header */
	unsigned char seen[CFG_KEYS_MAX];
	char *errbuf;
	size_t errlen;
};

/* Removes leading and trailing whitespace in place; returns the start. */
static char *
cfg_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* The table entry for section/key, or NULL; *idx gets its index. */
static const struct cfg_key *
cfg_find(const struct cfg_parser *p, const char *section, const char *key, size_t *idx)
{
	size_t i;

	for (i = 0; i < p->nkeys; i++) {
		if (strcmp(p->keys[i].section, section) == 0 && strcmp(p->keys[i].key, key) == 0) {
			*idx = i;
			return &p->keys[i];
		}
	}
	return NULL;
}

/* Handles "[name]": the section must exist in the table. */
static enum xh_err
ini_section(struct cfg_parser *p, char *s)
{
	size_t i, n = strlen(s);
	char *name;

	if (n < 2 || s[n - 1] != ']') {
		xh_errf(p->errbuf, p->errlen, "%s:%d: %.64s: unterminated section header", p->name,
		        p->lineno, s);
		return XH_ERR_CONFIG;
	}
	s[n - 1] = '\0';
	name = cfg_trim(s + 1);
	for (i = 0; i < p->nkeys; i++) {
		if (strcmp(p->keys[i].section, name) == 0) {
			p->section = p->keys[i].section;
			return XH_OK;
		}
	}
	xh_errf(p->errbuf, p->errlen, "%s:%d: [%.64s]: unknown section", p->name, p->lineno, name);
	return XH_ERR_CONFIG;
}

/* Strips optional double quotes around a value; NULL if a quote is unbalanced. */
static char *
ini_unquote(char *v)
{
	size_t n = strlen(v);

	if (v[0] != '"')
		return v;
	if (n < 2 || v[n - 1] != '"')
		return NULL;
	v[n - 1] = '\0';
	return v + 1;
}

/* Handles "key = value" inside the current section. */
static enum xh_err
ini_pair(struct cfg_parser *p, char *s)
{
	char why[CFG_WHY_MAX], *eq, *key, *val;
	const struct cfg_key *k;
	const char *reason = NULL;
	size_t idx = 0;

	eq = strchr(s, '=');
	if (eq != NULL)
		*eq = '\0';
	else
		s[strcspn(s, " \t")] = '\0';
	key = cfg_trim(s);
	if (p->section == NULL) {
		xh_errf(p->errbuf, p->errlen, "%s:%d: %.64s: key outside of any [section]", p->name,
		        p->lineno, key);
		return XH_ERR_CONFIG;
	}
	if (eq == NULL)
		reason = "missing '=' after key";
	else if ((val = ini_unquote(cfg_trim(eq + 1))) == NULL)
		reason = "unterminated quoted value";
	else if ((k = cfg_find(p, p->section, key, &idx)) == NULL)
		reason = "unknown key";
	else if (p->seen[idx])
		reason = "duplicate key";
	else if (xh_cfg_set(p->cfg, k, val, why, sizeof(why)) < 0)
		reason = why;
	if (reason != NULL) {
		xh_errf(p->errbuf, p->errlen, "%s:%d: [%s] %.64s: %s", p->name, p->lineno,
		        p->section, key, reason);
		return XH_ERR_CONFIG;
	}
	p->seen[idx] = 1;
	return XH_OK;
}

/* Handles one line (without its newline): blank, comment, header or pair. */
static enum xh_err
ini_line(struct cfg_parser *p, char *line)
{
	char *s = cfg_trim(line);

	if (*s == '\0' || *s == '#' || *s == ';')
		return XH_OK;
	if (*s == '[')
		return ini_section(p, s);
	return ini_pair(p, s);
}

/* Splits data into lines and parses each; stops at the first error. */
static enum xh_err
ini_parse(struct cfg_parser *p, const char *data, size_t len)
{
	char line[CFG_LINE_MAX + 1];
	const char *cur = data, *end = data + len, *nl;
	enum xh_err err;
	size_t n;

	while (cur < end) {
		nl = memchr(cur, '\n', (size_t)(end - cur));
		n = (size_t)((nl != NULL ? nl : end) - cur);
		p->lineno++;
		if (n > CFG_LINE_MAX || memchr(cur, '\0', n) != NULL) {
			xh_errf(p->errbuf, p->errlen, "%s:%d: %s", p->name, p->lineno,
			        n > CFG_LINE_MAX ? "line longer than 4096 bytes"
			                         : "NUL byte in line");
			return XH_ERR_CONFIG;
		}
		memcpy(line, cur, n);
		line[n] = '\0';
		if ((err = ini_line(p, line)) != XH_OK)
			return err;
		cur = nl != NULL ? nl + 1 : end;
	}
	return XH_OK;
}

/* Sets every key to its default (each default goes through its parser). */
static enum xh_err
cfg_defaults(struct xh_config *cfg, char *errbuf, size_t errlen)
{
	const struct cfg_key *keys;
	char why[CFG_WHY_MAX];
	size_t i, n;

	memset(cfg, 0, sizeof(*cfg));
	keys = xh_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		if (xh_cfg_set(cfg, &keys[i], keys[i].def, why, sizeof(why)) < 0) {
			xh_errf(errbuf, errlen, "[%s] %s: bad default: %s", keys[i].section,
			        keys[i].key, why);
			return XH_ERR_CONFIG;
		}
	}
	return XH_OK;
}

/* The environment variable for k: XHSYNC_<SECTION>_<KEY>, upper case. */
static void
cfg_env_name(const struct cfg_key *k, char *out, size_t outlen)
{
	size_t i;

	snprintf(out, outlen, "XHSYNC_%s_%s", k->section, k->key);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
}

/* Applies XHSYNC_<SECTION>_<KEY> overrides; errors name the variable. */
static enum xh_err
cfg_env(struct xh_config *cfg, char *errbuf, size_t errlen)
{
	char name[96], why[CFG_WHY_MAX];
	const struct cfg_key *keys;
	const char *val;
	size_t i, n;

	keys = xh_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		cfg_env_name(&keys[i], name, sizeof(name));
		if ((val = getenv(name)) == NULL)
			continue;
		if (xh_cfg_set(cfg, &keys[i], val, why, sizeof(why)) < 0) {
			xh_errf(errbuf, errlen, "%s: %s", name, why);
			return XH_ERR_CONFIG;
		}
	}
	return XH_OK;
}

/* Reads the whole file into b. XH_ERR_IO if unreadable, XH_ERR_CONFIG if too big. */
static enum xh_err
cfg_read_file(const char *path, struct xh_buf *b, char *errbuf, size_t errlen)
{
	enum xh_err err = XH_ERR_IO;
	char chunk[8192];
	FILE *f;
	size_t n;

	if ((f = fopen(path, "re")) == NULL) {
		xh_errf(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
		return XH_ERR_IO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > CFG_FILE_MAX) {
			xh_errf(errbuf, errlen, "%s: larger than %d bytes", path, CFG_FILE_MAX);
			err = XH_ERR_CONFIG;
			goto out;
		}
		xh_buf_append(b, chunk, n);
	}
	if (ferror(f)) {
		xh_errf(errbuf, errlen, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	err = XH_OK;
out:
	fclose(f);
	return err;
}

/* Parses INI text into cfg, which already holds defaults. */
static enum xh_err
cfg_parse_text(struct xh_config *cfg, const char *name, const char *data, size_t len, char *errbuf,
               size_t errlen)
{
	struct cfg_parser p;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.keys = xh_cfg_keys(&p.nkeys);
	p.name = name ? name : "config";
	p.errbuf = errbuf;
	p.errlen = errlen;
	if (p.nkeys > CFG_KEYS_MAX) {
		xh_errf(errbuf, errlen, "%s: too many configuration keys", p.name);
		return XH_ERR_CONFIG;
	}
	return ini_parse(&p, data, len);
}

enum xh_err
xh_config_load_mem(struct xh_config *cfg, const char *name, const char *data, size_t len,
                   char *errbuf, size_t errlen)
{
	enum xh_err err;

	if ((err = cfg_defaults(cfg, errbuf, errlen)) == XH_OK)
		err = cfg_parse_text(cfg, name, data, len, errbuf, errlen);
	if (err != XH_OK)
		xh_config_free(cfg);
	return err;
}

enum xh_err
xh_config_load(struct xh_config *cfg, const char *path, char *errbuf, size_t errlen)
{
	struct xh_buf b;
	enum xh_err err;

	xh_buf_init(&b);
	if ((err = cfg_defaults(cfg, errbuf, errlen)) != XH_OK)
		goto out;
	if (path != NULL) {
		if ((err = cfg_read_file(path, &b, errbuf, errlen)) != XH_OK)
			goto out;
		err = cfg_parse_text(cfg, path, b.data ? b.data : "", b.len, errbuf, errlen);
		if (err != XH_OK)
			goto out;
	}
	err = cfg_env(cfg, errbuf, errlen);
out:
	xh_buf_free(&b);
	if (err != XH_OK)
		xh_config_free(cfg);
	return err;
}

void
xh_config_free(struct xh_config *cfg)
{
	const struct cfg_key *keys;
	size_t i, n;
	char **s;

	if (cfg == NULL)
		return;
	keys = xh_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		if (!xh_cfg_is_str(&keys[i]))
			continue;
		s = (char **)((char *)cfg + keys[i].off);
		free(*s);
		*s = NULL;
	}
	memset(cfg, 0, sizeof(*cfg));
}

void
xh_config_dump(const struct xh_config *cfg, FILE *out)
{
	const struct cfg_key *keys;
	const char *section = "";
	char val[CFG_LINE_MAX];
	size_t i, n;

	keys = xh_cfg_keys(&n);
	for (i = 0; i < n; i++) {
		if (strcmp(section, keys[i].section) != 0) {
			fprintf(out, "%s[%s]\n", i ? "\n" : "", keys[i].section);
			section = keys[i].section;
		}
		xh_cfg_print(cfg, &keys[i], val, sizeof(val));
		if (keys[i].secret && val[0] != '\0')
			fprintf(out, "%s = [redacted]\n", keys[i].key);
		else if (xh_cfg_is_str(&keys[i]))
			fprintf(out, "%s = \"%s\"\n", keys[i].key, val);
		else
			fprintf(out, "%s = %s\n", keys[i].key, val);
	}
}

void
xh_config_doc(FILE *out)
{
	const struct cfg_key *keys;
	char env[96], range[64];
	size_t i, n;

	keys = xh_cfg_keys(&n);
	fprintf(out, "| section | key | env | default | description |\n");
	fprintf(out, "|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		cfg_env_name(&keys[i], env, sizeof(env));
		xh_cfg_range(&keys[i], range, sizeof(range));
		fprintf(out, "| %s | %s | `%s` | %s%s%s | %s%s%s%s |\n", keys[i].section,
		        keys[i].key, env, keys[i].def[0] ? "`" : "",
		        keys[i].def[0] ? keys[i].def : "(empty)", keys[i].def[0] ? "`" : "",
		        keys[i].doc, range[0] ? " (" : "", range, range[0] ? ")" : "");
	}
}

const char *
xh_config_path(void)
{
	const char *p = getenv("XHSYNC_CONFIG");

	return p != NULL && p[0] != '\0' ? p : XH_CONFIG_DEFAULT_PATH;
}
