/*
 * test_template.c: the mustache engine. Runs the spec files themselves
 * (interpolation, sections, inverted, comments, partials) from
 * $XHSYNC_REFERENCE/mustache-spec, else ../shared/reference beside the
 * source tree; then escaping of hostile strings, parse errors naming the
 * file and line, partial checks, directory loading and runaway recursion.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "web/template.h"
#include "unit.h"

static const char *const spec_files[] = {"interpolation", "sections", "inverted", "comments",
                                         "partials"};

/* The spec directory, or NULL when the reference material is not there. */
static const char *
spec_dir(void)
{
	static char dir[4096];
	const char *ref = getenv("XHSYNC_REFERENCE");
	struct stat st;

	if (ref != NULL && *ref != '\0')
		snprintf(dir, sizeof(dir), "%s/mustache-spec", ref);
	else
		snprintf(dir, sizeof(dir), "%s/../shared/reference/mustache-spec", XH_TOP_SRCDIR);
	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

/* Runs one spec test; returns 1 if the output is the expected one. */
static int
run_spec_test(struct json_object *t)
{
	struct json_object *data, *tpl, *exp, *partials = NULL;
	struct web_tpl_set *set = web_tpl_set_new();
	struct web_tpl *main_t = NULL;
	struct xh_buf out;
	char err[256] = "";
	int ok = 0;

	json_object_object_get_ex(t, "data", &data);
	json_object_object_get_ex(t, "template", &tpl);
	json_object_object_get_ex(t, "expected", &exp);
	json_object_object_get_ex(t, "partials", &partials);
	xh_buf_init(&out);
	if (partials != NULL) {
		json_object_object_foreach(partials, k, v)
		{
			ck_assert_int_eq(web_tpl_set_add(set, k, json_object_get_string(v),
			                                 (size_t)json_object_get_string_len(v), err,
			                                 sizeof(err)),
			                 XH_OK);
		}
	}
	if (web_tpl_parse("spec", json_object_get_string(tpl),
	                  (size_t)json_object_get_string_len(tpl), &main_t, err,
	                  sizeof(err)) == XH_OK &&
	    web_tpl_render(main_t, set, data, &out) == XH_OK)
		ok = (size_t)json_object_get_string_len(exp) == out.len &&
		     memcmp(out.data ? out.data : "", json_object_get_string(exp), out.len) == 0;
	if (!ok)
		fprintf(stderr, "  got [%s] err [%s]\n  want [%s]\n", out.data ? out.data : "", err,
		        json_object_get_string(exp));
	xh_buf_free(&out);
	web_tpl_free(main_t);
	web_tpl_set_free(set);
	return ok;
}

START_TEST(spec_suite_passes)
{
	const char *dir = spec_dir();
	struct json_object *root, *tests;
	char path[4200];
	size_t i, n, failed = 0;

	if (dir == NULL) {
		fprintf(stderr,
		        "NOTE: mustache-spec not found (set XHSYNC_REFERENCE); %s skipped\n",
		        spec_files[_i]);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s.json", dir, spec_files[_i]);
	root = json_object_from_file(path);
	ck_assert_msg(root != NULL, "cannot read %s", path);
	ck_assert(json_object_object_get_ex(root, "tests", &tests));
	n = json_object_array_length(tests);
	ck_assert_uint_gt(n, 5);
	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(tests, i), *name;

		if (!run_spec_test(t)) {
			json_object_object_get_ex(t, "name", &name);
			fprintf(stderr, "FAIL %s: %s\n", spec_files[_i],
			        json_object_get_string(name));
			failed++;
		}
	}
	json_object_put(root);
	ck_assert_msg(failed == 0, "%zu of %zu %s tests failed", failed, n, spec_files[_i]);
}
END_TEST

/* Renders src over the JSON text data; returns a heap string to free. */
static char *
render(const char *src, const char *data)
{
	struct json_object *d = json_tokener_parse(data);
	struct web_tpl *t;
	struct xh_buf out;
	char err[256];

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(web_tpl_parse("t", src, strlen(src), &t, err, sizeof(err)), XH_OK);
	xh_buf_init(&out);
	ck_assert_int_eq(web_tpl_render(t, NULL, d, &out), XH_OK);
	web_tpl_free(t);
	json_object_put(d);
	xh_buf_putc(&out, '\0');
	return out.data;
}

START_TEST(hostile_strings_are_escaped)
{
	char *s =
	    render("<p title=\"{{n}}\">{{n}}</p>", "{\"n\":\"<script>alert('x')</script>\\\"&\"}");

	ck_assert_str_eq(s,
	                 "<p title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;\">"
	                 "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;</p>");
	free(s);
	s = render("{{#l}}<li>{{.}}</li>{{/l}}", "{\"l\":[\"<b>\",\"a'b\"]}");
	ck_assert_str_eq(s, "<li>&lt;b&gt;</li><li>a&#39;b</li>");
	free(s);
}
END_TEST

START_TEST(invalid_utf8_and_nul_become_replacement)
{
	struct xh_buf b;

	xh_buf_init(&b);
	web_html_escape_n(&b, "a\xff<\xc0\xaf\0z\xe2\x82\xac", 10);
	ck_assert_str_eq(b.data,
	                 "a\xef\xbf\xbd&lt;\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\xe2\x82\xac");
	xh_buf_reset(&b);
	web_html_escape_n(&b, "\xed\xa0\x80\xe2\x82", 5); /* a surrogate, a truncated sequence */
	ck_assert_str_eq(b.data, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	xh_buf_free(&b);
}
END_TEST

START_TEST(utf8_validity_matches_what_escaping_keeps)
{
	ck_assert_int_eq(web_utf8_valid("", 0), 1);
	ck_assert_int_eq(web_utf8_valid("a\xe2\x82\xac\xf0\x9f\x98\x80", 8), 1);
	ck_assert_int_eq(web_utf8_valid("a\xff", 2), 0);
	ck_assert_int_eq(web_utf8_valid("\xc0\xaf", 2), 0);     /* overlong */
	ck_assert_int_eq(web_utf8_valid("\xed\xa0\x80", 3), 0); /* a surrogate */
	ck_assert_int_eq(web_utf8_valid("\xe2\x82", 2), 0);     /* truncated */
	ck_assert_int_eq(web_utf8_valid("a\0b", 3), 0);
}
END_TEST

START_TEST(long_hostile_name_is_escaped_whole)
{
	char data[20100], *s;
	size_t i, n = 0;

	n += (size_t)snprintf(data, sizeof(data), "{\"n\":\"");
	for (i = 0; i < 10000; i++)
		data[n++] = i % 2 ? '<' : 'a';
	snprintf(data + n, sizeof(data) - n, "\"}");
	s = render("{{n}}", data);
	ck_assert_uint_eq(strlen(s), 5000 + 5000 * 4);
	ck_assert_ptr_null(strchr(s, '<'));
	free(s);
}
END_TEST

/* Parses src expecting failure; returns the message. */
static const char *
parse_error(const char *src)
{
	static char err[256];
	struct web_tpl *t = NULL;

	err[0] = '\0';
	ck_assert_int_ne(web_tpl_parse("page.mustache", src, strlen(src), &t, err, sizeof(err)),
	                 XH_OK);
	ck_assert_ptr_null(t);
	return err;
}

START_TEST(parse_errors_name_file_and_line)
{
	ck_assert_str_eq(parse_error("a\nb {{x\n"), "page.mustache:2: tag is never closed");
	ck_assert_str_eq(parse_error("\n\n{{#a}}\nx"),
	                 "page.mustache:3: section is never closed: 'a'");
	ck_assert_str_eq(parse_error("{{#a}}\n{{/b}}"),
	                 "page.mustache:2: section 'a' opened on line 1 is closed by 'b'");
	ck_assert_str_eq(parse_error("x\n{{/a}}"),
	                 "page.mustache:2: close tag without an open section: 'a'");
	ck_assert_str_eq(parse_error("{{ }}"), "page.mustache:1: empty tag name");
	ck_assert_str_eq(parse_error("{{=<% =}}"), "page.mustache:1: bad delimiter change '<%'");
}
END_TEST

START_TEST(missing_partial_is_found_by_check)
{
	struct web_tpl_set *s = web_tpl_set_new();
	char err[256];

	ck_assert_int_eq(web_tpl_set_add(s, "base", "a\n\n{{>nav}}\n", 11, err, sizeof(err)),
	                 XH_OK);
	ck_assert_int_eq(web_tpl_set_check(s, err, sizeof(err)), XH_ERR_NOTFOUND);
	ck_assert_str_eq(err, "base:3: partial 'nav' not found");
	ck_assert_int_eq(web_tpl_set_add(s, "nav", "<nav>", 5, err, sizeof(err)), XH_OK);
	ck_assert_int_eq(web_tpl_set_check(s, err, sizeof(err)), XH_OK);
	web_tpl_set_free(s);
}
END_TEST

/* Writes dir/name with text. */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(load_dir_reads_pages_and_reports_broken_ones)
{
	char dir[] = "/tmp/xhtplXXXXXX", err[512], expect[600];
	const char *const req[] = {"page", NULL}, *const req2[] = {"login", NULL};
	struct web_tpl_set *s = web_tpl_set_new();
	struct xh_buf out;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "page.mustache", "<h1>{{>head}}</h1>");
	write_file(dir, "head.mustache", "{{t}}");
	write_file(dir, "notes.txt", "{{#unclosed}}");
	ck_assert_int_eq(web_tpl_set_load_dir(s, dir, req, err, sizeof(err)), XH_OK);
	xh_buf_init(&out);
	ck_assert_int_eq(web_tpl_render(web_tpl_set_get(s, "page"), s, NULL, &out), XH_OK);
	ck_assert_str_eq(out.data, "<h1></h1>");
	xh_buf_free(&out);
	ck_assert_int_eq(web_tpl_set_load_dir(s, dir, req2, err, sizeof(err)), XH_ERR_NOTFOUND);
	snprintf(expect, sizeof(expect), "%s/login.mustache: template missing", dir);
	ck_assert_str_eq(err, expect);
	write_file(dir, "broken.mustache", "ok\n{{#a}}\n");
	ck_assert_int_eq(web_tpl_set_load_dir(s, dir, req, err, sizeof(err)), XH_ERR_INVAL);
	snprintf(expect, sizeof(expect), "%s/broken.mustache:2: section is never closed: 'a'", dir);
	ck_assert_str_eq(err, expect);
	web_tpl_set_free(s);
	ck_assert_int_eq(system((snprintf(expect, sizeof(expect), "rm -rf '%s'", dir), expect)), 0);
	s = web_tpl_set_new();
	ck_assert_int_eq(web_tpl_set_load_dir(s, dir, NULL, err, sizeof(err)), XH_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	web_tpl_set_free(s);
}
END_TEST

START_TEST(runaway_partial_recursion_stops)
{
	struct web_tpl_set *s = web_tpl_set_new();
	struct xh_buf out;
	char err[256];

	ck_assert_int_eq(web_tpl_set_add(s, "loop", "x{{>loop}}", 10, err, sizeof(err)), XH_OK);
	xh_buf_init(&out);
	ck_assert_int_eq(web_tpl_render(web_tpl_set_get(s, "loop"), s, NULL, &out), XH_ERR_TOOBIG);
	ck_assert_uint_le(out.len, WEB_TPL_MAX_DEPTH);
	/* twice per level: 2^128 calls unless the work budget stops it */
	ck_assert_int_eq(web_tpl_set_add(s, "loop", "{{>loop}}{{>loop}}", 18, err, sizeof(err)),
	                 XH_OK);
	ck_assert_int_eq(web_tpl_render(web_tpl_set_get(s, "loop"), s, NULL, &out), XH_ERR_TOOBIG);
	xh_buf_free(&out);
	web_tpl_set_free(s);
}
END_TEST

START_TEST(values_of_every_type_render)
{
	char *s = render("{{i}} {{d}} {{b}} {{n}} {{o}}|{{#z}}no{{/z}}{{^e}}empty{{/e}}",
	                 "{\"i\":-42,\"d\":0.5,\"b\":false,\"n\":null,\"o\":{\"k\":\"<\"},"
	                 "\"z\":0,\"e\":\"\"}");

	ck_assert_str_eq(s, "-42 0.5 false  {&quot;k&quot;:&quot;&lt;&quot;}|empty");
	free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("template");

	unit_add(s, "spec", spec_suite_passes, (int)XH_NELEM(spec_files), NULL, NULL);
	unit_add(s, "escape", hostile_strings_are_escaped, 0, NULL, NULL);
	unit_add(s, "utf8", invalid_utf8_and_nul_become_replacement, 0, NULL, NULL);
	unit_add(s, "long", long_hostile_name_is_escaped_whole, 0, NULL, NULL);
	unit_add(s, "utf8_valid", utf8_validity_matches_what_escaping_keeps, 0, NULL, NULL);
	unit_add(s, "errors", parse_errors_name_file_and_line, 0, NULL, NULL);
	unit_add(s, "partials", missing_partial_is_found_by_check, 0, NULL, NULL);
	unit_add(s, "load_dir", load_dir_reads_pages_and_reports_broken_ones, 0, NULL, NULL);
	unit_add(s, "recursion", runaway_partial_recursion_stops, 0, NULL, NULL);
	unit_add(s, "types", values_of_every_type_render, 0, NULL, NULL);
	return unit_run(s);
}
