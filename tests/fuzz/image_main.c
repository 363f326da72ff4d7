/*
 * fuzz-image (afl-clang-fast) and fuzz-image-replay (the normal
 * compiler): the disk-image fuzzer's program, docs/fuzzing.md "Images".
 *
 *	fuzz-image				under afl-fuzz: persistent mode
 *	fuzz-image-replay [--quiet] INPUT...	run each input, print its
 *						patches, calls and fsck's lines
 *	fuzz-image-replay --make-seeds DIR	write the seed inputs
 *	fuzz-image-replay --meta		list the templates' metadata
 *						blocks (what selectors pick)
 *
 * The template image is built once per process, in a child that boots
 * its own kernel, into memory shared with the parent; then, as with the
 * other harnesses (main.c, packet_main.c), every input runs in a forked
 * child that boots its own kernel, in driver.c's loop, with the host's
 * ASLR switched off first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <signal.h>
#include <unistd.h>

#include "driver.h"
#include "image_fuzz.h"

#define MAX_INPUT	(1 + IF_MAX_PATCHES * (IF_HDR + 64))

static struct if_template *tmpl;

static void
run_input(const uint8_t *data, size_t size, void *arg)
{
	if_run(tmpl, data, size, arg);
}

static const struct fuzz_driver driver = {
	.name = "image fuzz", .max_input = MAX_INPUT,
	.unit = "bytes", .unit_size = 1, .run = run_input,
};

/* The template, made by a child kernel into shared memory. */
static void
make_template(void)
{
	pid_t pid;
	int st;

	tmpl = mmap(NULL, sizeof(*tmpl), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tmpl == MAP_FAILED) {
		perror("image fuzz: mmap");
		exit(2);
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		perror("image fuzz: fork");
		exit(2);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(FUZZ_REPLAY_ALARM);
		if_build_template(tmpl, 0);
		abort();
	}
	st = fuzz_wait(pid);
	if (st != 0 || !tmpl->ready || tmpl->nmeta[IF_CRASH] == 0 ||
	    tmpl->nmeta[IF_CLEAN] == 0) {
		fprintf(stderr, "image fuzz: the template was not built "
		    "(status %#x)\n", st);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	struct if_options o = { .trace = 1 };
	int i = 1, n;

	fuzz_no_aslr(argv);
	make_template();
	if (argc == 3 && strcmp(argv[1], "--make-seeds") == 0) {
		n = if_make_seeds(tmpl, argv[2]);
		printf("%d seeds written to %s\n", n, argv[2]);
		return n > 0 ? 0 : 1;
	}
	if (argc == 2 && strcmp(argv[1], "--meta") == 0) {
		for (i = 0; i < 2; i++)
			for (n = 0; n < tmpl->nmeta[i]; n++)
				printf("%s %3d %-8s block %lu\n",
				    i == IF_CLEAN ? "clean" : "crash", n,
				    if_kind_name(tmpl->meta[i][n].kind),
				    (unsigned long)tmpl->meta[i][n].blkno);
		return 0;
	}
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--quiet") == 0)
			o.trace = 0;
		else {
			fprintf(stderr, "usage: %s [--quiet] INPUT...\n"
			    "       %s --make-seeds DIR\n       %s --meta\n",
			    argv[0], argv[0], argv[0]);
			return 2;
		}
	}
	if (i < argc)
		return fuzz_replay_files(&driver, argc - i, argv + i, &o,
		    o.trace);
	o.trace = 0;
	return fuzz_afl_loop(&driver, &o);
}
