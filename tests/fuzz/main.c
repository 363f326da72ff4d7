/*
 * fuzz-syscalls (built with afl-clang-fast) and fuzz-replay (the normal
 * compiler): one program, docs/fuzzing.md.
 *
 *	fuzz-syscalls			under afl-fuzz: persistent mode
 *	fuzz-replay [--quiet] [--marks] INPUT...
 *					run each input, print its calls
 *					strace-style with their results
 *	fuzz-replay --assemble TEXT OUT	text records (asm.c) to an input
 *	fuzz-replay --vocab		the vocabulary and its argument kinds
 *
 * Every input runs in a forked child that boots its own kernel (run.c
 * says why); the loop around it is driver.c's, shared with the packet
 * and disk-image fuzzers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "driver.h"
#include "fuzz.h"

#define MAX_INPUT	(FUZZ_MAX_OPS * sizeof(struct fuzz_rec))

static void
run_input(const uint8_t *data, size_t size, void *arg)
{
	/*
	 * fuzz_run() returns only when init died, which nothing the
	 * kinds generate should do (kinds.c spares pid 1): a bug.
	 */
	fuzz_run(data, size, arg);
}

static const struct fuzz_driver driver = {
	.name = "fuzz", .max_input = MAX_INPUT,
	.unit = "records", .unit_size = sizeof(struct fuzz_rec),
	.run = run_input,
};

static int
assemble(const char *in, const char *out)
{
	static char text[65536];
	static uint8_t bin[MAX_INPUT];
	char err[256];
	size_t n, len;
	FILE *f;

	n = fuzz_read_file(in, (uint8_t *)text, sizeof(text) - 1);
	if (n == (size_t)-1) {
		fprintf(stderr, "%s: %s\n", in, strerror(errno));
		return 1;
	}
	text[n] = '\0';
	if (fuzz_assemble(text, bin, sizeof(bin), &len, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", in, err);
		return 1;
	}
	if ((f = fopen(out, "wb")) == NULL || fwrite(bin, 1, len, f) != len ||
	    fclose(f) != 0) {
		fprintf(stderr, "%s: cannot write\n", out);
		return 1;
	}
	return 0;
}

/* Print the vocabulary; fail when args.def names a call the table lacks. */
static int
vocab(void)
{
	const struct fuzz_call *c;
	int i, j;

	for (i = 0; i < fuzz_ncalls; i++) {
		c = fuzz_call_at(i);
		printf("%3u %-20s bound %6zu  ", c->nr, c->name, c->bound);
		for (j = 0; j < FUZZ_NARGS; j++)
			if (fuzz_arg_kind(c, j) != K_NONE)
				printf(" %s", fuzz_kind_name(
				    fuzz_arg_kind(c, j)));
		printf("\n");
	}
	printf("%d calls\n", fuzz_ncalls);
	return fuzz_vocab_missing() ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct fuzz_options o = { .trace = true };
	int i = 1;

	fuzz_no_aslr(argv);
	fuzz_vocab_init();
	if (argc == 2 && strcmp(argv[1], "--vocab") == 0)
		return vocab();
	if (argc == 4 && strcmp(argv[1], "--assemble") == 0)
		return assemble(argv[2], argv[3]);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--quiet") == 0)
			o.trace = false;
		else if (strcmp(argv[i], "--marks") == 0)
			o.marks = true;
		else if (strcmp(argv[i], "--replay") != 0) {
			fprintf(stderr, "usage: %s [--quiet] [--marks] "
			    "INPUT...\n       %s --assemble TEXT OUT\n"
			    "       %s --vocab\n", argv[0], argv[0], argv[0]);
			return 2;
		}
	}
	if (i < argc)
		return fuzz_replay_files(&driver, argc - i, argv + i, &o,
		    o.trace);
	o.trace = false;
	return fuzz_afl_loop(&driver, &o);
}
