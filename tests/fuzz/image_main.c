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
 * child that boots its own kernel, and a child that dies of a signal is
 * passed on to AFL by the parent dying of the same one; the child asks
 * for SIGKILL when its parent dies, so AFL's timeout ends a hung kernel.
 * The host's ASLR is switched off first, for the same reason as there.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image_fuzz.h"

#define MAX_INPUT	(1 + IF_MAX_PATCHES * (IF_HDR + 64))
#define REPLAY_ALARM	60

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

static struct if_template *tmpl;

static void
no_aslr(char **argv)
{
	int p = personality(0xffffffff);

	if (p == -1 || (p & ADDR_NO_RANDOMIZE) ||
	    personality((unsigned long)p | ADDR_NO_RANDOMIZE) == -1)
		return;
	execv("/proc/self/exe", argv);
}

static int
wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

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
		alarm(REPLAY_ALARM);
		if_build_template(tmpl, 0);
		abort();
	}
	st = wait_child(pid);
	if (st != 0 || !tmpl->ready || tmpl->nmeta[IF_CRASH] == 0 ||
	    tmpl->nmeta[IF_CLEAN] == 0) {
		fprintf(stderr, "image fuzz: the template was not built "
		    "(status %#x)\n", st);
		exit(2);
	}
}

static int
run_child(const uint8_t *data, size_t size, const struct if_options *o,
    unsigned alarm_s)
{
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) < 0) {
		perror("image fuzz: fork");
		exit(2);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (alarm_s > 0)
			alarm(alarm_s);
		if_run(tmpl, data, size, o);
		fflush(stdout);
		fprintf(stderr, "image fuzz: init died\n");
		abort();
	}
	return wait_child(pid);
}

static int
replay(int argc, char **argv, const struct if_options *o)
{
	static uint8_t buf[MAX_INPUT];
	int i, st, failed = 0;
	size_t n;
	FILE *f;

	for (i = 0; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			failed++;
			continue;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (o->trace)
			printf("== %s: %zu bytes\n", argv[i], n);
		st = run_child(buf, n, o, REPLAY_ALARM);
		if (st == 0) {
			printf("%s: ok\n", argv[i]);
			continue;
		}
		failed++;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
			printf("%s: HANG (no end in %d s)\n", argv[i],
			    REPLAY_ALARM);
		else if (WIFSIGNALED(st))
			printf("%s: CRASH (signal %d, %s)\n", argv[i],
			    WTERMSIG(st), strsignal(WTERMSIG(st)));
		else
			printf("%s: FAIL (exit status %d)\n", argv[i],
			    WEXITSTATUS(st));
	}
	printf("%d passed, %d failed\n", argc - failed, failed);
	return failed ? 1 : 0;
}

static int
afl_loop(void)
{
	struct if_options o = { 0 };
	int st;

#ifdef __AFL_FUZZ_TESTCASE_LEN
	unsigned char *buf;

	__AFL_INIT();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(1000000)) {
		size_t len = __AFL_FUZZ_TESTCASE_LEN;

		st = run_child(buf, len, &o, 0);
#else
	{
		static uint8_t buf[MAX_INPUT];
		size_t len = fread(buf, 1, sizeof(buf), stdin);

		st = run_child(buf, len, &o, REPLAY_ALARM);
#endif
		if (st != 0 && WIFSIGNALED(st)) {
			signal(WTERMSIG(st), SIG_DFL);
			raise(WTERMSIG(st));
		}
		if (st != 0)
			abort();
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct if_options o = { .trace = 1 };
	int i = 1, n;

	no_aslr(argv);
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
		return replay(argc - i, argv + i, &o);
	return afl_loop();
}
