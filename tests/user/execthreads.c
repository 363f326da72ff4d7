/*
 * execve from a multithreaded process, as init (and unchanged on Linux):
 * a child starts three threads, busy in user mode, asleep in the kernel
 * and blocked in a futex wait, then a non-leader thread execs a tiny
 * program.  execve(2) says the other threads are destroyed first and
 * the caller takes the leader's identity, so the new image finds
 * gettid() == getpid(), the child's pid is unchanged for wait4, and the
 * exec'ing thread's old tid is gone (tgkill says ESRCH) while the new
 * image still runs.  A second round execs from the leader itself, and a
 * failed exec (missing file) leaves every thread running.
 *
 * Prints "execthreads: ok" and exits 0, or names the first failed check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tinyelf.h"

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("execthreads: FAIL line %d: %s\n", __LINE__, #cond); \
		failures++;						\
	}								\
} while (0)

/*
 * The new image: read one byte from fd 0 (the parent says when), then
 * exit_group(gettid() == getpid() ? 42 : 1).
 */
static const unsigned char tid_is_pid[] = {
	0x31, 0xc0,				/* xor %eax, %eax (read) */
	0x31, 0xff,				/* xor %edi, %edi */
	0x48, 0x8d, 0x74, 0x24, 0xf0,		/* lea -16(%rsp), %rsi */
	0xba, 0x01, 0x00, 0x00, 0x00,		/* mov $1, %edx */
	0x0f, 0x05,				/* syscall */
	0xb8, 0xba, 0x00, 0x00, 0x00,		/* mov $SYS_gettid, %eax */
	0x0f, 0x05,				/* syscall */
	0x89, 0xc3,				/* mov %eax, %ebx */
	0xb8, 0x27, 0x00, 0x00, 0x00,		/* mov $SYS_getpid, %eax */
	0x0f, 0x05,				/* syscall */
	0x39, 0xd8,				/* cmp %ebx, %eax */
	0xbf, 0x01, 0x00, 0x00, 0x00,		/* mov $1, %edi */
	0xb9, 0x2a, 0x00, 0x00, 0x00,		/* mov $42, %ecx */
	0x0f, 0x44, 0xf9,			/* cmove %ecx, %edi */
	0xb8, 0xe7, 0x00, 0x00, 0x00,	/* mov $SYS_exit_group, %eax */
	0x0f, 0x05,				/* syscall */
};

static int report_fd;		/* the child tells the parent its exec tid */
static volatile int futex_word;

static void *
spinner(void *arg)
{
	volatile unsigned long x = 0;

	(void)arg;
	for (;;)
		x++;
	return NULL;
}

static void *
sleeper(void *arg)
{
	(void)arg;
	for (;;)
		sleep(100);
	return NULL;
}

static void *
futex_waiter(void *arg)
{
	(void)arg;
	for (;;)
		syscall(SYS_futex, &futex_word, 0, 0, NULL, NULL, 0);
	return NULL;
}

static void
do_exec(void)
{
	char *argv[] = { "tid_is_pid", NULL };
	int tid = gettid();

	/* A failed exec changes nothing: the others keep running. */
	if (execve("./missing-program", argv, argv + 1) != -1 ||
	    errno != ENOENT)
		_exit(3);
	if (write(report_fd, &tid, sizeof(tid)) != sizeof(tid))
		_exit(4);
	execve("./tid_is_pid", argv, argv + 1);
	_exit(5);
}

static void *
execer(void *arg)
{
	(void)arg;
	do_exec();
	return NULL;
}

/* The child: three busy threads, then exec from a fourth or the leader. */
static void
child(int from_leader)
{
	pthread_t t;

	if (pthread_create(&t, NULL, spinner, NULL) != 0 ||
	    pthread_create(&t, NULL, sleeper, NULL) != 0 ||
	    pthread_create(&t, NULL, futex_waiter, NULL) != 0)
		_exit(2);
	usleep(20000);		/* let them get where they block */
	if (from_leader)
		do_exec();
	if (pthread_create(&t, NULL, execer, NULL) != 0)
		_exit(2);
	for (;;)
		pause();
}

static void
round_trip(int from_leader)
{
	int go[2], rep[2], tid = 0, st, tries;
	pid_t pid;

	CHECK(pipe(go) == 0 && pipe(rep) == 0);
	pid = fork();
	if (pid == 0) {
		dup2(go[0], 0);
		close(go[0]);
		close(go[1]);
		close(rep[0]);
		report_fd = rep[1];
		child(from_leader);
	}
	close(go[0]);
	close(rep[1]);
	CHECK(read(rep[0], &tid, sizeof(tid)) == sizeof(tid));
	CHECK(tid > 0);
	CHECK(from_leader ? tid == pid : tid != pid);
	/*
	 * The exec'ing thread's old tid disappears once the new image runs
	 * (it waits on fd 0 for us); from the leader the tid stays the pid.
	 */
	if (!from_leader) {
		for (tries = 0; tries < 500; tries++) {
			if (syscall(SYS_tgkill, pid, tid, 0) == -1)
				break;
			usleep(2000);
		}
		CHECK(syscall(SYS_tgkill, pid, tid, 0) == -1 && errno == ESRCH);
	}
	CHECK(kill(pid, 0) == 0);
	CHECK(syscall(SYS_tgkill, pid, pid, 0) == 0);
	close(go[1]);		/* the new image's read returns 0 */
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
	close(rep[0]);
}

int
main(void)
{
	CHECK(tinyelf_write("tid_is_pid", tid_is_pid, sizeof(tid_is_pid)) == 0);
	round_trip(0);
	round_trip(1);
	unlink("tid_is_pid");
	if (failures == 0)
		printf("execthreads: ok\n");
	return failures != 0;
}
