/*
 * The loop around every fuzzer program (driver.h).
 *
 * Every input runs in a forked child that boots its own kernel, so a
 * kernel's state never leaks from one input into the next, and the loop
 * around it is cheap: the AFL runtime's persistent loop hands over each
 * test case through shared memory, and a crash of the child (ASan,
 * UBSan, a kernel panic, a heap bound overrun) is passed on to AFL by
 * dying of the same signal.  The child asks for SIGKILL when its parent
 * dies, so AFL's timeout, which kills the parent, ends a hung kernel too.
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

#include "driver.h"

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
void
fuzz_no_aslr(char **argv)
{
	int p = personality(0xffffffff);

	if (p == -1 || (p & ADDR_NO_RANDOMIZE) ||
	    personality((unsigned long)p | ADDR_NO_RANDOMIZE) == -1)
		return;
	execv("/proc/self/exe", argv);
}

int
fuzz_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

size_t
fuzz_read_file(const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return (size_t)-1;
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

int
fuzz_run_child(const struct fuzz_driver *d, const uint8_t *data,
    size_t size, void *arg, unsigned alarm_s)
{
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "%s: fork: %s\n", d->name, strerror(errno));
		exit(2);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (alarm_s > 0)
			alarm(alarm_s);
		d->run(data, size, arg);
		fflush(stdout);
		fprintf(stderr, "%s: init died: the kernel killed it\n",
		    d->name);
		abort();
	}
	return fuzz_wait(pid);
}

int
fuzz_replay_files(const struct fuzz_driver *d, int n, char **paths,
    void *arg, int trace)
{
	uint8_t *buf = malloc(d->max_input);
	int i, st, failed = 0;
	size_t len;

	if (buf == NULL) {
		fprintf(stderr, "%s: out of memory\n", d->name);
		return 2;
	}
	for (i = 0; i < n; i++) {
		len = fuzz_read_file(paths[i], buf, d->max_input);
		if (len == (size_t)-1) {
			fprintf(stderr, "%s: %s\n", paths[i], strerror(errno));
			failed++;
			continue;
		}
		if (trace)
			printf("== %s: %zu %s\n", paths[i],
			    len / d->unit_size, d->unit);
		st = fuzz_run_child(d, buf, len, arg, FUZZ_REPLAY_ALARM);
		if (st == 0) {
			printf("%s: ok\n", paths[i]);
			continue;
		}
		failed++;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
			printf("%s: HANG (no end in %d s)\n", paths[i],
			    FUZZ_REPLAY_ALARM);
		else if (WIFSIGNALED(st))
			printf("%s: CRASH (signal %d, %s)\n", paths[i],
			    WTERMSIG(st), strsignal(WTERMSIG(st)));
		else
			printf("%s: FAIL (exit status %d)\n", paths[i],
			    WEXITSTATUS(st));
	}
	free(buf);
	printf("%d passed, %d failed\n", n - failed, failed);
	return failed ? 1 : 0;
}

int
fuzz_afl_loop(const struct fuzz_driver *d, void *arg)
{
	int st;

#ifdef __AFL_FUZZ_TESTCASE_LEN
	unsigned char *buf;

	__AFL_INIT();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(1000000)) {
		size_t len = __AFL_FUZZ_TESTCASE_LEN;

		st = fuzz_run_child(d, buf, len, arg, 0);
#else
	{
		uint8_t *buf = malloc(d->max_input);
		size_t len;

		if (buf == NULL)
			abort();
		len = fread(buf, 1, d->max_input, stdin);
		st = fuzz_run_child(d, buf, len, arg, FUZZ_REPLAY_ALARM);
		free(buf);
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
