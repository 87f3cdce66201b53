/*
 * arena.h: per-request / per-job memory, freed in one call, and a growable
 * string buffer.
 *
 * Allocation failure is fatal (the process logs and aborts): every caller
 * would otherwise have to unwind for a condition we cannot recover from.
 */
#ifndef XH_ARENA_H
#define XH_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "xh.h"

struct xh_arena;

struct xh_arena *xh_arena_new(void);
/* Frees every allocation made from the arena, then the arena. NULL is ok. */
void xh_arena_free(struct xh_arena *a);
/*
 * Same, wiping every byte handed out first (OPENSSL_cleanse), for arenas
 * that held secrets: a job's (decrypted credentials, tokens, auth
 * headers) or a web request's (passwords, session and CSRF tokens).
 */
void xh_arena_free_wipe(struct xh_arena *a);
/* Wipes every byte handed out so far, keeping the arena (NULL is ok). */
void xh_arena_wipe(struct xh_arena *a);
/* Zeroed memory owned by the arena, aligned for any type. */
void *xh_alloc(struct xh_arena *a, size_t n);
char *xh_strdup(struct xh_arena *a, const char *s);
char *xh_strndup(struct xh_arena *a, const char *s, size_t n);
char *xh_printf(struct xh_arena *a, const char *fmt, ...) XH_PRINTF(2, 3);
char *xh_vprintf(struct xh_arena *a, const char *fmt, va_list ap);

/* Heap helpers that abort on failure, for long-lived objects. */
void *xh_xmalloc(size_t n);
void *xh_xcalloc(size_t n, size_t size);
void *xh_xrealloc(void *p, size_t n);
char *xh_xstrdup(const char *s);

/* Growable byte buffer, always NUL-terminated after data[len]. */
struct xh_buf {
	char *data;
	size_t len;
	size_t cap;
};

void xh_buf_init(struct xh_buf *b);
void xh_buf_free(struct xh_buf *b);
void xh_buf_reset(struct xh_buf *b);
void xh_buf_append(struct xh_buf *b, const void *p, size_t n);
void xh_buf_puts(struct xh_buf *b, const char *s);
void xh_buf_putc(struct xh_buf *b, char c);
void xh_buf_printf(struct xh_buf *b, const char *fmt, ...) XH_PRINTF(2, 3);
/* Copies the buffer's contents into the arena. */
char *xh_buf_dup(struct xh_arena *a, const struct xh_buf *b);

#endif
