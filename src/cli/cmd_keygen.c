/*
 * cmd_keygen.c: `xhsync keygen [--id ID] [--force] [FILE]`: writes a new
 * master key file, mode 0600, atomically: the key goes to a fresh temporary
 * file (O_EXCL) that is then linked (no overwrite) or renamed (--force)
 * into place, so a reader never sees a half-written file.
 *
 * The file content is built separately from the writing so that a later
 * `--add` (prepend a new current key, keep the old ones) only changes
 * keyfile_text().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "cli.h"
#include "crypto.h"

struct keygen_opts {
	const char *id;
	const char *path;
	int force;
};

/* The key file: a comment header and the key line, in the arena. */
static char *
keyfile_text(struct xh_arena *a, const struct xh_key *k)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xh_printf(a,
	                 "# xhsync master key file, created %s.\n"
	                 "# One key per line, the current key first. Keep this file secret\n"
	                 "# and back it up apart from the database.\n%s",
	                 when, xh_key_format(a, k));
}

/* Writes all of text to fd, then flushes it to disk. */
static int
write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		text += n;
		len -= (size_t)n;
	}
	return fsync(fd);
}

/* fsyncs the folder holding path so the new name survives a crash. */
static void
sync_dir(const char *path)
{
	char copy[4096];
	int fd;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/*
 * Creates path with text, mode 0600. Without force an existing path is
 * left alone and the call fails with EEXIST. Returns 0 or -1 with errno.
 */
static int
keyfile_write(const char *path, const char *text, int force)
{
	char tmp[4096];
	int fd, rc = -1, saved = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0600) == 0 && write_all(fd, text, strlen(text)) == 0)
		rc = force ? rename(tmp, path) : link(tmp, path);
	saved = errno;
	close(fd);
	(void)unlink(tmp); /* after rename this name is already gone */
	if (rc == 0)
		sync_dir(path);
	errno = saved;
	return rc;
}

/* Parses the options; returns CLI_OK or CLI_USAGE (message printed). */
static int
keygen_opts(struct cli_ctx *ctx, int argc, char **argv, struct keygen_opts *o)
{
	static const struct option longopts[] = {
	    {"id", required_argument, NULL, 'i'},
	    {"force", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'i')
			o->id = optarg;
		else if (ch == 'f')
			o->force = 1;
		else
			return cli_usage(ctx, "bad option '%s'", argv[optind - 1]);
	}
	if (argc - optind > 1)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc)
		o->path = argv[optind];
	return CLI_OK;
}

/* Default key id: "k" and the UTC time, e.g. k20261121T100753. */
static void
default_id(char *out, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, len, "k%Y%m%dT%H%M%S", &tm);
}

static int
exists_fail(const char *path)
{
	return cli_fail("keygen: %s already exists; --force replaces it, and secrets sealed "
	                "with the old key can then no longer be opened",
	                path);
}

int
cmd_keygen(struct cli_ctx *ctx, int argc, char **argv)
{
	struct keygen_opts o = {NULL, NULL, 0};
	struct xh_arena *a = NULL;
	struct xh_key key;
	char id[XH_KEY_ID_MAX + 1];
	char *text;
	int rc = keygen_opts(ctx, argc, argv, &o);

	if (rc == CLI_OK && o.path == NULL && (rc = cli_need(ctx, CLI_NEEDS_CONFIG)) == CLI_OK)
		o.path = ctx->cfg.secrets.key_file;
	if (rc != CLI_OK)
		return rc;
	default_id(id, sizeof(id));
	if (xh_key_generate(&key, o.id ? o.id : id) != XH_OK)
		return o.id ? cli_usage(ctx, "key id must match [A-Za-z0-9_-]{1,32}")
		            : cli_fail("keygen: cannot generate a key");
	if (!o.force && access(o.path, F_OK) == 0) {
		rc = exists_fail(o.path);
		goto out;
	}
	a = xh_arena_new();
	text = keyfile_text(a, &key);
	if (keyfile_write(o.path, text, o.force) != 0)
		rc = errno == EEXIST ? exists_fail(o.path)
		                     : cli_fail("keygen: %s: %s", o.path, strerror(errno));
	else
		printf("wrote key %s to %s\n", key.id, o.path);
	explicit_bzero(text, strlen(text));
out:
	explicit_bzero(&key, sizeof(key));
	xh_arena_free(a);
	return rc;
}
