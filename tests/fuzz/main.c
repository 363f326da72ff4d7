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
 * says why), so the loop around it is cheap: the AFL runtime's
 * persistent loop hands over each test case through shared memory, and
 * a crash of the child (ASan, UBSan, a kernel panic, a heap bound
 * overrun) is passed on to AFL by dying of the same signal.  The child
 * asks for SIGKILL when its parent dies, so AFL's timeout, which kills
 * the parent, ends a hung kernel too.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define MAX_INPUT	(FUZZ_MAX_OPS * sizeof(struct fuzz_rec))
#define REPLAY_ALARM	60	/* seconds: a backstop for kernel hangs */

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

/*
 * Run again with the host's address randomisation off.  The kernel keys
 * some tables by its own pointers (the dentry hash by the parent's
 * address), and the physical arena is an mmap that ASLR moves, so the
 * same input would walk different hash chains from run to run: AFL sees
 * that as instability, and a replay would not repeat a fuzzing run.
 */
static void
no_aslr(char **argv)
{
	int p = personality(0xffffffff);

	if (p == -1 || (p & ADDR_NO_RANDOMIZE) ||
	    personality((unsigned long)p | ADDR_NO_RANDOMIZE) == -1)
		return;
	execv("/proc/self/exe", argv);
}

/* Run one input in a child; return its wait status. */
static int
run_child(const uint8_t *data, size_t size, const struct fuzz_options *o,
    unsigned alarm_s)
{
	pid_t pid;
	int st;

	fflush(stdout);
	if ((pid = fork()) < 0) {
		perror("fuzz: fork");
		exit(2);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (alarm_s > 0)
			alarm(alarm_s);
		/*
		 * fuzz_run() returns only when init died, which nothing the
		 * kinds generate should do (kinds.c spares pid 1): a bug.
		 */
		fuzz_run(data, size, o);
		fflush(stdout);
		fprintf(stderr, "fuzz: init died: the kernel killed it\n");
		abort();
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

static size_t
read_file(const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return (size_t)-1;
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

static int
replay(int argc, char **argv, struct fuzz_options *o)
{
	static uint8_t buf[MAX_INPUT];
	int i, st, failed = 0;
	size_t n;

	for (i = 0; i < argc; i++) {
		if ((n = read_file(argv[i], buf, sizeof(buf))) == (size_t)-1) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			failed++;
			continue;
		}
		if (o->trace)
			printf("== %s: %zu records\n", argv[i],
			    n / sizeof(struct fuzz_rec));
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
assemble(const char *in, const char *out)
{
	static char text[65536];
	static uint8_t bin[MAX_INPUT];
	char err[256];
	size_t n, len;
	FILE *f;

	n = read_file(in, (uint8_t *)text, sizeof(text) - 1);
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

/*
 * Under afl-fuzz: the persistent loop.  Built without AFL's compiler,
 * read one input from stdin instead.
 */
static int
afl_loop(void)
{
	struct fuzz_options o = { 0 };
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
	struct fuzz_options o = { .trace = true };
	int i = 1;

	no_aslr(argv);
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
		return replay(argc - i, argv + i, &o);
	return afl_loop();
}
