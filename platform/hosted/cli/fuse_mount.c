/* Placeholder until this subcommand is written. */
#include <stdio.h>
#include "cli.h"

int cli_mount(int argc, char **argv)
{
	fprintf(stderr, "biscotti: %s is not built yet\n", argv[0]);
	return 1;
}
