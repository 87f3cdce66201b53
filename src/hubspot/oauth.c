/*
 * oauth.c: the HubSpot OAuth connection from the command line (oauth.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "http.h"
#include "hubspot/auth.h"
#include "hubspot/oauth.h"
#include "lib/config.h"
#include "log.h"

enum oauth_sql {
	OQ_START,  /* OQ_START */
	OQ_FINISH, /* OQ_FINISH */
	OQ__MAX
};

static const struct xh_sql oauth_sql[OQ__MAX] = {
    /* OQ_START */
    {"hubspot_oauth_start",
     "INSERT INTO oauth_flow (state, provider, code_verifier, link_id, redirect_uri,"
     " expires_at, session_hash) VALUES ($1, 'hubspot', $2, $3::bigint, $4,"
     " now() + $5::int * interval '1 s', decode($6, 'hex'))",
     6},
    /* OQ_FINISH: a state is spent once, whatever happens next, by its own session only */
    {"hubspot_oauth_finish",
     "DELETE FROM oauth_flow WHERE state = $1 AND provider = 'hubspot'"
     " AND session_hash IS NOT DISTINCT FROM decode($2, 'hex') AND link_id IS NOT NULL"
     " RETURNING link_id, code_verifier, redirect_uri, expires_at > now()",
     2},
};

enum xh_err
hubspot_oauth_start(struct job_ctx *ctx, long long link_id, const char *redirect_uri,
                    const char *session_hash, char **url)
{
	const struct xh_config *cfg = ctx->cfg;
	char *state = xh_random_token(ctx->arena, 24), *verifier = xh_random_token(ctx->arena, 48);
	char link[24], ttl[16];

	*url = NULL;
	if (cfg->hubspot.client_id == NULL || cfg->hubspot.client_id[0] == '\0' ||
	    cfg->hubspot.app_url == NULL)
		return job_error(ctx, XH_ERR_CONFIG, "[hubspot] client_id and app_url are needed");
	snprintf(link, sizeof(link), "%lld", link_id);
	snprintf(ttl, sizeof(ttl), "%d", HUBSPOT_FLOW_S);
	if (xh_db_execv(ctx->db, &oauth_sql[OQ_START], NULL, state, verifier, link, redirect_uri,
	                ttl, session_hash) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "starting the authorization: %s",
		                 xh_db_error(ctx->db));
	*url = hubspot_authorize_url(ctx->arena, cfg->hubspot.app_url, cfg->hubspot.client_id,
	                             redirect_uri, state, verifier);
	return XH_OK;
}

/* The flow of state, spent: link, verifier, redirect URI. XH_ERR_NOTFOUND if none. */
static enum xh_err
spend(struct job_ctx *ctx, const char *state, const char *session_hash, long long *link_id,
      char **verifier, char **uri)
{
	PGresult *res = NULL;
	enum xh_err err;

	if ((err = xh_db_execv(ctx->db, &oauth_sql[OQ_FINISH], &res, state, session_hash)) != XH_OK)
		return job_error(ctx, XH_ERR_DB, "reading the authorization: %s",
		                 xh_db_error(ctx->db));
	if (PQntuples(res) == 1)
		*link_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 3)[0] != 't') {
		PQclear(res);
		return job_error(ctx, XH_ERR_NOTFOUND,
		                 "this authorization is unknown, already used or expired: start "
		                 "again with xhsync hubspot authorize");
	}
	*verifier = xh_strdup(ctx->arena, PQgetvalue(res, 0, 1));
	*uri = xh_strdup(ctx->arena, PQgetvalue(res, 0, 2));
	PQclear(res);
	return XH_OK;
}

/* POST /oauth/v3/token with the code; *tr on a 200 with a token set. */
static enum xh_err
exchange(struct job_ctx *ctx, const char *code, const char *verifier, const char *uri,
         struct hubspot_token_resp *tr)
{
	static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
	                                      "Accept: application/json", NULL};
	const struct xh_config *cfg = ctx->cfg;
	struct xh_http_req req = {.method = "POST", .max_wait_ms = -1};
	struct xh_http_resp resp;

	if (cfg->hubspot.client_secret == NULL || cfg->hubspot.client_secret[0] == '\0')
		return job_error(ctx, XH_ERR_CONFIG, "[hubspot] client_secret is needed");
	req.url = xh_printf(ctx->arena, "%s/oauth/v3/token", cfg->hubspot.api_url);
	req.headers = headers;
	req.body = hubspot_code_form(ctx->arena, cfg->hubspot.client_id, cfg->hubspot.client_secret,
	                             uri, code, verifier);
	req.body_len = strlen(req.body);
	req.deadline_ms = ctx->deadline_ms;
	if (xh_http_do(ctx->http, ctx->arena, &req, &resp) != XH_OK)
		return job_error(ctx, XH_ERR_TRANSIENT, "HubSpot token endpoint: %s",
		                 xh_http_error(ctx->http));
	if (hubspot_token_parse(ctx->arena, resp.body, resp.body_len, tr) == XH_OK &&
	    resp.status == 200 && tr->access_token != NULL && tr->hub_id != NULL)
		return XH_OK;
	return job_error(ctx, XH_ERR_PERMANENT, "HubSpot refused the code (%d %s)", resp.status,
	                 tr->error != NULL ? tr->error : "no usable token set");
}

enum xh_err
hubspot_oauth_finish(struct job_ctx *ctx, const char *state, const char *code,
                     const char *session_hash, long long *link_id, char **portal_id)
{
	struct hubspot_token_resp tr;
	char *verifier = NULL, *uri = NULL, *json, *bound = NULL;
	enum xh_err err;

	*portal_id = NULL;
	*link_id = 0;
	if ((err = spend(ctx, state, session_hash, link_id, &verifier, &uri)) != XH_OK)
		return err;
	if (code == NULL) /* denied: the state is spent and that is all */
		return XH_OK;
	if ((err = exchange(ctx, code, verifier, uri, &tr)) != XH_OK)
		return err;
	json = hubspot_token_payload(ctx->arena, NULL, &tr, (long long)time(NULL));
	err = hubspot_store_credential(ctx->db, ctx->keys, ctx->arena, *link_id, json, tr.hub_id,
	                               &bound);
	if (err == XH_ERR_INVAL && bound != NULL)
		return job_error(
		    ctx, XH_ERR_PERMANENT,
		    "the authorization reaches portal %s, but link %lld is for portal %s",
		    tr.hub_id, *link_id, bound);
	if (err)
		return job_error(ctx, err, "storing the HubSpot token: %s", xh_db_error(ctx->db));
	*portal_id = tr.hub_id;
	xh_log(XH_LOG_INFO, "hubspot.connected", "portal", tr.hub_id, NULL);
	return XH_OK;
}

/* The value of hex digit c, or -1. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* s[0..n) percent- and plus-decoded; NULL if it decodes to a NUL or bad escape. */
static char *
decode(struct xh_arena *a, const char *s, size_t n)
{
	char *out = xh_alloc(a, n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0 || (hi == 0 && lo == 0))
				return NULL;
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i] == '+' ? ' ' : s[i];
		}
	}
	*o = '\0';
	return out;
}

char *
hubspot_query_param(struct xh_arena *a, const char *url, const char *name)
{
	const char *q = strchr(url, '?'), *p;
	size_t nlen = strlen(name);

	for (p = q != NULL ? q + 1 : url; *p != '\0' && *p != '#';) {
		size_t len = strcspn(p, "&#\r\n");

		if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=')
			return decode(a, p + nlen + 1, len - nlen - 1);
		p += len;
		if (*p == '&')
			p++;
		else
			break;
	}
	return NULL;
}
