/*
 * fuzz_template.c: the mustache parser and renderer on arbitrary template
 * text. A template that parses must render (or stop at a depth or size
 * cap) over a fixed context holding every JSON type, with itself as the
 * partial "self" so recursion is exercised; a parse failure must leave no
 * template behind and a message naming the line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "web/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char context_json[] =
    "{\"s\":\"<b>&'\\\"\",\"i\":7,\"d\":1.5,\"t\":true,\"f\":false,\"n\":null,"
    "\"l\":[1,\"two\",{\"s\":\"in\"},[3]],\"e\":[],\"o\":{\"a\":{\"b\":\"c\"}}}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_object *ctx;
	struct web_tpl_set *set;
	struct web_tpl *t = NULL;
	struct xh_buf out;
	enum xh_err err;
	char msg[256] = "";

	if (ctx == NULL)
		ctx = json_tokener_parse(context_json);
	if (size > 64 * 1024)
		return 0;
	err = web_tpl_parse("fuzz", (const char *)data, size, &t, msg, sizeof(msg));
	if (err != XH_OK) {
		if (t != NULL || strncmp(msg, "fuzz:", 5) != 0)
			abort();
		return 0;
	}
	set = web_tpl_set_new();
	if (web_tpl_set_add(set, "self", (const char *)data, size, msg, sizeof(msg)) != XH_OK)
		abort(); /* it parsed once: it parses again */
	xh_buf_init(&out);
	err = web_tpl_render(t, set, ctx, &out);
	if (err != XH_OK && err != XH_ERR_TOOBIG && err != XH_ERR_INVAL)
		abort();
	web_tpl_set_check(set, msg, sizeof(msg));
	xh_buf_free(&out);
	web_tpl_free(t);
	web_tpl_set_free(set);
	return 0;
}
