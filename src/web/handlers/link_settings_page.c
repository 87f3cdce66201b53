/*
 * link_settings_page.c: GET and POST /links/{id}/settings, a link's
 * settings as one form built from the table of src/sync/link_settings.h,
 * checked by the same rules as `xhsync link set` (link_setting_check) and
 * stored by link_settings_set in one transaction: a bad value is named
 * next to its field, with what was typed kept, and nothing is changed.
 *
 * Three write-only fields hold secrets: the Xero webhook key and the
 * HubSpot client secret that sign webhooks (the app's, shared by every
 * link: `xhsync webhook key add`), and this link's HubSpot app client
 * secret (`xhsync hubspot client-secret`). The page only says whether each
 * is set; a value typed is sealed and never rendered back, not even when
 * the form is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "cred.h"
#include "hubspot/auth.h"
#include "sync/link_settings.h"
#include "web/handlers/health_common.h"
#include "web/handlers/webhook.h"
#include "web/web.h"
#include "webhook_key.h"

enum ls_page_sql {
	LSP_SECRETS, /* LSP_SECRETS */
	LSP__MAX
};

static const struct xh_sql ls_page_sql[LSP__MAX] = {
    /* LSP_SECRETS: which secrets exist (labels only, never a value) */
    {"web_settings_secrets",
     XH_SQL_IDEMPOTENT
     "SELECT (SELECT string_agg(label, ', ' ORDER BY created_at, id) FROM webhook_key"
     "  WHERE vendor = 'xero'),"
     " (SELECT string_agg(label, ', ' ORDER BY created_at, id) FROM webhook_key"
     "  WHERE vendor = 'hubspot'),"
     " EXISTS (SELECT 1 FROM credential WHERE link_id = $1::bigint AND vendor = 'hubspot'"
     "  AND purpose = '" HUBSPOT_CLIENT_SECRET "')::int",
     1},
};

/* The write-only fields, in the order shown. */
enum ls_secret {
	SEC_XERO_WEBHOOK,    /* SEC_XERO_WEBHOOK: webhook_key xero */
	SEC_HUBSPOT_WEBHOOK, /* SEC_HUBSPOT_WEBHOOK: webhook_key hubspot */
	SEC_HUBSPOT_CLIENT,  /* SEC_HUBSPOT_CLIENT: this link's credential */
	SEC__MAX
};

static const struct {
	const char *field, *label, *help;
} secrets[SEC__MAX] = {
    {"secret.xero_webhook_key", "Xero webhook key",
     "The key of your Xero app's webhook page. Shared by every link; a new key is added"
     " beside the old ones, which keep working until removed."},
    {"secret.hubspot_webhook_secret", "HubSpot client secret (webhooks)",
     "Your HubSpot app's client secret, which signs its webhooks. Shared by every link."},
    {"secret.hubspot_client_secret", "HubSpot client secret (this link)",
     "The same secret, kept for this link's token checks and OAuth."},
};

#define LS_FIELDS_MAX 64 /* settings the page shows at most */

/* What a form brought: the values typed and the message of each bad field. */
struct ls_form {
	const char *value[LS_FIELDS_MAX];
	const char *error[LS_FIELDS_MAX];
	const char *secret_error[SEC__MAX];
	int bad;
};

/* 1 if the setting is shown as an input (not the vendor ids, set by connecting). */
static int
editable(const struct link_setting *s, const char *current)
{
	if (s->kind == LS_UUID || s->kind == LS_ID)
		return 0;
	return s->kind != LS_STATUS || strcmp(current, "active") == 0 ||
	       strcmp(current, "paused") == 0;
}

/* The <option>s of a choice, on/off or status field, the one equal to value selected. */
static struct json_object *
options(const struct link_setting *s, const char *value)
{
	const char *list = s->kind == LS_BOOL     ? "on|off"
	                   : s->kind == LS_STATUS ? "active|paused"
	                                          : s->choices;
	struct json_object *arr = json_object_new_array(), *o;
	char word[64];

	for (const char *p = list; p != NULL && *p;) {
		size_t n = strcspn(p, "|");
		snprintf(word, sizeof(word), "%.*s", (int)n, p);
		o = json_object_new_object();
		json_object_object_add(o, "v", json_object_new_string(word));
		json_object_object_add(o, "selected",
		                       json_object_new_boolean(strcmp(word, value) == 0));
		json_object_array_add(arr, o);
		p += n + (p[n] == '|');
	}
	return arr;
}

/* The heading of the part of the form a setting is in. */
static const char *
part_of(const struct link_setting *s)
{
	if (link_setting_is_column(s))
		return "The link";
	return strncmp(s->key, "objects.", 8) == 0 ? "What to sync" : "Rules";
}

/* "Label is ..." from link_setting_check's "key is ...": the field's own words. */
static const char *
labelled(struct xh_arena *a, const struct link_setting *s, const char *why)
{
	size_t n = strlen(s->key);

	if (strncmp(why, s->key, n) == 0 && why[n] == ' ')
		return xh_printf(a, "%s %s.", s->label, why + n + 1);
	return why;
}

/* One field of the form for setting i: current value, or what was typed, and its error. */
static struct json_object *
field(const struct link_setting *s, const char *current, const struct ls_form *f, size_t i)
{
	struct json_object *o = json_object_new_object();
	const char *v = f != NULL && f->value[i] != NULL ? f->value[i] : current;
	int select = s->kind == LS_BOOL || s->kind == LS_CHOICE || s->kind == LS_STATUS;

	json_object_object_add(o, "key", json_object_new_string(s->key));
	json_object_object_add(o, "label", json_object_new_string(s->label));
	json_object_object_add(o, "help", json_object_new_string(s->help));
	json_object_object_add(o, "value", json_object_new_string(v));
	json_object_object_add(o, "dflt", json_object_new_string(s->dflt));
	if (!editable(s, current))
		json_object_object_add(o, "readonly", json_object_new_boolean(1));
	else if (select) {
		json_object_object_add(o, "select", json_object_new_boolean(1));
		json_object_object_add(o, "options", options(s, v));
	} else
		json_object_object_add(o, "text", json_object_new_boolean(1));
	if (f != NULL && f->error[i] != NULL)
		json_object_object_add(o, "error", json_object_new_string(f->error[i]));
	return o;
}

/* The secrets' fields: set or not (labels of the keys), and a refused value's message. */
static enum xh_err
secret_fields(struct web_ctx *ctx, const char *link, const struct ls_form *f,
              struct json_object **out)
{
	PGresult *res = NULL;
	struct json_object *arr, *o;
	const char *labels;

	if (xh_db_execv(ctx->db, &ls_page_sql[LSP_SECRETS], &res, link) != XH_OK ||
	    PQntuples(res) != 1) {
		PQclear(res);
		return XH_ERR_DB;
	}
	arr = json_object_new_array();
	for (int i = 0; i < SEC__MAX; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "field", json_object_new_string(secrets[i].field));
		json_object_object_add(o, "label", json_object_new_string(secrets[i].label));
		json_object_object_add(o, "help", json_object_new_string(secrets[i].help));
		labels =
		    i < SEC_HUBSPOT_CLIENT && !PQgetisnull(res, 0, i) ? PQgetvalue(res, 0, i) : "";
		json_object_object_add(o, "is_set",
		                       json_object_new_boolean(i == SEC_HUBSPOT_CLIENT
		                                                   ? PQgetvalue(res, 0, 2)[0] == '1'
		                                                   : labels[0] != '\0'));
		if (labels[0] != '\0')
			json_object_object_add(o, "labels", json_object_new_string(labels));
		if (f != NULL && f->secret_error[i] != NULL)
			json_object_object_add(o, "error",
			                       json_object_new_string(f->secret_error[i]));
		json_object_array_add(arr, o);
	}
	PQclear(res);
	*out = arr;
	return XH_OK;
}

/* The bad fields of f as [{key, error}], for the list at the top of the page. */
static struct json_object *
error_list(const struct ls_form *f, const struct link_setting *t, size_t n)
{
	struct json_object *arr = json_object_new_array(), *o;

	n = n < LS_FIELDS_MAX ? n : LS_FIELDS_MAX;
	for (size_t i = 0; i < n + SEC__MAX; i++) {
		const char *key = i < n ? t[i].key : secrets[i - n].field;
		const char *why = i < n ? f->error[i] : f->secret_error[i - n];

		if (why == NULL)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "key", json_object_new_string(key));
		json_object_object_add(o, "error", json_object_new_string(why));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* Renders the page with the current settings, or what f holds; status 200 or 422. */
static int
settings_page(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp, int status,
              const struct ls_form *f)
{
	struct json_object *d = NULL, *cur = NULL, *fields, *sec = NULL, *o;
	const struct link_setting *t;
	const char *link;
	size_t n;
	int st;

	if ((st = health_link_load(ctx, req, &link, &d)) != 0)
		return st;
	if (link_settings_get(ctx->db, link, &cur) != XH_OK ||
	    secret_fields(ctx, link, f, &sec) != XH_OK) {
		json_object_put(cur);
		json_object_put(d);
		resp->reason = "cannot read the link's settings";
		return 500;
	}
	t = link_settings_table(&n);
	fields = json_object_new_array();
	for (size_t i = 0; i < n && i < LS_FIELDS_MAX; i++) {
		o = field(&t[i], json_object_get_string(json_object_object_get(cur, t[i].key)), f,
		          i);
		if (i == 0 || strcmp(part_of(&t[i]), part_of(&t[i - 1])) != 0)
			json_object_object_add(o, "heading",
			                       json_object_new_string(part_of(&t[i])));
		json_object_array_add(fields, o);
	}
	json_object_put(cur);
	json_object_object_add(d, "fields", fields);
	json_object_object_add(d, "secrets", sec);
	if (f != NULL && f->bad) {
		json_object_object_add(d, "form_error", json_object_new_boolean(1));
		json_object_object_add(d, "errors", error_list(f, t, n));
	}
	return web_page(ctx, req, resp, status, "link_settings", "Link settings - xhsync", d);
}

/* GET /links/{id}/settings (session): 200, 404, 500. */
int
web_handle_link_settings(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	return settings_page(ctx, req, resp, 200, NULL);
}

/* Checks a typed secret; NULL if it may be stored (or is empty), else why not. */
static const char *
secret_problem(int i, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return NULL;
	if (i != SEC_HUBSPOT_CLIENT && !xh_webhook_key_valid(v))
		return "A key has 8 to 256 visible characters (no spaces). Nothing was saved: type "
		       "it "
		       "again.";
	if (i == SEC_HUBSPOT_CLIENT && strlen(v) > HUBSPOT_SECRET_MAX)
		return "A client secret has at most 512 characters. Nothing was saved: type it "
		       "again.";
	return NULL;
}

/*
 * Reads the form against the current settings: the changed keys and
 * values into keys/vals (*nchanged), each bad value's message into f.
 */
static void
read_form(struct xh_arena *a, const struct web_req *req, struct json_object *cur, struct ls_form *f,
          const char **keys, const char **vals, size_t *nchanged)
{
	const struct link_setting *t;
	const char *v, *now, *stored, *why;
	size_t n;

	t = link_settings_table(&n);
	*nchanged = 0;
	for (size_t i = 0; i < n && i < LS_FIELDS_MAX; i++) {
		now = json_object_get_string(json_object_object_get(cur, t[i].key));
		if (!editable(&t[i], now) || (v = web_kv_get(&req->form, t[i].key)) == NULL)
			continue;
		f->value[i] = v;
		if (strcmp(v, now) == 0)
			continue;
		if ((why = link_setting_check(a, t[i].key, v, &stored)) != NULL) {
			f->error[i] = labelled(a, &t[i], why);
			f->bad = 1;
			continue;
		}
		keys[*nchanged] = t[i].key;
		vals[(*nchanged)++] = v;
	}
	for (int i = 0; i < SEC__MAX; i++)
		if ((f->secret_error[i] =
		         secret_problem(i, web_kv_get(&req->form, secrets[i].field))))
			f->bad = 1;
}

/* Seals and stores the secrets typed; XH_OK, XH_ERR_CONFIG without a master key. */
static enum xh_err
store_secrets(struct web_ctx *ctx, struct web_req *req, const char *link)
{
	static const char *const vendor[SEC__MAX] = {"xero", "hubspot", "hubspot"};
	const struct xh_keyring *kr = web_keyring(ctx);
	enum xh_err e = XH_OK;
	const char *v;
	struct timespec ts;
	char label[48];

	for (int i = 0; i < SEC__MAX && e == XH_OK; i++) {
		if ((v = web_kv_get(&req->form, secrets[i].field)) == NULL || v[0] == '\0')
			continue;
		if (kr == NULL)
			return XH_ERR_CONFIG;
		if (i != SEC_HUBSPOT_CLIENT) {
			clock_gettime(CLOCK_REALTIME, &ts);
			snprintf(label, sizeof(label), "console-%lld.%06ld", (long long)ts.tv_sec,
			         ts.tv_nsec / 1000);
			e = xh_webhook_key_add(ctx->db, kr, vendor[i], label, v);
			continue;
		}
		if (hubspot_store_client_secret(ctx->db, kr, strtoll(link, NULL, 10), v, NULL,
		                                &e) == NULL)
			e = XH_OK;
	}
	return e;
}

/* POST /links/{id}/settings (session, CSRF): 303 when saved, 422 naming each bad field. */
int
web_handle_link_settings_post(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	struct ls_form *f = xh_alloc(req->arena, sizeof(*f));
	const char *keys[LS_FIELDS_MAX], *vals[LS_FIELDS_MAX], *link, *why, *actor;
	struct json_object *cur = NULL;
	size_t n = 0, bad = 0;
	enum xh_err e;
	int st;

	memset(f, 0, sizeof(*f));
	if ((st = health_link_load(ctx, req, &link, NULL)) != 0)
		return st;
	if (link_settings_get(ctx->db, link, &cur) != XH_OK)
		return 500;
	read_form(req->arena, req, cur, f, keys, vals, &n);
	json_object_put(cur);
	if (f->bad)
		return settings_page(ctx, req, resp, 422, f);
	actor = xh_printf(req->arena, "console:%s", req->session->email);
	e = link_settings_set(ctx->db, req->arena, link, keys, vals, n, actor, &bad, &why);
	if (e == XH_OK)
		e = store_secrets(ctx, req, link);
	if (e != XH_OK) {
		resp->reason =
		    e == XH_ERR_CONFIG ? "no master key to seal secrets" : "settings not saved";
		return e == XH_ERR_NOTFOUND ? 404 : 500;
	}
	web_redirect(resp, xh_printf(req->arena, "/links/%s/settings?m=settings_saved", link));
	return 303;
}
