/*
 * The hosted software MMU: x86-64 4-level page tables, walked in software.
 *
 * The hosted bake runs no user machine code, yet the core's VM (fork with
 * copy-on-write, demand paging, mmap) must behave exactly as it will on the
 * real MMU.  So this pmap keeps the very structure the hardware walks, in
 * the very code x86_64's pmap uses: platform/x86_64/pagetable.c builds and
 * walks the 4-level tables (PML4, PDPT, PD, PT) with architectural entries,
 * NX always in use.  The "hardware" that reads these tables is usercopy.c,
 * through pmap_sw.h: it checks the leaf's bits and sets accessed and
 * dirty, so page aging and dirty tracking are testable here.  This file
 * keeps what differs from x86_64: the per-CPU current pmap and the
 * software shootdown.
 *
 * Concurrency.  Callers serialise changes to one pmap (contract/pmap.h),
 * so there is one writer; but another CPU's usercopy may walk the same
 * tables at any time, as a hardware walker would.  Hence every entry is
 * read with an atomic load and written with an atomic store, exchange or
 * compare-and-swap (so that an accessed or dirty bit set by a walker is
 * never lost to a concurrent protect), and a new table is zeroed before
 * the release store that links it.
 *
 * TLB shootdown.  There is no TLB to flush: a walker reads the tables each
 * time.  What a shootdown guarantees on hardware is that once pmap_remove()
 * returns no CPU still writes through the old translation, so the caller
 * may free the page.  The hosted walker holds a translation for one
 * page-sized copy step, bracketed by pmap_sw_pin()/pmap_sw_unpin(); a
 * change that takes access away (and any change that unlinks a table)
 * waits, before returning or freeing tables, for every CPU that was pinned
 * in this pmap when the change became visible.  That wait is the software
 * shootdown: short (a walker never sleeps pinned) and complete on return.
 *
 * "Current pmap" belongs to the CPU, as CR3 does: kernel threads migrate
 * between the virtual CPUs' pthreads, and the scheduler activates the
 * right pmap on every switch.
 */
#include "hosted.h"
#include "pmap_sw.h"

#include "contract/cpu.h"
#include "contract/physmem.h"
#include "contract/pmap.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/list.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "proc/thread.h"

#include "../x86_64/pagetable.h"

struct pmap {
	struct pt pt;		/* [i] the tables */
};

/*
 * Per-CPU MMU state, each in its own cache line.  Fields are written only
 * by their CPU and read by any CPU, atomically.
 */
struct pmap_cpu {
	struct pmap *active;	/* the loaded address space ("CR3") */
	uint64_t pin_seq;	/* odd while a walker is pinned on this CPU */
} __attribute__((aligned(64)));

static struct pmap_cpu pmap_cpus[HOSTED_CPU_MAX];

/* Whether leaf entry e allows a user access of kind `access` (PROT_*). */
static bool
pte_allows(uint64_t e, unsigned access)
{
	if ((e & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
		return false;
	if ((access & PROT_W) && !(e & PTE_W))
		return false;
	if ((access & PROT_X) && (e & PTE_NX))
		return false;
	return true;
}

/* This CPU's MMU state.  Interrupts disabled, or the answer may go stale. */
static struct pmap_cpu *
this_cpu(void)
{
	return &pmap_cpus[cpu_id()];
}

/*
 * The software shootdown: wait until no CPU is still inside a pin step in
 * pm that may have read the tables before the caller's change.  The caller
 * has already stored the change; the fence pairs with pmap_sw_pin()'s, so
 * a walker either sees the change or is seen pinned here.
 */
static void
pmap_shootdown(struct pmap *pm)
{
	struct pmap_cpu *pc;
	uint64_t seq;
	unsigned c;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (c = 0; c < cpu_count(); c++) {
		pc = &pmap_cpus[c];
		seq = __atomic_load_n(&pc->pin_seq, __ATOMIC_SEQ_CST);
		if (!(seq & 1) ||
		    __atomic_load_n(&pc->active, __ATOMIC_ACQUIRE) != pm)
			continue;
		while (__atomic_load_n(&pc->pin_seq, __ATOMIC_ACQUIRE) == seq)
			cpu_relax();
	}
}

/* A new, empty address space, or NULL when memory is exhausted. */
struct pmap *
pmap_create(void)
{
	struct pmap *pm;

	pm = kzalloc(sizeof(*pm));
	if (pm == NULL)
		return NULL;
	if (pt_init(&pm->pt, PTE_NX) != 0) {
		kfree(pm);
		return NULL;
	}
	return pm;
}

/*
 * Unload pm from the calling CPU if it is loaded there only because the
 * running thread kept the last address space (the scheduler's lazy
 * switch, core/proc/sched.c); a thread destroying its own pmap is a bug.
 */
static void
pmap_unload_here(struct pmap *pm)
{
	unsigned long s = intr_save();
	struct pmap_cpu *pc = this_cpu();
	struct thread *t;

	if (__atomic_load_n(&pc->active, __ATOMIC_ACQUIRE) == pm) {
		t = curthread();
		if (t != NULL && t->pmap == pm)
			panic("pmap_destroy: pmap in use by %s on cpu %u",
			    t->name, cpu_id());
		__atomic_store_n(&pc->active, NULL, __ATOMIC_RELEASE);
	}
	intr_restore(s);
}

/*
 * Free every page-table page of pm and pm itself.  No thread may use pm
 * any more, but CPUs that went on to run kernel threads may still have it
 * loaded, this one included: wait out any straggling walker, then unload
 * it everywhere.
 */
void
pmap_destroy(struct pmap *pm)
{
	struct pmap *expect;
	unsigned c;

	pmap_unload_here(pm);
	pmap_shootdown(pm);
	for (c = 0; c < cpu_count(); c++) {
		expect = pm;
		__atomic_compare_exchange_n(&pmap_cpus[c].active, &expect, NULL,
		    false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
	pt_fini(&pm->pt);
	kfree(pm);
}

/* Load pm (or NULL: no user space) into this CPU's MMU. */
void
pmap_activate(struct pmap *pm)
{
	unsigned long s = intr_save();

	__atomic_store_n(&this_cpu()->active, pm, __ATOMIC_RELEASE);
	intr_restore(s);
}

/* The calling CPU's active pmap, or NULL. */
struct pmap *
pmap_current(void)
{
	unsigned long s = intr_save();
	struct pmap *pm;

	pm = __atomic_load_n(&this_cpu()->active, __ATOMIC_ACQUIRE);
	intr_restore(s);
	return pm;
}

/*
 * Map va to pa with prot, replacing any previous mapping (keeping the
 * status bits when the frame stays); wait for walkers that may hold
 * what the old mapping gave.  Caller serialises changes to pm.
 */
int
pmap_enter(struct pmap *pm, uaddr_t va, paddr_t pa, unsigned prot)
{
	bool lost;
	int error = pt_enter(&pm->pt, va, pa, prot, &lost);

	if (lost)
		pmap_shootdown(pm);
	return error;
}

/* A range walk and whether it owes a shootdown. */
struct range_op {
	struct pt_range r;
	bool shoot;		/* a walker may hold access taken away */
};

/* The walk's report of a page or table walkers must drop. */
static void
range_changed(struct pt_range *r, uaddr_t va)
{
	(void)va;
	container_of(r, struct range_op, r)->shoot = true;
}

/*
 * Walk the pages that meet [va, end), then shoot down (one wait covers
 * every page, and the tables the walk unlinked) and free those tables.
 * Caller serialises changes to pm.
 */
static void
range_run(struct pmap *pm, uaddr_t va, uaddr_t end, struct range_op *op)
{
	op->r.changed = range_changed;
	pt_range(&pm->pt, va, end, &op->r);
	if (op->shoot)
		pmap_shootdown(pm);
	pt_free_dead(&op->r);
}

/* Unmap every page in [va, end); free the tables this empties. */
void
pmap_remove(struct pmap *pm, uaddr_t va, uaddr_t end)
{
	struct range_op op = { .r.remove = true };

	range_run(pm, va, end, &op);
}

/*
 * Reduce every mapped page in [va, end) to prot.  x86 cannot map a page
 * without read access, so prot without PROT_R (in particular 0) removes.
 */
void
pmap_protect(struct pmap *pm, uaddr_t va, uaddr_t end, unsigned prot)
{
	struct range_op op = { .r.remove = !(prot & PROT_R), .r.prot = prot };

	range_run(pm, va, end, &op);
}

/* Look up va: the physical address of its byte, protection and status. */
bool
pmap_extract(struct pmap *pm, uaddr_t va, paddr_t *pa, unsigned *prot)
{
	return pt_extract(&pm->pt, va, pa, prot);
}

/*
 * Clear the accessed and dirty bits of the page at va.  A walker pinned
 * with the old entry could keep writing without setting dirty again, so
 * this shoots down as a real pmap must flush the TLB entry.
 */
void
pmap_clear_status(struct pmap *pm, uaddr_t va)
{
	if (pt_clear_status(&pm->pt, va))
		pmap_shootdown(pm);
}

/* Begin a walker's step on this CPU (pmap_sw.h). */
unsigned long
pmap_sw_pin(void)
{
	unsigned long s = intr_save();
	struct pmap_cpu *pc = this_cpu();
	uint64_t seq;

	seq = __atomic_load_n(&pc->pin_seq, __ATOMIC_RELAXED);
	if (seq & 1)
		panic("pmap_sw_pin: cpu already pinned");
	__atomic_store_n(&pc->pin_seq, seq + 1, __ATOMIC_RELAXED);
	/* Pairs with pmap_shootdown(): publish the pin before reading tables. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return s;
}

/* End the step begun by pmap_sw_pin(). */
void
pmap_sw_unpin(unsigned long s)
{
	struct pmap_cpu *pc = this_cpu();
	uint64_t seq;

	seq = __atomic_load_n(&pc->pin_seq, __ATOMIC_RELAXED);
	if (!(seq & 1))
		panic("pmap_sw_unpin: cpu not pinned");
	/* Release: the step's copies complete before a shooter moves on. */
	__atomic_store_n(&pc->pin_seq, seq + 1, __ATOMIC_RELEASE);
	intr_restore(s);
}

/*
 * The page walker's check and status update (pmap_sw.h), in this CPU's
 * active pmap: like the hardware, set accessed (and dirty for a write)
 * with an atomic update that fails if the entry changed, so a bit never
 * lands on a removed or replaced entry.
 */
void *
pmap_sw_translate(uaddr_t va, unsigned access)
{
	struct pmap *pm;
	uint64_t *pte, e, want;

	pm = __atomic_load_n(&this_cpu()->active, __ATOMIC_ACQUIRE);
	if (pm == NULL || va >= USER_END)
		return NULL;
	pte = pt_lookup(&pm->pt, va);
	if (pte == NULL)
		return NULL;
	want = PTE_A;
	if (access & PROT_W)
		want |= PTE_D;
	e = __atomic_load_n(pte, __ATOMIC_ACQUIRE);
	do {
		if (!pte_allows(e, access))
			return NULL;
	} while ((e & want) != want && !__atomic_compare_exchange_n(pte, &e,
	    e | want, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return (char *)phys_to_virt(e & PTE_FRAME) + (va & PAGE_MASK);
}
