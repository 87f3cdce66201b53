/*
 * supervisor.c: opens the FastCGI socket and keeps web.processes children
 * serving on it. A child that dies is replaced (with a growing delay when
 * children die in a tight loop). SIGHUP reloads the configuration and
 * replaces the children gracefully; SIGTERM/SIGINT stop them, wait up to
 * 10 s, kill stragglers, remove the socket and return 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "template.h"
#include "web.h"

#define LISTEN_BACKLOG   128
#define STOP_GRACE_MS    10000 /* children get this long to finish their request */
#define QUICK_DEATH_MS   1000  /* a child dying younger than this backs off */
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS   10000

/* One place for a child of the current generation. pid 0: not running. */
struct slot {
	pid_t pid;
	long long started;
	long long restart_at;
	int backoff_ms;
};

/* A child of an older generation, told to stop; killed after its deadline. */
struct retired {
	pid_t pid;
	long long deadline;
};

struct sup {
	const char *config_path;
	struct xh_config *cfg;
	char *sock_path; /* fixed at start: changing web.socket needs a restart */
	int fd;
	struct slot *slots;
	int nslots;
	struct retired *old;
	size_t nold;
	int stopping;
};

static volatile sig_atomic_t got_term, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	/* SIGCHLD only wakes ppoll(). */
}

/* Installs the handlers, blocks the signals, and returns the mask to wait with. */
static void
sup_signals(sigset_t *waitmask)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
	struct sigaction sa;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < XH_NELEM(sigs); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	for (i = 0; i < XH_NELEM(sigs); i++)
		sigdelset(waitmask, sigs[i]);
}

/* 1 if something accepts connections on the unix socket at path. */
static int
socket_live(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), live;

	if (fd < 0)
		return 0;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return live;
}

/*
 * Opens the listening unix socket at path with the given mode, after
 * removing a stale socket left by a crash. Refuses a path that is not a
 * socket or that another live server listens on. -1 on failure (logged).
 *
 * We bind ourselves rather than call FCGX_OpenSocket: libfcgi's version
 * exit()s the process on a bind error, unlinks whatever file is at the
 * path, and reads "name:port" as a TCP address.
 */
static int
listen_open(const char *path, int mode)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	const char *why = NULL;
	mode_t old;
	int fd = -1;

	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) >= (int)sizeof(sun.sun_path)) {
		why = "path too long for a unix socket";
		goto fail;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode) || socket_live(&sun)) {
			why =
			    S_ISSOCK(st.st_mode) ? "another server listens on it" : "not a socket";
			goto fail;
		}
		xh_log(XH_LOG_INFO, "web.socket.stale", "path", path, NULL);
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		goto fail;
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (chmod(path, (mode_t)mode) != 0 || listen(fd, LISTEN_BACKLOG) != 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		goto fail;
	return fd;
fail:
	xh_log(XH_LOG_ERROR, "web.socket", "path", path, "error", why ? why : strerror(errno),
	       NULL);
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Writes our pid to path. -1 on failure (logged). */
static int
pidfile_write(const char *path)
{
	FILE *f = fopen(path, "w");
	int bad;

	if (f == NULL) {
		xh_log(XH_LOG_ERROR, "web.pidfile", "path", path, "error", strerror(errno), NULL);
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	bad = ferror(f);
	return fclose(f) != 0 || bad ? -1 : 0;
}

/*
 * The child side of a fork: asks for SIGTERM if the supervisor dies (so a
 * killed supervisor leaves no orphans serving), then serves until stopped.
 */
static void
child_main(struct sup *s, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		exit(0);
	exit(web_child_run(s->fd, s->cfg));
}

/* Forks the child for slot i; a failed fork is retried a second later. */
static void
spawn(struct sup *s, int i)
{
	struct slot *sl = &s->slots[i];
	pid_t parent = getpid(), p = fork();
	char pid[24];

	if (p < 0) {
		xh_log(XH_LOG_ERROR, "web.child.fork", "error", strerror(errno), NULL);
		sl->restart_at = xh_now_ms() + 1000;
		return;
	}
	if (p == 0)
		child_main(s, parent);
	sl->pid = p;
	sl->started = xh_now_ms();
	snprintf(pid, sizeof(pid), "%ld", (long)p);
	xh_log(XH_LOG_INFO, "web.child.start", "child", pid, NULL);
}

/* "exit 0" or "signal 9" for a wait status. */
static void
describe(int st, char *out, size_t n)
{
	if (WIFSIGNALED(st))
		snprintf(out, n, "signal %d", WTERMSIG(st));
	else
		snprintf(out, n, "exit %d", WEXITSTATUS(st));
}

/* Schedules the restart of a slot whose child died, backing off quick deaths. */
static long long
slot_died(struct slot *sl, long long now)
{
	if (now - sl->started < QUICK_DEATH_MS)
		sl->backoff_ms = sl->backoff_ms ? sl->backoff_ms * 2 : BACKOFF_FIRST_MS;
	else
		sl->backoff_ms = 0;
	if (sl->backoff_ms > BACKOFF_MAX_MS)
		sl->backoff_ms = BACKOFF_MAX_MS;
	sl->pid = 0;
	sl->restart_at = now + sl->backoff_ms;
	return sl->backoff_ms;
}

/* Forgets a dead child; returns 1 if it was a current one (restart it). */
static int
forget(struct sup *s, pid_t pid, long long *restart_ms)
{
	size_t j;
	int i;

	for (i = 0; i < s->nslots; i++) {
		if (s->slots[i].pid != pid)
			continue;
		*restart_ms = s->stopping ? -1 : slot_died(&s->slots[i], xh_now_ms());
		if (s->stopping)
			s->slots[i].pid = 0;
		return !s->stopping;
	}
	for (j = 0; j < s->nold; j++) {
		if (s->old[j].pid == pid) {
			s->old[j] = s->old[--s->nold];
			break;
		}
	}
	return 0;
}

/* Logs a child's exit and forgets it; a current child is rescheduled. */
static void
record_exit(struct sup *s, pid_t p, int st)
{
	char pid[24], how[32], delay[24];
	long long restart_ms = -1;
	int current = forget(s, p, &restart_ms);

	snprintf(pid, sizeof(pid), "%ld", (long)p);
	describe(st, how, sizeof(how));
	snprintf(delay, sizeof(delay), "%lld", restart_ms);
	if (current)
		xh_log(XH_LOG_WARN, "web.child.exit", "child", pid, "status", how, "restart_in_ms",
		       delay, NULL);
	else
		xh_log(XH_LOG_INFO, "web.child.exit", "child", pid, "status", how, NULL);
}

/* Reaps every child that has exited, without waiting. */
static void
reap(struct sup *s)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		record_exit(s, p, st);
}

/* Sends sig to every current and retired child. */
static void
signal_all(struct sup *s, int sig)
{
	size_t j;
	int i;

	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].pid > 0)
			kill(s->slots[i].pid, sig);
	for (j = 0; j < s->nold; j++)
		kill(s->old[j].pid, sig);
}

static size_t
live_children(const struct sup *s)
{
	size_t n = s->nold;
	int i;

	for (i = 0; i < s->nslots; i++)
		n += s->slots[i].pid > 0;
	return n;
}

/* Retires the current children (SIGTERM, 10 s to finish) and makes new empty slots. */
static void
new_generation(struct sup *s, int n)
{
	long long now = xh_now_ms();
	int i;

	s->old = xh_xrealloc(s->old, (s->nold + (size_t)s->nslots) * sizeof(*s->old));
	for (i = 0; i < s->nslots; i++) {
		if (s->slots[i].pid <= 0)
			continue;
		kill(s->slots[i].pid, SIGTERM);
		s->old[s->nold++] = (struct retired){s->slots[i].pid, now + STOP_GRACE_MS};
	}
	free(s->slots);
	s->slots = xh_xcalloc((size_t)n, sizeof(*s->slots));
	s->nslots = n;
}

/* Applies the log level named in cfg (already validated by the config). */
static void
apply_log_level(const struct xh_config *cfg)
{
	enum xh_log_level lvl = XH_LOG_INFO;

	xh_log_level_parse(cfg->log.level, &lvl);
	xh_log_open("web", lvl);
}

/*
 * SIGHUP: loads the configuration and the templates again. If either is
 * invalid, logs why and keeps the old ones; else replaces the children
 * gracefully (they inherit the new templates). web.socket is
 * not moved (that needs a restart); web.socket_mode is applied.
 */
static void
reload(struct sup *s)
{
	struct xh_config nc;
	struct web_tpl_set *tpl;
	char err[512];

	if (xh_config_load(&nc, s->config_path, err, sizeof(err)) != XH_OK) {
		xh_log(XH_LOG_ERROR, "web.reload", "error", err, "kept", "previous configuration",
		       NULL);
		return;
	}
	if (web_templates_load(nc.web.templates_dir, &tpl, err, sizeof(err)) != XH_OK) {
		xh_log(XH_LOG_ERROR, "web.reload", "error", err, "kept",
		       "previous configuration and templates", NULL);
		xh_config_free(&nc);
		return;
	}
	web_tpl_set_free(web_templates);
	web_templates = tpl;
	if (strcmp(nc.web.socket, s->sock_path) != 0)
		xh_log(XH_LOG_WARN, "web.reload", "warning", "web.socket changes need a restart",
		       "socket", s->sock_path, NULL);
	if (chmod(s->sock_path, (mode_t)nc.web.socket_mode) != 0)
		xh_log(XH_LOG_WARN, "web.reload", "error", strerror(errno), NULL);
	xh_config_free(s->cfg);
	*s->cfg = nc;
	apply_log_level(s->cfg);
	new_generation(s, s->cfg->web.processes);
	xh_logf(XH_LOG_INFO, "web.reload", "replacing children: %d processes", s->nslots);
}

/* Starts due slots and kills overdue retired children; returns the next deadline. */
static long long
tend(struct sup *s)
{
	long long now = xh_now_ms(), next = LLONG_MAX;
	size_t j;
	int i;

	for (i = 0; i < s->nslots; i++) {
		if (s->slots[i].pid == 0 && s->slots[i].restart_at <= now)
			spawn(s, i);
		if (s->slots[i].pid == 0 && s->slots[i].restart_at < next)
			next = s->slots[i].restart_at;
	}
	for (j = 0; j < s->nold; j++) {
		if (s->old[j].deadline <= now) {
			xh_log(XH_LOG_WARN, "web.child.kill", "reason", "did not stop in 10 s",
			       NULL);
			kill(s->old[j].pid, SIGKILL);
			s->old[j].deadline = LLONG_MAX;
		}
		if (s->old[j].deadline < next)
			next = s->old[j].deadline;
	}
	return next;
}

/* Sleeps until a signal arrives or the deadline (LLONG_MAX: none) passes. */
static void
wait_until(long long deadline, const sigset_t *waitmask)
{
	long long ms = deadline - xh_now_ms();
	struct timespec ts;

	if (deadline == LLONG_MAX) {
		ppoll(NULL, 0, NULL, waitmask);
		return;
	}
	if (ms < 0)
		ms = 0;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	ppoll(NULL, 0, &ts, waitmask);
}

/* Stops every child: SIGTERM, up to 10 s to finish, then SIGKILL. */
static void
stop_children(struct sup *s, const sigset_t *waitmask)
{
	long long deadline = xh_now_ms() + STOP_GRACE_MS;
	pid_t p;
	int st;

	s->stopping = 1;
	signal_all(s, SIGTERM);
	while (reap(s), live_children(s) > 0 && xh_now_ms() < deadline)
		wait_until(deadline, waitmask);
	if (live_children(s) == 0)
		return;
	xh_log(XH_LOG_WARN, "web.child.kill", "reason", "did not stop in 10 s", NULL);
	signal_all(s, SIGKILL);
	while (live_children(s) > 0 && (p = waitpid(-1, &st, 0)) > 0)
		record_exit(s, p, st);
}

/*
 * Runs the supervisor until SIGTERM/SIGINT. cfg is the loaded configuration
 * (replaced in place on a successful reload). Returns the exit code: 0
 * after a clean stop, 1 if the socket or pid file could not be set up.
 */
int
web_supervise(const char *config_path, struct xh_config *cfg, const char *pidfile)
{
	struct sup s = {config_path, cfg, xh_xstrdup(cfg->web.socket), -1, NULL, 0, NULL, 0, 0};
	sigset_t waitmask;
	int code = 1;

	sup_signals(&waitmask);
	if ((s.fd = listen_open(s.sock_path, cfg->web.socket_mode)) < 0)
		goto out;
	if (pidfile != NULL && pidfile_write(pidfile) != 0)
		goto out;
	xh_logf(XH_LOG_INFO, "web.start", "listening on %s with %d processes", s.sock_path,
	        cfg->web.processes);
	new_generation(&s, cfg->web.processes);
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			reload(&s);
		}
		reap(&s);
		wait_until(tend(&s), &waitmask);
	}
	stop_children(&s, &waitmask);
	xh_log(XH_LOG_INFO, "web.stop", NULL);
	code = 0;
out:
	if (s.fd >= 0) {
		close(s.fd);
		unlink(s.sock_path);
	}
	if (pidfile != NULL && code == 0)
		unlink(pidfile);
	free(s.slots);
	free(s.old);
	free(s.sock_path);
	return code;
}
