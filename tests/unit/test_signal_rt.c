/*
 * Real-time signal queues (proc/signal.c) through the syscall layer:
 * every instance queued with its siginfo and taken in order, classic
 * signals coalescing, RLIMIT_SIGPENDING (EAGAIN for sigqueue and tgkill,
 * a kill losing only its siginfo), SIG_IGN discarding a queue, and a
 * child's exit seen by rt_sigtimedwait while SIGCHLD is blocked at its
 * default (ignoring) action.
 */
#include "proc/signal.h"
#include "test_sys.h"

#define SIG_BLOCK	0
#define SI_QUEUE_CODE	(-1)
#define R1		40
#define R2		41

/* The siginfo a sigqueue caller passes: code, and value. */
static uaddr_t
queued(uaddr_t m, int sig, int32_t value)
{
	int32_t w[32] = { 0 };

	w[0] = sig;
	w[2] = SI_QUEUE_CODE;
	w[4] = (int32_t)sys(SYS_getpid);
	w[6] = value;
	ck_assert_int_eq(copyout(m, w, sizeof(w)), 0);
	return m;
}

static long
sigqueue(uaddr_t m, int sig, int32_t value)
{
	return sys(SYS_rt_sigqueueinfo, sys(SYS_getpid), sig,
	    queued(m, sig, value));
}

/* Block everything; return a page holding the full set at offset 0. */
static uaddr_t
block_all(void)
{
	uaddr_t m = umem(PG);
	uint64_t all = ~0ull;

	ck_assert_int_eq(copyout(m, &all, 8), 0);
	ck_assert_int_eq(sys(SYS_rt_sigprocmask, SIG_BLOCK, m, 0, 8), 0);
	return m;
}

/* Take one signal at once (zero timeout): its number; siginfo at si. */
static long
take(uaddr_t set, uaddr_t si, uaddr_t ts)
{
	int64_t zero[2] = { 0, 0 };

	ck_assert_int_eq(copyout(ts, zero, sizeof(zero)), 0);
	return sys(SYS_rt_sigtimedwait, set, si, ts, 8);
}

static int
queue_order(void *arg)
{
	uaddr_t set = block_all(), m = umem(PG), si = m + 512, ts = m + 1024;
	uint64_t pend;
	int i;

	(void)arg;
	ck_assert_int_eq(sigqueue(m, R2, 1), 0);
	ck_assert_int_eq(sigqueue(m, R1, 7), 0);
	ck_assert_int_eq(sigqueue(m, R2, 2), 0);
	ck_assert_int_eq(sys(SYS_kill, sys(SYS_getpid), SIGUSR1), 0);
	ck_assert_int_eq(sys(SYS_kill, sys(SYS_getpid), SIGUSR1), 0);
	ck_assert_int_eq(sys(SYS_rt_sigpending, m + 2048, 8), 0);
	ck_assert_int_eq(copyin(&pend, m + 2048, 8), 0);
	ck_assert_uint_eq(pend, SIGBIT(SIGUSR1) | SIGBIT(R1) | SIGBIT(R2));
	ck_assert_int_eq(take(set, si, ts), SIGUSR1);
	ck_assert_int_eq(peek32(si + 8), SI_USER);
	ck_assert_int_eq(take(set, si, ts), R1);
	ck_assert_int_eq(peek32(si + 24), 7);
	for (i = 1; i <= 2; i++) {
		ck_assert_int_eq(take(set, si, ts), R2);
		ck_assert_int_eq(peek32(si + 8), SI_QUEUE_CODE);
		ck_assert_int_eq(peek32(si + 24), i);
	}
	ck_assert_int_eq(take(set, si, ts), -EAGAIN);
	return 0;
}

START_TEST(test_queue_order)
{
	sys_run(queue_order);
}
END_TEST

static int
limit(void *arg)
{
	uaddr_t set = block_all(), m = umem(PG), si = m + 512, ts = m + 1024;
	uint64_t lim[2] = { 2, 4096 };
	long pid = sys(SYS_getpid);

	(void)arg;
	ck_assert_int_eq(copyout(m + 2048, lim, sizeof(lim)), 0);
	ck_assert_int_eq(sys(SYS_prlimit64, 0, RLIMIT_SIGPENDING, m + 2048,
	    0), 0);
	ck_assert_int_eq(sigqueue(m, R1, 1), 0);
	ck_assert_int_eq(sigqueue(m, R1, 2), 0);
	ck_assert_int_eq(sigqueue(m, R1, 3), -EAGAIN);
	ck_assert_int_eq(sys(SYS_tgkill, pid, sys(SYS_gettid), R2), -EAGAIN);
	/* kill gets through, without its siginfo. */
	ck_assert_int_eq(sys(SYS_kill, pid, R2), 0);
	ck_assert_int_eq(take(set, si, ts), R1);
	ck_assert_int_eq(take(set, si, ts), R1);
	ck_assert_int_eq(take(set, si, ts), R2);
	ck_assert_int_eq(peek32(si + 8), SI_USER);
	ck_assert_int_eq(peek32(si + 16), 0);
	/* Room again. */
	ck_assert_int_eq(sigqueue(m, R1, 4), 0);
	ck_assert_int_eq(take(set, si, ts), R1);
	ck_assert_int_eq(peek32(si + 24), 4);
	return 0;
}

START_TEST(test_limit)
{
	sys_run(limit);
}
END_TEST

/* Setting SIG_IGN discards every queued instance, blocked or not. */
static int
ignore_flushes(void *arg)
{
	uaddr_t set = block_all(), m = umem(PG), si = m + 512, ts = m + 1024;
	uint64_t act[4] = { SIG_IGN, 0, 0, 0 };

	(void)arg;
	ck_assert_int_eq(sigqueue(m, R1, 1), 0);
	ck_assert_int_eq(sigqueue(m, R1, 2), 0);
	ck_assert_int_eq(copyout(m + 2048, act, sizeof(act)), 0);
	ck_assert_int_eq(sys(SYS_rt_sigaction, R1, m + 2048, 0, 8), 0);
	ck_assert_int_eq(take(set, si, ts), -EAGAIN);
	return 0;
}

START_TEST(test_ignore_flushes)
{
	sys_run(ignore_flushes);
}
END_TEST

static int
exit7(void *arg)
{
	(void)arg;
	return 7;
}

/*
 * SIGCHLD's default action ignores it, but a thread waiting for it in
 * rt_sigtimedwait (with it blocked) must get it: the sender sees the
 * waiter's real mask (Linux's real_blocked).
 */
static int
sigchld_wait(void *arg)
{
	uaddr_t set = block_all(), m = umem(PG), si = m + 512;
	long pid;

	(void)arg;
	pid = hosted_fork(exit7, NULL);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(sys(SYS_rt_sigtimedwait, set, si, 0, 8), SIGCHLD);
	ck_assert_int_eq(peek32(si + 8), CLD_EXITED);
	ck_assert_int_eq(peek32(si + 16), pid);
	ck_assert_int_eq(peek32(si + 24), 7);
	ck_assert_int_eq(wait_status(pid), 7 << 8);
	return 0;
}

START_TEST(test_sigchld_wait)
{
	sys_run_on(2, sigchld_wait);
}
END_TEST

static Suite *
signal_rt_suite(void)
{
	Suite *s = suite_create("signal_rt");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_queue_order);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_ignore_flushes);
	tcase_add_test(tc, test_sigchld_wait);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(signal_rt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
