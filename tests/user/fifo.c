/*
 * FIFOs from user mode, run as /sbin/init from an initramfs
 * (tests/qemu/procfs.sh): mkfifo (mknodat) and its errors, the open
 * rules of fifo(7) between processes (a reader waits for a writer and
 * the other way round, ENXIO for a non-blocking writer without a
 * reader, O_RDWR at once), data and end of file through the FIFO, a
 * blocked open ended by a signal (EINTR) and restarted by SA_RESTART.
 * Prints "fifo: ok" when all hold.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FIFO	"/tmp/fifo"

static volatile sig_atomic_t alarms;

static void
fail(const char *what)
{
	printf("fifo: FAILED: %s (errno %d)\n", what, errno);
	exit(1);
}

static void
check(int ok, const char *what)
{
	if (!ok)
		fail(what);
}

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void
set_alarm_handler(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	check(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
}

/* A child that sleeps ms, opens the FIFO with flags and moves "ping". */
static pid_t
peer(long ms, int flags)
{
	char buf[8];
	pid_t pid = fork();
	int fd;

	check(pid >= 0, "fork");
	if (pid != 0)
		return pid;
	msleep(ms);
	if ((fd = open(FIFO, flags)) < 0)
		_exit(10);
	if (flags == O_WRONLY)
		_exit(write(fd, "ping", 4) == 4 ? 0 : 11);
	_exit(read(fd, buf, sizeof(buf)) == 4 && memcmp(buf, "ping", 4) == 0 ?
	    0 : 12);
}

static void
reap(pid_t pid)
{
	int st;

	check(waitpid(pid, &st, 0) == pid, "waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("fifo: peer status %#x\n", st);
		fail("peer");
	}
}

int
main(void)
{
	struct stat st;
	char buf[8];
	pid_t pid;
	int fd, fd2;

	mkdir("/tmp", 01777);
	check(mkfifo(FIFO, 0600) == 0, "mkfifo");
	check(mkfifo(FIFO, 0600) != 0 && errno == EEXIST, "mkfifo EEXIST");
	check(mkfifo("/nonesuch/f", 0600) != 0 && errno == ENOENT,
	    "mkfifo ENOENT");
	check(stat(FIFO, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    (st.st_mode & 0777) == 0600, "stat fifo");
	check(open(FIFO, O_WRONLY | O_NONBLOCK) < 0 && errno == ENXIO,
	    "ENXIO without a reader");

	/* A reader waits for the writer, then reads its data and EOF. */
	pid = peer(200, O_WRONLY);
	check((fd = open(FIFO, O_RDONLY)) >= 0, "blocking reader open");
	check(read(fd, buf, sizeof(buf)) == 4 && memcmp(buf, "ping", 4) == 0,
	    "read ping");
	check(read(fd, buf, sizeof(buf)) == 0, "EOF");
	close(fd);
	reap(pid);

	/* A writer waits for the reader. */
	pid = peer(200, O_RDONLY);
	check((fd = open(FIFO, O_WRONLY)) >= 0, "blocking writer open");
	check(write(fd, "ping", 4) == 4, "write ping");
	close(fd);
	reap(pid);

	/* O_RDWR never waits; a non-blocking reader sees its data. */
	check((fd = open(FIFO, O_RDWR)) >= 0, "O_RDWR");
	check((fd2 = open(FIFO, O_RDONLY | O_NONBLOCK)) >= 0, "O_NONBLOCK");
	check(write(fd, "ab", 2) == 2, "write O_RDWR");
	check(read(fd2, buf, sizeof(buf)) == 2, "read O_NONBLOCK");
	check(read(fd2, buf, sizeof(buf)) < 0 && errno == EAGAIN, "EAGAIN");
	close(fd2);
	close(fd);

	/* A signal ends a blocked open: EINTR without SA_RESTART. */
	set_alarm_handler(0);
	alarm(1);
	check(open(FIFO, O_RDONLY) < 0 && errno == EINTR, "EINTR");
	check(alarms == 1, "one alarm");

	/* With SA_RESTART the open goes on and meets the late writer. */
	set_alarm_handler(SA_RESTART);
	pid = peer(1500, O_WRONLY);
	alarm(1);
	check((fd = open(FIFO, O_RDONLY)) >= 0, "restarted open");
	check(alarms == 2, "the alarm came first");
	check(read(fd, buf, sizeof(buf)) == 4, "read after restart");
	close(fd);
	reap(pid);

	check(unlink(FIFO) == 0, "unlink");
	printf("fifo: ok\n");
	return 0;
}
