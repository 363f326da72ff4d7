/*
 * The kernel heap, inside a booted hosted kernel with four virtual CPUs:
 * every size class, alignment, no overlap, kmalloc_size, live-byte
 * accounting, large blocks, reuse of freed memory, and the per-CPU
 * caches under concurrent allocation and cross-CPU frees.
 */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contract/cpu.h"
#include "contract/physmem.h"
#include "hosted.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "proc/sched.h"
#include "proc/thread.h"

#define NCPUS	4

/*
 * Boot with NCPUS vCPUs, run fn as the first kernel thread, expect 0.
 * Tests that expect a panic keep the console on, so its message shows.
 */
static void
boot_cfg(int (*fn)(void *), bool quiet)
{
	struct hosted_config cfg = {
		.ncpus = NCPUS,
		.mem_bytes = 64u << 20,
		.quiet = quiet,
	};

	ck_assert_int_eq(hosted_boot(&cfg, fn, NULL), 0);
}

static void
boot_run(int (*fn)(void *))
{
	boot_cfg(fn, true);
}

/* The class size that serves a request of n bytes (n <= 2048). */
static size_t
class_of(size_t n)
{
	size_t c = 16;

	while (c < n)
		c <<= 1;
	return c;
}

/* Fill p[0..n) with a pattern derived from seed; check_fill() verifies it. */
static void
fill(void *p, size_t n, unsigned seed)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 31 + i);
}

static bool
check_fill(const void *p, size_t n, unsigned seed)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != (unsigned char)(seed * 31 + i))
			return false;
	return true;
}

/* Every size from 1 to 2048 bytes: the right class, aligned to it. */
static int
every_class(void *arg)
{
	size_t n;

	for (n = 1; n <= 2048; n++) {
		void *p = kmalloc(n);
		size_t c = class_of(n);

		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(kmalloc_size(p), c);
		ck_assert_msg((uintptr_t)p % c == 0, "%zu-byte object %p "
		    "not aligned to %zu", n, p, c);
		fill(p, n, (unsigned)n);
		ck_assert(check_fill(p, n, (unsigned)n));
		kfree(p);
	}
	ck_assert_uint_eq(kmalloc_size(kmalloc(0)), 16);
	kfree(NULL);
	return 0;
}

START_TEST(test_every_class)
{
	boot_run(every_class);
}
END_TEST

struct span {
	uintptr_t start;
	size_t len;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Many live objects of mixed sizes: disjoint, and none disturbs another. */
static int
no_overlap(void *arg)
{
	enum { N = 3000 };
	static void *obj[N];
	static size_t len[N];
	static struct span spans[N];
	size_t base = kmalloc_live_bytes(), live = 0;
	int i;

	for (i = 0; i < N; i++) {
		len[i] = 1 + (size_t)(i * 7919) % (i % 10 == 0 ? 9000 : 2048);
		obj[i] = kmalloc(len[i]);
		ck_assert_ptr_nonnull(obj[i]);
		ck_assert_uint_ge(kmalloc_size(obj[i]), len[i]);
		fill(obj[i], len[i], (unsigned)i);
		spans[i].start = (uintptr_t)obj[i];
		spans[i].len = kmalloc_size(obj[i]);
		live += kmalloc_size(obj[i]);
	}
	ck_assert_uint_eq(kmalloc_live_bytes(), base + live);
	for (i = 0; i < N; i++)
		ck_assert_msg(check_fill(obj[i], len[i], (unsigned)i),
		    "object %d (%zu bytes at %p) overwritten", i, len[i],
		    obj[i]);
	qsort(spans, N, sizeof(spans[0]), span_cmp);
	for (i = 1; i < N; i++)
		ck_assert_msg(spans[i - 1].start + spans[i - 1].len <=
		    spans[i].start, "objects at %#lx and %#lx overlap",
		    (unsigned long)spans[i - 1].start,
		    (unsigned long)spans[i].start);
	for (i = 0; i < N; i++)
		kfree(obj[i]);
	ck_assert_uint_eq(kmalloc_live_bytes(), base);
	return 0;
}

START_TEST(test_no_overlap)
{
	boot_run(no_overlap);
}
END_TEST

/* Live bytes count class-rounded sizes, and drop back on free. */
static int
live_accounting(void *arg)
{
	size_t base = kmalloc_live_bytes();
	void *a = kmalloc(100), *b = kmalloc(16), *c = kmalloc(3000);

	ck_assert_uint_eq(kmalloc_live_bytes(), base + 128 + 16 + 4096);
	kfree(b);
	ck_assert_uint_eq(kmalloc_live_bytes(), base + 128 + 4096);
	kfree(c);
	kfree(a);
	ck_assert_uint_eq(kmalloc_live_bytes(), base);
	return 0;
}

START_TEST(test_live_accounting)
{
	boot_run(live_accounting);
}
END_TEST

/* Above 2 KiB: whole page blocks of the order that fits. */
static int
large_blocks(void *arg)
{
	static const size_t sizes[] = { 2049, 4096, 4097, 12000, 65536,
	    1u << 20, 4u << 20 };
	size_t free_before = page_free_count();
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], want = PAGE_SIZE;
		void *p = kmalloc(n);

		while (want < n)
			want <<= 1;
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(kmalloc_size(p), want);
		ck_assert_uint_eq((uintptr_t)p % PAGE_SIZE, 0);
		fill(p, n, (unsigned)i);
		ck_assert(check_fill(p, n, (unsigned)i));
		kfree(p);
		ck_assert_uint_eq(page_free_count(), free_before);
	}
	/* Beyond the largest page block: NULL outside a reservation. */
	ck_assert_ptr_null(kmalloc((PAGE_SIZE << PAGE_MAX_ORDER) + 1));
	return 0;
}

START_TEST(test_large_blocks)
{
	boot_run(large_blocks);
}
END_TEST

/* kzalloc zeroes even memory that was just dirtied and freed. */
static int
zeroed(void *arg)
{
	size_t n;

	for (n = 8; n <= 8192; n *= 2) {
		unsigned char *p = kmalloc(n);
		size_t i;

		memset(p, 0xee, n);
		kfree(p);
		p = kzalloc(n);
		for (i = 0; i < n; i++)
			ck_assert_msg(p[i] == 0, "kzalloc(%zu)[%zu] = %#x", n,
			    i, p[i]);
		kfree(p);
	}
	return 0;
}

START_TEST(test_kzalloc)
{
	boot_run(zeroed);
}
END_TEST

/* Freed memory comes back: at once on the same CPU, and pages do not leak. */
static int
reuse(void *arg)
{
	unsigned long s;
	size_t free_before;
	void *p, *q;
	int i, j;

	/* With interrupts off the thread stays on this CPU's cache. */
	s = intr_save();
	p = kmalloc(64);
	kfree(p);
	q = kmalloc(64);
	intr_restore(s);
	ck_assert_ptr_eq(p, q);
	kfree(q);

	/* Churn: the heap's page use does not keep growing. */
	free_before = page_free_count();
	for (i = 0; i < 200; i++) {
		void *batch[64];

		for (j = 0; j < 64; j++)
			batch[j] = kmalloc((size_t)(16 << (j % 8)));
		for (j = 0; j < 64; j++)
			kfree(batch[j]);
	}
	ck_assert_uint_le(free_before - page_free_count(), 64);
	return 0;
}

START_TEST(test_reuse)
{
	boot_run(reuse);
}
END_TEST

/* Mixed traffic on one CPU: 100k operations, patterns checked. */
struct churn {
	unsigned cpu;
	unsigned seed;
	unsigned errors;
};

static unsigned
xorshift(unsigned *s)
{
	unsigned x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* A request size: mostly small, some mid-sized, a few large. */
static size_t
pick_size(unsigned *seed)
{
	unsigned r = xorshift(seed) % 100;

	if (r < 80)
		return 1 + xorshift(seed) % 256;
	if (r < 98)
		return 1 + xorshift(seed) % 2048;
	return 2049 + xorshift(seed) % 14000;
}

static void
churn_thread(void *arg)
{
	enum { SLOTS = 128, OPS = 100000 };
	struct churn *c = arg;
	void *obj[SLOTS] = { 0 };
	size_t len[SLOTS];
	unsigned tag[SLOTS];
	unsigned seed = c->seed;
	int op, i;

	for (op = 0; op < OPS; op++) {
		i = (int)(xorshift(&seed) % SLOTS);
		if (obj[i] == NULL) {
			len[i] = pick_size(&seed);
			tag[i] = xorshift(&seed);
			obj[i] = kmalloc(len[i]);
			if (obj[i] == NULL) {
				c->errors++;
				continue;
			}
			/* Touch a prefix of big blocks only, for time. */
			fill(obj[i], MIN(len[i], (size_t)512), tag[i]);
		} else {
			if (!check_fill(obj[i], MIN(len[i], (size_t)512),
			    tag[i]))
				c->errors++;
			kfree(obj[i]);
			obj[i] = NULL;
		}
	}
	for (i = 0; i < SLOTS; i++) {
		if (obj[i] != NULL && !check_fill(obj[i],
		    MIN(len[i], (size_t)512), tag[i]))
			c->errors++;
		kfree(obj[i]);
	}
}

static int
per_cpu_churn(void *arg)
{
	struct churn c[NCPUS];
	struct thread *t[NCPUS];
	size_t base = kmalloc_live_bytes();
	unsigned i;

	ck_assert_uint_eq(cpu_count(), NCPUS);
	for (i = 0; i < NCPUS; i++) {
		c[i] = (struct churn){ .cpu = i, .seed = 2463534242u + i };
		t[i] = thread_create_on(i, "churn", churn_thread, &c[i]);
		ck_assert_ptr_nonnull(t[i]);
	}
	for (i = 0; i < NCPUS; i++)
		thread_join(t[i]);
	for (i = 0; i < NCPUS; i++)
		ck_assert_msg(c[i].errors == 0, "thread %u: %u corrupt or "
		    "failed allocations", i, c[i].errors);
	ck_assert_uint_eq(kmalloc_live_bytes(), base);
	return 0;
}

START_TEST(test_per_cpu_churn)
{
	boot_run(per_cpu_churn);
}
END_TEST

/* Objects allocated on one CPU and freed on another. */
enum { HANDOFF_N = 20000 };
static void *handoff[HANDOFF_N];
static unsigned handoff_ready;	/* atomic: objects published */

static void
producer(void *arg)
{
	unsigned i;

	for (i = 0; i < HANDOFF_N; i++) {
		handoff[i] = kmalloc(16 + i % 700);
		fill(handoff[i], 16, i);
		__atomic_store_n(&handoff_ready, i + 1, __ATOMIC_RELEASE);
	}
}

static void
consumer(void *arg)
{
	unsigned *errors = arg;
	unsigned i;

	for (i = 0; i < HANDOFF_N; i++) {
		while (__atomic_load_n(&handoff_ready, __ATOMIC_ACQUIRE) <= i)
			thread_yield();
		if (handoff[i] == NULL || !check_fill(handoff[i], 16, i))
			(*errors)++;
		kfree(handoff[i]);
	}
}

static int
cross_cpu_free(void *arg)
{
	size_t base = kmalloc_live_bytes();
	unsigned errors = 0;
	struct thread *p, *c;

	p = thread_create_on(1, "producer", producer, NULL);
	c = thread_create_on(2, "consumer", consumer, &errors);
	thread_join(p);
	thread_join(c);
	ck_assert_uint_eq(errors, 0);
	ck_assert_uint_eq(kmalloc_live_bytes(), base);
	return 0;
}

START_TEST(test_cross_cpu_free)
{
	boot_run(cross_cpu_free);
}
END_TEST

/* Misuse that must panic (abort in hosted). */

static int
free_interior(void *arg)
{
	char *p = kmalloc(64);

	kfree(p + 16);
	return 1;
}

START_TEST(test_free_interior_panics)
{
	boot_cfg(free_interior, false);
}
END_TEST

static int
free_twice(void *arg)
{
	unsigned long s = intr_save();
	void *p = kmalloc(32);

	kfree(p);
	kfree(p);
	intr_restore(s);
	return 1;
}

START_TEST(test_double_kfree_panics)
{
	boot_cfg(free_twice, false);
}
END_TEST

static int
free_foreign(void *arg)
{
	/* A page the heap never handed out. */
	paddr_t pa = page_alloc(0, 0);

	kfree(phys_to_virt(pa));
	return 1;
}

START_TEST(test_free_foreign_panics)
{
	boot_cfg(free_foreign, false);
}
END_TEST

static Suite *
kmalloc_suite(void)
{
	Suite *s = suite_create("mm_kmalloc");
	TCase *tc = tcase_create("heap");
	TCase *mp = tcase_create("multicpu");
	TCase *bad = tcase_create("misuse");

	tcase_add_test(tc, test_every_class);
	tcase_add_test(tc, test_no_overlap);
	tcase_add_test(tc, test_live_accounting);
	tcase_add_test(tc, test_large_blocks);
	tcase_add_test(tc, test_kzalloc);
	tcase_add_test(tc, test_reuse);
	suite_add_tcase(s, tc);

	tcase_set_timeout(mp, 60);
	tcase_add_test(mp, test_per_cpu_churn);
	tcase_add_test(mp, test_cross_cpu_free);
	suite_add_tcase(s, mp);

	tcase_add_test_raise_signal(bad, test_free_interior_panics, SIGABRT);
	tcase_add_test_raise_signal(bad, test_double_kfree_panics, SIGABRT);
	tcase_add_test_raise_signal(bad, test_free_foreign_panics, SIGABRT);
	suite_add_tcase(s, bad);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(kmalloc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
