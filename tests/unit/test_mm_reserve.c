/*
 * Heap reservations in a booted hosted kernel: the unused budget comes
 * back at reserve_end, heap allocations charge the reservation, an
 * overrun is reported with its site and overshoot (and counted, without
 * stopping the kernel), a reservation that cannot be met waits for
 * another thread's reserve_end, the site table, and the misuses that
 * must panic.
 */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "contract/clock.h"
#include "hosted.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "proc/sched.h"
#include "proc/spinlock.h"
#include "proc/thread.h"

#define MiB	((size_t)1 << 20)

/*
 * Boot with ncpus vCPUs, run fn as the first kernel thread, expect 0.
 * Tests that expect a panic keep the console on, so its message shows.
 */
static void
boot_cfg(unsigned ncpus, int (*fn)(void *), bool quiet)
{
	struct hosted_config cfg = {
		.ncpus = ncpus,
		.mem_bytes = 32 * MiB,
		.quiet = quiet,
	};

	ck_assert_int_eq(hosted_boot(&cfg, fn, NULL), 0);
}

static void
boot_run(unsigned ncpus, int (*fn)(void *))
{
	boot_cfg(ncpus, fn, true);
}

/* The mark recorded for site, by name; false when there is none. */
static bool
find_mark(const char *site, struct reserve_mark *out)
{
	struct reserve_mark m[64];
	int n = reserve_marks(m, 64), i;

	for (i = 0; i < n && i < 64; i++) {
		if (strcmp(m[i].site, site) == 0) {
			*out = m[i];
			return true;
		}
	}
	return false;
}

/* A reservation takes its bound from what is available; its end gives back. */
static int
unused_returns(void *arg)
{
	size_t before = reserve_available();
	struct reserve_mark m;

	ck_assert_uint_gt(before, 4 * MiB);
	ck_assert(!reserve_active());
	reserve_begin(1 * MiB, "t_unused");
	ck_assert(reserve_active());
	ck_assert_uint_eq(reserve_available(), before - 1 * MiB);
	ck_assert_uint_eq(curthread()->res.bound, 1 * MiB);
	ck_assert_uint_eq(curthread()->res.used, 0);
	reserve_end();
	ck_assert(!reserve_active());
	ck_assert_uint_eq(reserve_available(), before);

	ck_assert(find_mark("t_unused", &m));
	ck_assert_uint_eq(m.bound, 1 * MiB);
	ck_assert_uint_eq(m.high_water, 0);
	ck_assert_uint_eq(m.overruns, 0);
	return 0;
}

START_TEST(test_unused_returns)
{
	boot_run(1, unused_returns);
}
END_TEST

/* kmalloc inside a reservation charges class-rounded bytes to it. */
static int
kmalloc_charges(void *arg)
{
	struct reservation *r = &curthread()->res;
	struct reserve_mark m;
	void *a, *b, *c;

	reserve_begin(64 * 1024, "t_charge");
	a = kmalloc(100);
	ck_assert_uint_eq(r->used, 128);
	b = kzalloc(16);
	ck_assert_uint_eq(r->used, 128 + 16);
	c = kmalloc(5000);
	ck_assert_uint_eq(r->used, 128 + 16 + 8192);
	/* Freeing inside does not refund: the bound covers allocations. */
	kfree(a);
	kfree(b);
	kfree(c);
	ck_assert_uint_eq(r->used, 128 + 16 + 8192);
	reserve_end();
	ck_assert_uint_eq(r->used, 0);

	ck_assert(find_mark("t_charge", &m));
	ck_assert_uint_eq(m.high_water, 128 + 16 + 8192);
	ck_assert_uint_eq(m.overruns, 0);

	/* Outside a reservation nothing is charged. */
	a = kmalloc(100);
	ck_assert_uint_eq(r->used, 0);
	kfree(a);
	return 0;
}

START_TEST(test_kmalloc_charges)
{
	boot_run(1, kmalloc_charges);
}
END_TEST

/* An allocation past the bound is reported and counted, not fatal. */
static int
overrun(void *arg)
{
	struct reserve_mark m;
	void *p[3];
	int i;

	for (i = 0; i < 2; i++) {
		reserve_begin(100, "t_overrun");
		p[0] = kmalloc(64);
		p[1] = kmalloc(64);	/* 128 of 100: over by 28 */
		p[2] = kmalloc(64);	/* still one overrun, now +92 */
		ck_assert_uint_eq(curthread()->res.used, 192);
		reserve_end();
		kfree(p[0]);
		kfree(p[1]);
		kfree(p[2]);
	}
	ck_assert(find_mark("t_overrun", &m));
	ck_assert_uint_eq(m.bound, 100);
	ck_assert_uint_eq(m.high_water, 192);
	ck_assert_uint_eq(m.overruns, 2);
	ck_assert_ptr_nonnull(strstr(hosted_console_log(),
	    "reservation overrun: t_overrun used 128 of 100 bytes (+28)"));

	/* A zero bound is a real bound: any allocation overruns it. */
	reserve_begin(0, "t_zero");
	kfree(kmalloc(1));
	reserve_end();
	ck_assert(find_mark("t_zero", &m));
	ck_assert_uint_eq(m.overruns, 1);
	ck_assert_ptr_nonnull(strstr(hosted_console_log(),
	    "reservation overrun: t_zero used 16 of 0 bytes (+16)"));
	return 0;
}

START_TEST(test_overrun_reported)
{
	boot_run(1, overrun);
}
END_TEST

/* A site is one entry whether named by one pointer or by equal strings. */
static int
sites(void *arg)
{
	char name[] = "t_site";
	struct reserve_mark m;

	reserve_begin(10, "t_site");
	reserve_end();
	reserve_begin(30, name);	/* another pointer, same name */
	kfree(kmalloc(20));
	reserve_end();
	reserve_begin(20, "t_site");
	reserve_end();
	ck_assert(find_mark("t_site", &m));
	ck_assert_uint_eq(m.bound, 30);
	ck_assert_uint_eq(m.high_water, 32);
	ck_assert_uint_eq(m.overruns, 1);
	ck_assert_int_ge(reserve_marks(NULL, 0), 1);
	return 0;
}

START_TEST(test_sites)
{
	boot_run(1, sites);
}
END_TEST

/* Waiting: a reservation that does not fit waits for another's end. */
static volatile int hog_held, hog_ending;

static void
hog(void *arg)
{
	size_t *bound = arg;

	reserve_begin(*bound, "t_hog");
	__atomic_store_n(&hog_held, 1, __ATOMIC_RELEASE);
	thread_sleep_ns(100 * 1000 * 1000);
	__atomic_store_n(&hog_ending, 1, __ATOMIC_RELEASE);
	reserve_end();
}

static int
waits_for_room(void *arg)
{
	size_t bound = reserve_available() - 1 * MiB;
	struct thread *t;
	uint64_t t0, waited;

	t = thread_create_on(1, "hog", hog, &bound);
	ck_assert_ptr_nonnull(t);
	while (!__atomic_load_n(&hog_held, __ATOMIC_ACQUIRE))
		thread_sleep_ns(1000 * 1000);
	ck_assert_uint_lt(reserve_available(), 2 * MiB);

	t0 = clock_ns();
	reserve_begin(2 * MiB, "t_waiter");
	waited = clock_ns() - t0;
	ck_assert_msg(__atomic_load_n(&hog_ending, __ATOMIC_ACQUIRE),
	    "reserve_begin returned while the hog held the heap");
	ck_assert_uint_ge(waited, 20 * 1000 * 1000);
	reserve_end();
	thread_join(t);
	return 0;
}

START_TEST(test_waits_for_room)
{
	boot_run(2, waits_for_room);
}
END_TEST

/* Misuse that must panic (abort in hosted). */

static int
nested(void *arg)
{
	reserve_begin(100, "t_outer");
	reserve_begin(100, "t_inner");
	return 1;
}

START_TEST(test_nested_panics)
{
	boot_cfg(1, nested, false);
}
END_TEST

static int
too_big(void *arg)
{
	reserve_begin(page_total() * PAGE_SIZE + 1, "t_too_big");
	return 1;
}

START_TEST(test_bound_beyond_heap_panics)
{
	boot_cfg(1, too_big, false);
}
END_TEST

static int
spinlock_held(void *arg)
{
	static struct spinlock l = SPINLOCK_INIT("t_lock");

	spin_lock(&l);
	reserve_begin(100, "t_locked");
	spin_unlock(&l);
	return 1;
}

START_TEST(test_spinlock_held_panics)
{
	boot_cfg(1, spinlock_held, false);
}
END_TEST

static int
end_without_begin(void *arg)
{
	reserve_end();
	return 1;
}

START_TEST(test_end_without_begin_panics)
{
	boot_cfg(1, end_without_begin, false);
}
END_TEST

static Suite *
reserve_suite(void)
{
	Suite *s = suite_create("mm_reserve");
	TCase *tc = tcase_create("reserve");
	TCase *bad = tcase_create("misuse");

	tcase_add_test(tc, test_unused_returns);
	tcase_add_test(tc, test_kmalloc_charges);
	tcase_add_test(tc, test_overrun_reported);
	tcase_add_test(tc, test_sites);
	tcase_add_test(tc, test_waits_for_room);
	suite_add_tcase(s, tc);

	tcase_add_test_raise_signal(bad, test_nested_panics, SIGABRT);
	tcase_add_test_raise_signal(bad, test_bound_beyond_heap_panics,
	    SIGABRT);
	tcase_add_test_raise_signal(bad, test_spinlock_held_panics, SIGABRT);
	tcase_add_test_raise_signal(bad, test_end_without_begin_panics,
	    SIGABRT);
	suite_add_tcase(s, bad);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(reserve_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
