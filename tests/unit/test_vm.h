/*
 * Helpers shared by the VM's unit tests (test_vm_*.c).
 *
 * Each test boots a hosted kernel in its own forked child and runs a body
 * in the first kernel thread, with a fresh address space (`vs`) made the
 * thread's current one: user memory is then touched with copyin/copyout,
 * exactly as a syscall would, and the hosted usercopy hands every miss to
 * the core's vm_fault().
 */
#ifndef TEST_VM_H
#define TEST_VM_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "contract/entry.h"
#include "contract/pmap.h"
#include "contract/usercopy.h"
#include "hosted.h"
#include "kern/errno.h"
#include "mm/page.h"
#include "vm/object.h"
#include "vm/vm.h"

#define KiB	((uaddr_t)1 << 10)
#define MiB	((uaddr_t)1 << 20)
#define GiB	((uaddr_t)1 << 30)
#define PG	((uaddr_t)PAGE_SIZE)

#define RW	(PROT_R | PROT_W)
#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS)
#define SHANON	(MAP_SHARED | MAP_ANONYMOUS)

static struct vmspace *vs;		/* the running test's address space */
static void (*vm_body)(void);		/* what the first thread runs */

/* First kernel thread: run the body in a fresh current address space. */
static inline int
vm_boot_main(void *arg)
{
	vs = vmspace_create();
	ck_assert_ptr_nonnull(vs);
	vmspace_switch(vs);
	vm_body();
	vmspace_switch(NULL);
	vmspace_unref(vs);
	return 0;
}

/* Boot ncpus vCPUs with 32 MiB and run body; expect it to finish. */
static inline void
vm_run_on(unsigned ncpus, void (*body)(void))
{
	struct hosted_config cfg = { .ncpus = ncpus, .mem_bytes = 32 * MiB,
	    .quiet = true };

	vm_body = body;
	ck_assert_int_eq(hosted_boot(&cfg, vm_boot_main, NULL), 0);
}

static inline void
vm_run(void (*body)(void))
{
	vm_run_on(1, body);
}

/* mmap that must succeed. */
static inline uaddr_t
map(uaddr_t addr, size_t len, unsigned prot, unsigned flags)
{
	int64_t r = vm_mmap(vs, addr, len, prot, flags);

	ck_assert_msg(r >= 0, "vm_mmap(%#llx, %zu) = %lld",
	    (unsigned long long)addr, len, (long long)r);
	return (uaddr_t)r;
}

/* Write or read one user byte: 0 or -EFAULT. */
static inline int
try_poke(uaddr_t va, uint8_t v)
{
	return copyout(va, &v, 1);
}

static inline int
try_peek(uaddr_t va)
{
	uint8_t v;

	return copyin(&v, va, 1);
}

/*
 * Write or read one user byte that must be accessible; a failure names
 * the caller's line.
 */
#define poke(va, v)	poke_at((va), (v), __LINE__)
#define peek(va)	peek_at((va), __LINE__)

static inline void
poke_at(uaddr_t va, uint8_t v, int line)
{
	ck_assert_msg(try_poke(va, v) == 0, "line %d: poke %#llx failed", line,
	    (unsigned long long)va);
}

static inline uint8_t
peek_at(uaddr_t va, int line)
{
	uint8_t v = 0xee;

	ck_assert_msg(copyin(&v, va, 1) == 0, "line %d: peek %#llx failed",
	    line, (unsigned long long)va);
	return v;
}

/* The frame s maps at va, or 0. */
static inline paddr_t
frame(struct vmspace *s, uaddr_t va)
{
	paddr_t pa;

	if (!pmap_extract(vmspace_pmap(s), va, &pa, NULL))
		return 0;
	return pa & ~(paddr_t)PAGE_MASK;
}

/* The protection s's pmap gives va (0: unmapped). */
static inline unsigned
mapped_prot(struct vmspace *s, uaddr_t va)
{
	unsigned prot;

	if (!pmap_extract(vmspace_pmap(s), va, NULL, &prot))
		return 0;
	return prot & (PROT_R | PROT_W | PROT_X);
}

static inline uint32_t
refs(paddr_t pa)
{
	return page_of(pa)->refcount;
}

/* Regions of vs. */
static inline unsigned
nregions(void)
{
	struct vm_region_info ri;
	uaddr_t a = 0;
	unsigned n = 0;

	while (vmspace_region_at(vs, a, &ri)) {
		n++;
		a = ri.end;
	}
	return n;
}

/* The region that contains addr (which must be mapped). */
static inline struct vm_region_info
region(uaddr_t addr)
{
	struct vm_region_info ri;

	ck_assert(vmspace_region_at(vs, addr, &ri));
	ck_assert_msg(ri.start <= addr, "no region at %#llx",
	    (unsigned long long)addr);
	return ri;
}

#endif
