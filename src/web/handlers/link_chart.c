/*
 * link_chart.c: the dashboard's chart of records synced per hour, drawn
 * on the server as inline SVG (no script, no external asset), and the
 * plain-words time left of a backfill.
 */
#include <stdio.h>

#include "web/handlers/link_card.h"

#define CHART_W    480
#define CHART_H    120
#define CHART_TOP  14
#define CHART_BASE 100

/* The largest count, at least 1 (so an empty chart still has a scale). */
static long long
chart_max(const long long *counts, int n)
{
	long long m = 1;

	for (int i = 0; i < n; i++)
		if (counts[i] > m)
			m = counts[i];
	return m;
}

void
web_link_chart_svg(struct xh_buf *b, const long long *counts, int n, int last_hour)
{
	long long max = chart_max(counts, n), total = 0;
	double slot = n > 0 ? (double)(CHART_W - 40) / n : 0;

	for (int i = 0; i < n; i++)
		total += counts[i];
	xh_buf_printf(
	    b,
	    "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\""
	    " aria-label=\"Records synced per hour over the last %d hours: %lld in all\">",
	    CHART_W, CHART_H, n, total);
	xh_buf_printf(b,
	              "<line class=\"axis\" x1=\"40\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
	              "<text class=\"tick\" x=\"36\" y=\"%d\" text-anchor=\"end\">%lld</text>"
	              "<text class=\"tick\" x=\"36\" y=\"%d\" text-anchor=\"end\">0</text>",
	              CHART_BASE, CHART_W, CHART_BASE, CHART_TOP + 4, max, CHART_BASE);
	for (int i = 0; i < n; i++) {
		double h = (double)counts[i] * (CHART_BASE - CHART_TOP) / (double)max;
		int hour = ((last_hour - (n - 1 - i)) % 24 + 24) % 24;

		xh_buf_printf(
		    b,
		    "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
		    "<title>%02d:00 UTC: %lld</title></rect>",
		    40 + i * slot + 1, CHART_BASE - h, slot > 2 ? slot - 2 : slot, h, hour,
		    counts[i]);
	}
	xh_buf_printf(b,
	              "<text class=\"tick\" x=\"42\" y=\"%d\">%d h ago</text>"
	              "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">now</text></svg>",
	              CHART_H - 4, n, CHART_W, CHART_H - 4);
}

void
web_eta_label(char *out, size_t outlen, long long s)
{
	if (s < 60)
		snprintf(out, outlen, "under a minute");
	else if (s < 3600)
		snprintf(out, outlen, "about %lld min", (s + 30) / 60);
	else
		snprintf(out, outlen, "about %lld h %lld min", s / 3600, (s % 3600) / 60);
}
