/*
 * Kernel timers (core/kern/ktimer.c) on a booted hosted kernel: deadline
 * order, cancel before and after expiry, a callback re-arming itself,
 * cancel_sync waiting out a running callback, many timers, and arming
 * and cancelling from threads on 4 vCPUs at once.  The kernel side
 * records what it saw and returns a nonzero code at the first wrong
 * thing; the checks run after the boot returns.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "contract/clock.h"
#include "contract/cpu.h"
#include "hosted.h"
#include "kern/ktimer.h"
#include "mm/kmalloc.h"
#include "proc/spinlock.h"
#include "proc/thread.h"

#define MS	(1000 * 1000ull)

static int
boot(unsigned ncpus, int (*fn)(void *))
{
	struct hosted_config cfg = {
		.ncpus = ncpus, .mem_bytes = 64u << 20, .quiet = true,
	};

	return hosted_boot(&cfg, fn, NULL);
}

/* Fired timers append their index here, in firing order. */
static struct spinlock rec_lock = SPINLOCK_INIT("rec");
static int fired[4096];
static int nfired;
static uint64_t fired_at[4096];

static void
record(void *arg)
{
	spin_lock(&rec_lock);
	fired_at[nfired] = clock_ns();
	fired[nfired++] = (int)(uintptr_t)arg;
	spin_unlock(&rec_lock);
}

static int
count_fired(void)
{
	int n;

	spin_lock(&rec_lock);
	n = nfired;
	spin_unlock(&rec_lock);
	return n;
}

/* Wait (up to 5 s) until n timers fired. */
static bool
wait_fired(int n)
{
	uint64_t end = clock_ns() + 5000 * MS;

	while (count_fired() < n) {
		if (clock_ns() > end)
			return false;
		thread_sleep_ns(2 * MS);
	}
	return true;
}

static struct ktimer order_t[5];
static uint64_t order_deadline[5];

static int
order_main(void *unused)
{
	uint64_t now = clock_ns();
	int i;

	(void)unused;
	/* Armed in reverse, two with the same deadline (arming order). */
	for (i = 4; i >= 0; i--) {
		ktimer_init(&order_t[i], record, (void *)(uintptr_t)i);
		order_deadline[i] = now + 20 * MS + (uint64_t)(i / 2 * 2) * 10 * MS;
	}
	for (i = 4; i >= 0; i--)
		ktimer_arm(&order_t[i], order_deadline[i]);
	if (!ktimer_pending(&order_t[0]))
		return 1;
	if (!wait_fired(5))
		return 2;
	thread_sleep_ns(20 * MS);
	if (count_fired() != 5)
		return 3;
	for (i = 0; i < 5; i++)
		if (ktimer_pending(&order_t[i]))
			return 4;
	return 0;
}

START_TEST(test_order)
{
	int i;

	ck_assert_int_eq(boot(2, order_main), 0);
	/* 0 and 1 share a deadline; 1 was armed first, so it runs first. */
	ck_assert_int_eq(fired[0], 1);
	ck_assert_int_eq(fired[1], 0);
	ck_assert_int_eq(fired[2], 3);
	ck_assert_int_eq(fired[3], 2);
	ck_assert_int_eq(fired[4], 4);
	for (i = 0; i < 5; i++)
		ck_assert_uint_ge(fired_at[i], order_deadline[fired[i]]);
}
END_TEST

static struct ktimer cancel_t, late_t;

static int
cancel_main(void *unused)
{
	(void)unused;
	ktimer_init(&cancel_t, record, (void *)1);
	ktimer_init(&late_t, record, (void *)2);
	/* Not armed: nothing to cancel. */
	if (ktimer_cancel(&cancel_t))
		return 1;
	ktimer_arm(&cancel_t, clock_ns() + 30 * MS);
	if (!ktimer_cancel(&cancel_t))
		return 2;
	if (ktimer_pending(&cancel_t))
		return 3;
	/* Re-arming moves the deadline: one firing, at the later time. */
	ktimer_arm(&late_t, clock_ns() + 10 * MS);
	ktimer_arm(&late_t, clock_ns() + 40 * MS);
	thread_sleep_ns(80 * MS);
	if (count_fired() != 1 || fired[0] != 2)
		return 4;
	/* After it ran, cancel says it was not pending. */
	if (ktimer_cancel(&late_t))
		return 5;
	/* An armed deadline in the past fires at once. */
	ktimer_arm(&cancel_t, 0);
	if (!wait_fired(2) || fired[1] != 1)
		return 6;
	return 0;
}

START_TEST(test_cancel)
{
	ck_assert_int_eq(boot(2, cancel_main), 0);
}
END_TEST

static struct ktimer rearm_t;
static int rearm_count;

/* Re-arms itself until it ran 10 times; allocates (a reservation). */
static void
rearm_fn(void *arg)
{
	void *p = kmalloc(4096);

	(void)arg;
	kfree(p);
	if (++rearm_count < 10)
		ktimer_arm(&rearm_t, clock_ns() + 2 * MS);
}

static int
rearm_main(void *unused)
{
	uint64_t end = clock_ns() + 5000 * MS;

	(void)unused;
	ktimer_init(&rearm_t, rearm_fn, NULL);
	ktimer_arm(&rearm_t, clock_ns() + 1 * MS);
	while (__atomic_load_n(&rearm_count, __ATOMIC_RELAXED) < 10 &&
	    clock_ns() < end)
		thread_sleep_ns(5 * MS);
	thread_sleep_ns(20 * MS);
	if (rearm_count != 10 || ktimer_pending(&rearm_t))
		return 1;
	return 0;
}

START_TEST(test_rearm_from_callback)
{
	ck_assert_int_eq(boot(2, rearm_main), 0);
	ck_assert_int_eq(rearm_count, 10);
}
END_TEST

/* cancel_sync: the callback sleeps; the canceller must wait it out. */
static struct ktimer slow_t;
static int slow_state;	/* 1 running, 2 finished */
static int slow_runs;

static void
slow_fn(void *arg)
{
	(void)arg;
	__atomic_store_n(&slow_state, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&slow_runs, 1, __ATOMIC_SEQ_CST);
	thread_sleep_ns(50 * MS);
	/* Re-arm, so cancel_sync must also take the new arming away. */
	ktimer_arm(&slow_t, clock_ns() + 1 * MS);
	__atomic_store_n(&slow_state, 2, __ATOMIC_SEQ_CST);
}

static int
sync_main(void *unused)
{
	uint64_t end = clock_ns() + 5000 * MS;

	(void)unused;
	ktimer_init(&slow_t, slow_fn, NULL);
	ktimer_arm(&slow_t, clock_ns() + 5 * MS);
	while (__atomic_load_n(&slow_state, __ATOMIC_SEQ_CST) != 1) {
		if (clock_ns() > end)
			return 1;
		thread_sleep_ns(1 * MS);
	}
	/* Running now: a plain cancel finds nothing pending. */
	if (ktimer_cancel(&slow_t))
		return 2;
	ktimer_cancel_sync(&slow_t);
	if (__atomic_load_n(&slow_state, __ATOMIC_SEQ_CST) != 2)
		return 3;
	if (ktimer_pending(&slow_t))
		return 4;
	thread_sleep_ns(30 * MS);
	if (slow_runs != 1)
		return 5;
	/* On an idle timer it returns at once. */
	ktimer_cancel_sync(&slow_t);
	return 0;
}

START_TEST(test_cancel_sync)
{
	ck_assert_int_eq(boot(2, sync_main), 0);
}
END_TEST

/* Many timers at pseudo-random deadlines fire once each, in order. */
#define MANY	2000
static struct ktimer many_t[MANY];
static uint64_t many_deadline[MANY];

static int
many_main(void *unused)
{
	uint64_t now = clock_ns(), seed = 12345;
	int i;

	(void)unused;
	for (i = 0; i < MANY; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		many_deadline[i] = now + 10 * MS + (seed >> 33) % (100 * MS);
		ktimer_init(&many_t[i], record, (void *)(uintptr_t)i);
		ktimer_arm(&many_t[i], many_deadline[i]);
	}
	/* Cancel every tenth: those never fire. */
	for (i = 0; i < MANY; i += 10)
		if (!ktimer_cancel(&many_t[i]))
			return 1;
	if (!wait_fired(MANY - MANY / 10))
		return 2;
	thread_sleep_ns(30 * MS);
	return count_fired() == MANY - MANY / 10 ? 0 : 3;
}

START_TEST(test_many)
{
	int i;
	static bool seen[MANY];

	ck_assert_int_eq(boot(2, many_main), 0);
	for (i = 0; i < nfired; i++) {
		ck_assert_int_ne(fired[i] % 10, 0);
		ck_assert(!seen[fired[i]]);
		seen[fired[i]] = true;
		ck_assert_uint_ge(fired_at[i], many_deadline[fired[i]]);
		if (i > 0)
			ck_assert_uint_ge(many_deadline[fired[i]],
			    many_deadline[fired[i - 1]]);
	}
}
END_TEST

/* 4 vCPUs: each thread arms, re-arms and cancels its own timers. */
#define SMP_THREADS	4
#define SMP_TIMERS	64
static struct ktimer smp_t[SMP_THREADS][SMP_TIMERS];
static int smp_hits[SMP_THREADS][SMP_TIMERS];
static int smp_expected[SMP_THREADS][SMP_TIMERS];

static void
smp_fn(void *arg)
{
	__atomic_fetch_add((int *)arg, 1, __ATOMIC_RELAXED);
}

static void
smp_worker(void *arg)
{
	int me = (int)(uintptr_t)arg, round, i;

	for (i = 0; i < SMP_TIMERS; i++)
		ktimer_init(&smp_t[me][i], smp_fn, &smp_hits[me][i]);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < SMP_TIMERS; i++)
			ktimer_arm(&smp_t[me][i], clock_ns() +
			    (uint64_t)(i % 7) * 100000);
		/* Cancel the odd ones; the even ones run (once each). */
		for (i = 1; i < SMP_TIMERS; i += 2)
			ktimer_cancel_sync(&smp_t[me][i]);
		for (i = 0; i < SMP_TIMERS; i += 2)
			smp_expected[me][i]++;
		/* Wait for this round's even ones before re-arming. */
		for (i = 0; i < SMP_TIMERS; i += 2)
			while (__atomic_load_n(&smp_hits[me][i],
			    __ATOMIC_RELAXED) < smp_expected[me][i])
				thread_sleep_ns(100000);
	}
}

static int smp_odd_hits;

static int
smp_main(void *unused)
{
	struct thread *t[SMP_THREADS];
	int i, j;

	(void)unused;
	for (i = 0; i < SMP_THREADS; i++) {
		t[i] = thread_create_on((unsigned)i % cpu_count(), "ktimer-smp",
		    smp_worker, (void *)(uintptr_t)i);
		if (t[i] == NULL)
			return 1;
	}
	for (i = 0; i < SMP_THREADS; i++)
		thread_join(t[i]);
	thread_sleep_ns(10 * MS);
	for (i = 0; i < SMP_THREADS; i++)
		for (j = 0; j < SMP_TIMERS; j++) {
			/* An odd one may have fired before its cancel. */
			if (j % 2 == 0 && smp_hits[i][j] != 20)
				return 2;
			if (j % 2 && smp_hits[i][j] > 20)
				return 3;
			if (j % 2)
				smp_odd_hits += smp_hits[i][j];
		}
	return 0;
}

START_TEST(test_four_cpus)
{
	ck_assert_int_eq(boot(4, smp_main), 0);
}
END_TEST

static Suite *
ktimer_suite(void)
{
	Suite *s = suite_create("net_ktimer");
	TCase *tc = tcase_create("ktimer");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_rearm_from_callback);
	tcase_add_test(tc, test_cancel_sync);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_four_cpus);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ktimer_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
