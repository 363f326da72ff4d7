/*
 * poll, ppoll, select and pselect6 over pipes: readiness bits (POLLIN,
 * POLLOUT, POLLHUP, POLLERR, POLLNVAL), timeouts that expire, wakeups
 * from a writer on another vCPU, fd_set results and errors, the time
 * left written back by select, signals ending a wait with EINTR after a
 * handler, and ppoll's signal mask held for the wait and restored after.
 */
#include "contract/clock.h"
#include "contract/entry.h"
#include "proc/thread.h"
#include "test_sys.h"

#define K_POLLIN	0x001
#define K_POLLOUT	0x004
#define K_POLLERR	0x008
#define K_POLLHUP	0x010
#define K_POLLNVAL	0x020
#define K_POLLRDNORM	0x040
#define K_POLLWRNORM	0x100

#define K_SIGUSR1	10
#define K_SA_RESTORER	0x04000000ul
#define MS		1000000ull

struct kpollfd {
	int32_t fd;
	int16_t events, revents;
};

static void
mkpipe(unsigned flags, int *rd, int *wr)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(sys(SYS_pipe2, u, flags), 0);
	*rd = peek32(u);
	*wr = peek32(u + 4);
}

/* poll n fds (events given) with timeout ms; revents into out. */
static long
poll_fds(const int *fds, const short *ev, int n, int ms, short *out)
{
	struct kpollfd p[8];
	uaddr_t u = umem(PG);
	long r;
	int i;

	for (i = 0; i < n; i++)
		p[i] = (struct kpollfd){ fds[i], ev[i], 0x7777 };
	ck_assert_int_eq(copyout(u, p, n * sizeof(p[0])), 0);
	r = sys(SYS_poll, u, n, ms);
	ck_assert_int_eq(copyin(p, u, n * sizeof(p[0])), 0);
	for (i = 0; i < n; i++) {
		/* fd and events are left as they were. */
		ck_assert_int_eq(p[i].fd, fds[i]);
		ck_assert_int_eq(p[i].events, ev[i]);
		out[i] = p[i].revents;
	}
	return r;
}

static int
poll_bits(void *arg)
{
	uaddr_t buf = umem(PG);
	short ev[4], out[4];
	int fds[4], rd, wr;

	(void)arg;
	mkpipe(0, &rd, &wr);
	fds[0] = rd;
	fds[1] = wr;
	ev[0] = K_POLLIN;
	ev[1] = K_POLLOUT;
	/* Empty: the write end only. */
	ck_assert_int_eq(poll_fds(fds, ev, 2, 0, out), 1);
	ck_assert_int_eq(out[0], 0);
	ck_assert_int_eq(out[1], K_POLLOUT);
	/* Data: both; events not asked for are not reported. */
	ck_assert_int_eq(sys(SYS_write, wr, buf, 1), 1);
	ev[0] = K_POLLIN | K_POLLRDNORM;
	ck_assert_int_eq(poll_fds(fds, ev, 2, 0, out), 2);
	ck_assert_int_eq(out[0], K_POLLIN | K_POLLRDNORM);
	ev[0] = K_POLLRDNORM;
	ck_assert_int_eq(poll_fds(fds, ev, 2, 0, out), 2);
	ck_assert_int_eq(out[0], K_POLLRDNORM);
	ev[0] = K_POLLIN;
	ev[1] = K_POLLIN;
	ck_assert_int_eq(poll_fds(fds, ev, 2, 0, out), 1);
	ck_assert_int_eq(out[1], 0);
	/* Negative fds are skipped, closed ones are POLLNVAL (counted). */
	fds[1] = -1;
	fds[2] = 77;
	ev[2] = K_POLLIN;
	ck_assert_int_eq(poll_fds(fds, ev, 3, 0, out), 2);
	ck_assert_int_eq(out[1], 0);
	ck_assert_int_eq(out[2], K_POLLNVAL);
	/* No writer: POLLHUP even unasked, with the data still there. */
	ck_assert_int_eq(sys(SYS_close, wr), 0);
	ev[0] = 0;
	ck_assert_int_eq(poll_fds(fds, ev, 1, 0, out), 1);
	ck_assert_int_eq(out[0], K_POLLHUP);
	ev[0] = K_POLLIN;
	ck_assert_int_eq(poll_fds(fds, ev, 1, 0, out), 1);
	ck_assert_int_eq(out[0], K_POLLIN | K_POLLHUP);
	ck_assert_int_eq(sys(SYS_read, rd, buf, 1), 1);
	ck_assert_int_eq(poll_fds(fds, ev, 1, 0, out), 1);
	ck_assert_int_eq(out[0], K_POLLHUP);
	ck_assert_int_eq(sys(SYS_close, rd), 0);
	/* No reader: POLLERR for the write end. */
	mkpipe(0, &rd, &wr);
	ck_assert_int_eq(sys(SYS_close, rd), 0);
	fds[0] = wr;
	ev[0] = K_POLLOUT;
	ck_assert_int_eq(poll_fds(fds, ev, 1, 0, out), 1);
	ck_assert_int_eq(out[0], K_POLLOUT | K_POLLERR);
	/* A regular file is always ready. */
	poke_str(buf, "/f");
	fds[1] = (int)sys(SYS_open, buf, 0x42, 0644);	/* O_CREAT|O_RDWR */
	ck_assert_int_ge(fds[1], 0);
	ev[1] = K_POLLIN | K_POLLOUT;
	ck_assert_int_eq(poll_fds(fds + 1, ev + 1, 1, 0, out), 1);
	ck_assert_int_eq(out[0], K_POLLIN | K_POLLOUT);
	/* Errors: too many fds, bad array; nothing at all just sleeps. */
	ck_assert_int_eq(sys(SYS_poll, buf, 1 << 20, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_poll, BAD, 1, 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_poll, 0, 0, 10), 0);
	return 0;
}

START_TEST(test_poll_bits)
{
	sys_run(poll_bits);
}
END_TEST

/* Write a byte into the pipe after 30 ms, from the other vCPU. */
static int
late_writer(void *arg)
{
	uaddr_t buf = umem(PG);

	thread_sleep_ns(30 * MS);
	return sys(SYS_write, (int)(intptr_t)arg, buf, 1) == 1 ? 0 : 1;
}

static int
poll_wait_body(void *arg)
{
	short ev[1] = { K_POLLIN }, out[1];
	uint64_t t0;
	int rd, wr;
	long pid;

	(void)arg;
	mkpipe(0, &rd, &wr);
	/* A timeout that expires: 0, after at least that long. */
	t0 = clock_ns();
	ck_assert_int_eq(poll_fds(&rd, ev, 1, 40, out), 0);
	ck_assert_uint_ge(clock_ns() - t0, 40 * MS);
	ck_assert_int_eq(out[0], 0);
	/* No timeout: woken by the writer. */
	pid = hosted_fork(late_writer, (void *)(intptr_t)wr);
	ck_assert_int_eq(poll_fds(&rd, ev, 1, -1, out), 1);
	ck_assert_int_eq(out[0], K_POLLIN);
	ck_assert_int_eq(wait_status(pid), 0);
	return 0;
}

START_TEST(test_poll_wait)
{
	sys_run_on(2, poll_wait_body);
}
END_TEST

/* fd_set helpers: one 64-bit word is enough for these tests. */
static uaddr_t
fdset(uint64_t bits)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(copyout(u, &bits, sizeof(bits)), 0);
	return u;
}

static uint64_t
fdget_bits(uaddr_t u)
{
	uint64_t v;

	ck_assert_int_eq(copyin(&v, u, sizeof(v)), 0);
	return v;
}

static int
select_body(void *arg)
{
	uaddr_t r, w, e, tv = umem(PG), buf = umem(PG);
	int64_t t[2];
	int rd, wr;
	long pid;

	(void)arg;
	mkpipe(0, &rd, &wr);
	/* Empty pipe: only the write end, in the write set. */
	r = fdset(1ull << rd | 1ull << wr);
	w = fdset(1ull << rd | 1ull << wr);
	e = fdset(1ull << rd);
	t[0] = 0;
	t[1] = 0;
	ck_assert_int_eq(copyout(tv, t, sizeof(t)), 0);
	ck_assert_int_eq(sys(SYS_select, wr + 1, r, w, e, tv), 1);
	ck_assert_uint_eq(fdget_bits(r), 0);
	ck_assert_uint_eq(fdget_bits(w), 1ull << wr);
	ck_assert_uint_eq(fdget_bits(e), 0);
	/* Data: the read end too.  Bits at or past nfds are not looked at. */
	ck_assert_int_eq(sys(SYS_write, wr, buf, 1), 1);
	r = fdset(1ull << rd | 1ull << 40);
	ck_assert_int_eq(sys(SYS_select, rd + 1, r, 0, 0, tv), 1);
	ck_assert_uint_eq(fdget_bits(r), 1ull << rd);
	/* Errors: a closed fd, negative nfds, a bad timeval, bad sets. */
	r = fdset(1ull << 20);
	ck_assert_int_eq(sys(SYS_select, 21, r, 0, 0, tv), -EBADF);
	ck_assert_int_eq(sys(SYS_select, -1, 0, 0, 0, tv), -EINVAL);
	t[1] = 1000000;
	ck_assert_int_eq(copyout(tv, t, sizeof(t)), 0);
	ck_assert_int_eq(sys(SYS_select, 0, 0, 0, 0, tv), -EINVAL);
	t[0] = -1;
	t[1] = 0;
	ck_assert_int_eq(copyout(tv, t, sizeof(t)), 0);
	ck_assert_int_eq(sys(SYS_select, 0, 0, 0, 0, tv), -EINVAL);
	ck_assert_int_eq(sys(SYS_select, rd + 1, BAD, 0, 0, 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_read, rd, buf, 1), 1);
	/* A timeout that expires: 0, empty sets, no time left. */
	t[0] = 0;
	t[1] = 30000;
	ck_assert_int_eq(copyout(tv, t, sizeof(t)), 0);
	r = fdset(1ull << rd);
	ck_assert_int_eq(sys(SYS_select, rd + 1, r, 0, 0, tv), 0);
	ck_assert_uint_eq(fdget_bits(r), 0);
	ck_assert_int_eq(copyin(t, tv, sizeof(t)), 0);
	ck_assert(t[0] == 0 && t[1] == 0);
	/* Woken by a writer: the time left is written back. */
	t[0] = 5;
	t[1] = 0;
	ck_assert_int_eq(copyout(tv, t, sizeof(t)), 0);
	r = fdset(1ull << rd);
	pid = hosted_fork(late_writer, (void *)(intptr_t)wr);
	ck_assert_int_eq(sys(SYS_select, rd + 1, r, 0, 0, tv), 1);
	ck_assert_uint_eq(fdget_bits(r), 1ull << rd);
	ck_assert_int_eq(copyin(t, tv, sizeof(t)), 0);
	ck_assert(t[0] == 4 && t[1] > 0);
	ck_assert_int_eq(wait_status(pid), 0);
	/* pselect6 with a timespec and no mask. */
	t[0] = 0;
	t[1] = 0;
	ck_assert_int_eq(copyout(tv, t, sizeof(t)), 0);
	r = fdset(1ull << rd);
	ck_assert_int_eq(sys(SYS_pselect6, rd + 1, r, 0, 0, tv, 0), 1);
	t[1] = 1000000000;
	ck_assert_int_eq(copyout(tv, t, sizeof(t)), 0);
	ck_assert_int_eq(sys(SYS_pselect6, rd + 1, r, 0, 0, tv, 0), -EINVAL);
	return 0;
}

START_TEST(test_select)
{
	sys_run_on(2, select_body);
}
END_TEST

static int handled;

static void
usr1_handler(int sig, void *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	__atomic_fetch_add(&handled, 1, __ATOMIC_SEQ_CST);
}

/* Send SIGUSR1 to the parent after 30 ms. */
static int
poker(void *arg)
{
	thread_sleep_ns(30 * MS);
	return sys(SYS_kill, (int)(intptr_t)arg, K_SIGUSR1) == 0 ? 0 : 1;
}

static uint64_t
cur_mask(void)
{
	uaddr_t u = umem(PG);
	uint64_t m;

	ck_assert_int_eq(sys(SYS_rt_sigprocmask, 0, 0, u, 8), 0);
	ck_assert_int_eq(copyin(&m, u, sizeof(m)), 0);
	return m;
}

static int
ppoll_body(void *arg)
{
	uaddr_t act = umem(PG), p = umem(PG), m = umem(PG), ts = umem(PG);
	uint64_t a[4] = { (uint64_t)(uintptr_t)usr1_handler, K_SA_RESTORER,
	    1, 0 };
	uint64_t usr1 = 1ull << (K_SIGUSR1 - 1), zero = 0;
	struct kpollfd pf;
	int64_t t[2] = { 0, 20 * (int64_t)MS };
	int rd, wr, me = (int)sys(SYS_getpid);
	long pid;

	(void)arg;
	ck_assert_int_eq(copyout(act, a, sizeof(a)), 0);
	ck_assert_int_eq(sys(SYS_rt_sigaction, K_SIGUSR1, act, 0, 8), 0);
	mkpipe(0, &rd, &wr);
	pf = (struct kpollfd){ rd, K_POLLIN, 0 };
	ck_assert_int_eq(copyout(p, &pf, sizeof(pf)), 0);
	/* A signal ends poll with EINTR after its handler ran. */
	pid = hosted_fork(poker, (void *)(intptr_t)me);
	ck_assert_int_eq(sys(SYS_poll, p, 1, -1), -EINTR);
	ck_assert_int_eq(__atomic_load_n(&handled, __ATOMIC_SEQ_CST), 1);
	ck_assert_int_eq(wait_status(pid), 0);
	/* ppoll holding SIGUSR1 off: the timeout ends it, the mask is back. */
	ck_assert_int_eq(copyout(m, &usr1, sizeof(usr1)), 0);
	ck_assert_int_eq(copyout(ts, t, sizeof(t)), 0);
	ck_assert_int_eq(sys(SYS_rt_sigprocmask, 0, m, 0, 8), 0);
	ck_assert_int_eq(sys(SYS_kill, me, K_SIGUSR1), 0);
	ck_assert_int_eq(sys(SYS_ppoll, p, 1, ts, m, 8), 0);
	ck_assert_uint_eq(cur_mask(), usr1);
	ck_assert_int_eq(__atomic_load_n(&handled, __ATOMIC_SEQ_CST), 1);
	/* ppoll with an empty mask: the pending one interrupts it. */
	ck_assert_int_eq(copyout(m, &zero, sizeof(zero)), 0);
	ck_assert_int_eq(sys(SYS_ppoll, p, 1, 0, m, 8), -EINTR);
	ck_assert_int_eq(__atomic_load_n(&handled, __ATOMIC_SEQ_CST), 2);
	/* ...and once the handler ran, the old mask is back. */
	ck_assert_uint_eq(cur_mask(), usr1);
	/* Errors: the mask size, a bad timespec. */
	ck_assert_int_eq(sys(SYS_ppoll, p, 1, 0, m, 4), -EINVAL);
	t[1] = -1;
	ck_assert_int_eq(copyout(ts, t, sizeof(t)), 0);
	ck_assert_int_eq(sys(SYS_ppoll, p, 1, ts, 0, 8), -EINVAL);
	ck_assert_int_eq(sys(SYS_ppoll, p, 1, BAD, 0, 8), -EFAULT);
	return 0;
}

START_TEST(test_ppoll)
{
	sys_run_on(2, ppoll_body);
}
END_TEST

static Suite *
sys_poll_suite(void)
{
	Suite *s = suite_create("sys_poll");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_poll_bits);
	tcase_add_test(tc, test_poll_wait);
	tcase_add_test(tc, test_select);
	tcase_add_test(tc, test_ppoll);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sys_poll_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
