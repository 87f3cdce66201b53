/*
 * cmd_mapping.c: `xhsync mapping show|set|disable|unset|reset|preview`:
 * a link's field mapping per HubSpot object (src/sync/map_store.h). Every
 * change is validated before it is stored, marks the object's records for
 * re-push, and is audited with the actor "cli".
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sync/map_store.h"

static int cmd_mapping_show(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_mapping_set(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_mapping_disable(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_mapping_unset(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_mapping_reset(struct cli_ctx *ctx, int argc, char **argv);
static int cmd_mapping_preview(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_mapping_cmds[] = {
    {"show", cmd_mapping_show, CLI_NEEDS_DB, "LINK OBJECT",
     "print the mapping of one object (company, contact, invoice, line_item, product)", NULL},
    {"set", cmd_mapping_set, CLI_NEEDS_DB, "LINK OBJECT PROPERTY SOURCE [TRANSFORM]",
     "map a HubSpot property from a Xero source path (validated; marks records for re-push)", NULL},
    {"disable", cmd_mapping_disable, CLI_NEEDS_DB, "LINK OBJECT PROPERTY",
     "stop writing a property", NULL},
    {"unset", cmd_mapping_unset, CLI_NEEDS_DB, "LINK OBJECT PROPERTY",
     "drop a property's override (back to the default)", NULL},
    {"reset", cmd_mapping_reset, CLI_NEEDS_DB, "LINK OBJECT",
     "drop every override of an object (back to the defaults)", NULL},
    {"preview", cmd_mapping_preview, CLI_NEEDS_DB, "LINK OBJECT XERO_ID|NUMBER",
     "render the mapping on a mirrored record; writes nothing", NULL},
    {NULL, NULL, CLI_NEEDS_NOTHING, NULL, NULL, NULL},
};

int
cmd_mapping(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_dispatch(ctx, cli_mapping_cmds, argc, argv);
}

/* Checks the argument count (min..max after the name) and parses LINK OBJECT. */
static int
link_object(struct cli_ctx *ctx, int argc, char **argv, int min, int max, long long *link,
            enum sync_object *o)
{
	int obj;

	if (argc - 1 < min || argc - 1 > max)
		return cli_usage(ctx, "expected %s", ctx->cmd->synopsis);
	if (cli_parse_ll(argv[1], 1, 9223372036854775807LL, link) != 0)
		return cli_usage(ctx, "'%s' is not a link id", argv[1]);
	if ((obj = sync_object_find(argv[2])) < 0)
		return cli_usage(ctx,
		                 "'%s' is not an object (company, contact, invoice, line_item, "
		                 "product)",
		                 argv[2]);
	*o = (enum sync_object)obj;
	return CLI_OK;
}

static int
cmd_mapping_show(struct cli_ctx *ctx, int argc, char **argv)
{
	struct xh_arena *a = xh_arena_new();
	struct sync_mapping m;
	enum sync_object o;
	long long link;
	char err[300];
	int rc;

	if ((rc = link_object(ctx, argc, argv, 2, 2, &link, &o)) != CLI_OK)
		goto out;
	if (sync_mapping_load(ctx->db, a, link, o, &m, err, sizeof(err)) != XH_OK) {
		rc = cli_fail("mapping show: %s", err);
		goto out;
	}
	printf("%-28s %-44s %-24s %s\n", "PROPERTY", "SOURCE", "TRANSFORM", "NOTES");
	for (int i = 0; i < m.n; i++) {
		const struct sync_rule *r = &m.rules[i];
		printf("%-28s %-44s %-24s %s%s%s\n", r->target, r->source, r->transform,
		       r->overridden ? "override" : "default", r->required ? ", required" : "",
		       r->locked ? ", locked" : "");
	}
out:
	xh_arena_free(a);
	return rc;
}

/* Runs a set (enabled) or disable; prints the outcome. */
static int
store(struct cli_ctx *ctx, struct sync_mapping_change *c, const char *what)
{
	char err[300];
	long long repush = 0;
	enum xh_err e = sync_mapping_set(ctx->db, c, &repush, err, sizeof(err));

	if (e != XH_OK)
		return cli_fail("mapping %s: %s", what, err);
	printf("%s %s.%s; %lld record(s) marked for re-push\n", what, sync_object_name(c->object),
	       c->target, repush);
	return CLI_OK;
}

static int
cmd_mapping_set(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sync_mapping_change c = {.enabled = 1, .actor = "cli"};
	int rc;

	if ((rc = link_object(ctx, argc, argv, 4, 5, &c.link, &c.object)) != CLI_OK)
		return rc;
	c.target = argv[3];
	c.source = argv[4];
	c.transform = argc > 5 ? argv[5] : "text";
	return store(ctx, &c, "set");
}

static int
cmd_mapping_disable(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sync_mapping_change c = {
	    .enabled = 0, .actor = "cli", .source = ".", .transform = "text"};
	int rc;

	if ((rc = link_object(ctx, argc, argv, 3, 3, &c.link, &c.object)) != CLI_OK)
		return rc;
	c.target = argv[3];
	return store(ctx, &c, "disabled");
}

/* Drops one override (target) or all of them (NULL). */
static int
drop(struct cli_ctx *ctx, struct sync_mapping_change *c, const char *what)
{
	char err[300];
	long long repush = 0;

	if (sync_mapping_unset(ctx->db, c, &repush, err, sizeof(err)) != XH_OK)
		return cli_fail("mapping %s: %s", what, err);
	printf("%s %s%s%s; %lld record(s) marked for re-push\n", what, sync_object_name(c->object),
	       c->target ? "." : "", c->target ? c->target : "", repush);
	return CLI_OK;
}

static int
cmd_mapping_unset(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sync_mapping_change c = {.actor = "cli"};
	int rc;

	if ((rc = link_object(ctx, argc, argv, 3, 3, &c.link, &c.object)) != CLI_OK)
		return rc;
	c.target = argv[3];
	return drop(ctx, &c, "unset");
}

static int
cmd_mapping_reset(struct cli_ctx *ctx, int argc, char **argv)
{
	struct sync_mapping_change c = {.actor = "cli"};
	int rc;

	if ((rc = link_object(ctx, argc, argv, 2, 2, &c.link, &c.object)) != CLI_OK)
		return rc;
	return drop(ctx, &c, "reset");
}

static int
cmd_mapping_preview(struct cli_ctx *ctx, int argc, char **argv)
{
	struct xh_arena *a = xh_arena_new();
	json_object *out = NULL;
	enum sync_object o;
	long long link;
	char err[300];
	int rc;

	if ((rc = link_object(ctx, argc, argv, 3, 3, &link, &o)) != CLI_OK)
		goto done;
	if (sync_mapping_preview(ctx->db, a, link, o, argv[3], &out, err, sizeof(err)) != XH_OK) {
		rc = cli_fail("mapping preview: %s", err);
		goto done;
	}
	printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY |
	                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
done:
	json_object_put(out);
	xh_arena_free(a);
	return rc;
}
