/*
 * TLB shootdown: making every CPU forget translations that pmap.c took
 * away, before the pmap call returns.
 *
 * Each CPU caches translations of the address space it has loaded.  When
 * pmap.c removes a mapping or reduces its rights, it collects the changed
 * pages in a struct tlb_batch (x86.h) and, once the page tables say the
 * new thing, calls tlb_shootdown() with the pmap's bitmap of CPUs that
 * have it loaded.  This CPU invalidates at once; every other CPU in the
 * bitmap gets a request and an IPI on VEC_TLB, invalidates and
 * acknowledges, and tlb_shootdown() returns only when all have.  Up to
 * TLB_FLUSH_MAX_PAGES pages are dropped one by one with invlpg; beyond
 * that a CR3 reload drops every user translation at once, which is
 * cheaper than hundreds of invlpg.  Either also empties the
 * paging-structure caches (SDM vol. 3 4.10.4.1), which is what lets
 * pmap.c free a page table it unlinked once the shootdown is done.
 *
 * A CPU that loads a pmap sets its bit before loading CR3 and clears it
 * only after loading another, and pmap.c changes entries with locked
 * instructions before reading the bitmap: so a CPU missing from the
 * bitmap read here either never cached the old entry or loads CR3 (and
 * reads the new entries) after the change.  A bit that is set for a CPU
 * that has already moved on costs one needless IPI.
 *
 * One request is in flight at a time: initiators take `busy` (a plain
 * atomic word, not a core spinlock, whose release would be a preemption
 * point), and the request lives in the static `req` until every target
 * acknowledged.  Shootdowns are rare next to the work that causes them,
 * so one global slot is enough for now; per-target queues would let
 * unrelated shootdowns overlap.
 *
 * Deadlock freedom.  The initiator waits with interrupts off, so a target
 * must be able to answer without taking an interrupt too.  Targets that
 * have interrupts on take the IPI.  Targets spinning with interrupts off
 * (on a spinlock the initiator holds, say, or for `busy` itself) answer
 * from cpu_relax(), which every spin loop calls and which checks this
 * CPU's tlb_pending flag.  The remaining case, a CPU halted with
 * interrupts off, is only cpu_halt_all()'s, after a panic.
 */
#include "contract/clock.h"
#include "contract/cpu.h"
#include "contract/pmap.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "lib/bitmap.h"
#include "percpu.h"
#include "proc/thread.h"
#include "trap.h"
#include "x86.h"

#define ACK_TIMEOUT_NS	(10 * 1000000000ull)

/* The request in flight.  [b] written by the holder of `busy`. */
static struct tlb_request {
	struct pmap *pm;		/* [b] the address space concerned */
	const struct tlb_batch *batch;	/* [b] pages to drop; NULL: unload pm */
	unsigned pending;		/* [a] targets yet to acknowledge */
} req;
static unsigned busy;			/* [a] 1 while a request is in flight */

/* Note va (page-aligned) for invalidation; too many become a full flush. */
void tlb_batch_add(struct tlb_batch *b, uaddr_t va)
{
	if (b->all)
		return;
	if (b->n == TLB_FLUSH_MAX_PAGES) {
		b->all = true;
		return;
	}
	b->va[b->n++] = va;
}

/* Drop b's translations from this CPU's TLB.  Interrupts off. */
static void flush_local(const struct tlb_batch *b)
{
	unsigned i;

	if (b->all) {
		lcr3(rcr3());
		return;
	}
	for (i = 0; i < b->n; i++)
		invlpg(b->va[i]);
}

/*
 * A request to let go of req.pm: load no user space instead, unless the
 * running thread uses it, which would make destroying it a bug.
 */
static void unload_local(struct pmap *pm)
{
	struct thread *t;

	if (this_cpu()->pmap != pm)
		return;
	t = curthread();
	if (t != NULL && t->pmap == pm)
		panic("pmap_destroy: pmap %p in use by %s on cpu %u",
		    (void *)pm, t->name, cpu_id());
	pmap_activate(NULL);
}

/*
 * Answer this CPU's pending request, if any (the IPI handler, and
 * cpu_relax()).  Any context; interrupts are turned off meanwhile so the
 * CPU cannot change under us.
 */
void tlb_service(void)
{
	unsigned long s = intr_save();
	struct percpu *pc = this_cpu();

	if (__atomic_exchange_n(&pc->tlb_pending, false, __ATOMIC_ACQ_REL)) {
		if (req.batch == NULL)
			unload_local(req.pm);
		else if (pc->pmap == req.pm)
			flush_local(req.batch);
		__atomic_fetch_sub(&req.pending, 1, __ATOMIC_RELEASE);
	}
	intr_restore(s);
}

/* VEC_TLB: another CPU changed a pmap we may have cached. */
static void tlb_intr(struct trapframe *tf)
{
	tlb_service();
}

/* Take the VEC_TLB vector (boot CPU, before any other CPU starts). */
void tlb_init(void)
{
	intr_set_handler(VEC_TLB, tlb_intr);
}

/* True when a CPU other than me is set in cpus. */
static bool others_in(const unsigned long *cpus, unsigned me)
{
	unsigned n = cpu_count(), w;
	unsigned long bits;

	for (w = 0; w < BITMAP_LONGS(n); w++) {
		bits = __atomic_load_n(&cpus[w], __ATOMIC_SEQ_CST);
		if (w == me / BITS_PER_LONG)
			bits &= ~bitmap_mask(me);
		if (bits != 0)
			return true;
	}
	return false;
}

/* Become the one initiator, answering requests to us while we wait. */
static void busy_enter(void)
{
	while (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(&busy, __ATOMIC_RELAXED) != 0)
			cpu_relax();
	}
}

/* Post the request to every CPU but me in cpus and send the IPIs. */
static void post(const unsigned long *cpus, unsigned me)
{
	unsigned n = cpu_count(), c;
	struct percpu *pc;

	for (c = 0; c < n; c++) {
		if (c == me || !(__atomic_load_n(&cpus[c / BITS_PER_LONG],
		    __ATOMIC_SEQ_CST) & bitmap_mask(c)))
			continue;
		pc = percpu_of(c);
		if (pc == NULL)
			continue;
		__atomic_fetch_add(&req.pending, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&pc->tlb_pending, true, __ATOMIC_RELEASE);
		lapic_send_ipi(pc->apic_id, VEC_TLB);
	}
}

/* Wait for every target's acknowledgement; a lost one is a bug. */
static void wait_acks(void)
{
	uint64_t start = clock_ns();

	while (__atomic_load_n(&req.pending, __ATOMIC_ACQUIRE) != 0) {
		if (clock_ns() - start > ACK_TIMEOUT_NS)
			panic("tlb_shootdown: %u cpus did not acknowledge",
			    req.pending);
		__asm__ volatile("pause");
	}
}

/*
 * Send req (pm, batch) to every other CPU in cpus and wait until all
 * acknowledged.  Interrupts off.
 */
static void request(struct pmap *pm, const struct tlb_batch *batch,
    const unsigned long *cpus, unsigned me)
{
	busy_enter();
	req.pm = pm;
	req.batch = batch;
	__atomic_store_n(&req.pending, 0, __ATOMIC_RELAXED);
	post(cpus, me);
	wait_acks();
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
}

/*
 * Invalidate b's pages of b->pm on every CPU in cpus (the pmap's active
 * set), this one included, and return once all have.  The page tables
 * already hold the change.  Any context that may spin; no sleeping.
 */
void tlb_shootdown(const struct tlb_batch *b, const unsigned long *cpus)
{
	unsigned long s;
	unsigned me;

	if (!b->all && b->n == 0)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s = intr_save();
	me = cpu_id();
	if (this_cpu()->pmap == b->pm)
		flush_local(b);
	if (others_in(cpus, me))
		request(b->pm, b, cpus, me);
	intr_restore(s);
}

/*
 * pm is about to be destroyed: every CPU in cpus that still has it loaded
 * only because its kernel threads did not load another (the scheduler's
 * lazy switching, proc/sched.c) loads none instead.  Returns once all
 * did.  Any context that may spin.
 */
void tlb_unload(struct pmap *pm, const unsigned long *cpus)
{
	unsigned long s = intr_save();
	unsigned me = cpu_id();

	unload_local(pm);
	if (others_in(cpus, me))
		request(pm, NULL, cpus, me);
	intr_restore(s);
}
