/*
 * init from an initramfs (tests/qemu/devpoll.sh): readiness and devices
 * from user mode.  A child writes into a pipe after a pause while the
 * parent waits in poll(); then poll's timeout, select on the same pipe,
 * POLLHUP at the writer's exit, /dev/null, /dev/zero, /dev/full and
 * /dev/urandom, and getrandom(2).  Prints "devpoll: ok" and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
fail(const char *what)
{
	printf("devpoll: FAILED: %s (errno %d)\n", what, errno);
	exit(1);
}

static void
pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Some bytes that are not all one value. */
static int
varied(const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (b[i] != b[0])
			return 1;
	return 0;
}

int
main(void)
{
	struct pollfd pf;
	unsigned char buf[512];
	fd_set rs;
	struct timeval tv;
	int p[2], fd, st;
	pid_t pid;

	if (pipe(p) != 0)
		fail("pipe");
	pf.fd = p[0];
	pf.events = POLLIN;
	if (poll(&pf, 1, 30) != 0 || pf.revents != 0)
		fail("poll timeout");
	if ((pid = fork()) < 0)
		fail("fork");
	if (pid == 0) {
		close(p[0]);
		pause_ms(50);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause_ms(50);
		_exit(0);
	}
	close(p[1]);
	if (poll(&pf, 1, -1) != 1 || pf.revents != POLLIN)
		fail("poll wakeup");
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	if (select(p[0] + 1, &rs, NULL, NULL, &tv) != 1 ||
	    !FD_ISSET(p[0], &rs))
		fail("select");
	if (read(p[0], buf, 1) != 1 || buf[0] != 'x')
		fail("read");
	/* The writer exits: POLLHUP. */
	if (poll(&pf, 1, -1) != 1 || !(pf.revents & POLLHUP))
		fail("poll hangup");
	if (waitpid(pid, &st, 0) != pid || st != 0)
		fail("child");
	if ((fd = open("/dev/null", O_RDWR)) < 0 || read(fd, buf, 10) != 0 ||
	    write(fd, buf, 10) != 10)
		fail("/dev/null");
	close(fd);
	memset(buf, 1, sizeof(buf));
	if ((fd = open("/dev/zero", O_RDONLY)) < 0 ||
	    read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    buf[0] != 0 || varied(buf, sizeof(buf)))
		fail("/dev/zero");
	close(fd);
	if ((fd = open("/dev/full", O_WRONLY)) < 0 || write(fd, buf, 1) != -1 ||
	    errno != ENOSPC)
		fail("/dev/full");
	close(fd);
	if ((fd = open("/dev/urandom", O_RDONLY)) < 0 ||
	    read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    !varied(buf, sizeof(buf)))
		fail("/dev/urandom");
	close(fd);
	if (getrandom(buf, sizeof(buf), GRND_NONBLOCK) != (ssize_t)sizeof(buf) ||
	    !varied(buf, sizeof(buf)))
		fail("getrandom");
	printf("devpoll: ok\n");
	return 0;
}
