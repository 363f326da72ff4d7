/*
 * futex(2) through the syscall layer: argument checks, EAGAIN, timeouts
 * on both clocks, wakes across vCPUs, requeue, bitsets, a shared futex
 * between two processes, CLONE_CHILD_CLEARTID's wake, and the robust
 * list registration.
 */
#include "contract/clock.h"
#include "proc/futex.h"
#include "test_sys.h"

#define CLONE_VM	0x100
#define CLONE_FS	0x200
#define CLONE_FILES	0x400
#define CLONE_SIGHAND	0x800
#define CLONE_THREAD	0x10000
#define CLONE_SYSVSEM	0x40000
#define CLONE_SETTLS	0x80000
#define CLONE_PARENT_SETTID	0x100000
#define CLONE_CHILD_CLEARTID	0x200000
#define PTHREAD_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
	CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
	CLONE_CHILD_CLEARTID)

#define WAITP	(FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define WAKEP	(FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define PENDING	0x7777	/* a waiter's result slot before it returns */
#define MS	1000000ull

static void
poke64(uaddr_t va, int64_t v)
{
	ck_assert_int_eq(copyout(va, &v, sizeof(v)), 0);
}

/* A relative or absolute timespec of ns at va. */
static void
poke_ts(uaddr_t va, uint64_t ns)
{
	poke64(va, (int64_t)(ns / 1000000000u));
	poke64(va + 8, (int64_t)(ns % 1000000000u));
}

static uint64_t
realtime_now(void)
{
	uaddr_t ts = umem(PG);
	int64_t v[2];

	ck_assert_int_eq(sys(SYS_clock_gettime, 0, ts), 0);
	ck_assert_int_eq(copyin(v, ts, sizeof(v)), 0);
	return (uint64_t)v[0] * 1000000000u + (uint64_t)v[1];
}

/* Argument checks, EAGAIN, and timeouts, on one thread. */
static int
futex_args(void *arg)
{
	uaddr_t m = umem(PG), w = m, ts = m + 64;
	uint64_t t0;

	(void)arg;
	poke32(w, 5);
	/* A value that differs: EAGAIN at once, private or not. */
	ck_assert_int_eq(sys(SYS_futex, w, WAITP, 4, 0, 0, 0), -EAGAIN);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_WAIT, 4, 0, 0, 0), -EAGAIN);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_WAIT_BITSET, 4, 0, 0, 1),
	    -EAGAIN);
	/* Misaligned: EINVAL; unmapped: EFAULT. */
	ck_assert_int_eq(sys(SYS_futex, w + 1, WAITP, 5, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_futex, w + 2, WAKEP, 1, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_futex, BAD, WAITP, 5, 0, 0, 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_futex, BAD, FUTEX_WAKE, 1, 0, 0, 0), -EFAULT);
	/* Bitset 0 matches nothing: EINVAL. */
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_WAIT_BITSET, 5, 0, 0, 0),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_WAKE_BITSET, 1, 0, 0, 0),
	    -EINVAL);
	/* Unknown commands, and the clock flag off the waits: ENOSYS. */
	ck_assert_int_eq(sys(SYS_futex, w, 99, 0, 0, 0, 0), -ENOSYS);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_WAKE | FUTEX_CLOCK_REALTIME,
	    1, 0, 0, 0), -ENOSYS);
	/* Negative requeue counts, a misaligned second word. */
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_REQUEUE, -1, 1, w + 4, 0),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_REQUEUE, 1, -1, w + 4, 0),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_REQUEUE, 1, 1, w + 5, 0),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_CMP_REQUEUE, 1, 1, w + 4, 4),
	    -EAGAIN);
	/* Nobody waits: wakes and requeues count 0. */
	ck_assert_int_eq(sys(SYS_futex, w, WAKEP, 10, 0, 0, 0), 0);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_CMP_REQUEUE, 1, 1, w + 4, 5),
	    0);
	/* Bad timeouts: EINVAL for tv_nsec out of range or negative, EFAULT. */
	poke64(ts, 0);
	poke64(ts + 8, 1000000000);
	ck_assert_int_eq(sys(SYS_futex, w, WAITP, 5, ts, 0, 0), -EINVAL);
	poke64(ts, -1);
	poke64(ts + 8, 0);
	ck_assert_int_eq(sys(SYS_futex, w, WAITP, 5, ts, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_futex, w, WAITP, 5, BAD, 0, 0), -EFAULT);
	/* Relative timeout: ETIMEDOUT after at least that long. */
	poke_ts(ts, 30 * MS);
	t0 = clock_ns();
	ck_assert_int_eq(sys(SYS_futex, w, WAITP, 5, ts, 0, 0), -ETIMEDOUT);
	ck_assert_uint_ge(clock_ns() - t0, 30 * MS);
	/* FUTEX_WAIT's timeout stays relative with the realtime flag. */
	t0 = clock_ns();
	ck_assert_int_eq(sys(SYS_futex, w, WAITP | FUTEX_CLOCK_REALTIME, 5,
	    ts, 0, 0), -ETIMEDOUT);
	ck_assert_uint_ge(clock_ns() - t0, 30 * MS);
	/* WAIT_BITSET: absolute, on CLOCK_MONOTONIC... */
	t0 = clock_ns();
	poke_ts(ts, t0 + 30 * MS);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_WAIT_BITSET |
	    FUTEX_PRIVATE_FLAG, 5, ts, 0, FUTEX_BITSET_MATCH_ANY), -ETIMEDOUT);
	ck_assert_uint_ge(clock_ns(), t0 + 30 * MS);
	/* ...or CLOCK_REALTIME; a deadline passed already times out at once. */
	t0 = clock_ns();
	poke_ts(ts, realtime_now() + 30 * MS);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_WAIT_BITSET |
	    FUTEX_CLOCK_REALTIME, 5, ts, 0, ~0u), -ETIMEDOUT);
	ck_assert_uint_ge(clock_ns() - t0, 29 * MS);
	poke_ts(ts, 1);
	ck_assert_int_eq(sys(SYS_futex, w, FUTEX_WAIT_BITSET, 5, ts, 0, ~0u),
	    -ETIMEDOUT);
	return 0;
}

START_TEST(test_futex_args)
{
	sys_run(futex_args);
}
END_TEST

/* The robust list: the length must be 24; the head is read back. */
static int
robust(void *arg)
{
	uaddr_t m = umem(PG);

	(void)arg;
	ck_assert_int_eq(sys(SYS_set_robust_list, m, 23), -EINVAL);
	ck_assert_int_eq(sys(SYS_set_robust_list, m + 8, 24), 0);
	ck_assert_int_eq(sys(SYS_get_robust_list, 0, m + 64, m + 72), 0);
	ck_assert_int_eq(peek32(m + 64), (int32_t)(m + 8));
	ck_assert_int_eq(peek32(m + 72), 24);
	ck_assert_int_eq(sys(SYS_get_robust_list, 0, BAD, m + 72), -EFAULT);
	ck_assert_int_eq(sys(SYS_get_robust_list, 999, m + 64, m + 72),
	    -ESRCH);
	return 0;
}

START_TEST(test_robust_list)
{
	sys_run(robust);
}
END_TEST

/*
 * Waiter threads.  Page layout: word A at 0, word B at 4, result slots
 * at 64 + 4i, thread tid words at 256 + 4i, bitsets at 512 + 4i.
 */
#define A(m)		((m))
#define B(m)		((m) + 4)
#define SLOT(m, i)	((m) + 64 + 4 * (uaddr_t)(i))
#define TIDW(m, i)	((m) + 256 + 4 * (uaddr_t)(i))
#define BITS(m, i)	((m) + 512 + 4 * (uaddr_t)(i))
#define NWAITERS	4

struct waiter_arg {
	uaddr_t m;
	int i;
};

static struct waiter_arg wargs[NWAITERS];

/* Wait on A (bitset BITS) once; store what futex said. */
static int
waiter(void *arg)
{
	struct waiter_arg *wa = arg;
	long r;

	r = sys(SYS_futex, A(wa->m), FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG,
	    0, 0, 0, (uint32_t)peek32(BITS(wa->m, wa->i)));
	poke32(SLOT(wa->m, wa->i), (int32_t)r);
	return 0;
}

static void
start_waiters(uaddr_t m, int n, uint32_t bits)
{
	int i;

	for (i = 0; i < n; i++) {
		wargs[i] = (struct waiter_arg){ m, i };
		poke32(SLOT(m, i), PENDING);
		poke32(BITS(m, i), (int32_t)bits);
		ck_assert_int_gt(hosted_clone(PTHREAD_FLAGS, m + PG - 64,
		    TIDW(m, i), TIDW(m, i), 0, waiter, &wargs[i]), 1);
	}
}

/* pthread_join's way: sleep on the tid word until CLEARTID clears it. */
static void
join(uaddr_t tidw)
{
	int32_t v;

	while ((v = peek32(tidw)) != 0) {
		long r = sys(SYS_futex, tidw, FUTEX_WAIT, v, 0, 0, 0);

		ck_assert(r == 0 || r == -EAGAIN);
	}
}

/* Call op until it has reported n in all (waiters still arriving). */
static void
until_count(uaddr_t uaddr, int op, long val, long val2, uaddr_t uaddr2,
    long val3, long n)
{
	long got = 0, r;

	while (got < n) {
		r = sys(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
		ck_assert_int_ge(r, 0);
		got += r;
		ck_assert_int_le(got, n);
		if (got < n)
			sys(SYS_sched_yield);
	}
}

/* Wake one at a time across vCPUs; the joins rely on CLEARTID's wake. */
static int
wake_threads(void *arg)
{
	uaddr_t m = umem(PG);
	int i, done;

	(void)arg;
	poke32(A(m), 0);
	start_waiters(m, NWAITERS, ~0u);
	for (done = 0; done < NWAITERS; done++)
		until_count(A(m), WAKEP, 1, 0, 0, 0, 1);
	for (i = 0; i < NWAITERS; i++) {
		join(TIDW(m, i));
		ck_assert_int_eq(peek32(SLOT(m, i)), 0);
	}
	/* All gone: nothing left to wake. */
	ck_assert_int_eq(sys(SYS_futex, A(m), WAKEP, 100, 0, 0, 0), 0);
	return 0;
}

START_TEST(test_futex_wake_threads)
{
	sys_run_on(2, wake_threads);
}
END_TEST

/* Requeue moves waiters from A to B without waking them. */
static int
requeue(void *arg)
{
	uaddr_t m = umem(PG);
	int i;

	(void)arg;
	poke32(A(m), 0);
	poke32(B(m), 0);
	start_waiters(m, 3, ~0u);
	/* Move all three to B as they arrive (wake none). */
	until_count(A(m), FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG, 0, 100,
	    B(m), 0, 3);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(peek32(SLOT(m, i)), PENDING);
	/* The compared value differs: EAGAIN, nothing moves. */
	ck_assert_int_eq(sys(SYS_futex, B(m), FUTEX_CMP_REQUEUE |
	    FUTEX_PRIVATE_FLAG, 0, 100, A(m), 1), -EAGAIN);
	ck_assert_int_eq(sys(SYS_futex, A(m), WAKEP, 100, 0, 0, 0), 0);
	/* REQUEUE back to A, waking one on the way: 1 woken + 2 moved. */
	ck_assert_int_eq(sys(SYS_futex, B(m), FUTEX_REQUEUE |
	    FUTEX_PRIVATE_FLAG, 1, 100, A(m), 0), 3);
	ck_assert_int_eq(sys(SYS_futex, B(m), WAKEP, 100, 0, 0, 0), 0);
	ck_assert_int_eq(sys(SYS_futex, A(m), WAKEP, 100, 0, 0, 0), 2);
	for (i = 0; i < 3; i++) {
		join(TIDW(m, i));
		ck_assert_int_eq(peek32(SLOT(m, i)), 0);
	}
	return 0;
}

START_TEST(test_futex_requeue)
{
	sys_run_on(2, requeue);
}
END_TEST

/* WAKE_BITSET wakes only waiters whose bitset meets its own. */
static int
bitsets(void *arg)
{
	uaddr_t m = umem(PG);

	(void)arg;
	poke32(A(m), 0);
	poke32(SLOT(m, 0), PENDING);
	poke32(SLOT(m, 1), PENDING);
	wargs[0] = (struct waiter_arg){ m, 0 };
	wargs[1] = (struct waiter_arg){ m, 1 };
	poke32(BITS(m, 0), 0x1);
	poke32(BITS(m, 1), 0x6);
	ck_assert_int_gt(hosted_clone(PTHREAD_FLAGS, m + PG - 64, TIDW(m, 0),
	    TIDW(m, 0), 0, waiter, &wargs[0]), 1);
	ck_assert_int_gt(hosted_clone(PTHREAD_FLAGS, m + PG - 64, TIDW(m, 1),
	    TIDW(m, 1), 0, waiter, &wargs[1]), 1);
	until_count(A(m), FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 100, 0, 0,
	    0x4, 1);
	join(TIDW(m, 1));
	ck_assert_int_eq(peek32(SLOT(m, 1)), 0);
	ck_assert_int_eq(peek32(SLOT(m, 0)), PENDING);
	ck_assert_int_eq(sys(SYS_futex, A(m), FUTEX_WAKE_BITSET |
	    FUTEX_PRIVATE_FLAG, 100, 0, 0, 0x6), 0);
	until_count(A(m), FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG, 100, 0, 0,
	    0x1, 1);
	join(TIDW(m, 0));
	ck_assert_int_eq(peek32(SLOT(m, 0)), 0);
	return 0;
}

START_TEST(test_futex_bitsets)
{
	sys_run_on(2, bitsets);
}
END_TEST

/*
 * A shared futex: a child process waits on a word of a MAP_SHARED page
 * that the parent wakes through its own mapping of it (another address
 * space: the key is the page).  The private flag would not find it.
 */
static int
shared_child(void *arg)
{
	uaddr_t m = (uaddr_t)arg;

	poke32(m + 4, 1);
	return (int)sys(SYS_futex, m, FUTEX_WAIT, 0, 0, 0, 0) == 0 ? 7 : 1;
}

static int
shared(void *arg)
{
	uaddr_t m = ushared(PG);
	long pid;

	(void)arg;
	poke32(m, 0);
	poke32(m + 4, 0);
	pid = hosted_fork(shared_child, (void *)m);
	ck_assert_int_gt(pid, 1);
	while (peek32(m + 4) == 0)
		sys(SYS_sched_yield);
	/* The private flag keys by address space: not the child's waiter. */
	for (;;) {
		ck_assert_int_eq(sys(SYS_futex, m, WAKEP, 1, 0, 0, 0), 0);
		if (sys(SYS_futex, m, FUTEX_WAKE, 1, 0, 0, 0) == 1)
			break;
		sys(SYS_sched_yield);
	}
	ck_assert_int_eq(wait_status(pid), 7 << 8);
	return 0;
}

START_TEST(test_futex_shared)
{
	sys_run_on(2, shared);
}
END_TEST

static Suite *
sys_futex_suite(void)
{
	Suite *s = suite_create("sys_futex");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_futex_args);
	tcase_add_test(tc, test_robust_list);
	tcase_add_test(tc, test_futex_wake_threads);
	tcase_add_test(tc, test_futex_requeue);
	tcase_add_test(tc, test_futex_bitsets);
	tcase_add_test(tc, test_futex_shared);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sys_futex_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
