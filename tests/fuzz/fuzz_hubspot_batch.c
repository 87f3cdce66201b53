/*
 * fuzz_hubspot_batch.c: a HubSpot 2xx batch body (hs_batch_parse) read
 * for every op against three inputs (one keyed, one by record id, one
 * keyed like an email), and the same bytes as an error body
 * (hs_error_parse, hs_classify). An accepted body leaves every input with
 * a decided outcome; an OK one has a record id of 1 to 20 digits; a
 * refused body changes no outcome.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hubspot/crm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_id(const char *id)
{
	size_t n = id != NULL ? strlen(id) : 0;

	if (n == 0 || n > 20)
		abort();
	for (size_t i = 0; i < n; i++)
		if (id[i] < '0' || id[i] > '9')
			abort();
}

static void
one_op(struct xh_arena *a, const char *body, size_t len, enum hs_object o, enum hs_op op)
{
	struct hs_input in[3] = {{.key = "k0"}, {.id = "42"}, {.key = "Ada@Example.com"}};
	int members[3] = {0, 1, 2};

	for (int i = 0; i < 3; i++)
		in[i].out.r = HS_R__MAX; /* a marker no parse sets */
	if (hs_batch_parse(a, hs_object(o), op, body, len, in, members, 3) != XH_OK) {
		for (int i = 0; i < 3; i++)
			if (in[i].out.r != HS_R__MAX)
				abort();
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (in[i].out.r == HS_R_PENDING || in[i].out.r >= HS_R__MAX)
			abort();
		if (in[i].out.r == HS_R_OK)
			check_id(in[i].out.hubspot_id);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_arena *a = xh_arena_new();
	char *body = xh_strndup(a, (const char *)data, size);
	struct hs_error e;
	enum hs_verdict v;

	for (int op = 0; op < HS_OP__MAX; op++)
		one_op(a, body, strlen(body), op % 2 ? HS_CONTACT : HS_COMPANY, (enum hs_op)op);
	hs_error_parse(a, body, strlen(body), &e);
	v = hs_classify(size > 0 ? 200 + data[0] * 2 : 0, &e);
	if ((unsigned)v >= HS_V__MAX || hs_verdict_name(v) == NULL)
		abort();
	xh_arena_free(a);
	return 0;
}
