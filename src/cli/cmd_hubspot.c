/*
 * cmd_hubspot.c: `xhsync hubspot ...`: give a link its HubSpot credential
 * (a static token or OAuth), the app's client secret, test the connection
 * and bootstrap the portal's properties (src/hubspot/). Secrets are read
 * from standard input, never from the command line, where other users
 * could see them. test and bootstrap run here, through the same limiter
 * as the workers.
 */
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cred.h"
#include "http.h"
#include "job_local.h"
#include "hubspot/auth.h"
#include "hubspot/bootstrap.h"
#include "hubspot/check.h"
#include "hubspot/oauth.h"

#define RUN_TIMEOUT_MS 120000

static int cmd_token(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_secret(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_authorize(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_callback(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_test(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_bootstrap(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_hubspot_cmds[] = {
    {"token", cmd_token, CLI_NEEDS_DB, "LINK --kind project|private|service [--portal ID] < token",
     "store a static HubSpot token for the link", NULL},
    {"client-secret", cmd_secret, CLI_NEEDS_DB, "LINK [--client-id ID] < secret",
     "store the HubSpot app's client secret (webhook signatures, token checks)", NULL},
    {"authorize", cmd_authorize, CLI_NEEDS_DB, "LINK --redirect-uri URI",
     "print the URL that connects the link to HubSpot with OAuth", NULL},
    {"callback", cmd_callback, CLI_NEEDS_DB, "< redirected-url",
     "finish an OAuth connection with the URL HubSpot redirected to", NULL},
    {"test", cmd_test, CLI_NEEDS_DB, "LINK", "check the link's token, portal, tier and scopes",
     NULL},
    {"bootstrap", cmd_bootstrap, CLI_NEEDS_DB, "LINK",
     "create the xero property group and properties the sync needs (safe to repeat)", NULL},
    {NULL, NULL, CLI_NEEDS_NOTHING, NULL, NULL, NULL},
};

int
cmd_hubspot(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, cli_hubspot_cmds, argc, argv);
}

/* A foreground run of HubSpot code from the command line (job_local.h). */
struct hs_run {
	struct xh_keyring kr;
	struct job_local run;
	struct xh_arena *a; /* run.arena */
	struct job_ctx *ctx;
};

static int
run_open(struct cli_ctx *c, long long link, struct hs_run *r)
{
	char err[256];

	memset(r, 0, sizeof(*r));
	if (xh_keyring_load(c->cfg.secrets.key_file, &r->kr, err, sizeof(err)) != XH_OK)
		return cli_fail("%s", err);
	if (job_local_open(&r->run, &c->cfg, c->db, &r->kr, link, RUN_TIMEOUT_MS, "cli") != XH_OK) {
		xh_keyring_free(&r->kr);
		return cli_fail("out of memory");
	}
	r->a = r->run.arena;
	r->ctx = &r->run.ctx;
	return CLI_OK;
}

static void
run_close(struct hs_run *r)
{
	job_local_close(&r->run);
	xh_keyring_free(&r->kr);
}

/* Reads a secret from stdin into b, without trailing whitespace; -1 on failure. */
static int
read_secret(struct xh_buf *b)
{
	if (cli_read_stdin(b, 64 * 1024) != 0)
		return -1;
	while (b->len > 0 && strchr(" \t\r\n", b->data[b->len - 1]) != NULL)
		b->data[--b->len] = '\0';
	return b->len > 0 && memchr(b->data, '\0', b->len) == NULL ? 0 : -1;
}

static void
wipe(struct xh_buf *b)
{
	if (b->data != NULL)
		OPENSSL_cleanse(b->data, b->cap);
	xh_buf_free(b);
}

/* Options: --kind, --portal, --client-id, --redirect-uri; the LINK operand. */
struct hs_opts {
	const char *kind, *portal, *client_id, *redirect_uri;
	long long link;
};

static int
parse_opts(struct cli_ctx *ctx, int argc, char **argv, struct hs_opts *o, int need_link)
{
	static const struct option longopts[] = {
	    {"kind", required_argument, NULL, 'k'},
	    {"portal", required_argument, NULL, 'p'},
	    {"client-id", required_argument, NULL, 'c'},
	    {"redirect-uri", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	const char **slot[] = {
	    ['k'] = &o->kind, ['p'] = &o->portal, ['c'] = &o->client_id, ['r'] = &o->redirect_uri};
	long long pid;
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch < 0 || ch > 'r' || slot[ch] == NULL)
			return cli_usage(ctx, "bad option '%s'", argv[optind - 1]);
		*slot[ch] = optarg;
	}
	if (argc - optind != need_link)
		return cli_usage(ctx, need_link ? "expected a LINK" : "expected no operand");
	if (need_link && cli_parse_ll(argv[optind], 1, 9223372036854775807LL, &o->link) != 0)
		return cli_usage(ctx, "LINK must be a link id, not '%s'", argv[optind]);
	if (o->portal != NULL && cli_parse_ll(o->portal, 1, 9223372036854775807LL, &pid) != 0)
		return cli_usage(ctx, "--portal must be a HubSpot hub id");
	return CLI_OK;
}

/* The portal's name for the console, from the token just stored (check.h). */
static int
learn_name(struct cli_ctx *ctx, long long link, const char *token)
{
	struct hs_run r;
	int rc;

	if ((rc = run_open(ctx, link, &r)) != CLI_OK)
		return rc;
	if (hubspot_learn_portal_name(r.ctx, link, token) != XH_OK)
		rc = cli_fail("hubspot token: %s", r.ctx->msg);
	run_close(&r);
	return rc;
}

/* Stores the token for the link; prints what was stored and the service-key warning. */
static int
store_token(struct cli_ctx *ctx, const struct hs_opts *o, int kind, const char *token)
{
	struct xh_keyring kr = {0};
	struct xh_arena *a = xh_arena_new();
	char err[256], *bound = NULL;
	enum xh_err e;
	int rc = CLI_OK;

	if (xh_keyring_load(ctx->cfg.secrets.key_file, &kr, err, sizeof(err)) != XH_OK) {
		xh_arena_free(a);
		return cli_fail("%s", err);
	}
	e = hubspot_store_credential(ctx->db, &kr, a, o->link,
	                             hubspot_static_payload(a, kind, token, o->portal), o->portal,
	                             &bound);
	if (e == XH_ERR_INVAL && bound != NULL)
		rc = cli_fail("link %lld is for portal %s, not %s", o->link, bound, o->portal);
	else if (e == XH_ERR_NOTFOUND)
		rc = cli_fail("there is no link %lld", o->link);
	else if (e != XH_OK)
		rc = cli_fail("hubspot token: %s", xh_db_error(ctx->db));
	else
		printf("stored %s token for link %lld\n", hubspot_kind_info(kind)->label, o->link);
	if (rc == CLI_OK)
		rc = learn_name(ctx, o->link, token);
	if (rc == CLI_OK && !hubspot_kind_info(kind)->webhooks)
		printf("warning: a service key cannot receive HubSpot webhooks: changes made in "
		       "HubSpot reach xhsync only through the scheduled poll\n");
	xh_arena_free(a);
	xh_keyring_free(&kr);
	return rc;
}

static int
cmd_token(struct cli_ctx *ctx, int argc, char **argv)
{
	struct hs_opts o;
	struct xh_buf in;
	const char *why;
	int rc, kind;

	if ((rc = parse_opts(ctx, argc, argv, &o, 1)) != CLI_OK)
		return rc;
	kind = hubspot_kind_parse(o.kind);
	if (kind < 0 || !hubspot_kind_info(kind)->is_static)
		return cli_usage(ctx,
		                 "--kind must be project, private or service (OAuth tokens come "
		                 "from xhsync hubspot authorize)");
	xh_buf_init(&in);
	if (read_secret(&in) != 0)
		rc = cli_fail("cannot read the token from standard input");
	else if ((why = hubspot_token_problem(kind, in.data)) != NULL)
		rc = cli_fail("hubspot token: %s", why);
	else
		rc = store_token(ctx, &o, kind, in.data);
	wipe(&in);
	return rc;
}

static int
cmd_secret(struct cli_ctx *ctx, int argc, char **argv)
{
	struct xh_keyring kr = {0};
	struct hs_opts o;
	struct xh_buf in;
	const char *why;
	enum xh_err err;
	char buf[256];
	int rc;

	if ((rc = parse_opts(ctx, argc, argv, &o, 1)) != CLI_OK)
		return rc;
	if (xh_keyring_load(ctx->cfg.secrets.key_file, &kr, buf, sizeof(buf)) != XH_OK)
		return cli_fail("%s", buf);
	xh_buf_init(&in);
	if (read_secret(&in) != 0)
		rc = cli_fail("cannot read the client secret from standard input (1 to %d bytes)",
		              HUBSPOT_SECRET_MAX);
	else if ((why = hubspot_store_client_secret(ctx->db, &kr, o.link, in.data, o.client_id,
	                                            &err)) != NULL)
		rc = err == XH_ERR_INVAL
		         ? cli_fail("hubspot client-secret: %s", why)
		         : cli_fail("hubspot client-secret: the link must exist (%s)",
		                    xh_db_error(ctx->db));
	else
		printf("stored the HubSpot app's client secret for link %lld\n", o.link);
	wipe(&in);
	xh_keyring_free(&kr);
	return rc;
}

static int
cmd_authorize(struct cli_ctx *ctx, int argc, char **argv)
{
	struct hs_opts o;
	struct hs_run r;
	char *url = NULL;
	int rc;

	if ((rc = parse_opts(ctx, argc, argv, &o, 1)) != CLI_OK)
		return rc;
	if (o.redirect_uri == NULL)
		return cli_usage(ctx, "--redirect-uri is needed");
	if ((rc = run_open(ctx, o.link, &r)) != CLI_OK)
		return rc;
	if (hubspot_oauth_start(r.ctx, o.link, o.redirect_uri, NULL, &url) != XH_OK)
		rc = cli_fail("hubspot authorize: %s", r.ctx->msg);
	else
		printf("open this URL in a browser within %d minutes, approve, then give the URL "
		       "HubSpot redirects to to `xhsync hubspot callback` on standard input:\n%s\n",
		       HUBSPOT_FLOW_S / 60, url);
	run_close(&r);
	return rc;
}

static int
cmd_callback(struct cli_ctx *ctx, int argc, char **argv)
{
	struct hs_opts o;
	struct hs_run r;
	struct xh_buf in;
	char *code, *state, *error, *portal = NULL;
	long long link = 0;
	int rc;

	if ((rc = parse_opts(ctx, argc, argv, &o, 0)) != CLI_OK)
		return rc;
	if ((rc = run_open(ctx, 0, &r)) != CLI_OK)
		return rc;
	xh_buf_init(&in);
	if (read_secret(&in) != 0) {
		rc = cli_fail("cannot read the redirected URL from standard input");
		goto out;
	}
	code = hubspot_query_param(r.a, in.data, "code");
	state = hubspot_query_param(r.a, in.data, "state");
	error = hubspot_query_param(r.a, in.data, "error");
	if (error != NULL)
		rc = cli_fail("HubSpot did not authorize the app (%s)", error);
	else if (code == NULL || state == NULL)
		rc = cli_fail("the URL has no code and state");
	else if (hubspot_oauth_finish(r.ctx, state, code, NULL, &link, &portal) != XH_OK ||
	         hubspot_learn_portal_name(r.ctx, link, NULL) != XH_OK)
		rc = cli_fail("hubspot callback: %s", r.ctx->msg);
	else
		printf("link %lld is connected to HubSpot portal %s\n", link, portal);
out:
	wipe(&in);
	run_close(&r);
	return rc;
}

static int
cmd_test(struct cli_ctx *ctx, int argc, char **argv)
{
	struct hubspot_check c;
	struct hs_opts o;
	struct hs_run r;
	int rc;

	if ((rc = parse_opts(ctx, argc, argv, &o, 1)) != CLI_OK)
		return rc;
	if ((rc = run_open(ctx, o.link, &r)) != CLI_OK)
		return rc;
	if (hubspot_check(r.ctx, o.link, &c) != XH_OK) {
		rc = cli_fail("hubspot test: %s", r.ctx->msg);
	} else {
		hubspot_check_print(&c, stdout);
		rc = c.problem != NULL || c.nmissing > 0 || c.token_ok != 1 ? CLI_FAIL : CLI_OK;
	}
	run_close(&r);
	return rc;
}

static int
cmd_bootstrap(struct cli_ctx *ctx, int argc, char **argv)
{
	struct hubspot_bootstrap b;
	struct hs_opts o;
	struct hs_run r;
	int rc;

	if ((rc = parse_opts(ctx, argc, argv, &o, 1)) != CLI_OK)
		return rc;
	if ((rc = run_open(ctx, o.link, &r)) != CLI_OK)
		return rc;
	if (hubspot_bootstrap_run(r.ctx, o.link, &b) != XH_OK) {
		rc = cli_fail("hubspot bootstrap: %s", r.ctx->msg);
	} else {
		hubspot_bootstrap_print(&b, stdout);
		rc = b.problems > 0 ? CLI_FAIL : CLI_OK;
	}
	run_close(&r);
	return rc;
}
