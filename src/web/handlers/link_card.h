/*
 * link_card.h: one link's card for the dashboard, the link page and
 * /links/{id}/progress.json (link_card.c), and its chart (link_chart.c).
 */
#ifndef XH_WEB_LINK_CARD_H
#define XH_WEB_LINK_CARD_H

#include "web/web.h"

struct json_object;

/*
 * The cards of every link (only == 0) or of link `only`, as a JSON array
 * (a new reference), in name order; with_chart adds the 48-hour chart as
 * trusted SVG markup. NULL if the database fails.
 */
struct json_object *web_link_cards(struct web_ctx *ctx, long long only, int with_chart);

/* Sets *alive to whether a worker beat in the last minute; XH_ERR_DB on failure. */
enum xh_err web_workers_alive(struct web_ctx *ctx, int *alive);

/*
 * Appends an inline SVG bar chart of counts[0..n-1] (oldest first, one per
 * hour, the last one the current hour) to b. Only numbers and fixed text
 * go in, so the markup is safe to emit raw.
 */
void web_link_chart_svg(struct xh_buf *b, const long long *counts, int n, int last_hour);

/* "under a minute", "about 5 min", "about 2 h 10 min" for s seconds, into out. */
void web_eta_label(char *out, size_t outlen, long long s);

#endif
