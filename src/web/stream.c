/*
 * stream.c: sending a response to a sink: the buffered body after its
 * headers, or a streamed body (web_resp.stream) written piece by piece
 * through a 64 KiB buffer, so a large export never sits in memory whole.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web.h"

#define STREAM_BUF (64 * 1024)

struct web_stream {
	web_sink *sink;
	void *arg;
	char *buf;
	size_t len;
	size_t total; /* body bytes handed to the sink */
	int gone;     /* the sink failed: the client went away */
};

static int
stream_flush(struct web_stream *s)
{
	if (s->len > 0 && !s->gone && s->sink(s->arg, s->buf, s->len) != 0)
		s->gone = 1;
	s->total += s->gone ? 0 : s->len;
	s->len = 0;
	return s->gone ? -1 : 0;
}

int
web_stream_write(struct web_stream *s, const char *p, size_t n)
{
	while (n > 0 && !s->gone) {
		size_t k = STREAM_BUF - s->len < n ? STREAM_BUF - s->len : n;

		memcpy(s->buf + s->len, p, k);
		s->len += k;
		p += k;
		n -= k;
		if (s->len == STREAM_BUF)
			stream_flush(s);
	}
	return s->gone ? -1 : 0;
}

/* Runs the response's stream into the sink; returns the body bytes sent. */
static size_t
run_stream(struct web_ctx *ctx, struct web_resp *resp, web_sink *sink, void *arg)
{
	struct web_stream s = {sink, arg, malloc(STREAM_BUF), 0, 0, 0};
	enum xh_err err;

	if (s.buf == NULL) {
		resp->reason = "out of memory for the stream buffer";
		return 0;
	}
	err = resp->stream.fn(ctx, &s, resp->stream.arg);
	stream_flush(&s);
	if (err != XH_OK)
		resp->reason = "the streamed body stopped early";
	else if (s.gone)
		resp->reason = "the client went away during the stream";
	free(s.buf);
	return s.total;
}

size_t
web_resp_send(struct web_ctx *ctx, struct web_resp *resp, int head, web_sink *sink, void *arg)
{
	struct xh_buf out;
	size_t body;
	int streamed;

	if (resp->status != 200)
		resp->stream.fn = NULL;
	streamed = resp->stream.fn != NULL;
	xh_buf_init(&out);
	web_resp_serialize(resp, head, &out);
	if (sink(arg, out.data, out.len) != 0)
		xh_log(XH_LOG_WARN, "web.write", "error", "client went away", NULL);
	xh_buf_free(&out);
	if (head)
		return 0;
	body = streamed ? run_stream(ctx, resp, sink, arg) : resp->body.len;
	return body;
}
