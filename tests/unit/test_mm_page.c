/*
 * The buddy page allocator on a bare hosted arena (no CPUs booted):
 * every order, alignment, fragmentation and coalescing, exhaustion,
 * PAGE_ZERO, ranges of awkward sizes, and the panics that catch misuse.
 */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contract/physmem.h"
#include "hosted.h"
#include "mm/page.h"

#define MiB		((size_t)1 << 20)
#define ARENA_BYTES	(16 * MiB)

/* Bring up a fresh arena of the given size and the allocator over it. */
static void
boot_pages(size_t bytes)
{
	hosted_physmem_init(bytes);
	page_init();
}

/* Bytes in a block of order o. */
static size_t
bsize(unsigned o)
{
	return PAGE_SIZE << o;
}

/* Count the blocks of order o left, by allocating them all, then free them. */
static size_t
count_blocks(unsigned o)
{
	size_t cap = page_total() + 1, n = 0, i;
	paddr_t *got = calloc(cap, sizeof(*got));
	paddr_t pa;

	ck_assert_ptr_nonnull(got);
	while ((pa = page_alloc(o, 0)) != 0)
		got[n++] = pa;
	for (i = 0; i < n; i++)
		page_free(got[i], o);
	free(got);
	return n;
}

START_TEST(test_init_counts)
{
	struct phys_range r;

	boot_pages(ARENA_BYTES);
	ck_assert_int_eq(physmem_ranges(&r, 1), 1);
	/* All but the struct page array is managed, and all of it free. */
	ck_assert_uint_gt(page_total(), r.len / PAGE_SIZE * 95 / 100);
	ck_assert_uint_lt(page_total(), r.len / PAGE_SIZE);
	ck_assert_uint_eq(page_free_count(), page_total());
}
END_TEST

START_TEST(test_every_order)
{
	size_t total;
	unsigned o;

	boot_pages(ARENA_BYTES);
	total = page_free_count();
	for (o = 0; o <= PAGE_MAX_ORDER; o++) {
		paddr_t pa = page_alloc(o, 0), last;
		unsigned char *va;
		struct page *pg;

		ck_assert_msg(pa != 0, "order %u failed", o);
		ck_assert_msg((pa & (bsize(o) - 1)) == 0,
		    "order %u block %#lx not naturally aligned", o,
		    (unsigned long)pa);
		ck_assert_uint_eq(page_free_count(), total - ((size_t)1 << o));
		pg = page_of(pa);
		ck_assert_ptr_nonnull(pg);
		ck_assert_uint_eq(page_to_phys(pg), pa);
		last = pa + bsize(o) - PAGE_SIZE;
		ck_assert_uint_eq(page_to_phys(page_of(last)), last);
		/* The whole block is writable through the direct map. */
		va = phys_to_virt(pa);
		memset(va, 0x5a, bsize(o));
		ck_assert_uint_eq(va[bsize(o) - 1], 0x5a);
		page_free(pa, o);
		ck_assert_uint_eq(page_free_count(), total);
	}
	ck_assert_uint_eq(page_alloc(PAGE_MAX_ORDER + 1, 0), 0);
}
END_TEST

START_TEST(test_blocks_disjoint)
{
	/* Mixed orders until memory runs out: no page is given twice. */
	size_t npages = ARENA_BYTES / PAGE_SIZE;
	unsigned char *owner = calloc(npages, 1);
	paddr_t *blocks = calloc(npages, sizeof(*blocks));
	unsigned *orders = calloc(npages, sizeof(*orders));
	struct phys_range r;
	size_t n = 0, used = 0, i, j;
	unsigned o = 0;

	boot_pages(ARENA_BYTES);
	ck_assert_int_eq(physmem_ranges(&r, 1), 1);
	for (;;) {
		paddr_t pa = page_alloc(o, 0);

		if (pa == 0) {
			if (o == 0)
				break;
			o = 0;
			continue;
		}
		for (j = 0; j < ((size_t)1 << o); j++) {
			size_t idx = (pa - r.base) / PAGE_SIZE + j;

			ck_assert_uint_lt(idx, npages);
			ck_assert_msg(owner[idx] == 0, "page %#lx given twice",
			    (unsigned long)(pa + j * PAGE_SIZE));
			owner[idx] = 1;
		}
		blocks[n] = pa;
		orders[n++] = o;
		used += (size_t)1 << o;
		o = (o + 3) % 6;
	}
	ck_assert_uint_eq(used, page_total());
	ck_assert_uint_eq(page_free_count(), 0);
	for (i = 0; i < n; i++)
		page_free(blocks[i], orders[i]);
	ck_assert_uint_eq(page_free_count(), page_total());
	free(owner);
	free(blocks);
	free(orders);
}
END_TEST

START_TEST(test_fragmentation_and_coalescing)
{
	size_t total, maxblocks, n = 0, i;
	paddr_t *pages, pa;

	boot_pages(ARENA_BYTES);
	total = page_total();
	maxblocks = count_blocks(PAGE_MAX_ORDER);
	ck_assert_uint_ge(maxblocks, 2);
	pages = calloc(total, sizeof(*pages));

	while ((pa = page_alloc(0, 0)) != 0)
		pages[n++] = pa;
	ck_assert_uint_eq(n, total);
	/* Free every page whose buddy stays allocated: no pair can merge. */
	for (i = 0; i < n; i++)
		if (((pages[i] / PAGE_SIZE) & 1) == 0)
			page_free(pages[i], 0);
	ck_assert_uint_ge(page_free_count(), total / 2 - 1);
	ck_assert_uint_eq(page_alloc(1, 0), 0);
	ck_assert_uint_eq(page_alloc(PAGE_MAX_ORDER, 0), 0);
	for (i = 0; i < n; i++)
		if (((pages[i] / PAGE_SIZE) & 1) != 0)
			page_free(pages[i], 0);
	ck_assert_uint_eq(page_free_count(), total);
	/* Everything merged back: as many max-order blocks as at boot. */
	ck_assert_uint_eq(count_blocks(PAGE_MAX_ORDER), maxblocks);
	free(pages);
}
END_TEST

START_TEST(test_exhaustion)
{
	size_t total, n;
	unsigned o;

	boot_pages(ARENA_BYTES);
	total = page_total();
	/* Take everything in max-order blocks, then the rest page by page. */
	n = 0;
	while (page_alloc(PAGE_MAX_ORDER, 0) != 0)
		n += (size_t)1 << PAGE_MAX_ORDER;
	while (page_alloc(0, 0) != 0)
		n++;
	ck_assert_uint_eq(n, total);
	ck_assert_uint_eq(page_free_count(), 0);
	for (o = 0; o <= PAGE_MAX_ORDER; o++)
		ck_assert_uint_eq(page_alloc(o, PAGE_ZERO), 0);
}
END_TEST

START_TEST(test_page_zero)
{
	size_t total, n = 0, i;
	paddr_t *pages, pa;
	unsigned char *va;

	boot_pages(ARENA_BYTES);
	total = page_total();
	pages = calloc(total, sizeof(*pages));
	/* Dirty every free page, then give them all back. */
	while ((pa = page_alloc(0, 0)) != 0) {
		memset(phys_to_virt(pa), 0xa5, PAGE_SIZE);
		pages[n++] = pa;
	}
	for (i = 0; i < n; i++)
		page_free(pages[i], 0);

	pa = page_alloc(3, PAGE_ZERO);
	ck_assert(pa != 0);
	va = phys_to_virt(pa);
	for (i = 0; i < bsize(3); i++)
		ck_assert_msg(va[i] == 0, "byte %zu not zeroed", i);
	/* Without the flag the old contents are left alone. */
	pa = page_alloc(0, 0);
	ck_assert_uint_eq(*(unsigned char *)phys_to_virt(pa), 0xa5);
	free(pages);
}
END_TEST

START_TEST(test_awkward_range)
{
	/* A size that is no power of two: 5 MiB and 7 pages. */
	size_t bytes = 5 * MiB + 7 * PAGE_SIZE, total, n = 0, i, maxblocks;
	paddr_t *pages, pa;

	boot_pages(bytes);
	total = page_total();
	ck_assert_uint_eq(page_free_count(), total);
	maxblocks = count_blocks(PAGE_MAX_ORDER);
	pages = calloc(total, sizeof(*pages));
	while ((pa = page_alloc(0, 0)) != 0)
		pages[n++] = pa;
	ck_assert_uint_eq(n, total);
	/* Free in reverse, so merges happen in another order than at boot. */
	for (i = n; i-- > 0; )
		page_free(pages[i], 0);
	ck_assert_uint_eq(page_free_count(), total);
	ck_assert_uint_eq(count_blocks(PAGE_MAX_ORDER), maxblocks);
	/* Every page is still reachable in blocks of each order. */
	for (i = 0; i <= PAGE_MAX_ORDER; i++)
		ck_assert_uint_le(count_blocks((unsigned)i) << i, total);
	ck_assert_uint_eq(count_blocks(0), total);
	free(pages);
}
END_TEST

START_TEST(test_tiny_range)
{
	/* Three pages: one for the array, two managed. */
	boot_pages(3 * PAGE_SIZE);
	ck_assert_uint_eq(page_total(), 2);
	ck_assert_uint_eq(count_blocks(0), 2);
}
END_TEST

START_TEST(test_page_of_unmanaged)
{
	struct phys_range r;

	boot_pages(ARENA_BYTES);
	ck_assert_int_eq(physmem_ranges(&r, 1), 1);
	ck_assert_ptr_null(page_of(0));
	ck_assert_ptr_null(page_of(r.base));	/* holds the array itself */
	ck_assert_ptr_null(page_of(r.base + r.len));
	ck_assert_ptr_nonnull(page_of(r.base + r.len - PAGE_SIZE));
}
END_TEST

/* Misuse: each of these must stop the kernel (panic aborts in hosted). */

START_TEST(test_double_free_panics)
{
	paddr_t pa;

	boot_pages(ARENA_BYTES);
	pa = page_alloc(2, 0);
	page_free(pa, 2);
	page_free(pa, 2);
}
END_TEST

START_TEST(test_double_free_after_merge_panics)
{
	paddr_t a, b;

	boot_pages(ARENA_BYTES);
	a = page_alloc(0, 0);
	b = page_alloc(0, 0);
	page_free(a, 0);
	page_free(b, 0);	/* a and b are buddies: merged */
	page_free(b, 0);
}
END_TEST

START_TEST(test_free_never_allocated_panics)
{
	paddr_t pa;

	boot_pages(ARENA_BYTES);
	pa = page_alloc(0, 0);
	page_free(pa + 8 * PAGE_SIZE, 0);
}
END_TEST

START_TEST(test_free_misaligned_panics)
{
	paddr_t pa;

	boot_pages(ARENA_BYTES);
	pa = page_alloc(2, 0);
	page_free(pa + PAGE_SIZE, 1);
}
END_TEST

START_TEST(test_free_tail_page_panics)
{
	paddr_t pa;

	boot_pages(ARENA_BYTES);
	pa = page_alloc(2, 0);
	page_free(pa + 2 * PAGE_SIZE, 0);
}
END_TEST

START_TEST(test_free_wrong_order_panics)
{
	paddr_t pa;

	boot_pages(ARENA_BYTES);
	pa = page_alloc(3, 0);
	page_free(pa, 2);
}
END_TEST

START_TEST(test_free_unmanaged_panics)
{
	boot_pages(ARENA_BYTES);
	page_free(0x1000, 0);
}
END_TEST

static Suite *
page_suite(void)
{
	Suite *s = suite_create("mm_page");
	TCase *tc = tcase_create("alloc");
	TCase *bad = tcase_create("misuse");

	tcase_add_test(tc, test_init_counts);
	tcase_add_test(tc, test_every_order);
	tcase_add_test(tc, test_blocks_disjoint);
	tcase_add_test(tc, test_fragmentation_and_coalescing);
	tcase_add_test(tc, test_exhaustion);
	tcase_add_test(tc, test_page_zero);
	tcase_add_test(tc, test_awkward_range);
	tcase_add_test(tc, test_tiny_range);
	tcase_add_test(tc, test_page_of_unmanaged);
	suite_add_tcase(s, tc);

	tcase_add_test_raise_signal(bad, test_double_free_panics, SIGABRT);
	tcase_add_test_raise_signal(bad, test_double_free_after_merge_panics,
	    SIGABRT);
	tcase_add_test_raise_signal(bad, test_free_never_allocated_panics,
	    SIGABRT);
	tcase_add_test_raise_signal(bad, test_free_misaligned_panics, SIGABRT);
	tcase_add_test_raise_signal(bad, test_free_tail_page_panics, SIGABRT);
	tcase_add_test_raise_signal(bad, test_free_wrong_order_panics,
	    SIGABRT);
	tcase_add_test_raise_signal(bad, test_free_unmanaged_panics, SIGABRT);
	suite_add_tcase(s, bad);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(page_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
