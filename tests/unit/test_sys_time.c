/*
 * The time syscalls: the clocks and their errors, the wall clock against
 * the host's, setting it (root only), sleeps, and interval timers.
 */
#include <time.h>

#include "test_sys.h"

#define MS	1000000ull
#define SEC	1000000000ull
#define SIGALRM	14

/* Host clock ids are Linux's; name ours apart from <time.h>'s. */
#define K_REALTIME	0
#define K_MONOTONIC	1
#define K_PROCESS_CPU	2
#define K_THREAD_CPU	3
#define K_MONO_RAW	4
#define K_BOOTTIME	7

static int64_t
peek64(uaddr_t va)
{
	int64_t v;

	ck_assert_int_eq(copyin(&v, va, sizeof(v)), 0);
	return v;
}

static void
poke64(uaddr_t va, int64_t v)
{
	ck_assert_int_eq(copyout(va, &v, sizeof(v)), 0);
}

static void
poke_ts(uaddr_t va, uint64_t ns)
{
	poke64(va, (int64_t)(ns / SEC));
	poke64(va + 8, (int64_t)(ns % SEC));
}

static uint64_t
kclock(int id)
{
	uaddr_t ts = umem(PG);
	uint64_t ns;

	ck_assert_int_eq(sys(SYS_clock_gettime, id, ts), 0);
	ck_assert_int_ge(peek64(ts + 8), 0);
	ck_assert_int_lt(peek64(ts + 8), (int64_t)SEC);
	ns = (uint64_t)peek64(ts) * SEC + (uint64_t)peek64(ts + 8);
	sys(SYS_munmap, ts, PG);
	return ns;
}

static uint64_t
host_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t
absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Every clock reads; the monotonic ones never go back; bad ids and pointers. */
static int
clocks(void *arg)
{
	uaddr_t m = umem(PG);
	uint64_t a, b;
	int id, i;

	(void)arg;
	for (id = 0; id <= K_BOOTTIME; id++)
		(void)kclock(id);
	a = kclock(K_MONOTONIC);
	for (i = 0; i < 1000; i++) {
		b = kclock(K_MONOTONIC);
		ck_assert_uint_ge(b, a);
		a = b;
	}
	ck_assert_int_eq(sys(SYS_clock_gettime, 8, m), -EINVAL);
	ck_assert_int_eq(sys(SYS_clock_gettime, 100, m), -EINVAL);
	ck_assert_int_eq(sys(SYS_clock_gettime, K_MONOTONIC, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_clock_getres, K_MONOTONIC, m), 0);
	ck_assert_int_eq(peek64(m), 0);
	ck_assert_int_eq(peek64(m + 8), 1);
	ck_assert_int_eq(sys(SYS_clock_getres, K_REALTIME, 0), 0);
	ck_assert_int_eq(sys(SYS_clock_getres, 99, m), -EINVAL);
	ck_assert_int_eq(sys(SYS_clock_getres, K_REALTIME, BAD), -EFAULT);
	/* The wall clock is the host's (its boot reading plus our clock). */
	ck_assert_uint_lt(absdiff(kclock(K_REALTIME), host_realtime()),
	    500 * MS);
	/* gettimeofday and time agree with it. */
	ck_assert_int_eq(sys(SYS_gettimeofday, m, m + 16), 0);
	a = kclock(K_REALTIME);
	ck_assert_int_lt(peek64(m + 8), 1000000);
	ck_assert_uint_lt(absdiff((uint64_t)peek64(m) * SEC +
	    (uint64_t)peek64(m + 8) * 1000, a), 100 * MS);
	ck_assert_int_eq(sys(SYS_gettimeofday, 0, 0), 0);
	ck_assert_int_eq(sys(SYS_gettimeofday, BAD, 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_gettimeofday, 0, BAD), -EFAULT);
	b = (uint64_t)sys(SYS_time, m + 32);
	ck_assert_uint_lt(absdiff(b, a / SEC), 2);
	ck_assert_int_eq(peek64(m + 32), (int64_t)b);
	ck_assert_int_gt(sys(SYS_time, 0), 1500000000);
	ck_assert_int_eq(sys(SYS_time, BAD), -EFAULT);
	return 0;
}

START_TEST(test_clocks)
{
	sys_run(clocks);
}
END_TEST

/* Root sets the wall clock; others get EPERM; only REALTIME is settable. */
static int
set_as_user(void *arg)
{
	uaddr_t m = umem(PG);

	(void)arg;
	ck_assert_int_eq(sys(SYS_setuid, 1000), 0);
	poke_ts(m, 1000 * SEC);
	ck_assert_int_eq(sys(SYS_clock_settime, K_REALTIME, m), -EPERM);
	poke64(m, 1000);
	poke64(m + 8, 0);
	ck_assert_int_eq(sys(SYS_settimeofday, m, 0), -EPERM);
	/* Permission comes before the timezone's range. */
	poke32(m + 16, 16 * 60);
	ck_assert_int_eq(sys(SYS_settimeofday, 0, m + 16), -EPERM);
	return 0;
}

static int
set_clock(void *arg)
{
	uaddr_t m = umem(PG);
	uint64_t now = kclock(K_REALTIME), mono = kclock(K_MONOTONIC);
	long pid;

	(void)arg;
	poke_ts(m, now + 3600 * SEC);
	ck_assert_int_eq(sys(SYS_clock_settime, K_MONOTONIC, m), -EINVAL);
	ck_assert_int_eq(sys(SYS_clock_settime, K_MONOTONIC, BAD), -EINVAL);
	ck_assert_int_eq(sys(SYS_clock_settime, K_PROCESS_CPU, m), -EPERM);
	ck_assert_int_eq(sys(SYS_clock_settime, 77, m), -EINVAL);
	ck_assert_int_eq(sys(SYS_clock_settime, K_REALTIME, BAD), -EFAULT);
	ck_assert_int_eq(sys(SYS_clock_settime, K_REALTIME, m), 0);
	ck_assert_uint_lt(absdiff(kclock(K_REALTIME), now + 3600 * SEC),
	    100 * MS);
	/* The monotonic clock does not care. */
	ck_assert_uint_lt(kclock(K_MONOTONIC) - mono, 100 * MS);
	/* settimeofday: microseconds; the timezone is kept and returned. */
	poke64(m, 2000000000);
	poke64(m + 8, 500000);
	poke32(m + 16, -60);
	poke32(m + 20, 0);
	ck_assert_int_eq(sys(SYS_settimeofday, m, m + 16), 0);
	ck_assert_uint_lt(absdiff(kclock(K_REALTIME),
	    2000000000 * SEC + 500 * MS), 100 * MS);
	ck_assert_int_eq(sys(SYS_gettimeofday, m + 32, m + 64), 0);
	ck_assert_int_eq(peek32(m + 64), -60);
	poke64(m + 8, 1000000);
	ck_assert_int_eq(sys(SYS_settimeofday, m, 0), -EINVAL);
	poke64(m + 8, 0);
	poke32(m + 16, 16 * 60);
	ck_assert_int_eq(sys(SYS_settimeofday, m, m + 16), -EINVAL);
	ck_assert_int_eq(sys(SYS_settimeofday, 0, 0), 0);
	ck_assert_int_eq(sys(SYS_settimeofday, BAD, 0), -EFAULT);
	pid = hosted_fork(set_as_user, NULL);
	ck_assert_int_eq(wait_status(pid), 0);
	return 0;
}

START_TEST(test_set_clock)
{
	sys_run(set_clock);
}
END_TEST

/* Sleeps last at least as asked; bad requests. */
static int
sleeps(void *arg)
{
	uaddr_t m = umem(PG), req = m, rem = m + 16;
	uint64_t t0, dl;

	(void)arg;
	poke_ts(req, 30 * MS);
	t0 = kclock(K_MONOTONIC);
	ck_assert_int_eq(sys(SYS_nanosleep, req, rem), 0);
	ck_assert_uint_ge(kclock(K_MONOTONIC) - t0, 30 * MS);
	poke_ts(req, 0);
	ck_assert_int_eq(sys(SYS_nanosleep, req, 0), 0);
	poke64(req + 8, (int64_t)SEC);
	ck_assert_int_eq(sys(SYS_nanosleep, req, rem), -EINVAL);
	poke64(req + 8, -1);
	ck_assert_int_eq(sys(SYS_nanosleep, req, rem), -EINVAL);
	poke64(req, -1);
	poke64(req + 8, 0);
	ck_assert_int_eq(sys(SYS_nanosleep, req, rem), -EINVAL);
	ck_assert_int_eq(sys(SYS_nanosleep, BAD, rem), -EFAULT);
	/* clock_nanosleep: relative, and absolute on both clocks. */
	poke_ts(req, 20 * MS);
	t0 = kclock(K_MONOTONIC);
	ck_assert_int_eq(sys(SYS_clock_nanosleep, K_MONOTONIC, 0, req, rem),
	    0);
	ck_assert_uint_ge(kclock(K_MONOTONIC) - t0, 20 * MS);
	dl = kclock(K_MONOTONIC) + 20 * MS;
	poke_ts(req, dl);
	ck_assert_int_eq(sys(SYS_clock_nanosleep, K_MONOTONIC, 1, req, 0), 0);
	ck_assert_uint_ge(kclock(K_MONOTONIC), dl);
	dl = kclock(K_REALTIME) + 20 * MS;
	poke_ts(req, dl);
	ck_assert_int_eq(sys(SYS_clock_nanosleep, K_REALTIME, 1, req, 0), 0);
	ck_assert_uint_ge(kclock(K_REALTIME), dl);
	/* An absolute time in the past returns at once. */
	poke_ts(req, 1);
	ck_assert_int_eq(sys(SYS_clock_nanosleep, K_BOOTTIME, 1, req, 0), 0);
	/* Linux (checked by tests/qemu/linuxdiff.sh): EOPNOTSUPP. */
	ck_assert_int_eq(sys(SYS_clock_nanosleep, K_THREAD_CPU, 0, req, 0),
	    -EOPNOTSUPP);
	ck_assert_int_eq(sys(SYS_clock_nanosleep, 55, 0, req, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_clock_nanosleep, K_MONO_RAW, 0, req, 0),
	    -EOPNOTSUPP);
	ck_assert_int_eq(sys(SYS_clock_nanosleep, K_MONOTONIC, 0, BAD, 0),
	    -EFAULT);
	poke64(req + 8, (int64_t)SEC);
	ck_assert_int_eq(sys(SYS_clock_nanosleep, K_MONOTONIC, 0, req, 0),
	    -EINVAL);
	return 0;
}

START_TEST(test_sleeps)
{
	sys_run_on(2, sleeps);
}
END_TEST

/* setitimer/getitimer/alarm bookkeeping. */
static int
itimers(void *arg)
{
	uaddr_t m = umem(PG), nv = m, ov = m + 64;
	int64_t left;

	(void)arg;
	/* Off: reads zero. */
	ck_assert_int_eq(sys(SYS_getitimer, 0, ov), 0);
	ck_assert_int_eq(peek64(ov + 16), 0);
	ck_assert_int_eq(peek64(ov + 24), 0);
	ck_assert_int_eq(sys(SYS_getitimer, 3, ov), -EINVAL);
	ck_assert_int_eq(sys(SYS_getitimer, 0, BAD), -EFAULT);
	/* 100 s, 2 s period; read back a bit less than 100 s. */
	poke64(nv, 2);
	poke64(nv + 8, 0);
	poke64(nv + 16, 100);
	poke64(nv + 24, 0);
	ck_assert_int_eq(sys(SYS_setitimer, 0, nv, ov), 0);
	ck_assert_int_eq(peek64(ov + 16), 0);
	ck_assert_int_eq(sys(SYS_getitimer, 0, ov), 0);
	ck_assert_int_eq(peek64(ov), 2);
	left = peek64(ov + 16) * 1000000 + peek64(ov + 24);
	ck_assert_int_gt(left, 99000000);
	ck_assert_int_le(left, 100000000);
	/* alarm replaces it and says what was left, rounded. */
	ck_assert_int_eq(sys(SYS_alarm, 50), 100);
	ck_assert_int_eq(sys(SYS_alarm, 0), 50);
	ck_assert_int_eq(sys(SYS_alarm, 0), 0);
	/* Bad microseconds; the other timers are kept. */
	poke64(nv + 24, 1000000);
	ck_assert_int_eq(sys(SYS_setitimer, 0, nv, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_setitimer, 5, nv, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_setitimer, 0, BAD, 0), -EFAULT);
	poke64(nv + 24, 7);
	ck_assert_int_eq(sys(SYS_setitimer, 2, nv, 0), 0);
	ck_assert_int_eq(sys(SYS_getitimer, 2, ov), 0);
	/* ITIMER_PROF counts CPU time down (test_itimer.c): a bit less. */
	left = peek64(ov + 16) * 1000000 + peek64(ov + 24);
	ck_assert_int_gt(left, 99000000);
	ck_assert_int_le(left, 100000007);
	ck_assert_int_eq(sys(SYS_setitimer, 2, 0, 0), 0);
	ck_assert_int_eq(sys(SYS_getitimer, 2, ov), 0);
	ck_assert_int_eq(peek64(ov + 16), 0);
	return 0;
}

START_TEST(test_itimers)
{
	sys_run(itimers);
}
END_TEST

/* SIGALRM's default action ends a process asleep in nanosleep. */
static int
alarmed(void *arg)
{
	uaddr_t m = umem(PG);

	(void)arg;
	poke64(m, 0);
	poke64(m + 8, 0);
	poke64(m + 16, 0);
	poke64(m + 24, 50000);
	ck_assert_int_eq(sys(SYS_setitimer, 0, m, 0), 0);
	poke_ts(m + 64, 10 * SEC);
	sys(SYS_nanosleep, m + 64, 0);
	return 1;
}

/* The same in futex waits, untimed (arg NULL) and timed: interruptible. */
static int
alarmed_futex(void *arg)
{
	uaddr_t m = umem(PG);

	ck_assert_int_eq(sys(SYS_alarm, 1), 0);
	poke32(m, 0);
	poke_ts(m + 64, 10 * SEC);
	sys(SYS_futex, m, 0x80 /* FUTEX_WAIT_PRIVATE */, 0,
	    arg != NULL ? m + 64 : 0, 0, 0);
	return 1;
}

static int
alarm_kills(void *arg)
{
	long pid;
	uint64_t t0 = kclock(K_MONOTONIC);

	(void)arg;
	pid = hosted_fork(alarmed, NULL);
	ck_assert_int_eq(wait_status(pid), SIGALRM);
	ck_assert_uint_lt(kclock(K_MONOTONIC) - t0, 5 * SEC);
	t0 = kclock(K_MONOTONIC);
	pid = hosted_fork(alarmed_futex, NULL);
	ck_assert_int_eq(wait_status(pid), SIGALRM);
	pid = hosted_fork(alarmed_futex, (void *)1);
	ck_assert_int_eq(wait_status(pid), SIGALRM);
	ck_assert_uint_ge(kclock(K_MONOTONIC) - t0, 2 * SEC);
	ck_assert_uint_lt(kclock(K_MONOTONIC) - t0, 8 * SEC);
	return 0;
}

START_TEST(test_alarm_kills)
{
	sys_run_on(2, alarm_kills);
}
END_TEST

static Suite *
sys_time_suite(void)
{
	Suite *s = suite_create("sys_time");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_clocks);
	tcase_add_test(tc, test_set_clock);
	tcase_add_test(tc, test_sleeps);
	tcase_add_test(tc, test_itimers);
	tcase_add_test(tc, test_alarm_kills);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sys_time_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
