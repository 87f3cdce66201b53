/*
 * test_routes.c: the application's route table. Every route names its
 * auth requirement (a line that forgets it gets WEB_AUTH_UNSET and fails
 * here, and the dispatcher refuses it); every POST is CSRF-checked or
 * signature-checked, but for the sign-in form, which checks its own token.
 */
#include <check.h>
#include <string.h>

#include "web/web.h"
#include "unit.h"

/* POST routes allowed to be public: each checks origin and a form token itself. */
static const char *const public_posts[] = {"/login"};

static int
public_post_allowed(const char *pattern)
{
	size_t i;

	for (i = 0; i < XH_NELEM(public_posts); i++)
		if (strcmp(pattern, public_posts[i]) == 0)
			return 1;
	return 0;
}

START_TEST(every_route_names_its_auth_requirement)
{
	const struct web_route *r = &web_routes[_i];

	ck_assert_msg(r->pattern != NULL && r->handler != NULL, "route %d has no line", _i);
	ck_assert_msg(r->auth > WEB_AUTH_UNSET && r->auth < WEB_AUTH__MAX,
	              "route %s %s has no auth requirement", web_method_name(r->method),
	              r->pattern);
}
END_TEST

START_TEST(state_changing_routes_are_protected)
{
	const struct web_route *r = &web_routes[_i];

	if (r->method == WEB_GET || r->method == WEB_HEAD)
		return;
	ck_assert_msg(r->auth == WEB_AUTH_SESSION_CSRF || r->auth == WEB_AUTH_SIGNATURE ||
	                  public_post_allowed(r->pattern),
	              "%s %s changes state without CSRF or signature check",
	              web_method_name(r->method), r->pattern);
}
END_TEST

START_TEST(routes_are_unique)
{
	size_t j;

	for (j = 0; j < (size_t)_i; j++)
		ck_assert_msg(web_routes[j].method != web_routes[_i].method ||
		                  strcmp(web_routes[j].pattern, web_routes[_i].pattern) != 0,
		              "route %s twice", web_routes[_i].pattern);
}
END_TEST

static int
h_never(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	(void)ctx;
	(void)req;
	(void)resp;
	ck_abort_msg("handler of a route without auth requirement ran");
	return 200;
}

START_TEST(route_without_auth_requirement_is_refused)
{
	/* the field left out, as a careless new line would (designated: no warning) */
	static const struct web_route forgot[] = {
	    {.method = WEB_GET, .pattern = "/new", .handler = h_never}};
	struct xh_arena *a = xh_arena_new();
	char *env[] = {"REQUEST_METHOD=GET", "DOCUMENT_URI=/new", NULL};
	struct web_req req;
	struct web_resp resp;

	web_req_init(&req, a, env, 1024);
	web_resp_init(&resp, a);
	ck_assert_int_eq(web_dispatch(forgot, 1, NULL, &req, &resp), 500);
	ck_assert_str_eq(resp.reason, "route has no auth requirement");
	web_resp_free(&resp);
	xh_arena_free(a);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("routes");

	unit_add(s, "auth", every_route_names_its_auth_requirement, WEB_ROUTE__MAX, NULL, NULL);
	unit_add(s, "csrf", state_changing_routes_are_protected, WEB_ROUTE__MAX, NULL, NULL);
	unit_add(s, "unique", routes_are_unique, WEB_ROUTE__MAX, NULL, NULL);
	unit_add(s, "unset", route_without_auth_requirement_is_refused, 0, NULL, NULL);
	return unit_run(s);
}
