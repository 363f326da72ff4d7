/*
 * Unit tests for the hosted software MMU (platform/hosted/pmap.c): the
 * contract/pmap.h semantics on a 4-level radix table of 512-entry pages,
 * plus the walker interface (pmap_sw.h) that usercopy uses as "hardware".
 *
 * Each test case runs in its own forked child with a fresh physical arena
 * and page allocator (no CPUs booted: the calling thread is CPU 0), except
 * the shootdown case, which boots two virtual CPUs.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "contract/cpu.h"
#include "contract/pmap.h"
#include "hosted.h"
#include "kern/errno.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "pmap_sw.h"
#include "proc/thread.h"

#define KiB	((uaddr_t)1 << 10)
#define MiB	((uaddr_t)1 << 20)
#define GiB	((uaddr_t)1 << 30)
#define NFRAMES	16

static paddr_t frames;	/* NFRAMES pages to map, from the allocator */

static void
setup(void)
{
	hosted_physmem_init(32 * MiB);
	page_init();
	kmalloc_init();
	frames = page_alloc(4, PAGE_ZERO);
	ck_assert_uint_ne(frames, 0);
}

static paddr_t
frame(unsigned i)
{
	ck_assert_uint_lt(i, NFRAMES);
	return frames + (paddr_t)i * PAGE_SIZE;
}

/* A pmap whose allocation no longer moves the heap's slab pages. */
static struct pmap *
pmap_create_warm(void)
{
	pmap_destroy(pmap_create());
	return pmap_create();
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Addresses at the edges of every level of the radix tree. */
static const uaddr_t edges[] = {
	0, 4 * KiB, 2 * MiB - 4 * KiB, 2 * MiB, 1 * GiB - 4 * KiB, 1 * GiB,
	512 * GiB - 4 * KiB, 512 * GiB, USER_END - 4 * KiB,
};

START_TEST(test_enter_extract_edges)
{
	struct pmap *pm = pmap_create();
	unsigned i, prot;
	paddr_t pa;

	ck_assert_ptr_nonnull(pm);
	for (i = 0; i < ARRAY_SIZE(edges); i++)
		ck_assert_int_eq(pmap_enter(pm, edges[i], frame(i),
		    PROT_R | PROT_W), 0);
	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		ck_assert(pmap_extract(pm, edges[i], &pa, &prot));
		ck_assert_uint_eq(pa, frame(i));
		ck_assert_uint_eq(prot, PROT_R | PROT_W);
		/* The exact byte, not just the page. */
		ck_assert(pmap_extract(pm, edges[i] + 0xabc, &pa, NULL));
		ck_assert_uint_eq(pa, frame(i) + 0xabc);
	}
	/* Neighbours that were not entered stay unmapped. */
	ck_assert(!pmap_extract(pm, 8 * KiB, &pa, &prot));
	ck_assert(!pmap_extract(pm, 2 * MiB + 4 * KiB, &pa, &prot));
	ck_assert(!pmap_extract(pm, 1 * GiB + 4 * KiB, &pa, &prot));
	ck_assert(!pmap_extract(pm, 512 * GiB + 4 * KiB, &pa, &prot));
	ck_assert(!pmap_extract(pm, USER_END - 8 * KiB, &pa, &prot));
	ck_assert(!pmap_extract(pm, USER_END, &pa, &prot));
	ck_assert(!pmap_extract(pm, ~(uaddr_t)0, &pa, &prot));
	pmap_destroy(pm);
}
END_TEST

/* Each table is one page: count the pages a new path through the tree takes. */
START_TEST(test_table_pages_per_level)
{
	struct pmap *pm = pmap_create_warm();
	size_t before = page_free_count();

	ck_assert_int_eq(pmap_enter(pm, 0, frame(0), PROT_R), 0);
	ck_assert_uint_eq(before - page_free_count(), 3);	/* PDPT, PD, PT */
	ck_assert_int_eq(pmap_enter(pm, 2 * MiB - 4 * KiB, frame(1), PROT_R), 0);
	ck_assert_uint_eq(before - page_free_count(), 3);	/* same PT */
	ck_assert_int_eq(pmap_enter(pm, 2 * MiB, frame(2), PROT_R), 0);
	ck_assert_uint_eq(before - page_free_count(), 4);	/* new PT */
	ck_assert_int_eq(pmap_enter(pm, 1 * GiB, frame(3), PROT_R), 0);
	ck_assert_uint_eq(before - page_free_count(), 6);	/* PD, PT */
	ck_assert_int_eq(pmap_enter(pm, 512 * GiB, frame(4), PROT_R), 0);
	ck_assert_uint_eq(before - page_free_count(), 9);	/* PDPT, PD, PT */
	pmap_destroy(pm);
}
END_TEST

START_TEST(test_enter_invalid)
{
	struct pmap *pm = pmap_create();
	size_t before = page_free_count();

	ck_assert_int_eq(pmap_enter(pm, 0x1001, frame(0), PROT_R), -EINVAL);
	ck_assert_int_eq(pmap_enter(pm, 4 * KiB + 8, frame(0), PROT_R), -EINVAL);
	ck_assert_int_eq(pmap_enter(pm, USER_END, frame(0), PROT_R), -EINVAL);
	ck_assert_int_eq(pmap_enter(pm, USER_END + 4 * KiB, frame(0), PROT_R),
	    -EINVAL);
	ck_assert_int_eq(pmap_enter(pm, ~(uaddr_t)PAGE_MASK, frame(0), PROT_R),
	    -EINVAL);
	/* A physical address that is not a page, and prot without read. */
	ck_assert_int_eq(pmap_enter(pm, 0, frame(0) + 1, PROT_R), -EINVAL);
	ck_assert_int_eq(pmap_enter(pm, 0, frame(0), 0), -EINVAL);
	ck_assert_int_eq(pmap_enter(pm, 0, frame(0), PROT_W), -EINVAL);
	/* Nothing was mapped, and no table was made for a refused call. */
	ck_assert(!pmap_extract(pm, 0, NULL, NULL));
	ck_assert_uint_eq(page_free_count(), before);
	pmap_destroy(pm);
}
END_TEST

START_TEST(test_enter_replaces)
{
	struct pmap *pm = pmap_create();
	unsigned prot;
	paddr_t pa;

	ck_assert_int_eq(pmap_enter(pm, 4 * MiB, frame(0), PROT_R | PROT_W), 0);
	ck_assert_int_eq(pmap_enter(pm, 4 * MiB, frame(1), PROT_R | PROT_X), 0);
	ck_assert(pmap_extract(pm, 4 * MiB + 5, &pa, &prot));
	ck_assert_uint_eq(pa, frame(1) + 5);
	ck_assert_uint_eq(prot, PROT_R | PROT_X);
	ck_assert_int_eq(pmap_enter(pm, 4 * MiB, frame(1), PROT_R), 0);
	ck_assert(pmap_extract(pm, 4 * MiB, &pa, &prot));
	ck_assert_uint_eq(pa, frame(1));
	ck_assert_uint_eq(prot, PROT_R);
	pmap_destroy(pm);
}
END_TEST

/*
 * An access through pm as the hardware would make it: true when allowed
 * (setting the status bits), false when it would fault.
 */
static bool
touch(struct pmap *pm, uaddr_t va, unsigned access)
{
	struct pmap *prev = pmap_current();
	unsigned long s;
	void *p;

	pmap_activate(pm);
	s = pmap_sw_pin();
	p = pmap_sw_translate(va, access);
	pmap_sw_unpin(s);
	pmap_activate(prev);
	return p != NULL;
}

START_TEST(test_status_bits)
{
	struct pmap *pm = pmap_create();
	unsigned prot;

	ck_assert_int_eq(pmap_enter(pm, 8 * KiB, frame(0), PROT_R | PROT_W), 0);
	ck_assert(pmap_extract(pm, 8 * KiB, NULL, &prot));
	ck_assert_uint_eq(prot, PROT_R | PROT_W);
	ck_assert(touch(pm, 8 * KiB + 100, PROT_R));
	ck_assert(pmap_extract(pm, 8 * KiB, NULL, &prot));
	ck_assert_uint_eq(prot, PROT_R | PROT_W | PMAP_ACCESSED);
	ck_assert(touch(pm, 8 * KiB, PROT_W));
	ck_assert(pmap_extract(pm, 8 * KiB, NULL, &prot));
	ck_assert_uint_eq(prot, PROT_R | PROT_W | PMAP_ACCESSED | PMAP_DIRTY);
	pmap_clear_status(pm, 8 * KiB);
	ck_assert(pmap_extract(pm, 8 * KiB, NULL, &prot));
	ck_assert_uint_eq(prot, PROT_R | PROT_W);
	/* Clearing an unmapped page is harmless. */
	pmap_clear_status(pm, 1 * GiB);
	pmap_clear_status(pm, 12 * KiB);
	pmap_destroy(pm);
}
END_TEST

/* Protection checks of the walker, including no-execute. */
START_TEST(test_walker_permissions)
{
	struct pmap *pm = pmap_create();

	ck_assert_int_eq(pmap_enter(pm, 0, frame(0), PROT_R), 0);
	ck_assert_int_eq(pmap_enter(pm, 4 * KiB, frame(1), PROT_R | PROT_X), 0);
	ck_assert(touch(pm, 0, PROT_R));
	ck_assert(!touch(pm, 0, PROT_W));
	ck_assert(!touch(pm, 0, PROT_X));
	ck_assert(touch(pm, 4 * KiB, PROT_X));
	ck_assert(!touch(pm, 8 * KiB, PROT_R));
	ck_assert(!touch(pm, USER_END, PROT_R));
	pmap_destroy(pm);
}
END_TEST

/*
 * Re-entering the same frame (say, write access after copy-on-write)
 * keeps its dirty bit; a different frame starts clean.
 */
START_TEST(test_enter_same_frame_keeps_status)
{
	struct pmap *pm = pmap_create();
	unsigned prot;

	ck_assert_int_eq(pmap_enter(pm, 0, frame(0), PROT_R | PROT_W), 0);
	ck_assert(touch(pm, 0, PROT_W));
	pmap_protect(pm, 0, 4 * KiB, PROT_R);
	ck_assert(pmap_extract(pm, 0, NULL, &prot));
	ck_assert_uint_eq(prot, PROT_R | PMAP_ACCESSED | PMAP_DIRTY);
	ck_assert_int_eq(pmap_enter(pm, 0, frame(0), PROT_R | PROT_W), 0);
	ck_assert(pmap_extract(pm, 0, NULL, &prot));
	ck_assert_uint_eq(prot, PROT_R | PROT_W | PMAP_ACCESSED | PMAP_DIRTY);
	ck_assert_int_eq(pmap_enter(pm, 0, frame(1), PROT_R | PROT_W), 0);
	ck_assert(pmap_extract(pm, 0, NULL, &prot));
	ck_assert_uint_eq(prot, PROT_R | PROT_W);
	pmap_destroy(pm);
}
END_TEST

/* Map n pages from va on, frame i at va + i pages (cycling the frames). */
static void
map_run(struct pmap *pm, uaddr_t va, unsigned n, unsigned prot)
{
	unsigned i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(pmap_enter(pm, va + i * PAGE_SIZE,
		    frame(i % NFRAMES), prot), 0);
}

START_TEST(test_remove_across_tables)
{
	struct pmap *pm = pmap_create();
	uaddr_t base = 1 * GiB - 8 * PAGE_SIZE, va;
	unsigned i;

	/* 16 pages that straddle a 1 GiB (and so 2 MiB) boundary. */
	map_run(pm, base, 16, PROT_R | PROT_W);
	pmap_remove(pm, base + 4 * PAGE_SIZE, base + 12 * PAGE_SIZE);
	for (i = 0; i < 16; i++) {
		va = base + i * PAGE_SIZE;
		ck_assert_msg(pmap_extract(pm, va, NULL, NULL) == (i < 4 || i >= 12),
		    "page %u", i);
	}
	/* Removing what is already gone, and an empty range, changes nothing. */
	pmap_remove(pm, base + 4 * PAGE_SIZE, base + 12 * PAGE_SIZE);
	pmap_remove(pm, base, base);
	ck_assert(pmap_extract(pm, base, NULL, NULL));
	ck_assert(pmap_extract(pm, base + 15 * PAGE_SIZE, NULL, NULL));
	pmap_destroy(pm);
}
END_TEST

/* Tables emptied by a remove go back to the allocator; others stay. */
START_TEST(test_remove_frees_tables)
{
	struct pmap *pm = pmap_create_warm();
	size_t before = page_free_count();

	ck_assert_int_eq(pmap_enter(pm, 0, frame(0), PROT_R), 0);
	ck_assert_int_eq(pmap_enter(pm, 2 * MiB, frame(1), PROT_R), 0);
	ck_assert_uint_eq(before - page_free_count(), 4);
	pmap_remove(pm, 2 * MiB, 2 * MiB + PAGE_SIZE);
	ck_assert_uint_eq(before - page_free_count(), 3);	/* its PT */
	ck_assert(pmap_extract(pm, 0, NULL, NULL));
	pmap_remove(pm, 0, PAGE_SIZE);
	ck_assert_uint_eq(page_free_count(), before);	/* PT, PD, PDPT */
	/* The root stays: the pmap works on. */
	ck_assert_int_eq(pmap_enter(pm, 0, frame(0), PROT_R), 0);
	ck_assert(pmap_extract(pm, 0, NULL, NULL));
	pmap_destroy(pm);
}
END_TEST

/* Pages at many distant addresses: one mapping per PDPT, PD, PT slot mix. */
static void
map_scattered(struct pmap *pm, unsigned n)
{
	uaddr_t va;
	unsigned i;

	for (i = 0; i < n; i++) {
		va = (uaddr_t)i * (37 * GiB + 3 * MiB + 5 * PAGE_SIZE);
		va %= USER_END;
		ck_assert_int_eq(pmap_enter(pm, va, frame(i % NFRAMES),
		    PROT_R | PROT_W), 0);
		ck_assert_int_eq(pmap_enter(pm, va + PAGE_SIZE,
		    frame((i + 1) % NFRAMES), PROT_R), 0);
	}
}

START_TEST(test_destroy_frees_everything)
{
	struct pmap *pm;
	size_t before;

	pmap_destroy(pmap_create_warm());
	before = page_free_count();
	pm = pmap_create();
	map_scattered(pm, 300);
	ck_assert_uint_gt(before - page_free_count(), 300);
	pmap_destroy(pm);
	ck_assert_uint_eq(page_free_count(), before);
}
END_TEST

START_TEST(test_remove_everything_frees_tables)
{
	struct pmap *pm = pmap_create_warm();
	size_t before = page_free_count();

	map_scattered(pm, 300);
	map_run(pm, USER_END - 64 * PAGE_SIZE, 64, PROT_R);
	pmap_remove(pm, 0, USER_END);
	ck_assert_uint_eq(page_free_count(), before);
	ck_assert(!pmap_extract(pm, 0, NULL, NULL));
	ck_assert(!pmap_extract(pm, USER_END - PAGE_SIZE, NULL, NULL));
	/* An end beyond the user half is clipped, not an error. */
	map_scattered(pm, 10);
	pmap_remove(pm, 0, ~(uaddr_t)0);
	ck_assert_uint_eq(page_free_count(), before);
	pmap_destroy(pm);
}
END_TEST

START_TEST(test_protect)
{
	struct pmap *pm = pmap_create();
	unsigned prot, i;

	map_run(pm, 2 * MiB - 4 * PAGE_SIZE, 8, PROT_R | PROT_W | PROT_X);
	/* RWX -> RW on the first 6 pages, across the 2 MiB boundary. */
	pmap_protect(pm, 2 * MiB - 4 * PAGE_SIZE, 2 * MiB + 2 * PAGE_SIZE,
	    PROT_R | PROT_W);
	/* RW -> R on 2 of them; prot only ever shrinks. */
	pmap_protect(pm, 2 * MiB - 2 * PAGE_SIZE, 2 * MiB, PROT_R | PROT_X);
	for (i = 0; i < 8; i++) {
		ck_assert(pmap_extract(pm, 2 * MiB - 4 * PAGE_SIZE +
		    i * PAGE_SIZE, NULL, &prot));
		if (i < 2 || (i >= 4 && i < 6))
			ck_assert_uint_eq(prot, PROT_R | PROT_W);
		else if (i < 4)
			ck_assert_uint_eq(prot, PROT_R);
		else
			ck_assert_uint_eq(prot, PROT_R | PROT_W | PROT_X);
	}
	ck_assert(!touch(pm, 2 * MiB - 2 * PAGE_SIZE, PROT_W));
	ck_assert(touch(pm, 2 * MiB - 4 * PAGE_SIZE, PROT_W));
	/* To 0: the mappings go. */
	pmap_protect(pm, 2 * MiB - 4 * PAGE_SIZE, 2 * MiB, 0);
	ck_assert(!pmap_extract(pm, 2 * MiB - 4 * PAGE_SIZE, NULL, NULL));
	ck_assert(!pmap_extract(pm, 2 * MiB - PAGE_SIZE, NULL, NULL));
	ck_assert(pmap_extract(pm, 2 * MiB, NULL, NULL));
	pmap_destroy(pm);
}
END_TEST

/* Protect to 0 frees the tables it empties, like remove. */
START_TEST(test_protect_zero_frees_tables)
{
	struct pmap *pm = pmap_create_warm();
	size_t before = page_free_count();

	map_run(pm, 3 * GiB, 20, PROT_R | PROT_W);
	pmap_protect(pm, 0, USER_END, 0);
	ck_assert_uint_eq(page_free_count(), before);
	pmap_destroy(pm);
}
END_TEST

/*
 * A remove or protect over the whole user half of a sparse pmap visits
 * what is mapped, not 2^35 pages (which would take minutes).
 */
START_TEST(test_huge_empty_range_is_fast)
{
	struct pmap *pm = pmap_create();
	double t0, t1;
	int round;

	map_run(pm, 7 * GiB, 4, PROT_R | PROT_W);
	map_run(pm, 200 * 512 * GiB, 4, PROT_R | PROT_W);
	t0 = now_s();
	for (round = 0; round < 100; round++) {
		pmap_protect(pm, 0, USER_END, PROT_R);
		pmap_remove(pm, 8 * GiB, USER_END);
		pmap_remove(pm, 0, 7 * GiB);
	}
	t1 = now_s();
	ck_assert_msg(t1 - t0 < 1.0, "300 whole-range walks took %.3f s",
	    t1 - t0);
	ck_assert(pmap_extract(pm, 7 * GiB, NULL, NULL));
	pmap_remove(pm, 0, USER_END);
	ck_assert(!pmap_extract(pm, 7 * GiB, NULL, NULL));
	pmap_destroy(pm);
}
END_TEST

START_TEST(test_activate)
{
	struct pmap *a = pmap_create(), *b = pmap_create();

	ck_assert_ptr_null(pmap_current());
	pmap_activate(a);
	ck_assert_ptr_eq(pmap_current(), a);
	pmap_activate(b);
	ck_assert_ptr_eq(pmap_current(), b);
	pmap_activate(NULL);
	ck_assert_ptr_null(pmap_current());
	pmap_destroy(a);
	pmap_destroy(b);
}
END_TEST

/*
 * A pmap left loaded on this CPU by the lazy switch, with no thread
 * using it, is unloaded by pmap_destroy(), as on x86_64.
 */
START_TEST(test_destroy_loaded_unloads)
{
	struct pmap *pm = pmap_create();

	pmap_activate(pm);
	pmap_destroy(pm);
	ck_assert_ptr_null(pmap_current());
}
END_TEST

/* The running thread destroys its own pmap: a kernel bug, so panic. */
static int
destroy_own_main(void *arg)
{
	struct pmap *pm = pmap_create();

	(void)arg;
	thread_set_pmap(pm);
	pmap_destroy(pm);
	return 0;
}

START_TEST(test_destroy_own_panics)
{
	struct hosted_config cfg = { .ncpus = 1, .mem_bytes = 32 * MiB,
	    .quiet = true };

	hosted_boot(&cfg, destroy_own_main, NULL);
}
END_TEST

/*
 * The software shootdown: a walker pinned on CPU 1 holds a translation;
 * pmap_remove() on CPU 0 must not return until the walker unpins, or the
 * caller could free a page that is still being written.
 */
struct shoot {
	struct pmap *pm;
	int pinned;		/* the walker holds its translation */
	int unpinning;		/* the walker is about to let go */
	bool translated;	/* the walker's translation succeeded */
	bool returned_early;	/* pmap_remove() did not wait for it */
};

static double
now_ms(void)
{
	return now_s() * 1000;
}

static void
walker_thread(void *arg)
{
	struct shoot *sh = arg;
	unsigned long s;
	double t0;

	pmap_activate(sh->pm);
	s = pmap_sw_pin();
	sh->translated = pmap_sw_translate(0, PROT_W) != NULL;
	__atomic_store_n(&sh->pinned, 1, __ATOMIC_SEQ_CST);
	t0 = now_ms();
	while (now_ms() - t0 < 100)
		cpu_relax();
	__atomic_store_n(&sh->unpinning, 1, __ATOMIC_SEQ_CST);
	pmap_sw_unpin(s);
	pmap_activate(NULL);
}

/* On CPU 0: wait for the walker to pin, then remove its page. */
static void
remover_thread(void *arg)
{
	struct shoot *sh = arg;

	while (!__atomic_load_n(&sh->pinned, __ATOMIC_SEQ_CST))
		cpu_relax();
	pmap_remove(sh->pm, 0, PAGE_SIZE);
	sh->returned_early = !__atomic_load_n(&sh->unpinning,
	    __ATOMIC_SEQ_CST);
}

static int
shootdown_main(void *arg)
{
	struct shoot sh = { 0 };
	struct thread *walker, *remover;
	paddr_t pa;

	(void)arg;
	if (cpu_count() < 2)
		return 10;
	sh.pm = pmap_create();
	pa = page_alloc(0, PAGE_ZERO);
	if (sh.pm == NULL || pa == 0 ||
	    pmap_enter(sh.pm, 0, pa, PROT_R | PROT_W) != 0)
		return 11;
	walker = thread_create_on(1, "walker", walker_thread, &sh);
	remover = thread_create_on(0, "remover", remover_thread, &sh);
	if (walker == NULL || remover == NULL)
		return 12;
	thread_join(walker);
	thread_join(remover);
	if (!sh.translated)
		return 13;
	if (sh.returned_early)
		return 14;	/* remove returned while the walker held it */
	pmap_destroy(sh.pm);
	page_free(pa, 0);
	return 0;
}

START_TEST(test_shootdown_waits_for_walker)
{
	struct hosted_config cfg = { .ncpus = 2, .mem_bytes = 32 * MiB,
	    .quiet = true };

	ck_assert_int_eq(hosted_boot(&cfg, shootdown_main, NULL), 0);
}
END_TEST

static Suite *
pmap_suite(void)
{
	Suite *s = suite_create("pmap");
	TCase *tc = tcase_create("core");
	TCase *boot = tcase_create("shootdown");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_enter_extract_edges);
	tcase_add_test(tc, test_table_pages_per_level);
	tcase_add_test(tc, test_enter_invalid);
	tcase_add_test(tc, test_enter_replaces);
	tcase_add_test(tc, test_status_bits);
	tcase_add_test(tc, test_walker_permissions);
	tcase_add_test(tc, test_enter_same_frame_keeps_status);
	tcase_add_test(tc, test_remove_across_tables);
	tcase_add_test(tc, test_remove_frees_tables);
	tcase_add_test(tc, test_destroy_frees_everything);
	tcase_add_test(tc, test_remove_everything_frees_tables);
	tcase_add_test(tc, test_protect);
	tcase_add_test(tc, test_protect_zero_frees_tables);
	tcase_add_test(tc, test_huge_empty_range_is_fast);
	tcase_add_test(tc, test_activate);
	tcase_add_test(tc, test_destroy_loaded_unloads);
	suite_add_tcase(s, tc);
	tcase_add_test(boot, test_shootdown_waits_for_walker);
	tcase_add_test_raise_signal(boot, test_destroy_own_panics, SIGABRT);
	suite_add_tcase(s, boot);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pmap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
