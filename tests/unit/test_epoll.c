/*
 * epoll and eventfd: level- and edge-triggered items on pipes, sockets
 * and eventfds, EPOLLONESHOT and its re-arming, EPOLLRDHUP/EPOLLHUP,
 * items dropped when their file is closed (and kept while a dup lives),
 * an epoll fd polled and nested, a wait woken from another process,
 * timeouts, and the errno of every misuse.
 */
#include "contract/clock.h"
#include "test_socket.h"

#define K_EPOLLIN	0x001u
#define K_EPOLLOUT	0x004u
#define K_EPOLLERR	0x008u
#define K_EPOLLHUP	0x010u
#define K_EPOLLRDHUP	0x2000u
#define K_EPOLLEXCLUSIVE (1u << 28)
#define K_EPOLLONESHOT	(1u << 30)
#define K_EPOLLET	(1u << 31)
#define ADD		1
#define DEL		2
#define MOD		3
#define MS		1000000ull

struct kev {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

static int
ep_new(void)
{
	long fd = sys(SYS_epoll_create1, 0);

	ck_assert_int_ge(fd, 0);
	return (int)fd;
}

static long
ep_ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct kev e = { events, data };
	uaddr_t u = umem(PG);

	ck_assert_int_eq(copyout(u, &e, sizeof(e)), 0);
	return sys(SYS_epoll_ctl, ep, op, fd, u);
}

/* epoll_wait for up to 8 events; the first in *first. */
static long
ep_wait(int ep, int ms, struct kev *first)
{
	struct kev e[8];
	uaddr_t u = umem(PG);
	long r = sys(SYS_epoll_wait, ep, u, 8, ms);

	if (r > 0) {
		ck_assert_int_eq(copyin(e, u, sizeof(e[0]) * (size_t)r), 0);
		if (first != NULL)
			*first = e[0];
	}
	return r;
}

static void
mkpipe(int *rd, int *wr)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(sys(SYS_pipe2, u, 0), 0);
	*rd = peek32(u);
	*wr = peek32(u + 4);
}

static int
lt_et_body(void *arg)
{
	int lt = ep_new(), et = ep_new(), rd, wr, a, b;
	struct kev e;
	char buf[8];

	(void)arg;
	mkpipe(&rd, &wr);
	ck_assert_int_eq(ep_ctl(lt, ADD, rd, K_EPOLLIN, 7), 0);
	ck_assert_int_eq(ep_ctl(et, ADD, rd, K_EPOLLIN | K_EPOLLET, 8), 0);
	ck_assert_int_eq(ep_wait(lt, 0, NULL), 0);
	ck_assert_int_eq(ep_wait(et, 0, NULL), 0);
	ck_assert_int_eq(put_str(wr, "ab"), 2);
	/* Level: every wait while data is there; edge: once per event. */
	ck_assert_int_eq(ep_wait(lt, 0, &e), 1);
	ck_assert_uint_eq(e.events, K_EPOLLIN);
	ck_assert_uint_eq(e.data, 7);
	ck_assert_int_eq(ep_wait(lt, 0, NULL), 1);
	ck_assert_int_eq(ep_wait(et, 0, &e), 1);
	ck_assert_uint_eq(e.data, 8);
	ck_assert_int_eq(ep_wait(et, 0, NULL), 0);
	ck_assert_int_eq(put_str(wr, "c"), 1);
	ck_assert_int_eq(ep_wait(et, 0, NULL), 1);
	ck_assert_int_eq(ep_wait(et, 0, NULL), 0);
	ck_assert_int_eq(read_str(rd, buf, 7), 3);
	ck_assert_int_eq(ep_wait(lt, 0, NULL), 0);
	/* Sockets: an edge is exact, a partial read is no new event. */
	mkpair(K_SOCK_STREAM, &a, &b);
	ck_assert_int_eq(ep_ctl(et, ADD, b, K_EPOLLIN | K_EPOLLRDHUP |
	    K_EPOLLET, 9), 0);
	ck_assert_int_eq(put_str(a, "xyz"), 3);
	ck_assert_int_eq(ep_wait(et, 0, &e), 1);
	ck_assert_uint_eq(e.events, K_EPOLLIN);
	ck_assert_int_eq(read_str(b, buf, 1), 1);
	ck_assert_int_eq(ep_wait(et, 0, NULL), 0);
	ck_assert_int_eq(put_str(a, "w"), 1);
	ck_assert_int_eq(ep_wait(et, 0, &e), 1);
	ck_assert_uint_eq(e.data, 9);
	/* The peer shuts down its writing: EPOLLRDHUP; closes: EPOLLHUP. */
	ck_assert_int_eq(sys(SYS_shutdown, a, 1), 0);
	ck_assert_int_eq(ep_wait(et, 0, &e), 1);
	ck_assert_uint_eq(e.events, K_EPOLLIN | K_EPOLLRDHUP);
	ck_assert_int_eq(sys(SYS_close, a), 0);
	ck_assert_int_eq(ep_wait(et, 0, &e), 1);
	ck_assert_uint_eq(e.events, K_EPOLLIN | K_EPOLLRDHUP | K_EPOLLHUP);
	/* EPOLLOUT level-triggered on a writable socket end. */
	mkpair(K_SOCK_STREAM, &a, &b);
	ck_assert_int_eq(ep_ctl(lt, ADD, a, K_EPOLLOUT, 10), 0);
	ck_assert_int_eq(ep_wait(lt, 0, &e), 1);
	ck_assert_uint_eq(e.events, K_EPOLLOUT);
	return 0;
}

START_TEST(test_lt_et)
{
	sys_run(lt_et_body);
}
END_TEST

static int
oneshot_body(void *arg)
{
	int ep = ep_new(), rd, wr;
	uaddr_t u = umem(PG);

	(void)arg;
	mkpipe(&rd, &wr);
	ck_assert_int_eq(ep_ctl(ep, ADD, rd, K_EPOLLIN | K_EPOLLONESHOT, 1),
	    0);
	ck_assert_int_eq(put_str(wr, "a"), 1);
	ck_assert_int_eq(ep_wait(ep, 0, NULL), 1);
	ck_assert_int_eq(ep_wait(ep, 0, NULL), 0);
	ck_assert_int_eq(put_str(wr, "b"), 1);
	ck_assert_int_eq(ep_wait(ep, 0, NULL), 0);
	/* MOD re-arms it; the data is still there. */
	ck_assert_int_eq(ep_ctl(ep, MOD, rd, K_EPOLLIN | K_EPOLLONESHOT, 2),
	    0);
	ck_assert_int_eq(ep_wait(ep, 0, NULL), 1);
	ck_assert_int_eq(ep_wait(ep, 0, NULL), 0);
	/* DEL: gone. */
	ck_assert_int_eq(ep_ctl(ep, DEL, rd, 0, 0), 0);
	ck_assert_int_eq(ep_ctl(ep, DEL, rd, 0, 0), -ENOENT);
	ck_assert_int_eq(ep_ctl(ep, ADD, rd, K_EPOLLIN, 3), 0);
	ck_assert_int_eq(ep_wait(ep, 0, NULL), 1);
	/* A zero timeout with maxevents 1 takes one of two. */
	ck_assert_int_eq(ep_ctl(ep, ADD, wr, K_EPOLLOUT, 4), 0);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, u, 1, 0), 1);
	ck_assert_int_eq(ep_wait(ep, 0, NULL), 2);
	return 0;
}

START_TEST(test_oneshot)
{
	sys_run(oneshot_body);
}
END_TEST

static int
close_body(void *arg)
{
	struct { int32_t fd; int16_t ev, rev; } p;
	uaddr_t pu = umem(PG);
	int ep = ep_new(), rd, wr, d;

	(void)arg;
	mkpipe(&rd, &wr);
	ck_assert_int_eq(ep_ctl(ep, ADD, rd, K_EPOLLIN, 1), 0);
	ck_assert_int_eq(put_str(wr, "a"), 1);
	/* A dup keeps the description open: the item stays. */
	d = (int)sys(SYS_dup, rd);
	ck_assert_int_eq(sys(SYS_close, rd), 0);
	ck_assert_int_eq(ep_wait(ep, 0, NULL), 1);
	/* The last fd closed: the item drops, and the pipe's read end with it. */
	ck_assert_int_eq(sys(SYS_close, d), 0);
	ck_assert_int_eq(ep_wait(ep, 0, NULL), 0);
	p.fd = wr;
	p.ev = K_POLLOUT;
	ck_assert_int_eq(copyout(pu, &p, sizeof(p)), 0);
	ck_assert_int_eq(sys(SYS_poll, pu, 1, 0), 1);
	ck_assert_int_eq(copyin(&p, pu, sizeof(p)), 0);
	ck_assert_int_eq(p.rev, K_POLLOUT | K_POLLERR);
	/* Closing the epoll fd drops its items' references too. */
	mkpipe(&rd, &wr);
	ck_assert_int_eq(ep_ctl(ep, ADD, wr, K_EPOLLOUT, 2), 0);
	ck_assert_int_eq(sys(SYS_close, wr), 0);
	ck_assert_int_eq(sys(SYS_close, ep), 0);
	ck_assert_int_eq(read_str(rd, (char[8]){ 0 }, 7), 0);	/* EOF */
	return 0;
}

START_TEST(test_close)
{
	sys_run(close_body);
}
END_TEST

/* Write to the eventfd or pipe after 30 ms. */
static int
late_write(void *arg)
{
	uaddr_t u = umem(PG);
	uint64_t one = 1;

	thread_sleep_ns(30 * MS);
	ck_assert_int_eq(copyout(u, &one, sizeof(one)), 0);
	return sys(SYS_write, (int)(intptr_t)arg, u, 8) == 8 ? 0 : 1;
}

static int
wait_body(void *arg)
{
	int ep = ep_new(), ep2 = ep_new(), efd, rd, wr;
	struct { int32_t fd; int16_t ev, rev; } p;
	uaddr_t u = umem(PG);
	struct kev e;
	uint64_t t0;
	long pid;

	(void)arg;
	efd = (int)sys(SYS_eventfd2, 0, 0);
	ck_assert_int_ge(efd, 0);
	ck_assert_int_eq(ep_ctl(ep, ADD, efd, K_EPOLLIN | K_EPOLLET, 5), 0);
	/* A timeout that expires. */
	t0 = clock_ns();
	ck_assert_int_eq(ep_wait(ep, 40, NULL), 0);
	ck_assert_uint_ge(clock_ns() - t0, 40 * MS);
	/* Woken by another process. */
	pid = hosted_fork(late_write, (void *)(intptr_t)efd);
	ck_assert_int_eq(ep_wait(ep, -1, &e), 1);
	ck_assert_uint_eq(e.data, 5);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(ep_wait(ep, 0, NULL), 0);
	/* The epoll fd is pollable, and nests. */
	mkpipe(&rd, &wr);
	ck_assert_int_eq(ep_ctl(ep, ADD, rd, K_EPOLLIN, 6), 0);
	ck_assert_int_eq(ep_ctl(ep2, ADD, ep, K_EPOLLIN, 7), 0);
	p.fd = ep;
	p.ev = K_POLLIN;
	ck_assert_int_eq(copyout(u, &p, sizeof(p)), 0);
	ck_assert_int_eq(sys(SYS_poll, u, 1, 0), 0);
	ck_assert_int_eq(ep_wait(ep2, 0, NULL), 0);
	ck_assert_int_eq(put_str(wr, "z"), 1);
	ck_assert_int_eq(sys(SYS_poll, u, 1, 0), 1);
	ck_assert_int_eq(ep_wait(ep2, 0, &e), 1);
	ck_assert_uint_eq(e.data, 7);
	/* Loops: ep2 in ep is ELOOP; an epoll in itself EINVAL. */
	ck_assert_int_eq(ep_ctl(ep, ADD, ep2, K_EPOLLIN, 0), -ELOOP);
	ck_assert_int_eq(ep_ctl(ep, ADD, ep, K_EPOLLIN, 0), -EINVAL);
	/* epoll_pwait: no mask is epoll_wait; a bad mask size EINVAL. */
	ck_assert_int_eq(sys(SYS_epoll_pwait, ep, u, 4, 0, 0, 8), 1);
	ck_assert_int_eq(sys(SYS_epoll_pwait, ep, u, 4, 0, u + 512, 4),
	    -EINVAL);
	/* epoll_pwait2: a timespec; zero is one scan. */
	{
		int64_t ts[2] = { 0, 0 };

		ck_assert_int_eq(copyout(u + 256, ts, sizeof(ts)), 0);
		ck_assert_int_eq(sys(SYS_epoll_pwait2, ep, u, 4, u + 256, 0,
		    8), 1);
		ts[1] = 1000000000;
		ck_assert_int_eq(copyout(u + 256, ts, sizeof(ts)), 0);
		ck_assert_int_eq(sys(SYS_epoll_pwait2, ep, u, 4, u + 256, 0,
		    8), -EINVAL);
	}
	return 0;
}

START_TEST(test_wait)
{
	sys_run_on(2, wait_body);
}
END_TEST

static int
errors_body(void *arg)
{
	uaddr_t u = umem(PG);
	int ep, f, rd, wr;

	(void)arg;
	ck_assert_int_eq(sys(SYS_epoll_create, 0), -EINVAL);
	ck_assert_int_ge(sys(SYS_epoll_create, 1), 0);
	ck_assert_int_eq(sys(SYS_epoll_create1, 1), -EINVAL);
	ep = (int)sys(SYS_epoll_create1, K_SOCK_CLOEXEC);
	ck_assert_int_ge(ep, 0);
	ck_assert_int_eq(sys(SYS_fcntl, ep, 1, 0), 1);
	mkpipe(&rd, &wr);
	poke_str(u, "/reg");
	f = (int)sys(SYS_open, u, 0x42, 0644);
	ck_assert_int_ge(f, 0);
	ck_assert_int_eq(ep_ctl(ep, ADD, f, K_EPOLLIN, 0), -EPERM);
	ck_assert_int_eq(ep_ctl(rd, ADD, wr, K_EPOLLIN, 0), -EINVAL);
	ck_assert_int_eq(ep_ctl(ep, ADD, 99, K_EPOLLIN, 0), -EBADF);
	ck_assert_int_eq(ep_ctl(99, ADD, rd, K_EPOLLIN, 0), -EBADF);
	ck_assert_int_eq(ep_ctl(ep, 7, rd, K_EPOLLIN, 0), -EINVAL);
	ck_assert_int_eq(ep_ctl(ep, MOD, rd, K_EPOLLIN, 0), -ENOENT);
	ck_assert_int_eq(ep_ctl(ep, ADD, rd, K_EPOLLIN, 0), 0);
	ck_assert_int_eq(ep_ctl(ep, ADD, rd, K_EPOLLIN, 0), -EEXIST);
	ck_assert_int_eq(ep_ctl(ep, MOD, rd, K_EPOLLIN | K_EPOLLEXCLUSIVE, 0),
	    -EINVAL);
	ck_assert_int_eq(ep_ctl(ep, ADD, wr, K_EPOLLOUT | K_EPOLLEXCLUSIVE,
	    0), 0);
	ck_assert_int_eq(ep_ctl(ep, ADD, 0, K_EPOLLIN | K_EPOLLEXCLUSIVE |
	    K_EPOLLRDHUP, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_epoll_ctl, ep, ADD, 0, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, u, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_epoll_wait, rd, u, 1, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_epoll_wait, 99, u, 1, 0), -EBADF);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, BAD, 1, 0), -EFAULT);
	return 0;
}

START_TEST(test_errors)
{
	sys_run(errors_body);
}
END_TEST

static long
efd_write(int fd, uint64_t v)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(copyout(u, &v, sizeof(v)), 0);
	return sys(SYS_write, fd, u, 8);
}

static uint64_t
efd_read(int fd, long *r)
{
	uaddr_t u = umem(PG);
	uint64_t v = 0;

	*r = sys(SYS_read, fd, u, 8);
	if (*r == 8)
		ck_assert_int_eq(copyin(&v, u, sizeof(v)), 0);
	return v;
}

static int
eventfd_body(void *arg)
{
	uaddr_t u = umem(PG);
	int fd, s;
	long r;

	(void)arg;
	ck_assert_int_eq(sys(SYS_eventfd2, 0, 0x10), -EINVAL);
	fd = (int)sys(SYS_eventfd2, 3, K_SOCK_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(efd_read(fd, &r), 3);
	ck_assert_int_eq(r, 8);
	efd_read(fd, &r);
	ck_assert_int_eq(r, -EAGAIN);
	ck_assert_int_eq(efd_write(fd, 5), 8);
	ck_assert_int_eq(efd_write(fd, 6), 8);
	ck_assert_uint_eq(efd_read(fd, &r), 11);
	/* Sizes and the forbidden value. */
	ck_assert_int_eq(sys(SYS_read, fd, u, 7), -EINVAL);
	ck_assert_int_eq(sys(SYS_write, fd, u, 4), -EINVAL);
	ck_assert_int_eq(efd_write(fd, UINT64_MAX), -EINVAL);
	ck_assert_int_eq(efd_write(fd, UINT64_MAX - 1), 8);
	ck_assert_int_eq(efd_write(fd, 1), -EAGAIN);
	/* Semaphore mode counts down by one. */
	s = (int)sys(SYS_eventfd2, 2, 1 | K_SOCK_NONBLOCK);
	ck_assert_uint_eq(efd_read(s, &r), 1);
	ck_assert_uint_eq(efd_read(s, &r), 1);
	efd_read(s, &r);
	ck_assert_int_eq(r, -EAGAIN);
	ck_assert_int_ge(sys(SYS_eventfd, 0), 0);
	return 0;
}

START_TEST(test_eventfd)
{
	sys_run(eventfd_body);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_lt_et);
	tcase_add_test(tc, test_oneshot);
	tcase_add_test(tc, test_close);
	tcase_add_test(tc, test_wait);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_eventfd);
}

int
main(void)
{
	return run_suite("epoll", add_tests);
}
