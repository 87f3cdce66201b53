/*
 * xh.h: definitions shared by every xhsync module: the error enum and a few
 * small macros.
 */
#ifndef XH_H
#define XH_H

#include <stddef.h>

/* Result of any function that can fail. XH_OK is 0 so `if (err)` works. */
enum xh_err {
	XH_OK = 0,        /* XH_OK */
	XH_ERR_NOMEM,     /* XH_ERR_NOMEM: allocation failed */
	XH_ERR_INVAL,     /* XH_ERR_INVAL: bad input or argument */
	XH_ERR_IO,        /* XH_ERR_IO: file or socket error */
	XH_ERR_CONFIG,    /* XH_ERR_CONFIG: bad or missing configuration */
	XH_ERR_DB,        /* XH_ERR_DB: database error */
	XH_ERR_CRYPTO,    /* XH_ERR_CRYPTO: crypto failure or tampered data */
	XH_ERR_NOTFOUND,  /* XH_ERR_NOTFOUND: no such thing */
	XH_ERR_TOOBIG,    /* XH_ERR_TOOBIG: input over a size cap */
	XH_ERR_HTTP,      /* XH_ERR_HTTP: HTTP transport or protocol error */
	XH_ERR_TRANSIENT, /* XH_ERR_TRANSIENT: may succeed if retried */
	XH_ERR_PERMANENT, /* XH_ERR_PERMANENT: will not succeed if retried */
	XH_ERR_BUSY,      /* XH_ERR_BUSY: limited or locked; try later */
	XH_ERR__MAX
};

/* Short static description of an error code. */
const char *xh_strerror(enum xh_err err);

#define XH_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define XH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define XH_SENTINEL     __attribute__((sentinel))
#else
#define XH_PRINTF(f, a)
#define XH_SENTINEL
#endif

/* Milliseconds on the monotonic clock (for deadlines and durations). */
long long xh_now_ms(void);
/* Formats a message into errbuf when there is one (errbuf NULL or errlen 0: no-op). */
void xh_errf(char *errbuf, size_t errlen, const char *fmt, ...) XH_PRINTF(3, 4);

#endif
