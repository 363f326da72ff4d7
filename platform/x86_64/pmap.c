/*
 * The MMU (contract/pmap.h): real x86-64 4-level page tables.
 *
 * A pmap is a PML4 page.  Its lower half (entries 0..255, the user
 * addresses below USER_END) is private; its upper half is a copy of the
 * kernel's own PML4 (boot_pml4) entries 256..511, which point to the
 * kernel's shared PDPTs.  The kernel never adds a PML4 entry after boot
 * (memlayout.h), so that copy never goes stale.
 *
 * The table format and the walk over it are pagetable.c's, shared with
 * the hosted software MMU; this file loads address spaces into CR3 and
 * invalidates TLBs.  Tables come from page_alloc(0, PAGE_ZERO) and are
 * reached through the direct map; a table emptied by pmap_remove() is
 * unlinked and freed, the root lives until pmap_destroy().  Leaves carry
 * NX for pages without PROT_X when the CPU has NX (otherwise everything
 * readable is executable, which x86 cannot help).
 *
 * TLB shootdown.  Each pmap keeps a bitmap of the CPUs that have it
 * loaded (one bit per CPU, cpu_count() bits, set by pmap_activate()
 * before CR3 is loaded and cleared after another is).  A change that
 * takes something away (remove, protect, a replacing enter, clearing the
 * dirty bit) notes each page it touched in a tlb_batch and, once the
 * tables say the new thing, hands the batch and the bitmap to
 * tlb_shootdown() (tlb.c), which invalidates here and on every other CPU
 * in the bitmap and waits for all of them.  Page tables that a removal
 * unlinks are freed only after that, since another CPU's paging-structure
 * cache may still point at them.
 *
 * The scheduler switches address spaces lazily (proc/sched.c): a CPU
 * running a kernel thread keeps the last pmap loaded.  pmap_destroy()
 * therefore first makes such CPUs load none (tlb_unload()).
 */
#include "contract/cpu.h"
#include "contract/physmem.h"
#include "contract/pmap.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "lib/bitmap.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "pagetable.h"
#include "percpu.h"
#include "x86.h"

struct pmap {
	struct pt pt;			/* [i] the tables */
	unsigned long active[];		/* [a] CPUs that have it loaded */
};

/* A range operation and the shootdown it owes. */
struct range_op {
	struct pt_range r;
	struct tlb_batch batch;		/* pages to shoot down */
};

/* Shoot down va alone in pm (see the top of the file). */
static void pmap_invalidate(struct pmap *pm, uaddr_t va)
{
	struct tlb_batch b = { .pm = pm };

	tlb_batch_add(&b, va);
	tlb_shootdown(&b, pm->active);
}

/* An empty user half and the shared kernel half; NULL without memory. */
struct pmap *pmap_create(void)
{
	struct pmap *pm = kzalloc(sizeof(*pm) +
	    BITMAP_LONGS(cpu_count()) * sizeof(unsigned long));
	uint64_t *pml4, *kernel = phys_to_virt(kernel_pml4_pa());

	if (pm == NULL)
		return NULL;
	if (pt_init(&pm->pt, nx_enabled ? PTE_NX : 0) != 0) {
		kfree(pm);
		return NULL;
	}
	pml4 = phys_to_virt(pm->pt.root);
	memcpy(&pml4[PT_KERNEL_HALF], &kernel[PT_KERNEL_HALF],
	    (PT_ENTRIES - PT_KERNEL_HALF) * sizeof(uint64_t));
	return pm;
}

/*
 * Free every table of the user half, then the root.  No thread may use
 * pm any more; CPUs that still have it loaded lazily are made to let go.
 */
void pmap_destroy(struct pmap *pm)
{
	tlb_unload(pm, pm->active);
	if (bitmap_find_set(pm->active, cpu_count(), 0) != cpu_count())
		panic("pmap_destroy: pmap %p is still loaded", (void *)pm);
	pt_fini(&pm->pt);
	kfree(pm);
}

/*
 * Load pm (or the kernel's own tables, for NULL) into CR3, keeping the
 * active bitmaps right: our bit in pm is set before CR3 can cache
 * anything of it, and cleared in the old pmap only once CR3 has moved on.
 */
void pmap_activate(struct pmap *pm)
{
	unsigned long s = intr_save();
	struct percpu *pc = this_cpu();
	struct pmap *old = pc->pmap;
	unsigned me = pc->id;

	if (old != pm) {
		if (pm != NULL)
			__atomic_fetch_or(&pm->active[me / BITS_PER_LONG],
			    bitmap_mask(me), __ATOMIC_SEQ_CST);
		pc->pmap = pm;
		lcr3(pm != NULL ? pm->pt.root : kernel_pml4_pa());
		if (old != NULL)
			__atomic_fetch_and(&old->active[me / BITS_PER_LONG],
			    ~bitmap_mask(me), __ATOMIC_SEQ_CST);
	}
	intr_restore(s);
}

/* The pmap loaded on this CPU. */
struct pmap *pmap_current(void)
{
	unsigned long s = intr_save();
	struct pmap *pm = this_cpu()->pmap;

	intr_restore(s);
	return pm;
}

/* Map va to pa with prot, replacing (and shooting down) any old mapping. */
int pmap_enter(struct pmap *pm, uaddr_t va, paddr_t pa, unsigned prot)
{
	bool lost;
	int error = pt_enter(&pm->pt, va, pa, prot, &lost);

	if (lost)
		pmap_invalidate(pm, va);
	return error;
}

/* The walk's report of a page or table to invalidate: batch it. */
static void range_changed(struct pt_range *r, uaddr_t va)
{
	tlb_batch_add(&container_of(r, struct range_op, r)->batch, va);
}

/*
 * Run op over [va, end) of pm, shoot down what it changed, and only then
 * free the tables it unlinked: another CPU's paging-structure cache may
 * still point at them, and any invalidation empties those caches.
 */
static void range_run(struct pmap *pm, uaddr_t va, uaddr_t end,
    struct range_op *op)
{
	op->batch.pm = pm;
	op->r.changed = range_changed;
	pt_range(&pm->pt, va, end, &op->r);
	tlb_shootdown(&op->batch, pm->active);
	pt_free_dead(&op->r);
}

/* Unmap [va, end), freeing tables that become empty. */
void pmap_remove(struct pmap *pm, uaddr_t va, uaddr_t end)
{
	struct range_op op = { .r.remove = true };

	range_run(pm, va, end, &op);
}

/* Intersect the protection of [va, end) with prot; without PROT_R, unmap. */
void pmap_protect(struct pmap *pm, uaddr_t va, uaddr_t end, unsigned prot)
{
	struct range_op op = { .r.remove = (prot & PROT_R) == 0,
	    .r.prot = prot };

	range_run(pm, va, end, &op);
}

/* Translate va: physical byte address, protection and status bits. */
bool pmap_extract(struct pmap *pm, uaddr_t va, paddr_t *pa, unsigned *prot)
{
	return pt_extract(&pm->pt, va, pa, prot);
}

/*
 * Clear accessed and dirty.  The TLB caches them too, so the entry is
 * shot down everywhere: otherwise a CPU would not set them again, and a
 * page written through a stale entry would look clean.
 */
void pmap_clear_status(struct pmap *pm, uaddr_t va)
{
	if (pt_clear_status(&pm->pt, va))
		pmap_invalidate(pm, ROUNDDOWN(va, PAGE_SIZE));
}
