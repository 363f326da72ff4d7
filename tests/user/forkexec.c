/*
 * fork, vfork, execve, wait4 and waitid, as init (and unchanged on
 * Linux, whose answers the checks spell out):
 *
 *  - exit, signal (with the core bit for SIGSEGV), stop and continue
 *    statuses through wait4 and waitid, WNOHANG with a running child,
 *    WNOWAIT leaving the zombie for a second wait;
 *  - vfork: the parent sleeps until the child execs or exits, and sees
 *    what the child wrote in the shared address space;
 *  - execve of a missing file fails in the child and changes nothing;
 *    an exec'd program's exit code comes back through wait4;
 *  - close-on-exec: the new image finds fd 3 closed (or open without it);
 *  - CPU time: a child's busy loop shows in wait4's rusage, in
 *    RUSAGE_CHILDREN and in times(); our own in CLOCK_PROCESS_CPUTIME_ID
 *    and RUSAGE_SELF; ru_maxrss keeps a child's peak memory.
 *
 * The exec'd program is a tiny ELF written to the working directory
 * (tinyelf.h).  Prints "forkexec: ok" and exits 0, or names the first
 * failed check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tinyelf.h"

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("forkexec: FAIL line %d: %s\n", __LINE__, #cond); \
		failures++;						\
	}								\
} while (0)

/*
 * The exec'd program: exit_group(write(3, sp - 16, 1)), so its status
 * is 1 when fd 3 is open for writing and 247 (-EBADF) when it is not.
 */
static const unsigned char probe_fd3[] = {
	0xbf, 0x03, 0x00, 0x00, 0x00,		/* mov $3, %edi */
	0x48, 0x8d, 0x74, 0x24, 0xf0,		/* lea -16(%rsp), %rsi */
	0xba, 0x01, 0x00, 0x00, 0x00,		/* mov $1, %edx */
	0xb8, 0x01, 0x00, 0x00, 0x00,		/* mov $SYS_write, %eax */
	0x0f, 0x05,				/* syscall */
	0x89, 0xc7,				/* mov %eax, %edi */
	0xb8, 0xe7, 0x00, 0x00, 0x00,	/* mov $SYS_exit_group, %eax */
	0x0f, 0x05,				/* syscall */
};

static int *volatile null_ptr;

/* Fork a child running fn; its pid. */
static pid_t
spawn(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid == 0) {
		fn();
		_exit(0);
	}
	CHECK(pid > 0);
	return pid;
}

static void exit3(void) { _exit(3); }
static void term_self(void) { kill(getpid(), SIGTERM); for (;;) pause(); }
static void segv(void) { signal(SIGSEGV, SIG_DFL); *null_ptr = 1; }
static void wait_forever(void) { for (;;) pause(); }

static void
test_statuses(void)
{
	int st;
	pid_t pid;

	pid = spawn(exit3);
	CHECK(wait4(pid, &st, 0, NULL) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);

	pid = spawn(term_self);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM && !WCOREDUMP(st));

	pid = spawn(segv);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);

	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
}

static void
test_stop_continue(void)
{
	siginfo_t si;
	int st;
	pid_t pid = spawn(wait_forever);

	CHECK(waitpid(pid, &st, WNOHANG) == 0);
	CHECK(kill(pid, SIGSTOP) == 0);
	CHECK(waitpid(pid, &st, WUNTRACED) == pid);
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	/* Reported once. */
	CHECK(waitpid(pid, &st, WUNTRACED | WNOHANG) == 0);
	CHECK(kill(pid, SIGCONT) == 0);
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WCONTINUED) == 0);
	CHECK(si.si_pid == pid && si.si_code == CLD_CONTINUED);
	CHECK(si.si_status == SIGCONT);
	CHECK(kill(pid, SIGKILL) == 0);
	/* WNOWAIT leaves the zombie for the real wait. */
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0);
	CHECK(si.si_code == CLD_KILLED && si.si_status == SIGKILL);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

static void
test_waitid_exit(void)
{
	siginfo_t si;
	pid_t pid = spawn(exit3);

	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_ALL, 0, &si, WEXITED) == 0);
	CHECK(si.si_signo == SIGCHLD && si.si_pid == pid);
	CHECK(si.si_code == CLD_EXITED && si.si_status == 3);
	/* WNOHANG with nothing ready zeroes si_pid. */
	pid = spawn(wait_forever);
	si.si_pid = 12345;
	CHECK(waitid(P_PID, pid, &si, WEXITED | WNOHANG) == 0);
	CHECK(si.si_pid == 0);
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, NULL, 0) == pid);
}

static volatile int shared_word;

static void
test_vfork(void)
{
	int st;
	pid_t pid;

	shared_word = 0;
	pid = vfork();
	if (pid == 0) {
		shared_word = 42;	/* the parent's memory; it waits */
		_exit(9);
	}
	CHECK(pid > 0);
	CHECK(shared_word == 42);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 9);

	/* A failed exec in a vfork child: ENOENT, and the child goes on. */
	pid = vfork();
	if (pid == 0) {
		char *argv[] = { "missing", NULL };

		execve("./missing-program", argv, argv + 1);
		_exit(errno == ENOENT ? 5 : 6);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
}

/* Run ./probe in a child (with vfork when asked); its exit status. */
static int
run_probe(int use_vfork)
{
	char *argv[] = { "probe", NULL };
	int st = -1;
	pid_t pid = use_vfork ? vfork() : fork();

	if (pid == 0) {
		execve("./probe", argv, argv + 1);
		_exit(100);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
test_exec_cloexec(void)
{
	int fd;

	CHECK(tinyelf_write("probe", probe_fd3, sizeof(probe_fd3)) == 0);
	/* fd 3 is the lowest free: only 0, 1, 2 are open here. */
	fd = open("probe.out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CHECK(fd == 3);
	CHECK(run_probe(0) == 247);
	CHECK(run_probe(1) == 247);
	CHECK(fcntl(fd, F_SETFD, 0) == 0);
	CHECK(run_probe(0) == 1);
	CHECK(run_probe(1) == 1);
	close(fd);
	/* Not executable: EACCES; a directory: EACCES. */
	CHECK(chmod("probe", 0644) == 0);
	CHECK(execl("./probe", "probe", (char *)NULL) == -1 && errno == EACCES);
	CHECK(execl(".", ".", (char *)NULL) == -1 && errno == EACCES);
	unlink("probe");
	unlink("probe.out");
}

static long long
tv_ns(struct timeval tv)
{
	return tv.tv_sec * 1000000000ll + tv.tv_usec * 1000ll;
}

static long long
clock_ns_of(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return -1;
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Spin in user mode for at least ms of CPU time. */
static void
burn(int ms)
{
	long long end = clock_ns_of(CLOCK_THREAD_CPUTIME_ID) + ms * 1000000ll;
	volatile unsigned long x = 0;

	while (clock_ns_of(CLOCK_THREAD_CPUTIME_ID) < end) {
		for (int i = 0; i < 100000; i++)
			x += i;
	}
}

static void burn50(void) { burn(50); }

/* Touch 4 MiB, give it back, and exit: ru_maxrss keeps the peak. */
static void
touch4m(void)
{
	size_t len = 4 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(1);
	memset(p, 1, len);
	munmap(p, len);
}

static void
test_cpu_time(void)
{
	struct rusage ru, self;
	struct tms tms;
	long long before, after;
	int st;
	pid_t pid;

	before = clock_ns_of(CLOCK_PROCESS_CPUTIME_ID);
	burn(20);
	after = clock_ns_of(CLOCK_PROCESS_CPUTIME_ID);
	CHECK(after - before >= 20000000ll);
	CHECK(getrusage(RUSAGE_SELF, &self) == 0);
	CHECK(tv_ns(self.ru_utime) + tv_ns(self.ru_stime) >= 20000000ll);
	CHECK(getrusage(RUSAGE_THREAD, &self) == 0);
	CHECK(tv_ns(self.ru_utime) + tv_ns(self.ru_stime) >= 20000000ll);

	pid = spawn(burn50);
	memset(&ru, 0, sizeof(ru));
	CHECK(wait4(pid, &st, 0, &ru) == pid);
	CHECK(tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime) >= 50000000ll);
	/* A busy loop is mostly user time. */
	CHECK(tv_ns(ru.ru_utime) >= tv_ns(ru.ru_stime));
	CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0);
	CHECK(tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime) >= 50000000ll);
	CHECK(times(&tms) != (clock_t)-1);
	/* 100 Hz ticks, each time rounded down on its own */
	CHECK(tms.tms_cutime + tms.tms_cstime >= 4);
	CHECK(getrusage(2, &ru) == -1 && errno == EINVAL);

	/* ru_maxrss, in KiB: the peak, even after the memory went back. */
	pid = spawn(touch4m);
	CHECK(wait4(pid, &st, 0, &ru) == pid);
	CHECK(ru.ru_maxrss >= 4096);
	CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0 && ru.ru_maxrss >= 4096);
	CHECK(getrusage(RUSAGE_SELF, &self) == 0 && self.ru_maxrss > 0);
}

int
main(void)
{
	int fd;

	for (fd = 3; fd < 64; fd++)
		close(fd);
	test_statuses();
	test_stop_continue();
	test_waitid_exit();
	test_vfork();
	test_exec_cloexec();
	test_cpu_time();
	if (failures == 0)
		printf("forkexec: ok\n");
	return failures != 0;
}
