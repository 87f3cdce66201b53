/*
 * job_ctx.c: helpers for enqueuers and job handlers (job.h): unique keys,
 * job arguments, error messages and the monotonic clock.
 */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "job_int.h"

char *
job_unique_key(struct xh_arena *a, const char *kind, long long link_id, const char *part)
{
	unsigned char md[XH_SHA256_LEN];
	char *key;
	size_t len, keep;

	if (part != NULL)
		key = xh_printf(a, "%s:%lld:%s", kind, link_id, part);
	else
		key = xh_printf(a, "%s:%lld", kind, link_id);
	len = strlen(key);
	if (len <= JOB_UNIQUE_KEY_MAX)
		return key;
	/* prefix + "#" + 64 hex digits fits the limit exactly */
	xh_sha256(key, len, md);
	keep = JOB_UNIQUE_KEY_MAX - 1 - 2 * XH_SHA256_LEN;
	return xh_printf(a, "%.*s#%s", (int)keep, key, xh_hex(a, md, sizeof(md)));
}

void
job_ctx_oneoff(struct job_ctx *ctx, struct job *j, struct xh_db *db, struct xh_http *http,
               const struct xh_config *cfg, const struct xh_keyring *keys, struct xh_arena *arena,
               long long link_id, long long timeout_ms)
{
	*j = (struct job){.kind = "oneoff", .link_id = link_id, .args = "{}", .attempt = 1};
	*ctx = (struct job_ctx){.job = j,
	                        .db = db,
	                        .http = http,
	                        .cfg = cfg,
	                        .keys = keys,
	                        .arena = arena,
	                        .deadline_ms = xh_now_ms() + timeout_ms};
}

enum xh_err
job_error(struct job_ctx *ctx, enum xh_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
	return err;
}

/* Looks key up in the job's args: 1 found, 0 absent, -1 args not an object. */
static int
arg_get(const struct job *j, const char *key, json_object **root, json_object **val)
{
	*root = json_tokener_parse(j->args != NULL ? j->args : "{}");
	if (*root == NULL || !json_object_is_type(*root, json_type_object))
		return -1;
	return json_object_object_get_ex(*root, key, val) ? 1 : 0;
}

enum xh_err
job_arg_int(const struct job *j, const char *key, long long def, long long min, long long max,
            long long *out)
{
	json_object *root = NULL, *v = NULL;
	enum xh_err err = XH_OK;
	int found = arg_get(j, key, &root, &v);

	*out = def;
	if (found < 0)
		err = XH_ERR_INVAL;
	else if (found > 0 && !json_object_is_type(v, json_type_int))
		err = XH_ERR_INVAL;
	else if (found > 0)
		*out = json_object_get_int64(v);
	if (!err && (*out < min || *out > max))
		err = XH_ERR_INVAL;
	json_object_put(root);
	return err;
}

enum xh_err
job_arg_str(const struct job *j, struct xh_arena *a, const char *key, char **out)
{
	json_object *root = NULL, *v = NULL;
	enum xh_err err = XH_OK;
	int found = arg_get(j, key, &root, &v);

	*out = NULL;
	if (found < 0 || (found > 0 && !json_object_is_type(v, json_type_string)))
		err = XH_ERR_INVAL;
	else if (found > 0)
		*out = xh_strdup(a, json_object_get_string(v));
	json_object_put(root);
	return err;
}

enum xh_err
job_arg_bool(const struct job *j, const char *key, int def, int *out)
{
	json_object *root = NULL, *v = NULL;
	enum xh_err err = XH_OK;
	int found = arg_get(j, key, &root, &v);

	*out = def;
	if (found < 0 || (found > 0 && !json_object_is_type(v, json_type_boolean)))
		err = XH_ERR_INVAL;
	else if (found > 0)
		*out = json_object_get_boolean(v);
	json_object_put(root);
	return err;
}

int
job_should_yield(const struct job_ctx *ctx, long long margin_ms)
{
	if (ctx->stopping != NULL && atomic_load(ctx->stopping))
		return 1;
	return ctx->deadline_ms > 0 && xh_now_ms() + margin_ms >= ctx->deadline_ms;
}
