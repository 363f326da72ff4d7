/*
 * CPU-time accounting (proc/acct.c, proc_acct.c): a busy loop between
 * syscalls counts as user time in the thread and process clocks and in
 * getrusage; a reaped child's time moves to RUSAGE_CHILDREN, wait4's
 * rusage and times(); getrusage's `who` and times' NULL buffer; the
 * event counts (minor faults, voluntary and involuntary switches).
 */
#include "kern/time.h"
#include "proc/acct.h"
#include "test_sys.h"

#define MS		1000000ll
#define RUSAGE_SELF	0
#define RUSAGE_CHILDREN	(-1)
#define RUSAGE_THREAD	1

static int64_t
clock_of(int id)
{
	uaddr_t ts = umem(PG);
	int64_t v[2];

	ck_assert_int_eq(sys(SYS_clock_gettime, id, ts), 0);
	ck_assert_int_eq(copyin(v, ts, sizeof(v)), 0);
	return v[0] * 1000000000ll + v[1];
}

/* Spin without syscalls (user time here) for ms of the thread's clock. */
static void
burn(int ms)
{
	int64_t end = clock_of(CLOCK_THREAD_CPUTIME_ID) + ms * MS;
	volatile unsigned long x = 0;
	int i;

	while (clock_of(CLOCK_THREAD_CPUTIME_ID) < end) {
		for (i = 0; i < 100000; i++)
			x += (unsigned long)i;
	}
}

/* utime and stime of a struct rusage at va, ns. */
static void
rusage_times(uaddr_t va, int64_t *u, int64_t *s)
{
	int64_t w[4];

	ck_assert_int_eq(copyin(w, va, sizeof(w)), 0);
	*u = w[0] * 1000000000ll + w[1] * 1000;
	*s = w[2] * 1000000000ll + w[3] * 1000;
}

static int
self_times(void *arg)
{
	uaddr_t ru = umem(PG);
	int64_t p0 = clock_of(CLOCK_PROCESS_CPUTIME_ID), u, s;

	(void)arg;
	burn(30);
	ck_assert_int_ge(clock_of(CLOCK_PROCESS_CPUTIME_ID) - p0, 30 * MS);
	ck_assert_int_eq(sys(SYS_getrusage, RUSAGE_SELF, ru), 0);
	rusage_times(ru, &u, &s);
	/* Mostly user time; the clock reads in burn() are system time. */
	ck_assert_int_ge(u + s, 30 * MS);
	ck_assert_int_ge(u, 10 * MS);
	ck_assert_int_eq(sys(SYS_getrusage, RUSAGE_THREAD, ru), 0);
	rusage_times(ru, &u, &s);
	ck_assert_int_ge(u + s, 30 * MS);
	ck_assert_int_eq(sys(SYS_getrusage, 2, ru), -EINVAL);
	ck_assert_int_eq(sys(SYS_getrusage, RUSAGE_SELF, BAD), -EFAULT);
	/* Nothing reaped yet. */
	ck_assert_int_eq(sys(SYS_getrusage, RUSAGE_CHILDREN, ru), 0);
	rusage_times(ru, &u, &s);
	ck_assert_int_eq(u + s, 0);
	return 0;
}

START_TEST(test_self_times)
{
	sys_run(self_times);
}
END_TEST

static int
busy_child(void *arg)
{
	(void)arg;
	burn(40);
	return 0;
}

static int
child_times(void *arg)
{
	uaddr_t m = umem(PG), ru = m, tms = m + 512;
	int64_t u, s, t[4];
	long pid;

	(void)arg;
	pid = hosted_fork(busy_child, NULL);
	ck_assert_int_eq(sys(SYS_wait4, pid, 0, 0, ru), pid);
	rusage_times(ru, &u, &s);
	ck_assert_int_ge(u + s, 40 * MS);
	ck_assert_int_eq(sys(SYS_getrusage, RUSAGE_CHILDREN, ru), 0);
	rusage_times(ru, &u, &s);
	ck_assert_int_ge(u + s, 40 * MS);
	ck_assert_int_ge(sys(SYS_times, tms), 0);
	ck_assert_int_eq(copyin(t, tms, sizeof(t)), 0);
	/* 100 Hz ticks, each time rounded down on its own */
	ck_assert_int_ge(t[2] + t[3], 3);
	ck_assert_int_ge(sys(SYS_times, 0), 0);
	ck_assert_int_eq(sys(SYS_times, BAD), -EFAULT);
	return 0;
}

START_TEST(test_child_times)
{
	sys_run_on(2, child_times);
}
END_TEST

/* struct rusage's longs after the timevals, by index (8 bytes each). */
#define RU_MINFLT	8
#define RU_NVCSW	16
#define RU_NIVCSW	17

static int64_t
ru_long(int who, int idx)
{
	uaddr_t ru = umem(PG);
	int64_t w[RUSAGE_SIZE / 8];

	ck_assert_int_eq(sys(SYS_getrusage, who, ru), 0);
	ck_assert_int_eq(copyin(w, ru, sizeof(w)), 0);
	return w[idx];
}

/* Touch n fresh pages: n minor faults. */
static void
touch_pages(int n)
{
	uaddr_t m = umem((size_t)n * PG);
	int i;

	for (i = 0; i < n; i++)
		poke32(m + (uaddr_t)i * PG, i);
}

static int
toucher(void *arg)
{
	(void)arg;
	touch_pages(8);
	return 0;
}

static int
counts_body(void *arg)
{
	uaddr_t req = umem(PG), ru = umem(PG);
	int64_t t[2] = { 0, 2 * MS }, f0, v0, w[RUSAGE_SIZE / 8];
	long pid;

	(void)arg;
	f0 = ru_long(RUSAGE_SELF, RU_MINFLT);
	touch_pages(16);
	/* umem's own pages fault too: at least the 16 touched. */
	ck_assert_int_ge(ru_long(RUSAGE_SELF, RU_MINFLT) - f0, 16);
	ck_assert_int_ge(ru_long(RUSAGE_THREAD, RU_MINFLT), 16);
	/* A sleep gives the CPU up: a voluntary switch. */
	v0 = ru_long(RUSAGE_SELF, RU_NVCSW);
	ck_assert_int_eq(copyout(req, t, sizeof(t)), 0);
	ck_assert_int_eq(sys(SYS_nanosleep, req, 0), 0);
	ck_assert_int_gt(ru_long(RUSAGE_SELF, RU_NVCSW), v0);
	ck_assert_int_ge(ru_long(RUSAGE_SELF, RU_NIVCSW), 0);
	/* A reaped child's faults move to RUSAGE_CHILDREN and wait4's. */
	ck_assert_int_eq(ru_long(RUSAGE_CHILDREN, RU_MINFLT), 0);
	pid = hosted_fork(toucher, NULL);
	ck_assert_int_eq(sys(SYS_wait4, pid, 0, 0, ru), pid);
	ck_assert_int_eq(copyin(w, ru, sizeof(w)), 0);
	ck_assert_int_ge(w[RU_MINFLT], 8);
	ck_assert_int_ge(ru_long(RUSAGE_CHILDREN, RU_MINFLT), 8);
	return 0;
}

START_TEST(test_counts)
{
	sys_run(counts_body);
}
END_TEST

static Suite *
proc_acct_suite(void)
{
	Suite *s = suite_create("proc_acct");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_self_times);
	tcase_add_test(tc, test_child_times);
	tcase_add_test(tc, test_counts);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(proc_acct_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
