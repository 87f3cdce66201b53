/*
 * main.c: xhsync-web entry point. Reads options and the configuration,
 * opens the log and hands over to the supervisor.
 *
 *   xhsync-web [-c CONFIG] [-p PIDFILE] [-t]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "template.h"
#include "web.h"

struct opts {
	const char *config;
	const char *pidfile;
	int check_only;
};

static void
usage(void)
{
	fprintf(stderr,
	        "usage: xhsync-web [-c config] [-p pidfile] [-t]\n"
	        "  -c FILE  configuration file (default: $XHSYNC_CONFIG or %s)\n"
	        "  -p FILE  write the supervisor's pid to FILE\n"
	        "  -t       check the configuration and exit\n",
	        XH_CONFIG_DEFAULT_PATH);
}

/* Parses argv into o. Returns 0, or -1 on a usage error. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	int ch;

	o->config = xh_config_path();
	o->pidfile = NULL;
	o->check_only = 0;
	while ((ch = getopt(argc, argv, "c:p:t")) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 't':
			o->check_only = 1;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct xh_config cfg;
	enum xh_log_level lvl = XH_LOG_INFO;
	struct opts o;
	char err[512];
	int code;

	if (parse_args(argc, argv, &o) != 0) {
		usage();
		return 2;
	}
	if (xh_config_load(&cfg, o.config, err, sizeof(err)) != XH_OK) {
		fprintf(stderr, "xhsync-web: %s\n", err);
		return 1;
	}
	/* Templates load before anything is served: a broken one stops us here. */
	if (web_templates_load(cfg.web.templates_dir, &web_templates, err, sizeof(err)) != XH_OK) {
		fprintf(stderr, "xhsync-web: template: %s\n", err);
		xh_config_free(&cfg);
		return 1;
	}
	if (o.check_only) {
		printf("xhsync-web: configuration %s and templates are valid\n", o.config);
		web_tpl_set_free(web_templates);
		xh_config_free(&cfg);
		return 0;
	}
	xh_log_level_parse(cfg.log.level, &lvl);
	xh_log_open("web", lvl);
	code = web_supervise(o.config, &cfg, o.pidfile);
	web_tpl_set_free(web_templates);
	xh_config_free(&cfg);
	return code;
}
