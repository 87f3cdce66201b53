/*
 * home.c: GET /, a small status page: product, version and whether this
 * process reaches the database. The admin console arrives in later releases.
 */
#include "config.h" /* autoconf (build dir, first on the include path): PACKAGE_VERSION */
#include "web/web.h"

/*
 * GET /: always 200 (the page itself reports a database outage; /healthz is
 * the machine-readable check).
 */
int
web_handle_home(struct web_ctx *ctx, struct web_req *req, struct web_resp *resp)
{
	int up = web_db_ping(ctx->db) == XH_OK;
	struct xh_buf *b = &resp->body;

	(void)req;
	xh_buf_reset(b);
	web_html_open(b, "xhsync");
	xh_buf_puts(b, "<h1>xhsync</h1>\n<p class=\"lead\">Keeps HubSpot in step with Xero.</p>\n"
	               "<dl class=\"status\">\n<dt>Version</dt><dd>");
	web_html_escape(b, PACKAGE_VERSION);
	xh_buf_puts(b, "</dd>\n<dt>Database</dt><dd>");
	xh_buf_puts(b, up ? "<span class=\"ok\">connected</span>"
	                  : "<span class=\"bad\">not reachable</span>");
	xh_buf_puts(b, "</dd>\n</dl>\n<p>This release runs the sync service and its health "
	               "check. The admin console (connecting Xero and HubSpot, choosing what "
	               "syncs, field mapping, audit trail) comes with later releases.</p>\n");
	web_html_close(b);
	web_resp_header(resp, "Content-Type", "text/html; charset=utf-8");
	return 200;
}
