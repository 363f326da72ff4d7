/*
 * The CPU-time interval timers (setitimer(2), kern/time.c and
 * proc/acct.c): ITIMER_VIRTUAL counts the process's user time down and
 * sends SIGVTALRM, ITIMER_PROF its user and system time and sends
 * SIGPROF; a periodic one reloads, a one-shot one ends disarmed, and
 * getitimer reads the time left as it shrinks.
 */
#include "kern/time.h"
#include "test_sys.h"

#define MS		1000000ll
#define IT_VIRTUAL	1
#define IT_PROF		2
#define T_SIGVTALRM	26
#define T_SIGPROF	27
#define T_SA_RESTORER	0x04000000u

static int vtalrm_count, prof_count;

static void
count_handler(int sig, void *info, void *uc)
{
	(void)info;
	(void)uc;
	__atomic_fetch_add(sig == T_SIGPROF ? &prof_count : &vtalrm_count, 1,
	    __ATOMIC_SEQ_CST);
}

static void
catch(int sig)
{
	uaddr_t a = umem(PG);
	uint64_t act[4] = { (uint64_t)(uintptr_t)count_handler,
	    T_SA_RESTORER, 1, 0 };

	ck_assert_int_eq(copyout(a, act, sizeof(act)), 0);
	ck_assert_int_eq(sys(SYS_rt_sigaction, sig, a, 0, 8), 0);
}

static int64_t
thread_cpu_ns(void)
{
	uaddr_t ts = umem(PG);
	int64_t v[2];

	ck_assert_int_eq(sys(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, ts),
	    0);
	ck_assert_int_eq(copyin(v, ts, sizeof(v)), 0);
	return v[0] * 1000000000ll + v[1];
}

/* Spin in user code for ms of CPU time; the clock reads are the charges. */
static void
burn(int ms)
{
	int64_t end = thread_cpu_ns() + ms * MS;
	volatile unsigned long x = 0;
	int i;

	while (thread_cpu_ns() < end) {
		for (i = 0; i < 100000; i++)
			x += (unsigned long)i;
	}
}

/* setitimer(which, {interval, value}) in ms. */
static void
arm(int which, int64_t interval_ms, int64_t value_ms)
{
	uaddr_t it = umem(PG);
	int64_t v[4] = { interval_ms / 1000, interval_ms % 1000 * 1000,
	    value_ms / 1000, value_ms % 1000 * 1000 };

	ck_assert_int_eq(copyout(it, v, sizeof(v)), 0);
	ck_assert_int_eq(sys(SYS_setitimer, which, it, 0), 0);
}

/* getitimer(which): the time left, ns; the interval into *interval. */
static int64_t
left_ns(int which, int64_t *interval)
{
	uaddr_t it = umem(PG);
	int64_t v[4];

	ck_assert_int_eq(sys(SYS_getitimer, which, it), 0);
	ck_assert_int_eq(copyin(v, it, sizeof(v)), 0);
	if (interval != NULL)
		*interval = v[0] * 1000000000ll + v[1] * 1000;
	return v[2] * 1000000000ll + v[3] * 1000;
}

static int
periodic(void *arg)
{
	int64_t iv;

	(void)arg;
	catch(T_SIGVTALRM);
	catch(T_SIGPROF);
	arm(IT_VIRTUAL, 10, 10);
	arm(IT_PROF, 10, 10);
	ck_assert_int_le(left_ns(IT_PROF, &iv), 10 * MS);
	ck_assert_int_eq(iv, 10 * MS);
	burn(120);
	/* Mostly user time (see test_proc_acct.c): both fire, PROF more. */
	ck_assert_int_ge(__atomic_load_n(&prof_count, __ATOMIC_SEQ_CST), 4);
	ck_assert_int_ge(__atomic_load_n(&vtalrm_count, __ATOMIC_SEQ_CST), 2);
	/* Reloaded from the interval, still running. */
	ck_assert_int_gt(left_ns(IT_VIRTUAL, &iv), 0);
	ck_assert_int_eq(iv, 10 * MS);
	arm(IT_VIRTUAL, 0, 0);
	arm(IT_PROF, 0, 0);
	ck_assert_int_eq(left_ns(IT_PROF, &iv), 0);
	ck_assert_int_eq(iv, 0);
	return 0;
}

START_TEST(test_periodic)
{
	sys_run(periodic);
}
END_TEST

static int
one_shot(void *arg)
{
	int64_t first, later, iv;

	(void)arg;
	catch(T_SIGPROF);
	arm(IT_PROF, 0, 40);
	first = left_ns(IT_PROF, NULL);
	ck_assert_int_gt(first, 0);
	ck_assert_int_le(first, 40 * MS);
	burn(10);
	later = left_ns(IT_PROF, NULL);
	ck_assert_int_gt(later, 0);
	ck_assert_int_le(later, first - 10 * MS);
	ck_assert_int_eq(__atomic_load_n(&prof_count, __ATOMIC_SEQ_CST), 0);
	burn(50);
	/* Expired once, and with no interval it is off now. */
	ck_assert_int_eq(__atomic_load_n(&prof_count, __ATOMIC_SEQ_CST), 1);
	ck_assert_int_eq(left_ns(IT_PROF, &iv), 0);
	ck_assert_int_eq(iv, 0);
	return 0;
}

START_TEST(test_one_shot)
{
	sys_run(one_shot);
}
END_TEST

static Suite *
itimer_suite(void)
{
	Suite *s = suite_create("itimer");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_periodic);
	tcase_add_test(tc, test_one_shot);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(itimer_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
