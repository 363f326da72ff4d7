/*
 * vmspace_fork and copy-on-write (core/vm/vmspace.c, fault.c): private
 * memory is copied on the first write and only then, shared memory stays
 * shared, page reference counts follow the sharers, and destroying every
 * address space gives every page back.  The test thread moves between
 * the parent (`vs`) and its children with vmspace_switch(), as the
 * scheduler will for processes.  Helpers: test_vm.h.
 */
#include "test_vm.h"

/* Run the current thread in s (the helpers then touch s's memory). */
static void
enter(struct vmspace *s)
{
	vmspace_switch(s);
}

/* After fork, each side sees its own writes; copies happen on write only. */
static void
cow_private(void)
{
	uaddr_t a = map(1 * GiB, 4 * PG, RW, ANON);
	struct vmspace *child;
	paddr_t p0, p1, c0;
	size_t before;
	unsigned i;

	for (i = 0; i < 4; i++)
		poke(a + i * PG, (uint8_t)('P' + i));
	p0 = frame(vs, a);
	p1 = frame(vs, a + PG);
	ck_assert_uint_eq(refs(p0), 1);
	child = vmspace_fork(vs);
	ck_assert_ptr_nonnull(child);
	ck_assert_uint_eq(refs(p0), 2);
	ck_assert_uint_eq(vmspace_private_pages(child), 4);
	/* The parent lost write access; the child starts with nothing mapped. */
	ck_assert_uint_eq(mapped_prot(vs, a), PROT_R);
	ck_assert_uint_eq(mapped_prot(child, a), 0);

	enter(child);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(peek(a + i * PG), 'P' + i);
	ck_assert_uint_eq(frame(child, a), p0);
	ck_assert_uint_eq(mapped_prot(child, a), PROT_R);
	before = page_free_count();
	poke(a, 'c');
	ck_assert_uint_eq(page_free_count(), before - 1);
	c0 = frame(child, a);
	ck_assert_uint_ne(c0, p0);
	ck_assert_uint_eq(refs(c0), 1);
	ck_assert_uint_eq(refs(p0), 1);
	ck_assert_uint_eq(mapped_prot(child, a), RW);

	enter(vs);
	ck_assert_uint_eq(peek(a), 'P');
	/* The child copied: the parent is the last holder and reuses p0. */
	before = page_free_count();
	poke(a, 'p');
	ck_assert_uint_eq(page_free_count(), before);
	ck_assert_uint_eq(frame(vs, a), p0);
	ck_assert_uint_eq(mapped_prot(vs, a), RW);
	/* Page 1 is still shared: the parent copies it. */
	poke(a + PG, 'q');
	ck_assert_uint_eq(page_free_count(), before - 1);
	ck_assert_uint_ne(frame(vs, a + PG), p1);
	ck_assert_uint_eq(refs(p1), 1);

	enter(child);
	ck_assert_uint_eq(peek(a), 'c');
	ck_assert_uint_eq(peek(a + PG), 'Q');
	poke(a + PG, 'r');
	ck_assert_uint_eq(frame(child, a + PG), p1);

	enter(vs);
	ck_assert_uint_eq(peek(a), 'p');
	ck_assert_uint_eq(peek(a + PG), 'q');
	ck_assert_uint_eq(peek(a + 2 * PG), 'R');
	vmspace_unref(child);
	ck_assert_uint_eq(refs(frame(vs, a + 2 * PG)), 1);
}

START_TEST(test_cow_private)
{
	vm_run(cow_private);
}
END_TEST

/* MAP_SHARED memory is the same pages in parent and child. */
static void
fork_shared(void)
{
	uaddr_t s = map(0, 2 * PG, RW, SHANON);
	struct vmspace *child;

	poke(s, 1);
	child = vmspace_fork(vs);
	ck_assert_ptr_nonnull(child);
	/* Shared pages keep their write access in the parent. */
	ck_assert_uint_eq(mapped_prot(vs, s), RW);
	enter(child);
	ck_assert_uint_eq(peek(s), 1);
	poke(s, 2);
	poke(s + PG, 3);
	enter(vs);
	ck_assert_uint_eq(peek(s), 2);
	ck_assert_uint_eq(peek(s + PG), 3);
	ck_assert_uint_eq(frame(vs, s), frame(child, s));
	ck_assert_uint_eq(frame(vs, s + PG), frame(child, s + PG));
	poke(s + PG, 4);
	enter(child);
	ck_assert_uint_eq(peek(s + PG), 4);
	ck_assert_uint_eq(vmspace_private_pages(child), 0);
	enter(vs);
	vmspace_unref(child);
	/* The object outlives the child, with its content. */
	ck_assert_uint_eq(peek(s), 2);
	ck_assert_uint_eq(vm_anon_object_pages(region(s).obj), 2);
}

START_TEST(test_fork_shared)
{
	vm_run(fork_shared);
}
END_TEST

/*
 * A parent with private, shared, read-only and guard memory forks; both
 * write; both are destroyed.  Returns with the thread back in `vs`.
 */
static void
fork_cycle(void)
{
	struct vmspace *saved = vs, *parent = vmspace_create(), *child;
	uaddr_t a, s, g;
	paddr_t pa;
	unsigned i;

	ck_assert_ptr_nonnull(parent);
	vs = parent;
	enter(parent);
	a = map(0, 16 * PG, RW, ANON);
	s = map(0, 3 * PG, RW, SHANON);
	g = map(0, PG, PROT_NONE, ANON);
	for (i = 0; i < 16; i++)
		poke(a + i * PG, (uint8_t)i);
	poke(s, 1);
	ck_assert_int_eq(vm_mprotect(vs, a + 12 * PG, 4 * PG, PROT_R), 0);
	child = vmspace_fork(parent);
	ck_assert_ptr_nonnull(child);
	enter(child);
	for (i = 0; i < 16; i += 2)
		ck_assert_uint_eq(peek(a + i * PG), i);
	for (i = 0; i < 8; i++)
		poke(a + i * PG, (uint8_t)(100 + i));
	poke(s + 2 * PG, 2);
	ck_assert_int_eq(try_peek(g), -EFAULT);
	enter(parent);
	for (i = 4; i < 12; i++)
		poke(a + i * PG, (uint8_t)(200 + i));
	ck_assert_uint_eq(peek(a), 0);
	ck_assert_uint_eq(peek(s + 2 * PG), 2);
	vmspace_unref(child);
	/* With the child gone, every page is the parent's alone. */
	for (i = 0; i < 16; i++) {
		pa = frame(parent, a + i * PG);
		if (pa != 0)
			ck_assert_uint_eq(refs(pa), 1);
	}
	vs = saved;
	enter(saved);
	vmspace_unref(parent);	/* the last reference: destroyed */
}

START_TEST(test_fork_frees_everything)
{
	vm_run(fork_cycle);	/* warm the heap's caches up */
}
END_TEST

static void
frees_everything(void)
{
	size_t start;

	fork_cycle();		/* the heap's caches reach their steady state */
	start = page_free_count();
	fork_cycle();
	ck_assert_uint_eq(page_free_count(), start);
	fork_cycle();
	ck_assert_uint_eq(page_free_count(), start);
}

START_TEST(test_fork_page_accounting)
{
	vm_run(frees_everything);
}
END_TEST

/* A child forks a grandchild; each of the three keeps its own memory. */
static void
fork_of_fork(void)
{
	uaddr_t a = map(1 * GiB, 2 * PG, RW, ANON);
	struct vmspace *c1, *c2;
	paddr_t orig1, g0;
	size_t before;

	poke(a, 1);
	poke(a + PG, 1);
	orig1 = frame(vs, a + PG);
	c1 = vmspace_fork(vs);
	ck_assert_ptr_nonnull(c1);
	enter(c1);
	poke(a, 2);			/* c1's own copy of page 0 */
	c2 = vmspace_fork(c1);
	ck_assert_ptr_nonnull(c2);
	ck_assert_uint_eq(refs(orig1), 3);
	ck_assert_uint_eq(refs(frame(c1, a)), 2);
	ck_assert_uint_eq(mapped_prot(c1, a), PROT_R);

	enter(c2);
	ck_assert_uint_eq(peek(a), 2);
	ck_assert_uint_eq(peek(a + PG), 1);
	poke(a + PG, 3);
	ck_assert_uint_eq(refs(orig1), 2);
	enter(vs);
	ck_assert_uint_eq(peek(a), 1);
	ck_assert_uint_eq(peek(a + PG), 1);
	enter(c1);
	ck_assert_uint_eq(peek(a + PG), 1);

	/* The middle one exits; the grandchild's pages are its own now. */
	enter(vs);
	vmspace_unref(c1);
	ck_assert_uint_eq(refs(orig1), 1);
	enter(c2);
	g0 = frame(c2, a);
	ck_assert_uint_eq(refs(g0), 1);
	before = page_free_count();
	poke(a, 4);
	ck_assert_uint_eq(page_free_count(), before);
	ck_assert_uint_eq(frame(c2, a), g0);
	ck_assert_uint_eq(peek(a + PG), 3);
	enter(vs);
	vmspace_unref(c2);
	ck_assert_uint_eq(peek(a), 1);
	ck_assert_uint_eq(refs(frame(vs, a)), 1);
}

START_TEST(test_fork_of_fork)
{
	vm_run(fork_of_fork);
}
END_TEST

/* COW on a page whose only sharer exited reuses it without copying. */
static void
sharer_exited(void)
{
	uaddr_t a = map(1 * GiB, 2 * PG, RW, ANON);
	struct vmspace *child;
	paddr_t p0;
	size_t before;

	poke(a, 5);
	poke(a + PG, 6);
	p0 = frame(vs, a);
	child = vmspace_fork(vs);
	ck_assert_ptr_nonnull(child);
	ck_assert_uint_eq(refs(p0), 2);
	vmspace_unref(child);
	ck_assert_uint_eq(refs(p0), 1);
	ck_assert_uint_eq(mapped_prot(vs, a), PROT_R);
	before = page_free_count();
	poke(a, 7);
	ck_assert_uint_eq(page_free_count(), before);
	ck_assert_uint_eq(frame(vs, a), p0);
	ck_assert_uint_eq(mapped_prot(vs, a), RW);
	ck_assert_uint_eq(peek(a), 7);
	ck_assert_uint_eq(peek(a + PG), 6);
}

START_TEST(test_sharer_exited)
{
	vm_run(sharer_exited);
}
END_TEST

/*
 * mprotect to writable after fork keeps shared pages read-only in the
 * pmap: the write still faults and copies.
 */
static void
upgrade_keeps_cow(void)
{
	uaddr_t a = map(1 * GiB, PG, RW, ANON);
	struct vmspace *child;
	paddr_t p0;

	poke(a, 1);
	p0 = frame(vs, a);
	ck_assert_int_eq(vm_mprotect(vs, a, PG, PROT_R), 0);
	child = vmspace_fork(vs);
	ck_assert_ptr_nonnull(child);
	ck_assert_int_eq(vm_mprotect(vs, a, PG, RW), 0);
	ck_assert_uint_eq(mapped_prot(vs, a), PROT_R);
	poke(a, 2);
	ck_assert_uint_ne(frame(vs, a), p0);
	ck_assert_uint_eq(refs(p0), 1);
	enter(child);
	ck_assert_int_eq(try_poke(a, 3), -EFAULT);	/* read-only there */
	ck_assert_uint_eq(peek(a), 1);
	ck_assert_int_eq(vm_mprotect(child, a, PG, RW), 0);
	poke(a, 3);
	ck_assert_uint_eq(frame(child, a), p0);	/* the last holder */
	enter(vs);
	ck_assert_uint_eq(peek(a), 2);
	vmspace_unref(child);
}

START_TEST(test_upgrade_keeps_cow)
{
	vm_run(upgrade_keeps_cow);
}
END_TEST

/* The child inherits the program break and unmaps on its own. */
static void
fork_layout(void)
{
	uaddr_t a = map(0, 2 * PG, RW, ANON);
	struct vmspace *child;

	vm_brk_init(vs, 0x800000);
	ck_assert_uint_eq(vm_brk(vs, 0x800000 + 3 * PG), 0x800000 + 3 * PG);
	poke(0x800000, 8);
	child = vmspace_fork(vs);
	ck_assert_ptr_nonnull(child);
	ck_assert_uint_eq(vm_brk(child, 0), 0x800000 + 3 * PG);
	ck_assert_int_eq(vm_munmap(child, a, 2 * PG), 0);
	ck_assert_uint_eq(vm_mmap(child, 0, PG, RW, ANON), a + PG);
	ck_assert_uint_eq(vm_brk(child, 0x800000), 0x800000);
	enter(child);
	ck_assert_int_eq(try_peek(0x800000), -EFAULT);
	enter(vs);
	ck_assert_uint_eq(peek(0x800000), 8);
	poke(a, 1);
	vmspace_unref(child);
}

START_TEST(test_fork_layout)
{
	vm_run(fork_layout);
}
END_TEST

static Suite *
vm_fork_suite(void)
{
	Suite *s = suite_create("vm_fork");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cow_private);
	tcase_add_test(tc, test_fork_shared);
	tcase_add_test(tc, test_fork_frees_everything);
	tcase_add_test(tc, test_fork_page_accounting);
	tcase_add_test(tc, test_fork_of_fork);
	tcase_add_test(tc, test_sharer_exited);
	tcase_add_test(tc, test_upgrade_keeps_cow);
	tcase_add_test(tc, test_fork_layout);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(vm_fork_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
