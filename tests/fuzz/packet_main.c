/*
 * fuzz-packets (afl-clang-fast) and fuzz-packet-replay (the normal
 * compiler): the packet fuzzer's program, docs/fuzzing.md "Packets".
 *
 *	fuzz-packets				under afl-fuzz: persistent mode
 *	fuzz-packet-replay [--quiet] INPUT...	run each input, print its
 *						frames and the counters
 *	fuzz-packet-replay --make-seeds DIR	write the seed inputs
 *
 * As with the syscall fuzzer (main.c), every input runs in a forked
 * child that boots its own kernel, in driver.c's loop, with the host's
 * ASLR switched off: the kernel keys tables by its own addresses.
 */
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "packet_fuzz.h"

#define MAX_INPUT	(PF_MAX_FRAMES * (PF_HDR + PF_FRAME_MAX))

static void
run_input(const uint8_t *data, size_t size, void *arg)
{
	pf_run(data, size, arg);
}

static const struct fuzz_driver driver = {
	.name = "packet fuzz", .max_input = MAX_INPUT,
	.unit = "bytes", .unit_size = 1, .run = run_input,
};

int
main(int argc, char **argv)
{
	struct pf_options o = { .trace = 1 };
	int i = 1, n;

	if (argc == 3 && strcmp(argv[1], "--make-seeds") == 0) {
		n = pf_make_seeds(argv[2]);
		printf("%d seeds written to %s\n", n, argv[2]);
		return n > 0 ? 0 : 1;
	}
	fuzz_no_aslr(argv);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--quiet") == 0)
			o.trace = 0;
		else {
			fprintf(stderr, "usage: %s [--quiet] INPUT...\n"
			    "       %s --make-seeds DIR\n", argv[0], argv[0]);
			return 2;
		}
	}
	if (i < argc)
		return fuzz_replay_files(&driver, argc - i, argv + i, &o,
		    o.trace);
	o.trace = 0;
	return fuzz_afl_loop(&driver, &o);
}
