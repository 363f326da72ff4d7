/*
 * The map operations (core/vm/map.c) on one address space: mmap
 * placement and its error cases, MAP_FIXED and MAP_FIXED_NOREPLACE,
 * munmap splitting, mprotect, PROT_NONE guards, brk and madvise, and
 * demand-zero faults as user copies see them.  Helpers: test_vm.h.
 */
#include "mm/reserve.h"
#include "test_vm.h"

/* Without a hint, mappings go top-down below the mmap base, packed. */
static void
placement(void)
{
	uaddr_t a, b, c;

	a = map(0, 3 * PG, RW, ANON);
	ck_assert_uint_eq(a, VM_MMAP_BASE - 3 * PG);
	b = map(0, PG, RW, ANON);
	ck_assert_uint_eq(b, a - PG);
	/* Alike neighbours merge into one region. */
	ck_assert_uint_eq(nregions(), 1);
	ck_assert_uint_eq(region(b).start, b);
	ck_assert_uint_eq(region(b).end, VM_MMAP_BASE);
	/* A length that is not a page multiple takes whole pages. */
	c = map(0, 100, PROT_R, ANON);
	ck_assert_uint_eq(c, b - PG);
	ck_assert_uint_eq(nregions(), 2);
	/* A free hint is taken as is, rounded down to its page. */
	ck_assert_uint_eq(map(1 * GiB + 123, 2 * PG, RW, ANON), 1 * GiB);
	/* An occupied one is not: the search goes on below the lowest. */
	ck_assert_uint_eq(map(a + PG, PG, RW, ANON), c - PG);
	/* A hint below the lowest mappable address is raised to it. */
	ck_assert_uint_eq(map(PG, PG, RW, ANON), VM_MMAP_MIN);
	/* A gap that fits is found between mappings, highest first. */
	ck_assert_int_eq(vm_munmap(vs, b, PG), 0);
	ck_assert_uint_eq(map(0, PG, PROT_R, ANON), b);
	ck_assert_uint_eq(map(0, 2 * PG, PROT_R, ANON), c - 3 * PG);
}

START_TEST(test_placement)
{
	vm_run(placement);
}
END_TEST

/* Fresh memory reads as zeros; pages are allocated on first touch only. */
static void
demand_zero(void)
{
	static uint8_t buf[3 * 4096];
	uaddr_t a = map(0, 64 * PG, RW, ANON);
	size_t before = page_free_count();

	ck_assert_uint_eq(vmspace_private_pages(vs), 0);
	ck_assert_uint_eq(page_free_count(), before);
	memset(buf, 0xff, sizeof(buf));
	ck_assert_int_eq(copyin(buf, a + 10 * PG + 100, sizeof(buf)), 0);
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_uint_eq(buf[sizeof(buf) - 1], 0);
	ck_assert_uint_eq(vmspace_private_pages(vs), 4);
	memset(buf, 0x5a, sizeof(buf));
	ck_assert_int_eq(copyout(a + 10 * PG + 100, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(vmspace_private_pages(vs), 4);
	ck_assert_uint_eq(peek(a + 13 * PG + 99), 0x5a);
	ck_assert_uint_eq(peek(a + 13 * PG + 100), 0);
	ck_assert_uint_eq(mapped_prot(vs, a + 10 * PG), RW);
	ck_assert_uint_eq(mapped_prot(vs, a + 14 * PG), 0);
	/* Outside any mapping, every access fails. */
	ck_assert_int_eq(try_peek(a - 1), -EFAULT);
	ck_assert_int_eq(try_poke(a + 64 * PG, 1), -EFAULT);
	ck_assert_int_eq(vm_fault(a + 64 * PG, PROT_R), -EFAULT);
	/* Writes to a read-only mapping fail, reads work. */
	a = map(0, PG, PROT_R, ANON);
	ck_assert_int_eq(try_poke(a, 1), -EFAULT);
	ck_assert_uint_eq(peek(a), 0);
	ck_assert_int_eq(vm_fault(a, PROT_X), -EFAULT);
}

START_TEST(test_demand_zero)
{
	vm_run(demand_zero);
}
END_TEST

/* Every argument error, with Linux's numbers; none changes the map. */
static void
mmap_errors(void)
{
	uaddr_t a = map(1 * GiB, 4 * PG, RW, ANON);

	ck_assert_int_eq(vm_mmap(vs, 0, 0, RW, ANON), -EINVAL);
	ck_assert_int_eq(vm_mmap(vs, 0, PG, RW, MAP_ANONYMOUS), -EINVAL);
	ck_assert_int_eq(vm_mmap(vs, 0, PG, RW,
	    MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS), -EINVAL);
	ck_assert_int_eq(vm_mmap(vs, 0, PG, RW, 0x4 | MAP_ANONYMOUS), -EINVAL);
	ck_assert_int_eq(vm_mmap(vs, a + 1, PG, RW, ANON | MAP_FIXED),
	    -EINVAL);
	ck_assert_int_eq(vm_mmap(vs, 2 * GiB + 8, PG, RW,
	    ANON | MAP_FIXED_NOREPLACE), -EINVAL);
	/* No MAP_ANONYMOUS: there is no file, as with fd -1. */
	ck_assert_int_eq(vm_mmap(vs, 0, PG, RW, MAP_PRIVATE), -EBADF);
	/* Page zero and the low pages are refused (vm.mmap_min_addr). */
	ck_assert_int_eq(vm_mmap(vs, 0, PG, RW, ANON | MAP_FIXED), -EPERM);
	ck_assert_int_eq(vm_mmap(vs, VM_MMAP_MIN - PG, PG, RW,
	    ANON | MAP_FIXED), -EPERM);
	/* Too long, or past the top of the user half. */
	ck_assert_int_eq(vm_mmap(vs, 0, SIZE_MAX, RW, ANON), -ENOMEM);
	ck_assert_int_eq(vm_mmap(vs, 0, USER_END, RW, ANON), -ENOMEM);
	ck_assert_int_eq(vm_mmap(vs, VM_USER_TOP, PG, RW, ANON | MAP_FIXED),
	    -ENOMEM);
	ck_assert_int_eq(vm_mmap(vs, VM_USER_TOP - PG, 2 * PG, RW,
	    ANON | MAP_FIXED), -ENOMEM);
	ck_assert_uint_eq(vm_mmap(vs, VM_USER_TOP - PG, PG, RW,
	    ANON | MAP_FIXED), VM_USER_TOP - PG);
	/* munmap */
	ck_assert_int_eq(vm_munmap(vs, a + 1, PG), -EINVAL);
	ck_assert_int_eq(vm_munmap(vs, a, 0), -EINVAL);
	ck_assert_int_eq(vm_munmap(vs, a, SIZE_MAX), -EINVAL);
	ck_assert_int_eq(vm_munmap(vs, USER_END, PG), -EINVAL);
	/* mprotect */
	ck_assert_int_eq(vm_mprotect(vs, a + 1, PG, PROT_R), -EINVAL);
	ck_assert_int_eq(vm_mprotect(vs, a, PG, 0x10), -EINVAL);
	ck_assert_int_eq(vm_mprotect(vs, a, SIZE_MAX, PROT_R), -ENOMEM);
	ck_assert_int_eq(vm_mprotect(vs, a, 0, PROT_R), 0);
	/* madvise */
	ck_assert_int_eq(vm_madvise(vs, a + 1, PG, MADV_DONTNEED), -EINVAL);
	ck_assert_int_eq(vm_madvise(vs, a, PG, 77), -EINVAL);
	ck_assert_int_eq(vm_madvise(vs, a, SIZE_MAX, MADV_DONTNEED), -EINVAL);
	ck_assert_int_eq(vm_madvise(vs, a, 0, MADV_DONTNEED), 0);
	/* Nothing moved. */
	ck_assert_uint_eq(nregions(), 2);
	ck_assert_uint_eq(region(a).start, a);
	ck_assert_uint_eq(region(a).end, a + 4 * PG);
	ck_assert_uint_eq(region(a).prot, RW);
}

START_TEST(test_mmap_errors)
{
	vm_run(mmap_errors);
}
END_TEST

/* MAP_FIXED replaces what was there: its pages go, the rest stays. */
static void
fixed_replaces(void)
{
	uaddr_t a = map(1 * GiB, 4 * PG, RW, ANON);
	size_t before;
	unsigned i;

	for (i = 0; i < 4; i++)
		poke(a + i * PG, (uint8_t)(i + 1));
	ck_assert_uint_eq(vmspace_private_pages(vs), 4);
	before = page_free_count();
	ck_assert_uint_eq(map(a + PG, 2 * PG, RW, ANON | MAP_FIXED), a + PG);
	ck_assert_uint_eq(vmspace_private_pages(vs), 2);
	ck_assert_uint_eq(page_free_count(), before + 2);
	ck_assert_uint_eq(peek(a), 1);
	ck_assert_uint_eq(peek(a + PG), 0);
	ck_assert_uint_eq(peek(a + 2 * PG), 0);
	ck_assert_uint_eq(peek(a + 3 * PG), 4);
	/* Same kind of memory on both sides: one region again. */
	ck_assert_uint_eq(nregions(), 1);
	/* A different protection keeps it separate. */
	ck_assert_uint_eq(map(a + 3 * PG, PG, PROT_R, ANON | MAP_FIXED),
	    a + 3 * PG);
	ck_assert_uint_eq(nregions(), 2);
	ck_assert_int_eq(try_poke(a + 3 * PG, 9), -EFAULT);
	ck_assert_uint_eq(peek(a + 3 * PG), 0);
	/* MAP_FIXED across a hole and two regions. */
	ck_assert_uint_eq(map(a + 3 * PG, 3 * PG, RW, ANON | MAP_FIXED),
	    a + 3 * PG);
	ck_assert_uint_eq(nregions(), 1);
	ck_assert_uint_eq(region(a).end, a + 6 * PG);
}

START_TEST(test_fixed_replaces)
{
	vm_run(fixed_replaces);
}
END_TEST

/* MAP_FIXED_NOREPLACE never touches an existing mapping. */
static void
fixed_noreplace(void)
{
	uaddr_t a = map(1 * GiB, 2 * PG, RW, ANON);

	poke(a, 42);
	ck_assert_int_eq(vm_mmap(vs, a, PG, RW, ANON | MAP_FIXED_NOREPLACE),
	    -EEXIST);
	ck_assert_int_eq(vm_mmap(vs, a - PG, 2 * PG, RW,
	    ANON | MAP_FIXED_NOREPLACE), -EEXIST);
	ck_assert_int_eq(vm_mmap(vs, a + PG, 8 * PG, PROT_R,
	    MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE), -EEXIST);
	ck_assert_uint_eq(peek(a), 42);
	ck_assert_uint_eq(vm_mmap(vs, a + 2 * PG, PG, RW,
	    ANON | MAP_FIXED_NOREPLACE), a + 2 * PG);
	ck_assert_uint_eq(vm_mmap(vs, a - PG, PG, RW,
	    ANON | MAP_FIXED | MAP_FIXED_NOREPLACE), a - PG);
	ck_assert_uint_eq(nregions(), 1);
	ck_assert_uint_eq(peek(a), 42);
}

START_TEST(test_fixed_noreplace)
{
	vm_run(fixed_noreplace);
}
END_TEST

/* munmap in the middle of a region leaves two, and frees the middle. */
static void
munmap_split(void)
{
	uaddr_t a = map(1 * GiB, 5 * PG, RW, ANON);
	size_t before;
	unsigned i;

	for (i = 0; i < 5; i++)
		poke(a + i * PG + 7, (uint8_t)(10 + i));
	before = page_free_count();
	ck_assert_int_eq(vm_munmap(vs, a + PG, 3 * PG - 100), 0);
	ck_assert_uint_eq(page_free_count(), before + 3);
	ck_assert_uint_eq(vmspace_private_pages(vs), 2);
	ck_assert_uint_eq(nregions(), 2);
	ck_assert_uint_eq(region(a).end, a + PG);
	ck_assert_uint_eq(region(a + 4 * PG).start, a + 4 * PG);
	ck_assert_uint_eq(region(a + 4 * PG).end, a + 5 * PG);
	ck_assert_uint_eq(peek(a + 7), 10);
	ck_assert_uint_eq(peek(a + 4 * PG + 7), 14);
	for (i = 1; i < 4; i++) {
		ck_assert_int_eq(try_peek(a + i * PG), -EFAULT);
		ck_assert_uint_eq(mapped_prot(vs, a + i * PG), 0);
	}
	/* Unmapping nothing is fine; so is a range over holes and regions. */
	ck_assert_int_eq(vm_munmap(vs, a + PG, PG), 0);
	ck_assert_int_eq(vm_munmap(vs, 3 * GiB, 100 * PG), 0);
	ck_assert_int_eq(vm_munmap(vs, a - 10 * PG, 20 * PG), 0);
	ck_assert_uint_eq(nregions(), 0);
	ck_assert_uint_eq(vmspace_private_pages(vs), 0);
	ck_assert_int_eq(try_peek(a + 7), -EFAULT);
	/* Trimming either end of a region. */
	a = map(1 * GiB, 4 * PG, RW, ANON);
	ck_assert_int_eq(vm_munmap(vs, a, PG), 0);
	ck_assert_int_eq(vm_munmap(vs, a + 3 * PG, PG), 0);
	ck_assert_uint_eq(region(a + PG).start, a + PG);
	ck_assert_uint_eq(region(a + PG).end, a + 3 * PG);
}

START_TEST(test_munmap_split)
{
	vm_run(munmap_split);
}
END_TEST

/* mprotect splits and merges regions and changes what copies may do. */
static void
mprotect_rw(void)
{
	uaddr_t a = map(1 * GiB, 3 * PG, RW, ANON);
	unsigned i;

	for (i = 0; i < 3; i++)
		poke(a + i * PG, (uint8_t)(20 + i));
	ck_assert_int_eq(vm_mprotect(vs, a + PG, PG, PROT_R), 0);
	ck_assert_uint_eq(nregions(), 3);
	ck_assert_uint_eq(region(a + PG).prot, PROT_R);
	ck_assert_uint_eq(mapped_prot(vs, a + PG), PROT_R);
	ck_assert_int_eq(try_poke(a + PG, 1), -EFAULT);
	ck_assert_uint_eq(peek(a + PG), 21);
	poke(a, 1);
	poke(a + 2 * PG, 3);
	/* Back to read-write: one region, and writes work again. */
	ck_assert_int_eq(vm_mprotect(vs, a + PG, PG, RW), 0);
	ck_assert_uint_eq(nregions(), 1);
	poke(a + PG, 2);
	ck_assert_uint_eq(peek(a + PG), 2);
	ck_assert_uint_eq(mapped_prot(vs, a + PG), RW);
	/* A range with a hole changes nothing. */
	map(a + 4 * PG, PG, RW, ANON | MAP_FIXED);
	ck_assert_int_eq(vm_mprotect(vs, a, 5 * PG, PROT_R), -ENOMEM);
	ck_assert_int_eq(vm_mprotect(vs, 5 * GiB, PG, PROT_R), -ENOMEM);
	ck_assert_uint_eq(region(a).prot, RW);
	poke(a, 5);
	/* Across two regions, partly covering each. */
	ck_assert_int_eq(vm_munmap(vs, a + 3 * PG, PG), 0);
	map(a + 3 * PG, PG, RW, ANON | MAP_FIXED);
	ck_assert_int_eq(vm_mprotect(vs, a + 2 * PG, 2 * PG, PROT_R), 0);
	ck_assert_uint_eq(region(a).end, a + 2 * PG);
	ck_assert_uint_eq(region(a + 2 * PG).end, a + 4 * PG);
	ck_assert_uint_eq(region(a + 4 * PG).start, a + 4 * PG);
	ck_assert_int_eq(try_poke(a + 2 * PG, 1), -EFAULT);
	/* The protection bits Linux accepts but ignores (PROT_SEM). */
	ck_assert_int_eq(vm_mprotect(vs, a, PG, RW | 0x8), 0);
}

START_TEST(test_mprotect_rw)
{
	vm_run(mprotect_rw);
}
END_TEST

/* PROT_NONE: a guard that faults, and whose pages survive it. */
static void
prot_none(void)
{
	uaddr_t a = map(1 * GiB, 3 * PG, RW, ANON);
	uaddr_t g = map(2 * GiB, PG, PROT_NONE, ANON);

	ck_assert_int_eq(try_peek(g), -EFAULT);
	ck_assert_int_eq(try_poke(g, 1), -EFAULT);
	ck_assert_int_eq(vm_fault(g, PROT_R), -EFAULT);
	ck_assert_uint_eq(vmspace_private_pages(vs), 0);
	/* A guard page at the bottom of a "stack". */
	poke(a + 100, 77);
	ck_assert_int_eq(vm_mprotect(vs, a, PG, PROT_NONE), 0);
	ck_assert_int_eq(try_peek(a + 100), -EFAULT);
	ck_assert_uint_eq(mapped_prot(vs, a), 0);
	poke(a + PG, 1);
	/* Its content comes back with access. */
	ck_assert_int_eq(vm_mprotect(vs, a, PG, PROT_R), 0);
	ck_assert_uint_eq(peek(a + 100), 77);
	ck_assert_int_eq(try_poke(a + 100, 1), -EFAULT);
}

START_TEST(test_prot_none)
{
	vm_run(prot_none);
}
END_TEST

/* The program break: grow, shrink, and the failures that keep it. */
static void
brk_moves(void)
{
	const uaddr_t start = 0x601234, top = ROUNDUP(start, PG);
	uaddr_t next;

	vm_brk_init(vs, start);
	ck_assert_uint_eq(vm_brk(vs, 0), start);
	ck_assert_uint_eq(vm_brk(vs, start - 1), start);
	/* Within the last page: no new memory, just a new value. */
	ck_assert_uint_eq(vm_brk(vs, top), top);
	ck_assert_uint_eq(nregions(), 0);
	ck_assert_uint_eq(vm_brk(vs, start + 10000), start + 10000);
	ck_assert_uint_eq(region(top).end, ROUNDUP(start + 10000, PG));
	poke(top, 1);
	poke(start + 10000, 2);
	ck_assert_int_eq(try_poke(ROUNDUP(start + 10000, PG), 3), -EFAULT);
	ck_assert_uint_eq(vmspace_private_pages(vs), 2);
	/* Shrinking frees the pages above the new break. */
	ck_assert_uint_eq(vm_brk(vs, start + 100), start + 100);
	ck_assert_uint_eq(nregions(), 0);
	ck_assert_uint_eq(vmspace_private_pages(vs), 0);
	ck_assert_int_eq(try_peek(top), -EFAULT);
	ck_assert_uint_eq(vm_brk(vs, top + 4 * PG), top + 4 * PG);
	ck_assert_uint_eq(peek(top), 0);
	/* A mapping above stops the heap one page short of it. */
	next = map(top + 10 * PG, PG, RW, ANON | MAP_FIXED);
	ck_assert_uint_eq(vm_brk(vs, next - PG + 1), top + 4 * PG);
	ck_assert_uint_eq(vm_brk(vs, next - PG), next - PG);
	ck_assert_uint_eq(vm_brk(vs, VM_USER_TOP + 1), next - PG);
	ck_assert_uint_eq(vm_brk(vs, UINT64_MAX), next - PG);
	ck_assert_uint_eq(nregions(), 2);
	ck_assert_uint_eq(vm_brk(vs, start), start);
	ck_assert_uint_eq(nregions(), 1);
}

START_TEST(test_brk)
{
	vm_run(brk_moves);
}
END_TEST

/* MADV_DONTNEED: private pages read back as zero, shared ones keep data. */
static void
madvise_dontneed(void)
{
	uaddr_t p = map(1 * GiB, 3 * PG, RW, ANON);
	uaddr_t s = map(2 * GiB, 2 * PG, RW, SHANON);
	size_t before;

	poke(p, 1);
	poke(p + PG, 2);
	poke(p + 2 * PG, 8);	/* keeps the page table in use */
	poke(s, 3);
	poke(s + PG, 4);
	before = page_free_count();
	ck_assert_int_eq(vm_madvise(vs, p, 2 * PG, MADV_DONTNEED), 0);
	ck_assert_uint_eq(page_free_count(), before + 2);
	ck_assert_uint_eq(vmspace_private_pages(vs), 1);
	ck_assert_uint_eq(peek(p + 2 * PG), 8);
	ck_assert_uint_eq(mapped_prot(vs, p), 0);
	ck_assert_uint_eq(peek(p), 0);
	ck_assert_uint_eq(peek(p + PG), 0);
	ck_assert_int_eq(vm_madvise(vs, s, 2 * PG, MADV_DONTNEED), 0);
	ck_assert_uint_eq(mapped_prot(vs, s), 0);
	ck_assert_uint_eq(peek(s), 3);
	ck_assert_uint_eq(peek(s + PG), 4);
	ck_assert_uint_eq(vm_anon_object_pages(region(s).obj), 2);
	/* Holes make it -ENOMEM, after doing the mapped parts. */
	poke(p, 5);
	ck_assert_int_eq(vm_madvise(vs, p - PG, 2 * PG, MADV_DONTNEED),
	    -ENOMEM);
	ck_assert_uint_eq(peek(p), 0);
	ck_assert_int_eq(vm_madvise(vs, 3 * GiB, PG, MADV_DONTNEED), -ENOMEM);
	/* MADV_FREE is for private anonymous memory only. */
	poke(p, 6);
	ck_assert_int_eq(vm_madvise(vs, p, PG, MADV_FREE), 0);
	ck_assert_uint_eq(peek(p), 0);
	ck_assert_int_eq(vm_madvise(vs, s, PG, MADV_FREE), -EINVAL);
	/* Other hints change nothing. */
	poke(p, 7);
	ck_assert_int_eq(vm_madvise(vs, p, PG, MADV_WILLNEED), 0);
	ck_assert_int_eq(vm_madvise(vs, p, PG, MADV_SEQUENTIAL), 0);
	ck_assert_uint_eq(peek(p), 7);
}

START_TEST(test_madvise)
{
	vm_run(madvise_dontneed);
}
END_TEST

/* MAP_SHARED anonymous memory: one object per mmap, pages on demand. */
static void
shared_anon(void)
{
	uaddr_t s = map(1 * GiB, 4 * PG, RW, SHANON);
	uaddr_t t = map(1 * GiB + 4 * PG, 4 * PG, RW, SHANON);
	struct vm_object *obj = region(s).obj;

	ck_assert_ptr_nonnull(obj);
	ck_assert(region(s).shared);
	/* Two shared mappings never merge: different objects. */
	ck_assert_uint_eq(nregions(), 2);
	ck_assert_uint_eq(vm_anon_object_pages(obj), 0);
	poke(s + 3 * PG, 9);
	ck_assert_uint_eq(vm_anon_object_pages(obj), 1);
	ck_assert_uint_eq(vmspace_private_pages(vs), 0);
	/* A split keeps both halves on the same object, at their offsets. */
	ck_assert_int_eq(vm_mprotect(vs, s + 2 * PG, PG, PROT_R), 0);
	ck_assert_ptr_eq(region(s + 3 * PG).obj, obj);
	ck_assert_uint_eq(region(s + 3 * PG).offset, 3 * PG);
	ck_assert_uint_eq(peek(s + 3 * PG), 9);
	ck_assert_int_eq(vm_mprotect(vs, s + 2 * PG, PG, RW), 0);
	ck_assert_uint_eq(nregions(), 2);
	poke(t, 1);
	ck_assert_uint_eq(vm_munmap(vs, s, 8 * PG), 0);
	ck_assert_uint_eq(nregions(), 0);
}

START_TEST(test_shared_anon)
{
	vm_run(shared_anon);
}
END_TEST

/*
 * Out of pages: a fault inside a syscall (a reservation is active) fails
 * with -ENOMEM at once, and works once pages return.  (A fault outside
 * one waits for memory instead: test_mm_oom.)
 */
static void
fault_enomem(void)
{
	static paddr_t hoard[32 * 1024];
	uaddr_t a = map(1 * GiB, 4 * PG, RW, ANON);
	size_t n = 0;

	poke(a, 1);	/* page tables and the pagemap chunk exist */
	reserve_begin(PAGE_SIZE, "t_fault_enomem");
	while (n < ARRAY_SIZE(hoard) && (hoard[n] = page_alloc(0, 0)) != 0)
		n++;
	ck_assert_uint_lt(n, ARRAY_SIZE(hoard));
	ck_assert_int_eq(vm_fault(a + PG, PROT_W), -ENOMEM);
	ck_assert_int_eq(try_poke(a + PG, 2), -EFAULT);
	ck_assert_uint_eq(peek(a), 1);
	reserve_end();
	while (n > 0)
		page_free(hoard[--n], 0);
	poke(a + PG, 2);
	ck_assert_uint_eq(peek(a + PG), 2);
}

START_TEST(test_fault_enomem)
{
	vm_run(fault_enomem);
}
END_TEST

static Suite *
vm_mmap_suite(void)
{
	Suite *s = suite_create("vm_mmap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_placement);
	tcase_add_test(tc, test_demand_zero);
	tcase_add_test(tc, test_mmap_errors);
	tcase_add_test(tc, test_fixed_replaces);
	tcase_add_test(tc, test_fixed_noreplace);
	tcase_add_test(tc, test_munmap_split);
	tcase_add_test(tc, test_mprotect_rw);
	tcase_add_test(tc, test_prot_none);
	tcase_add_test(tc, test_brk);
	tcase_add_test(tc, test_madvise);
	tcase_add_test(tc, test_shared_anon);
	tcase_add_test(tc, test_fault_enomem);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(vm_mmap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
