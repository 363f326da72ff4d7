/*
 * The biscotti program: boot the core in this process.
 *
 *	biscotti [--cpus N] [--mem MiB] [--deterministic]
 *
 * For now the first kernel thread returns at once, so a run prints the
 * banner and exits 0; the file system and network front ends come later.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosted.h"

static int first_thread(void *arg)
{
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: biscotti [--cpus N] [--mem MiB] [--deterministic]\n");
	exit(2);
}

/* A positive decimal number, or the usage message. */
static unsigned long parse_count(const char *s)
{
	char *end;
	unsigned long v;

	if (s == NULL)
		usage();
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v == 0)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct hosted_config cfg = { .ncpus = 1, .mem_bytes = 64u << 20 };
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--cpus") == 0)
			cfg.ncpus = (unsigned)parse_count(argv[++i]);
		else if (strcmp(argv[i], "--mem") == 0)
			cfg.mem_bytes = (size_t)parse_count(argv[++i]) << 20;
		else if (strcmp(argv[i], "--deterministic") == 0)
			cfg.deterministic = true;
		else
			usage();
	}
	if (cfg.ncpus > 64 || (cfg.deterministic && cfg.ncpus != 1)) {
		fprintf(stderr, "biscotti: at most 64 CPUs, and only 1 when "
		    "deterministic\n");
		return 2;
	}
	return hosted_boot(&cfg, first_thread, NULL);
}
