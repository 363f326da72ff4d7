/*
 * The biscotti program: boot the core in this process.
 *
 *	biscotti [--cpus N] [--mem MiB] [--deterministic]
 *	biscotti mkfs|fsck|mount|net ...	(cli/cli.h)
 *
 * Without a subcommand the first kernel thread returns at once, so a run
 * prints the banner and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hosted.h"

static int first_thread(void *arg)
{
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: biscotti [--cpus N] [--mem MiB] [--deterministic]\n"
	    "       biscotti mkfs IMAGE --size SIZE [--from DIR]\n"
	    "       biscotti fsck IMAGE [--repair]\n"
	    "       biscotti mount IMAGE MOUNTPOINT [-f]\n"
	    "       biscotti net --tap NAME --addr A.B.C.D/N [--gw G] -- "
	    "PROGRAM [ARGS]\n");
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
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subcommands[] = {
		{ "mkfs", cli_mkfs }, { "fsck", cli_fsck },
		{ "mount", cli_mount }, { "net", cli_net },
	};
	struct hosted_config cfg = { .ncpus = 1, .mem_bytes = 64u << 20 };
	size_t k;
	int i;

	for (k = 0; argc > 1 && k < sizeof(subcommands) / sizeof(subcommands[0]);
	    k++)
		if (strcmp(argv[1], subcommands[k].name) == 0)
			return subcommands[k].run(argc - 1, argv + 1);

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
