/*
 * The fault path (core/vm/fault.c) under concurrency and with an object
 * of a pager of the test's own: two threads on two vCPUs faulting in the
 * same pages at once get the same pages, and a file-like object (the
 * interface the file system will use) maps shared, privately with
 * copy-on-write, at an offset, and within its protection limits.
 * Helpers: test_vm.h.
 */
#include "contract/cpu.h"
#include "contract/physmem.h"
#include "proc/sched.h"
#include "proc/thread.h"
#include "test_vm.h"

#define RACE_PAGES	256
#define RACE_ROUNDS	8

/* Two threads, one per vCPU, touching the same pages in the same order. */
static struct race {
	uaddr_t base;
	bool write;		/* copyout (else copyin) */
	unsigned ready;		/* threads at the start line */
	unsigned failures;	/* copies that failed */
} race;

static void
racer(void *arg)
{
	uint8_t me = (uint8_t)(uintptr_t)arg, v;
	unsigned i;

	vmspace_switch(vs);
	__atomic_add_fetch(&race.ready, 1, __ATOMIC_ACQ_REL);
	/*
	 * Yield, not spin: the thread that creates the other racer may be
	 * waiting for this CPU (it sleeps while it allocates the second
	 * racer's stack), and a spin reaches no preemption point.
	 */
	while (__atomic_load_n(&race.ready, __ATOMIC_ACQUIRE) < 2)
		thread_yield();
	for (i = 0; i < RACE_PAGES; i++) {
		v = me + 1;
		if (race.write ? copyout(race.base + i * PG + me, &v, 1) :
		    copyin(&v, race.base + i * PG + me, 1))
			__atomic_add_fetch(&race.failures, 1, __ATOMIC_RELAXED);
	}
	vmspace_switch(NULL);
}

/* One round: both threads fault RACE_PAGES pages of a fresh mapping. */
static void
race_round(unsigned flags, bool write)
{
	struct thread *t0, *t1;
	unsigned i;

	race.base = map(0, RACE_PAGES * PG, RW, flags);
	race.write = write;
	race.ready = 0;
	race.failures = 0;
	t0 = thread_create_on(0, "racer0", racer, (void *)0);
	t1 = thread_create_on(1, "racer1", racer, (void *)1);
	ck_assert(t0 != NULL && t1 != NULL);
	thread_join(t0);
	thread_join(t1);
	ck_assert_uint_eq(race.failures, 0);
	for (i = 0; i < RACE_PAGES; i++) {
		uaddr_t va = race.base + i * PG;

		/* Had two pages been made, one thread's byte would be lost. */
		ck_assert_uint_eq(peek(va), write ? 1 : 0);
		ck_assert_uint_eq(peek(va + 1), write ? 2 : 0);
		ck_assert_uint_eq(refs(frame(vs, va)), 1);
	}
	if (flags & MAP_SHARED)
		ck_assert_uint_eq(vm_anon_object_pages(region(race.base).obj),
		    RACE_PAGES);
	else
		ck_assert_uint_eq(vmspace_private_pages(vs), RACE_PAGES);
	ck_assert_int_eq(vm_munmap(vs, race.base, RACE_PAGES * PG), 0);
}

static void
concurrent_faults(void)
{
	unsigned round;

	ck_assert_uint_eq(cpu_count(), 2);
	for (round = 0; round < RACE_ROUNDS; round++) {
		race_round(ANON, true);
		race_round(ANON, false);
		race_round(SHANON, true);
	}
}

START_TEST(test_concurrent_faults)
{
	vm_run_on(2, concurrent_faults);
}
END_TEST

/*
 * A file-like object: FILE_PAGES pages, page i filled with 'a' + i when
 * first asked for; asking beyond the end fails as reading past EOF would.
 */
#define FILE_PAGES	4

static struct test_file {
	struct vm_object obj;
	paddr_t page[FILE_PAGES];
	unsigned gets;
	bool freed;
} tf;

static int
tf_get(struct vm_object *obj, uint64_t idx, paddr_t *pa)
{
	struct test_file *f = container_of(obj, struct test_file, obj);

	if (idx >= FILE_PAGES)
		return -EFAULT;
	if (f->page[idx] == 0) {
		f->page[idx] = page_alloc(0, 0);
		if (f->page[idx] == 0)
			return -ENOMEM;
		page_of(f->page[idx])->refcount = 1;
		memset(phys_to_virt(f->page[idx]), 'a' + (int)idx, PAGE_SIZE);
	}
	f->gets++;
	*pa = f->page[idx];
	return 0;
}

static void
tf_free(struct vm_object *obj)
{
	struct test_file *f = container_of(obj, struct test_file, obj);
	unsigned i;

	for (i = 0; i < FILE_PAGES; i++)
		if (f->page[i] != 0)
			page_free(f->page[i], 0);
	f->freed = true;
}

static const struct vm_pager_ops tf_pager = {
	.name = "test file", .get = tf_get, .free = tf_free,
};

/* The byte a test_file page holds at first. */
static uint8_t
tf_byte(unsigned idx)
{
	return (uint8_t)('a' + idx);
}

/* mmap of the test file that must succeed. */
static uaddr_t
map_file(size_t len, unsigned prot, unsigned flags, uint64_t off,
    unsigned maxprot)
{
	int64_t r = vm_mmap_object(vs, 0, len, prot, flags, &tf.obj, off,
	    maxprot);

	ck_assert_msg(r >= 0, "vm_mmap_object = %lld", (long long)r);
	return (uaddr_t)r;
}

/* A private mapping reads the file and copies a page on its first write. */
static void
file_private(void)
{
	uaddr_t a;
	struct vmspace *child;
	paddr_t pa;

	vm_object_init(&tf.obj, &tf_pager);
	a = map_file(FILE_PAGES * PG, RW, MAP_PRIVATE, 0, PROT_R);
	ck_assert_uint_eq(tf.obj.refs, 2);
	ck_assert_uint_eq(peek(a + PG + 5), tf_byte(1));
	ck_assert_uint_eq(frame(vs, a + PG), tf.page[1]);
	ck_assert_uint_eq(mapped_prot(vs, a + PG), PROT_R);
	ck_assert_uint_eq(vmspace_private_pages(vs), 0);
	/* A write copies the page; the file's stays as it was. */
	poke(a + PG + 5, 'X');
	pa = frame(vs, a + PG);
	ck_assert_uint_ne(pa, tf.page[1]);
	ck_assert_uint_eq(mapped_prot(vs, a + PG), RW);
	ck_assert_uint_eq(*(uint8_t *)phys_to_virt(tf.page[1] + 5), tf_byte(1));
	ck_assert_uint_eq(peek(a + PG + 6), tf_byte(1));
	/* A write to an untouched page copies it straight away. */
	poke(a + 2 * PG, 'Y');
	ck_assert_uint_eq(peek(a + 2 * PG + 1), tf_byte(2));
	ck_assert_uint_eq(vmspace_private_pages(vs), 2);
	/* A child sees the private copies and the file below them. */
	child = vmspace_fork(vs);
	ck_assert_ptr_nonnull(child);
	ck_assert_uint_eq(tf.obj.refs, 3);
	vmspace_switch(child);
	ck_assert_uint_eq(peek(a + PG + 5), 'X');
	ck_assert_uint_eq(peek(a + 3 * PG), tf_byte(3));
	vmspace_switch(vs);
	vmspace_unref(child);
	/* Dropping a private copy brings the file's contents back. */
	ck_assert_int_eq(vm_madvise(vs, a + PG, PG, MADV_DONTNEED), 0);
	ck_assert_uint_eq(peek(a + PG + 5), tf_byte(1));
	ck_assert_int_eq(vm_munmap(vs, a, FILE_PAGES * PG), 0);
	ck_assert_uint_eq(tf.obj.refs, 1);
	ck_assert(!tf.freed);
	vm_object_unref(&tf.obj);
	ck_assert(tf.freed);
}

START_TEST(test_file_private)
{
	vm_run(file_private);
}
END_TEST

/* A shared mapping writes the file's pages; offsets and limits hold. */
static void
file_shared(void)
{
	uaddr_t a, b;

	vm_object_init(&tf.obj, &tf_pager);
	a = map_file(2 * PG, RW, MAP_SHARED, 2 * PG, RW);
	ck_assert_uint_eq(region(a).offset, 2 * PG);
	ck_assert_uint_eq(peek(a), tf_byte(2));
	poke(a + PG + 9, 'Z');
	ck_assert_uint_eq(*(uint8_t *)phys_to_virt(tf.page[3] + 9), 'Z');
	ck_assert_uint_eq(frame(vs, a + PG), tf.page[3]);
	/* A second mapping of the same pages sees the write. */
	b = map_file(FILE_PAGES * PG, PROT_R, MAP_SHARED_VALIDATE, 0, RW);
	ck_assert_uint_eq(peek(b + 3 * PG + 9), 'Z');
	/* Past the end of the object the fault fails. */
	ck_assert_int_eq(vm_munmap(vs, b, FILE_PAGES * PG), 0);
	b = map_file(2 * PG, PROT_R, MAP_SHARED, 3 * PG, RW);
	ck_assert_uint_eq(peek(b), tf_byte(3));
	ck_assert_int_eq(try_peek(b + PG), -EFAULT);
	/* A read-only "file" cannot be mapped or made writable shared. */
	ck_assert_int_eq(vm_mmap_object(vs, 0, PG, RW, MAP_SHARED, &tf.obj, 0,
	    PROT_R), -EACCES);
	b = map_file(PG, PROT_R, MAP_SHARED, 0, PROT_R);
	ck_assert_int_eq(vm_mprotect(vs, b, PG, RW), -EACCES);
	ck_assert_int_eq(vm_mprotect(vs, b, PG, PROT_NONE), 0);
	/* Argument checks particular to objects. */
	ck_assert_int_eq(vm_mmap_object(vs, 0, PG, PROT_R, MAP_SHARED,
	    &tf.obj, 100, RW), -EINVAL);
	ck_assert_int_eq(vm_mmap_object(vs, 0, PG, PROT_R,
	    MAP_SHARED_VALIDATE | 0x40, &tf.obj, 0, RW), -EOPNOTSUPP);
	ck_assert_int_eq(vm_mmap_object(vs, 0, PG, PROT_R, MAP_SHARED | 0x40,
	    &tf.obj, 0, RW) > 0, 1);
	ck_assert_int_eq(vm_mmap_object(vs, 0, PG, PROT_R, 0, &tf.obj, 0, RW),
	    -EINVAL);
	/* A MADV_DONTNEED of shared file pages keeps them. */
	ck_assert_int_eq(vm_madvise(vs, a, 2 * PG, MADV_DONTNEED), 0);
	ck_assert_uint_eq(peek(a + PG + 9), 'Z');
	ck_assert_int_eq(vm_madvise(vs, a, PG, MADV_FREE), -EINVAL);
	/* The address space's end drops every region's reference. */
	vmspace_switch(NULL);
	vmspace_unref(vs);
	ck_assert_uint_eq(tf.obj.refs, 1);
	vm_object_unref(&tf.obj);
	ck_assert(tf.freed);
	vs = vmspace_create();
	vmspace_switch(vs);
}

START_TEST(test_file_shared)
{
	vm_run(file_shared);
}
END_TEST

static Suite *
vm_fault_suite(void)
{
	Suite *s = suite_create("vm_fault");
	TCase *tc = tcase_create("core");
	TCase *race_tc = tcase_create("race");

	tcase_add_test(tc, test_file_private);
	tcase_add_test(tc, test_file_shared);
	suite_add_tcase(s, tc);
	/* Correctness, not speed: a loaded host may take its time. */
	tcase_set_timeout(race_tc, 120);
	tcase_add_test(race_tc, test_concurrent_faults);
	suite_add_tcase(s, race_tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(vm_fault_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0;
}
