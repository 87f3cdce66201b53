/*
 * xh.c: error descriptions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "xh.h"

static const char *const xh_err_text[XH_ERR__MAX] = {
    "ok",                  /* XH_OK */
    "out of memory",       /* XH_ERR_NOMEM */
    "invalid input",       /* XH_ERR_INVAL */
    "input/output error",  /* XH_ERR_IO */
    "configuration error", /* XH_ERR_CONFIG */
    "database error",      /* XH_ERR_DB */
    "cryptographic error", /* XH_ERR_CRYPTO */
    "not found",           /* XH_ERR_NOTFOUND */
    "too large",           /* XH_ERR_TOOBIG */
    "HTTP error",          /* XH_ERR_HTTP */
    "transient error",     /* XH_ERR_TRANSIENT */
    "permanent error",     /* XH_ERR_PERMANENT */
    "busy",                /* XH_ERR_BUSY */
};

const char *
xh_strerror(enum xh_err err)
{
	if ((unsigned)err >= XH_ERR__MAX)
		return "unknown error";
	return xh_err_text[err];
}

long long
xh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
xh_errf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}
