/*
 * init (tests/qemu/user.sh): epoll and eventfd from user mode.  A
 * thread sleeps in epoll_wait until another thread writes an eventfd;
 * a forked writer wakes an edge-triggered wait on a pipe, which then
 * stays quiet until the next write; EPOLLONESHOT fires once until
 * re-armed; a closed fd leaves the set; epoll_pwait with a mask.
 * Prints "epoll: ok" and exits 0.  The same binary passes on Linux.
 *
 * Before that, between "epoll: begin" and "epoll: end", it prints the
 * events epoll reports for pipes, eventfds, sockets and epoll fds in
 * several states, level-triggered, for tests/qemu/linuxdiff.sh to
 * compare with Linux line by line.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
fail(const char *what)
{
	printf("epoll: FAILED: %s (errno %d)\n", what, errno);
	exit(1);
}

static void
pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

static int efd;

static void *
kicker(void *arg)
{
	uint64_t one = 1;

	(void)arg;
	pause_ms(30);
	if (write(efd, &one, sizeof(one)) != sizeof(one))
		fail("eventfd write");
	return NULL;
}

static void
add(int ep, int fd, uint32_t events, uint32_t tag)
{
	struct epoll_event ev;

	ev.events = events;
	ev.data.u32 = tag;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		fail("epoll_ctl ADD");
}

static void
threads(void)
{
	struct epoll_event out[2];
	pthread_t t;
	uint64_t v;
	int ep;

	if ((efd = eventfd(0, EFD_NONBLOCK)) < 0 || (ep = epoll_create(8)) < 0)
		fail("eventfd/epoll_create");
	add(ep, efd, EPOLLIN, 1);
	if (pthread_create(&t, NULL, kicker, NULL) != 0)
		fail("pthread_create");
	if (epoll_wait(ep, out, 2, 5000) != 1 || out[0].data.u32 != 1)
		fail("woken by the other thread");
	if (read(efd, &v, sizeof(v)) != sizeof(v) || v != 1)
		fail("eventfd read");
	if (read(efd, &v, sizeof(v)) != -1 || errno != EAGAIN)
		fail("eventfd empty");
	pthread_join(t, NULL);
	close(ep);
	close(efd);
}

static void
edges(void)
{
	struct epoll_event out[2];
	sigset_t mask;
	char c;
	int p[2], hold[2], ep;
	pid_t pid;

	if (pipe(p) != 0 || pipe(hold) != 0 || (ep = epoll_create1(0)) < 0)
		fail("pipe/epoll_create1");
	add(ep, p[0], EPOLLIN | EPOLLET, 2);
	if ((pid = fork()) == 0) {
		/* Write, then stay put (no exit to stir the pipe) until told. */
		close(hold[1]);
		pause_ms(30);
		if (write(p[1], "ab", 2) != 2)
			_exit(1);
		_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
	}
	close(hold[0]);
	if (epoll_wait(ep, out, 2, 5000) != 1 || out[0].data.u32 != 2)
		fail("edge from the child");
	if (epoll_wait(ep, out, 2, 0) != 0)
		fail("one edge per event");
	close(hold[1]);
	waitpid(pid, NULL, 0);
	if (write(p[1], "c", 1) != 1 ||
	    epoll_wait(ep, out, 2, 0) != 1)
		fail("the next edge");
	/* Oneshot: once, then again after EPOLL_CTL_MOD. */
	add(ep, p[1], EPOLLOUT | EPOLLONESHOT, 3);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	if (epoll_pwait(ep, out, 2, 0, &mask) != 1 || out[0].data.u32 != 3)
		fail("oneshot");
	if (epoll_wait(ep, out, 2, 0) != 0)
		fail("oneshot fired once");
	out[0].events = EPOLLOUT | EPOLLONESHOT;
	out[0].data.u32 = 4;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &out[0]) != 0 ||
	    epoll_wait(ep, out, 2, 0) != 1 || out[0].data.u32 != 4)
		fail("oneshot re-armed");
	/* Closing the read end takes it out of the set. */
	while (read(p[0], &c, 1) == 1 && c != 'c')
		;
	close(p[0]);
	if (epoll_wait(ep, out, 2, 0) != 0)
		fail("closed fd still reported");
	if (epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) != 0)
		fail("DEL");
	close(p[1]);
	close(ep);
}

/* What one level-triggered wait reports for fd, asked for `ask`. */
static void
show(const char *what, int fd, uint32_t ask)
{
	struct epoll_event ev = { ask, { 0 } };
	int ep = epoll_create1(0), n;

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		printf("%s: epoll_ctl = -1 %d\n", what, errno);
		close(ep);
		return;
	}
	n = epoll_wait(ep, &ev, 1, 0);
	printf("%s: %d %#x\n", what, n, n > 0 ? ev.events : 0);
	close(ep);
}

#define ALL	(EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI)

static void
observe(void)
{
	uint64_t v = UINT64_MAX - 1;
	int p[2], sv[2], e, ep, inner;
	struct epoll_event ev = { EPOLLIN, { 0 } };
	char c;

	printf("epoll: begin\n");
	pipe(p);
	show("pipe read end, empty", p[0], ALL);
	show("pipe write end, empty", p[1], ALL);
	show("pipe write end, asked EPOLLIN", p[1], EPOLLIN);
	write(p[1], "x", 1);
	show("pipe read end, data", p[0], ALL);
	show("pipe read end, asked nothing", p[0], 0);
	close(p[1]);
	show("pipe read end, writer gone", p[0], ALL);
	read(p[0], &c, 1);
	show("pipe read end, writer gone, drained", p[0], ALL);
	close(p[0]);
	pipe(p);
	close(p[0]);
	show("pipe write end, reader gone", p[1], ALL);
	close(p[1]);
	e = eventfd(0, EFD_NONBLOCK);
	show("eventfd 0", e, ALL);
	write(e, &v, sizeof(v));
	show("eventfd max", e, ALL);
	close(e);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	show("stream pair", sv[0], ALL);
	shutdown(sv[1], SHUT_RDWR);
	show("stream, peer shut down", sv[0], ALL);
	show("stream, shut down", sv[1], ALL);
	close(sv[0]);
	close(sv[1]);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	close(sv[1]);
	show("dgram, peer closed", sv[0], ALL);
	close(sv[0]);
	/* Epoll in epoll: readable when the inner one has an event. */
	inner = epoll_create1(0);
	show("empty epoll", inner, ALL);
	pipe(p);
	epoll_ctl(inner, EPOLL_CTL_ADD, p[0], &ev);
	show("epoll, nothing ready", inner, ALL);
	write(p[1], "y", 1);
	show("epoll, one ready", inner, ALL);
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	printf("nest: %d\n", epoll_ctl(ep, EPOLL_CTL_ADD, inner, &ev));
	if (epoll_ctl(inner, EPOLL_CTL_ADD, ep, &ev) != 0)
		printf("loop: -1 %d\n", errno);
	close(ep);
	close(inner);
	close(p[0]);
	close(p[1]);
	printf("epoll: end\n");
}

int
main(void)
{
	observe();
	threads();
	edges();
	printf("epoll: ok\n");
	return 0;
}
