/*
 * /proc from user mode, run as /sbin/init from an initramfs
 * (tests/qemu/procfs.sh): mounts proc, then checks /proc/self/stat
 * against getpid/getppid in init and in a forked child, the exe link,
 * the fd directory after opening a file and a pipe, a child's cmdline
 * after it re-execs itself through /proc/self/exe (as busybox does),
 * read both by the child and by its parent from the child's memory,
 * the pid listing, a second thread under task/ and thread-self, mounts,
 * meminfo, status and statfs's magic.
 * Prints "procfs: ok" when all hold.
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_ARGV0	"procfs-child"
static const char want_cmdline[] = CHILD_ARGV0 "\0two words\0z";

static void
fail(const char *what)
{
	printf("procfs: FAILED: %s (errno %d)\n", what, errno);
	exit(1);
}

static void
check(int ok, const char *what)
{
	if (!ok)
		fail(what);
}

/* A whole file into buf (NUL-terminated); its length. */
static ssize_t
slurp(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + total, size - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return n < 0 ? -1 : total;
}

static void
link_is(const char *path, const char *want)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	check(n >= 0, path);
	buf[n] = '\0';
	if (strcmp(buf, want) != 0) {
		printf("procfs: %s -> %s, want %s\n", path, buf, want);
		fail(path);
	}
}

/* /proc/self/stat's pid, comm, state and ppid against the syscalls. */
static void
check_stat(const char *comm)
{
	char buf[1024], c[64], state;
	int pid, ppid, pgrp, sid;

	check(slurp("/proc/self/stat", buf, sizeof(buf)) > 0, "read stat");
	check(sscanf(buf, "%d (%63[^)]) %c %d %d %d", &pid, c, &state, &ppid,
	    &pgrp, &sid) == 6, "parse stat");
	check(pid == getpid(), "stat pid");
	check(ppid == getppid(), "stat ppid");
	check(pgrp == getpgrp(), "stat pgrp");
	check(sid == getsid(0), "stat session");
	check(state == 'R', "stat state");
	if (strcmp(c, comm) != 0) {
		printf("procfs: comm %s, want %s\n", c, comm);
		fail("stat comm");
	}
}

/* The re-exec'd child: its own cmdline and comm, then wait on fd 10. */
static int
child_main(int argc, char **argv)
{
	char buf[256];
	ssize_t n;

	n = slurp("/proc/self/cmdline", buf, sizeof(buf));
	check(n == (ssize_t)sizeof(want_cmdline) &&
	    memcmp(buf, want_cmdline, sizeof(want_cmdline)) == 0,
	    "own cmdline");
	/* Run as /proc/self/exe, so comm is "exe", as on Linux. */
	check_stat("exe");
	link_is("/proc/self/exe", "/sbin/init");
	(void)argc;
	(void)argv;
	read(10, buf, 1);	/* until the parent has looked */
	return 0;
}

static int
has_entry(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	check(d != NULL, dir);
	while ((e = readdir(d)) != NULL)
		found |= strcmp(e->d_name, name) == 0;
	closedir(d);
	return found;
}

static void
check_fds(void)
{
	char name[64], buf[64];
	int fd, p[2];

	fd = open("/procfs-test-file", O_RDWR | O_CREAT, 0600);
	check(fd >= 0, "open a file");
	check(pipe(p) == 0, "pipe");
	snprintf(name, sizeof(name), "%d", fd);
	check(has_entry("/proc/self/fd", name), "fd listed");
	snprintf(name, sizeof(name), "%d", p[1]);
	check(has_entry("/proc/self/fd", name), "pipe fd listed");
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	link_is(name, "/procfs-test-file");
	snprintf(name, sizeof(name), "/proc/self/fd/%d", p[0]);
	check(readlink(name, buf, sizeof(buf)) > 6 &&
	    strncmp(buf, "pipe:[", 6) == 0, "pipe link");
	/* A closed fd's name goes (20: opendir takes the lowest free fd). */
	check(dup2(fd, 20) == 20 && has_entry("/proc/self/fd", "20"), "dup2");
	close(20);
	check(!has_entry("/proc/self/fd", "20"), "closed fd gone");
	close(fd);
	close(p[0]);
	close(p[1]);
}

/* Fork, re-exec through /proc/self/exe, read the child's cmdline. */
static void
check_child(void)
{
	char buf[256], path[64], name[16];
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int p[2], st, tries;
	pid_t pid;
	ssize_t n = 0;

	check(pipe(p) == 0, "pipe");
	pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0) {
		char *av[] = { CHILD_ARGV0, "two words", "z", NULL };

		check_stat("init");
		dup2(p[0], 10);
		close(p[1]);
		execv("/proc/self/exe", av);
		fail("exec /proc/self/exe");
	}
	close(p[0]);
	snprintf(name, sizeof(name), "%d", pid);
	check(has_entry("/proc", name), "child in /proc");
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	for (tries = 0; tries < 500; tries++) {
		n = slurp(path, buf, sizeof(buf));
		if (n == (ssize_t)sizeof(want_cmdline))
			break;
		nanosleep(&ts, NULL);
	}
	check(n == (ssize_t)sizeof(want_cmdline) &&
	    memcmp(buf, want_cmdline, sizeof(want_cmdline)) == 0,
	    "child's cmdline from the parent");
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	link_is(path, "/sbin/init");
	close(p[1]);
	check(waitpid(pid, &st, 0) == pid, "waitpid");
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child checks");
	check(!has_entry("/proc", name), "reaped child gone");
	snprintf(path, sizeof(path), "/proc/%d", pid);
	check(access(path, F_OK) != 0 && errno == ENOENT, "reaped: ENOENT");
}

static volatile int thread_go;

static void *
thread_main(void *arg)
{
	char buf[1024];
	int tid;

	(void)arg;
	/* Its own task directory: its tid first in stat, Pid in status. */
	check(slurp("/proc/thread-self/stat", buf, sizeof(buf)) > 0,
	    "thread-self stat");
	tid = atoi(buf);
	check(tid == (int)syscall(SYS_gettid) && tid != getpid(),
	    "thread-self is the thread");
	thread_go = tid;
	while (thread_go != 0)
		sched_yield();
	return NULL;
}

/* A second thread shows in task/, with its own stat. */
static void
check_threads(void)
{
	char name[64], buf[1024], want[64];
	pthread_t t;

	check(pthread_create(&t, NULL, thread_main, NULL) == 0,
	    "pthread_create");
	while (thread_go == 0)
		sched_yield();
	snprintf(name, sizeof(name), "%d", thread_go);
	check(has_entry("/proc/self/task", name), "thread in task/");
	snprintf(want, sizeof(want), "%d", getpid());
	check(has_entry("/proc/self/task", want), "leader in task/");
	snprintf(name, sizeof(name), "/proc/self/task/%d/status", thread_go);
	check(slurp(name, buf, sizeof(buf)) > 0, "task status");
	snprintf(want, sizeof(want), "\nTgid:\t%d\n", getpid());
	check(strstr(buf, want) != NULL, "task Tgid");
	snprintf(want, sizeof(want), "\nPid:\t%d\n", thread_go);
	check(strstr(buf, want) != NULL, "task Pid");
	check(strstr(buf, "\nThreads:\t2\n") != NULL, "two threads");
	thread_go = 0;
	check(pthread_join(t, NULL) == 0, "pthread_join");
}

int
main(int argc, char **argv)
{
	char buf[4096], want[64];
	struct statfs sf;
	unsigned long total, mfree;

	if (argc > 0 && strcmp(argv[0], CHILD_ARGV0) == 0)
		return child_main(argc, argv);
	mkdir("/proc", 0555);
	check(mount("proc", "/proc", "proc", 0, NULL) == 0, "mount proc");
	link_is("/proc/self/exe", "/sbin/init");
	snprintf(want, sizeof(want), "%d", getpid());
	link_is("/proc/self", want);
	check_stat("init");
	check_fds();
	check_child();
	check_threads();
	check(slurp("/proc/mounts", buf, sizeof(buf)) > 0, "mounts");
	check(strstr(buf, "tmpfs / tmpfs ") != NULL, "/ in mounts");
	check(strstr(buf, " /dev devtmpfs ") != NULL, "/dev in mounts");
	check(strstr(buf, "proc /proc proc ") != NULL, "/proc in mounts");
	check(slurp("/proc/meminfo", buf, sizeof(buf)) > 0, "meminfo");
	check(sscanf(buf, "MemTotal: %lu kB MemFree: %lu kB", &total,
	    &mfree) == 2 && total > 0 && mfree <= total, "meminfo numbers");
	check(slurp("/proc/self/status", buf, sizeof(buf)) > 0, "status");
	snprintf(want, sizeof(want), "\nPid:\t%d\nPPid:\t%d\n", getpid(),
	    getppid());
	check(strstr(buf, want) != NULL, "status pids");
	check(strncmp(buf, "Name:\tinit\n", 11) == 0, "status name");
	check(statfs("/proc", &sf) == 0 && sf.f_type == 0x9fa0,
	    "statfs magic");
	check(mkdir("/proc/x", 0755) != 0 && errno == ENOENT, "mkdir ENOENT");
	printf("procfs: ok\n");
	return 0;
}
