/*
 * fuzz_config.c: the INI config parser (xh_config_load_mem) on arbitrary
 * file content. A parse that succeeds is dumped; one that fails must leave
 * a message and a freed config.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xh_config cfg;
	char err[256] = "";
	FILE *sink;

	if (xh_config_load_mem(&cfg, "fuzz.conf", (const char *)data, size, err, sizeof(err)) !=
	    XH_OK) {
		if (err[0] == '\0' || cfg.db.dsn != NULL)
			abort();
		return 0;
	}
	sink = fopen("/dev/null", "w");
	if (sink != NULL) {
		xh_config_dump(&cfg, sink);
		fclose(sink);
	}
	xh_config_free(&cfg);
	return 0;
}
