/*
 * fcgi_loop.c: a pre-forked child. It owns one database handle and serves
 * one FastCGI request at a time until SIGTERM or SIGINT, which let the
 * current request finish.
 *
 * Signals are blocked except while the child waits in ppoll() for the
 * listening socket, and that socket is non-blocking: so a stop request
 * never interrupts a request in progress, and a child never sleeps in
 * accept() after another child took the connection.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "log.h"
#include "web.h"

/* Web children answer /healthz within 2 s: connection attempts stop at 1 s. */
#define WEB_DB_CONNECT_MAX_MS 1000

static volatile sig_atomic_t child_stop;

static void
on_stop(int sig)
{
	(void)sig;
	child_stop = 1;
	FCGX_ShutdownPending();
}

/* One access log line: method, path, status, body bytes, duration; never the query. */
static void
access_log(const struct web_req *req, const struct web_resp *resp, size_t bytes, long long ms)
{
	char status[16], nbytes[32], dur[32];

	snprintf(status, sizeof(status), "%d", resp->status);
	snprintf(nbytes, sizeof(nbytes), "%zu", bytes);
	snprintf(dur, sizeof(dur), "%lld", ms);
	/* With no reason, the NULL key ends the list before "reason". */
	xh_log(resp->status >= 500 ? XH_LOG_WARN : XH_LOG_INFO, "http.request", "method",
	       req->method_name, "path", req->path ? req->path : "-", "status", status, "bytes",
	       nbytes, "ms", dur, resp->reason ? "reason" : NULL, resp->reason, NULL);
}

/*
 * Serves one request from its params and body reader into sink, with its
 * own arena, request id and access log line.
 */
void
web_serve_sink(struct web_ctx *ctx, char **env, web_body_reader *rd, void *rdarg, web_sink *sink,
               void *sinkarg)
{
	long long start = xh_now_ms(), max_body = ctx->cfg->web.max_body;
	struct xh_arena *a = xh_arena_new();
	struct web_req req;
	struct web_resp resp;
	size_t bytes;

	web_req_init(&req, a, env, max_body);
	xh_log_set_id(req.id);
	web_resp_init(&resp, a);
	web_resp_header(&resp, "X-Request-Id", req.id);
	web_req_read_body(&req, max_body, rd, rdarg);
	web_dispatch(web_routes, WEB_ROUTE__MAX, ctx, &req, &resp);
	bytes = web_resp_send(ctx, &resp, req.method == WEB_HEAD, sink, sinkarg);
	access_log(&req, &resp, bytes, xh_now_ms() - start);
	web_resp_free(&resp);
	xh_arena_free_wipe(a); /* passwords, session and CSRF tokens */
	xh_log_set_id(NULL);
}

static int
buf_sink(void *arg, const char *p, size_t n)
{
	xh_buf_append(arg, p, n);
	return 0;
}

/* web_serve_sink into out (the CGI response bytes): for tests in memory. */
void
web_serve_one(struct web_ctx *ctx, char **env, web_body_reader *rd, void *rdarg, struct xh_buf *out)
{
	web_serve_sink(ctx, env, rd, rdarg, buf_sink, out);
}

/* Reads request body bytes from the FastCGI stdin stream. */
static long
fcgi_read(void *arg, char *buf, size_t n)
{
	FCGX_Stream *in = arg;

	return FCGX_GetStr(buf, (int)n, in);
}

/* Writes response bytes to the FastCGI stdout stream (flushed by its own buffer). */
static int
fcgi_sink(void *arg, const char *p, size_t n)
{
	FCGX_Stream *out = arg;

	return n == 0 || FCGX_PutStr(p, (int)n, out) == (int)n ? 0 : -1;
}

/* Serves the accepted FastCGI request, writing to its stdout stream. */
static void
serve_fcgi(struct web_ctx *ctx, FCGX_Request *fr)
{
	web_serve_sink(ctx, fr->envp, fcgi_read, fr->in, fcgi_sink, fr->out);
}

/* Child signal set-up: stop on TERM/INT, ignore HUP (the supervisor reloads) and PIPE. */
static void
child_signals(sigset_t *waitmask)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigprocmask(SIG_BLOCK, NULL, waitmask);
	sigdelset(waitmask, SIGTERM);
	sigdelset(waitmask, SIGINT);
}

/* 1 if an accept failure is only a lost race or an interruption: try again. */
static int
accept_retryable(int rc)
{
	return rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR || rc == -ECONNABORTED;
}

/* Connect timeout of a web child's database handle, in ms. */
static int
child_connect_ms(const struct xh_config *cfg)
{
	long long ms = (long long)cfg->db.connect_timeout * 1000;

	return ms > WEB_DB_CONNECT_MAX_MS ? WEB_DB_CONNECT_MAX_MS : (int)ms;
}

/*
 * Serves requests on listen_fd until SIGTERM or SIGINT. Returns 0 after a
 * clean stop, 1 if accepting failed for good (the supervisor restarts us).
 */
int
web_child_run(int listen_fd, const struct xh_config *cfg)
{
	struct web_ctx ctx = {cfg, NULL};
	struct pollfd pfd = {listen_fd, POLLIN, 0};
	FCGX_Request fr;
	sigset_t waitmask;
	int rc, code = 0;

	child_signals(&waitmask);
	web_auth_check = web_session_auth;
	ctx.db = xh_db_new(cfg->db.dsn, child_connect_ms(cfg), cfg->db.statement_timeout_ms);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		xh_log(XH_LOG_ERROR, "web.child.init", "error", "FastCGI init failed", NULL);
		xh_db_free(ctx.db);
		return 1;
	}
	while (!child_stop) {
		if (ppoll(&pfd, 1, NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue; /* child_stop is checked above */
			xh_logf(XH_LOG_ERROR, "web.child.poll", "ppoll: %s", strerror(errno));
			code = 1;
			break;
		}
		if ((rc = FCGX_Accept_r(&fr)) < 0) {
			if (accept_retryable(rc))
				continue;
			xh_logf(XH_LOG_ERROR, "web.child.accept", "FCGX_Accept_r: %s",
			        strerror(-rc));
			code = 1;
			break;
		}
		serve_fcgi(&ctx, &fr);
		FCGX_Finish_r(&fr);
	}
	xh_db_free(ctx.db);
	return code;
}
