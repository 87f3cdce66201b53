/*
 * retry.c: backoff curves and the classification of errors (retry.h).
 */
#include <stdint.h>

#include "crypto.h"
#include "retry.h"

struct backoff {
	long long base_ms;
	long long cap_ms;
	int jitter_pct;
};

static const struct backoff policies[RETRY__MAX] = {
    {10000, 6 * 3600 * 1000LL, 20}, /* RETRY_DEFAULT */
    {1000, 300 * 1000LL, 20},       /* RETRY_FAST */
    {50, 1000, 20},                 /* RETRY_TEST */
};

static const enum retry_outcome err_outcome[XH_ERR__MAX] = {
    RETRY_COMPLETE, /* XH_OK */
    RETRY_AGAIN,    /* XH_ERR_NOMEM */
    RETRY_DISCARD,  /* XH_ERR_INVAL */
    RETRY_AGAIN,    /* XH_ERR_IO */
    RETRY_DISCARD,  /* XH_ERR_CONFIG */
    RETRY_AGAIN,    /* XH_ERR_DB */
    RETRY_DISCARD,  /* XH_ERR_CRYPTO */
    RETRY_DISCARD,  /* XH_ERR_NOTFOUND */
    RETRY_DISCARD,  /* XH_ERR_TOOBIG */
    RETRY_AGAIN,    /* XH_ERR_HTTP */
    RETRY_AGAIN,    /* XH_ERR_TRANSIENT */
    RETRY_DISCARD,  /* XH_ERR_PERMANENT */
    RETRY_SNOOZE,   /* XH_ERR_BUSY */
};

static const char *const outcome_names[RETRY_OUTCOME__MAX] = {
    "complete", /* RETRY_COMPLETE */
    "retry",    /* RETRY_AGAIN */
    "discard",  /* RETRY_DISCARD */
    "snooze",   /* RETRY_SNOOZE */
};

long long
retry_backoff_ms(enum retry_policy p, int attempt, double r)
{
	const struct backoff *b = &policies[(unsigned)p < RETRY__MAX ? p : RETRY_DEFAULT];
	long long d = b->base_ms;
	double f;

	for (int i = 1; i < attempt && d < b->cap_ms; i++)
		d *= 2;
	if (d > b->cap_ms)
		d = b->cap_ms;
	if (r < 0 || r >= 1)
		r = 0.5;
	f = 1.0 + (2.0 * r - 1.0) * b->jitter_pct / 100.0;
	return (long long)((double)d * f);
}

enum retry_outcome
retry_classify(enum xh_err err)
{
	if ((unsigned)err >= XH_ERR__MAX)
		return RETRY_AGAIN;
	return err_outcome[err];
}

const char *
retry_outcome_name(enum retry_outcome o)
{
	if ((unsigned)o >= RETRY_OUTCOME__MAX)
		return "unknown";
	return outcome_names[o];
}

double
retry_random(void)
{
	uint32_t v = 0;

	if (xh_random_bytes(&v, sizeof(v)) != XH_OK)
		return 0.5;
	return (double)v / 4294967296.0;
}
