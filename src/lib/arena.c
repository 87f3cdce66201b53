/*
 * arena.c: chunked arena allocator and growable buffer.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "arena.h"

#define ARENA_CHUNK 8192
#define ARENA_ALIGN 16

struct chunk {
	struct chunk *next;
	size_t used;
	size_t size;
	_Alignas(ARENA_ALIGN) unsigned char mem[];
};

struct xh_arena {
	struct chunk *head;
};

static void
oom(size_t n)
{
	fprintf(stderr, "xhsync: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
xh_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
xh_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xh_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
xh_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xh_xmalloc(n);

	memcpy(p, s, n);
	return p;
}

struct xh_arena *
xh_arena_new(void)
{
	return xh_xcalloc(1, sizeof(struct xh_arena));
}

void
xh_arena_free(struct xh_arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void
xh_arena_wipe(struct xh_arena *a)
{
	if (a == NULL)
		return;
	for (struct chunk *c = a->head; c != NULL; c = c->next)
		OPENSSL_cleanse(c->mem, c->used);
}

void
xh_arena_free_wipe(struct xh_arena *a)
{
	xh_arena_wipe(a);
	xh_arena_free(a);
}

/* Adds a chunk able to hold at least n bytes and makes it the head. */
static struct chunk *
arena_grow(struct xh_arena *a, size_t n)
{
	size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
	struct chunk *c;

	if (size > SIZE_MAX - sizeof(*c))
		oom(n);
	c = xh_xmalloc(sizeof(*c) + size);
	c->next = a->head;
	c->used = 0;
	c->size = size;
	a->head = c;
	return c;
}

void *
xh_alloc(struct xh_arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t need;
	void *p;

	if (n > SIZE_MAX - ARENA_ALIGN)
		oom(n);
	need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	if (c == NULL || c->size - c->used < need)
		c = arena_grow(a, need);
	p = c->mem + c->used;
	c->used += need;
	memset(p, 0, n);
	return p;
}

char *
xh_strndup(struct xh_arena *a, const char *s, size_t n)
{
	char *p = xh_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xh_strdup(struct xh_arena *a, const char *s)
{
	return xh_strndup(a, s, strlen(s));
}

char *
xh_vprintf(struct xh_arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	char *p;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return xh_strdup(a, "");
	p = xh_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xh_printf(struct xh_arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xh_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void
xh_buf_init(struct xh_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
xh_buf_free(struct xh_buf *b)
{
	free(b->data);
	xh_buf_init(b);
}

void
xh_buf_reset(struct xh_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the terminating NUL. */
static void
buf_reserve(struct xh_buf *b, size_t n)
{
	size_t cap;

	if (n > SIZE_MAX / 2 - b->len)
		oom(n);
	if (b->len + n + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->data = xh_xrealloc(b->data, cap);
	b->cap = cap;
}

void
xh_buf_append(struct xh_buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
xh_buf_puts(struct xh_buf *b, const char *s)
{
	xh_buf_append(b, s, strlen(s));
}

void
xh_buf_putc(struct xh_buf *b, char c)
{
	xh_buf_append(b, &c, 1);
}

void
xh_buf_printf(struct xh_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
xh_buf_dup(struct xh_arena *a, const struct xh_buf *b)
{
	return xh_strndup(a, b->data ? b->data : "", b->len);
}
