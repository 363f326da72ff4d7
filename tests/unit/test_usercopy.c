/*
 * Unit tests for the hosted user copies (platform/hosted/usercopy.c):
 * copyin/copyout/copyinstr through the software MMU of CPU 0, with the
 * faults they raise handed to a stand-in VM defined here.
 *
 * Each test case runs in its own forked child with a fresh physical arena,
 * page allocator and an active pmap; no CPUs are booted (the calling
 * thread is CPU 0), except in the race case, which boots two.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "contract/cpu.h"
#include "contract/physmem.h"
#include "contract/pmap.h"
#include "contract/usercopy.h"
#include "hosted.h"
#include "kern/errno.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "pmap_sw.h"
#include "proc/thread.h"

#define KiB	((uaddr_t)1 << 10)
#define MiB	((uaddr_t)1 << 20)
#define GiB	((uaddr_t)1 << 30)

static struct pmap *pm;

/*
 * The page-fault handler these tests stand in for the core's VM (through
 * usercopy_fault, pmap_sw.h): it records each fault and resolves those
 * inside the "demand" range by mapping a fresh zeroed page read-write
 * (demand zero, or a copy-on-write break when the page was read-only).
 */
static int nfaults;
static uaddr_t last_fault_va;
static unsigned last_fault_access;
static uaddr_t demand_lo, demand_hi;

static int
test_vm_fault(uaddr_t va, unsigned access)
{
	paddr_t pa;

	nfaults++;
	last_fault_va = va;
	last_fault_access = access;
	if (va < demand_lo || va >= demand_hi || pmap_current() == NULL)
		return -EFAULT;
	pa = page_alloc(0, PAGE_ZERO);
	if (pa == 0)
		return -ENOMEM;
	return pmap_enter(pmap_current(), va & ~(uaddr_t)PAGE_MASK, pa,
	    PROT_R | PROT_W);
}

static void
setup(void)
{
	hosted_physmem_init(32 * MiB);
	page_init();
	kmalloc_init();
	pm = pmap_create();
	ck_assert_ptr_nonnull(pm);
	pmap_activate(pm);
	nfaults = 0;
	demand_lo = demand_hi = 0;
	usercopy_fault = test_vm_fault;
}

/* Map n fresh zeroed pages from va with prot; return the first frame. */
static paddr_t
map_new(uaddr_t va, unsigned n, unsigned prot)
{
	paddr_t first = 0, pa;
	unsigned i;

	for (i = 0; i < n; i++) {
		pa = page_alloc(0, PAGE_ZERO);
		ck_assert_uint_ne(pa, 0);
		if (i == 0)
			first = pa;
		ck_assert_int_eq(pmap_enter(pm, va + i * PAGE_SIZE, pa, prot), 0);
	}
	return first;
}

/* The kernel's view of the user byte at va (which must be mapped). */
static unsigned char *
kview(uaddr_t va)
{
	paddr_t pa;

	ck_assert(pmap_extract(pm, va, &pa, NULL));
	return phys_to_virt(pa);
}

static unsigned
status(uaddr_t va)
{
	unsigned prot;

	ck_assert(pmap_extract(pm, va, NULL, &prot));
	return prot & (PMAP_ACCESSED | PMAP_DIRTY);
}

static void
fill_pattern(unsigned char *buf, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 31 + seed);
}

START_TEST(test_roundtrip_across_pages)
{
	static unsigned char out[3 * 4096], in[3 * 4096];
	uaddr_t va = 64 * KiB + 100;
	size_t len = 2 * PAGE_SIZE + 500, i;

	map_new(64 * KiB, 3, PROT_R | PROT_W);
	fill_pattern(out, sizeof(out), 7);
	ck_assert_int_eq(copyout(va, out, len), 0);
	/* Every byte landed in its own page's frame. */
	for (i = 0; i < len; i += 97)
		ck_assert_uint_eq(*kview(va + i), out[i]);
	ck_assert_uint_eq(*kview(va + len - 1), out[len - 1]);
	ck_assert_uint_eq(*kview(va - 1), 0);
	ck_assert_uint_eq(*kview(va + len), 0);
	ck_assert_int_eq(copyin(in, va, len), 0);
	ck_assert_mem_eq(in, out, len);
	ck_assert_int_eq(nfaults, 0);
}
END_TEST

START_TEST(test_zero_length)
{
	char c = 'x';

	ck_assert_int_eq(copyin(&c, 5 * GiB, 0), 0);
	ck_assert_int_eq(copyout(5 * GiB, &c, 0), 0);
	ck_assert_int_eq(nfaults, 0);
}
END_TEST

START_TEST(test_copyout_readonly_faults)
{
	unsigned char buf[64];

	map_new(1 * MiB, 1, PROT_R);
	fill_pattern(buf, sizeof(buf), 1);
	ck_assert_int_eq(copyout(1 * MiB + 8, buf, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(nfaults, 1);
	ck_assert_uint_eq(last_fault_va, 1 * MiB + 8);
	ck_assert_uint_eq(last_fault_access, PROT_W);
	ck_assert_uint_eq(*kview(1 * MiB + 8), 0);
	/* Reading it is fine. */
	ck_assert_int_eq(copyin(buf, 1 * MiB + 8, sizeof(buf)), 0);
	ck_assert_uint_eq(buf[0], 0);
}
END_TEST

/* A copy that runs from a writable page into a read-only one stops there. */
START_TEST(test_copyout_prefix_then_fault)
{
	unsigned char buf[200];

	map_new(1 * MiB, 1, PROT_R | PROT_W);
	map_new(1 * MiB + PAGE_SIZE, 1, PROT_R);
	fill_pattern(buf, sizeof(buf), 3);
	ck_assert_int_eq(copyout(1 * MiB + PAGE_SIZE - 100, buf, sizeof(buf)),
	    -EFAULT);
	ck_assert_uint_eq(last_fault_va, 1 * MiB + PAGE_SIZE);
	ck_assert_uint_eq(*kview(1 * MiB + PAGE_SIZE - 100), buf[0]);
	ck_assert_uint_eq(*kview(1 * MiB + PAGE_SIZE - 1), buf[99]);
	ck_assert_uint_eq(*kview(1 * MiB + PAGE_SIZE), 0);
}
END_TEST

START_TEST(test_unmapped_faults)
{
	char buf[16];

	ck_assert_int_eq(copyin(buf, 3 * GiB + 5, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(nfaults, 1);
	ck_assert_uint_eq(last_fault_va, 3 * GiB + 5);
	ck_assert_uint_eq(last_fault_access, PROT_R);
	ck_assert_int_eq(copyout(0, buf, sizeof(buf)), -EFAULT);
	ck_assert_uint_eq(last_fault_va, 0);
	ck_assert_uint_eq(last_fault_access, PROT_W);
}
END_TEST

/* No address space at all: every access faults and fails. */
START_TEST(test_no_pmap_active)
{
	char buf[4];

	map_new(0, 1, PROT_R | PROT_W);
	pmap_activate(NULL);
	ck_assert_int_eq(copyin(buf, 0, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(copyout(0, buf, sizeof(buf)), -EFAULT);
	pmap_activate(pm);
	ck_assert_int_eq(copyout(0, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_user_end_bounds)
{
	static unsigned char buf[4096];
	char c;

	map_new(USER_END - PAGE_SIZE, 1, PROT_R | PROT_W);
	fill_pattern(buf, sizeof(buf), 9);
	/* The last user page is usable, to its very last byte. */
	ck_assert_int_eq(copyout(USER_END - PAGE_SIZE, buf, PAGE_SIZE), 0);
	ck_assert_int_eq(copyin(&c, USER_END - 1, 1), 0);
	ck_assert_uint_eq((unsigned char)c, buf[PAGE_SIZE - 1]);
	/* Past it, or wrapping around, fails without a fault. */
	ck_assert_int_eq(copyout(USER_END - 4, buf, 8), -EFAULT);
	ck_assert_int_eq(copyin(buf, USER_END - 4, 5), -EFAULT);
	ck_assert_int_eq(copyin(buf, USER_END, 1), -EFAULT);
	ck_assert_int_eq(copyin(buf, 0xffff800000000000ULL, 1), -EFAULT);
	ck_assert_int_eq(copyin(buf, UINT64_MAX - 3, 8), -EFAULT);
	ck_assert_int_eq(copyout(UINT64_MAX, buf, 1), -EFAULT);
	ck_assert_int_eq(copyin(buf, USER_END - PAGE_SIZE, SIZE_MAX), -EFAULT);
	ck_assert_int_eq(nfaults, 0);
	/* Nothing was written past the good copy. */
	ck_assert_uint_eq(*kview(USER_END - 4), buf[PAGE_SIZE - 4]);
}
END_TEST

/* Put the string s (with its NUL) at user va, which must be writable. */
static void
put_string(uaddr_t va, const char *s)
{
	ck_assert_int_eq(copyout(va, s, strlen(s) + 1), 0);
}

START_TEST(test_copyinstr_lengths)
{
	char buf[64];

	map_new(16 * KiB, 2, PROT_R | PROT_W);
	put_string(16 * KiB, "hello");
	ck_assert_int_eq(copyinstr(buf, 16 * KiB, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "hello");
	/* Exactly enough room for the NUL, and one byte short. */
	ck_assert_int_eq(copyinstr(buf, 16 * KiB, 6), 5);
	ck_assert_str_eq(buf, "hello");
	ck_assert_int_eq(copyinstr(buf, 16 * KiB, 5), -ENAMETOOLONG);
	ck_assert_int_eq(copyinstr(buf, 16 * KiB, 0), -ENAMETOOLONG);
	/* The empty string. */
	put_string(16 * KiB + 100, "");
	ck_assert_int_eq(copyinstr(buf, 16 * KiB + 100, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	/* A string across the page boundary, and one ending just before it. */
	put_string(20 * KiB - 3, "boundary");
	ck_assert_int_eq(copyinstr(buf, 20 * KiB - 3, sizeof(buf)), 8);
	ck_assert_str_eq(buf, "boundary");
	put_string(20 * KiB - 4, "abc");
	ck_assert_int_eq(copyinstr(buf, 20 * KiB - 4, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(nfaults, 0);
}
END_TEST

START_TEST(test_copyinstr_long_string)
{
	static char big[6000], buf[6000];

	map_new(0, 2, PROT_R | PROT_W);
	memset(big, 'a', sizeof(big) - 1);
	ck_assert_int_eq(copyout(0, big, sizeof(big)), 0);
	ck_assert_int_eq(copyinstr(buf, 0, sizeof(buf)), 5999);
	ck_assert_mem_eq(buf, big, sizeof(big));
	ck_assert_int_eq(copyinstr(buf, 0, 5999), -ENAMETOOLONG);
	ck_assert_int_eq(copyinstr(buf, 0, 4096), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_copyinstr_faults)
{
	char buf[64];

	/* A string that runs into an unmapped page. */
	map_new(1 * GiB, 1, PROT_R | PROT_W);
	memset(kview(1 * GiB + PAGE_SIZE - 10), 'x', 10);
	ck_assert_int_eq(copyinstr(buf, 1 * GiB + PAGE_SIZE - 10, sizeof(buf)),
	    -EFAULT);
	ck_assert_int_eq(nfaults, 1);
	ck_assert_uint_eq(last_fault_va, 1 * GiB + PAGE_SIZE);
	/* ... unless max runs out first. */
	ck_assert_int_eq(copyinstr(buf, 1 * GiB + PAGE_SIZE - 10, 10),
	    -ENAMETOOLONG);
	ck_assert_int_eq(nfaults, 1);
	/* A string that runs into the end of the user half. */
	map_new(USER_END - PAGE_SIZE, 1, PROT_R | PROT_W);
	memset(kview(USER_END - 4), 'y', 4);
	ck_assert_int_eq(copyinstr(buf, USER_END - 4, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(copyinstr(buf, USER_END - 4, 4), -ENAMETOOLONG);
	put_string(USER_END - 4, "end");
	ck_assert_int_eq(copyinstr(buf, USER_END - 4, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "end");
	ck_assert_int_eq(copyinstr(buf, USER_END, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(copyinstr(buf, UINT64_MAX, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(copyinstr(buf, 3 * GiB, sizeof(buf)), -EFAULT);
	ck_assert_uint_eq(last_fault_access, PROT_R);
}
END_TEST

START_TEST(test_status_bits_set_by_copies)
{
	char buf[16] = "data";

	map_new(2 * MiB, 3, PROT_R | PROT_W);
	ck_assert_uint_eq(status(2 * MiB), 0);
	ck_assert_int_eq(copyin(buf, 2 * MiB + 5, sizeof(buf)), 0);
	ck_assert_uint_eq(status(2 * MiB), PMAP_ACCESSED);
	ck_assert_uint_eq(status(2 * MiB + PAGE_SIZE), 0);
	ck_assert_int_eq(copyout(2 * MiB + 2 * PAGE_SIZE - 4, buf, 8), 0);
	ck_assert_uint_eq(status(2 * MiB + PAGE_SIZE),
	    PMAP_ACCESSED | PMAP_DIRTY);
	ck_assert_uint_eq(status(2 * MiB + 2 * PAGE_SIZE),
	    PMAP_ACCESSED | PMAP_DIRTY);
	ck_assert_uint_eq(status(2 * MiB), PMAP_ACCESSED);
	pmap_clear_status(pm, 2 * MiB + PAGE_SIZE);
	ck_assert_uint_eq(status(2 * MiB + PAGE_SIZE), 0);
	ck_assert_int_eq(copyinstr(buf, 2 * MiB + PAGE_SIZE, sizeof(buf)), 0);
	ck_assert_uint_eq(status(2 * MiB + PAGE_SIZE), PMAP_ACCESSED);
	/* A refused write sets nothing. */
	pmap_protect(pm, 2 * MiB, 2 * MiB + PAGE_SIZE, PROT_R);
	pmap_clear_status(pm, 2 * MiB);
	ck_assert_int_eq(copyout(2 * MiB, buf, 1), -EFAULT);
	ck_assert_uint_eq(status(2 * MiB), 0);
}
END_TEST

/* A fault the VM resolves (demand zero) lets the copy carry on. */
START_TEST(test_fault_resolved_demand_zero)
{
	static unsigned char out[3 * 4096], in[3 * 4096];

	demand_lo = 8 * GiB;
	demand_hi = 8 * GiB + 16 * PAGE_SIZE;
	fill_pattern(out, sizeof(out), 5);
	ck_assert_int_eq(copyout(8 * GiB + 10, out, sizeof(out)), 0);
	ck_assert_int_eq(nfaults, 4);	/* pages 0..3 */
	ck_assert_uint_eq(status(8 * GiB + 3 * PAGE_SIZE),
	    PMAP_ACCESSED | PMAP_DIRTY);
	ck_assert_int_eq(copyin(in, 8 * GiB + 10, sizeof(in)), 0);
	ck_assert_mem_eq(in, out, sizeof(out));
	ck_assert_int_eq(nfaults, 4);
	/* Reading demand-zero memory sees zeros. */
	ck_assert_int_eq(copyin(in, 8 * GiB + 5 * PAGE_SIZE, 100), 0);
	ck_assert_uint_eq(in[0], 0);
	ck_assert_uint_eq(in[99], 0);
	ck_assert_int_eq(nfaults, 5);
	/* Past the resolvable range the copy stops with a fault. */
	ck_assert_int_eq(copyout(demand_hi - 8, out, 16), -EFAULT);
	ck_assert_uint_eq(last_fault_va, demand_hi);
}
END_TEST

/* A write fault on a read-only page resolved by a copy-on-write break. */
START_TEST(test_fault_resolved_cow)
{
	paddr_t old, now;
	char buf[8] = "cow";

	old = map_new(8 * GiB, 1, PROT_R);
	demand_lo = 8 * GiB;
	demand_hi = 8 * GiB + PAGE_SIZE;
	ck_assert_int_eq(copyout(8 * GiB + 40, buf, 4), 0);
	ck_assert_int_eq(nfaults, 1);
	ck_assert_uint_eq(last_fault_access, PROT_W);
	ck_assert(pmap_extract(pm, 8 * GiB, &now, NULL));
	ck_assert_uint_ne(now, old);
	ck_assert_str_eq((char *)phys_to_virt(now) + 40, "cow");
	ck_assert_uint_eq(*(char *)phys_to_virt(old + 40), 0);
}
END_TEST

/*
 * Copies racing with unmaps on two CPUs: once pmap_remove() returns, the
 * caller owns the frame again, and no copy still in flight may write it
 * (the software shootdown).  Each round maps a frame, lets the copier
 * write into it for a moment, removes it, clears it, and checks that it
 * stays clear.
 */
struct race {
	struct pmap *pm;
	paddr_t frames[2];
	int started;		/* the copier is running in pm */
	int stop;
	unsigned long copies;		/* copyouts that succeeded */
	unsigned long late_writes;	/* rounds where a copy landed after remove */
};

#define RACE_ROUNDS	3000

static int
refuse_fault(uaddr_t va, unsigned access)
{
	return -EFAULT;
}

/* Spin for about us microseconds. */
static void
spin_us(unsigned us)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec <
	    us * 1000L);
}

static void
copier_thread(void *arg)
{
	static unsigned char buf[4096];
	struct race *r = arg;

	memset(buf, 0xaa, sizeof(buf));
	pmap_activate(r->pm);
	__atomic_store_n(&r->started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		if (copyout(0, buf, sizeof(buf)) == 0)
			r->copies++;
	pmap_activate(NULL);
}

static bool
frame_clear(paddr_t pa)
{
	const unsigned char *p = phys_to_virt(pa);
	size_t i;

	for (i = 0; i < PAGE_SIZE; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
unmapper_thread(void *arg)
{
	struct race *r = arg;
	paddr_t pa;
	int i;

	while (!__atomic_load_n(&r->started, __ATOMIC_ACQUIRE))
		cpu_relax();
	for (i = 0; i < RACE_ROUNDS; i++) {
		pa = r->frames[i % 2];
		if (pmap_enter(r->pm, 0, pa, PROT_R | PROT_W) != 0)
			break;
		spin_us(5);
		pmap_remove(r->pm, 0, PAGE_SIZE);
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
		spin_us(10);
		if (!frame_clear(pa))
			r->late_writes++;
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
}

static int
race_main(void *arg)
{
	struct race r = { 0 };
	struct thread *copier, *unmapper;

	(void)arg;
	usercopy_fault = refuse_fault;
	r.pm = pmap_create();
	r.frames[0] = page_alloc(0, PAGE_ZERO);
	r.frames[1] = page_alloc(0, PAGE_ZERO);
	if (cpu_count() < 2 || r.pm == NULL || !r.frames[0] || !r.frames[1])
		return 10;
	copier = thread_create_on(1, "copier", copier_thread, &r);
	unmapper = thread_create_on(0, "unmapper", unmapper_thread, &r);
	if (copier == NULL || unmapper == NULL)
		return 11;
	thread_join(unmapper);
	thread_join(copier);
	if (r.copies == 0)
		return 12;	/* the race never ran */
	if (r.late_writes != 0)
		return 13;
	pmap_destroy(r.pm);
	return 0;
}

START_TEST(test_copy_races_remove)
{
	struct hosted_config cfg = { .ncpus = 2, .mem_bytes = 32 * MiB,
	    .quiet = true };

	ck_assert_int_eq(hosted_boot(&cfg, race_main, NULL), 0);
}
END_TEST

static Suite *
usercopy_suite(void)
{
	Suite *s = suite_create("usercopy");
	TCase *tc = tcase_create("core");
	TCase *race = tcase_create("race");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_roundtrip_across_pages);
	tcase_add_test(tc, test_zero_length);
	tcase_add_test(tc, test_copyout_readonly_faults);
	tcase_add_test(tc, test_copyout_prefix_then_fault);
	tcase_add_test(tc, test_unmapped_faults);
	tcase_add_test(tc, test_no_pmap_active);
	tcase_add_test(tc, test_user_end_bounds);
	tcase_add_test(tc, test_copyinstr_lengths);
	tcase_add_test(tc, test_copyinstr_long_string);
	tcase_add_test(tc, test_copyinstr_faults);
	tcase_add_test(tc, test_status_bits_set_by_copies);
	tcase_add_test(tc, test_fault_resolved_demand_zero);
	tcase_add_test(tc, test_fault_resolved_cow);
	suite_add_tcase(s, tc);
	tcase_add_test(race, test_copy_races_remove);
	suite_add_tcase(s, race);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(usercopy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
