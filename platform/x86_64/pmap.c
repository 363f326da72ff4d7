/*
 * The MMU (contract/pmap.h): real x86-64 4-level page tables.
 *
 * A pmap is a PML4 page.  Its lower half (entries 0..255, the user
 * addresses below USER_END) is private; its upper half is a copy of the
 * kernel's own PML4 (boot_pml4) entries 256..511, which point to the
 * kernel's shared PDPTs.  The kernel never adds a PML4 entry after boot
 * (memlayout.h), so that copy never goes stale.
 *
 * User memory uses 4 KiB leaves only.  A table entry that points to a
 * lower table carries present|writable|user so the leaf alone decides the
 * access, the same layout the hosted software MMU keeps.  Leaves carry
 * user, writable for PROT_W, and NX for pages without PROT_X when the CPU
 * has NX (otherwise everything readable is executable, which x86 cannot
 * help).  What the caller asked for is kept in an ignored PTE bit
 * (PTE_PROT_X), so pmap_extract() reports PROT_X exactly as entered on
 * any CPU.  Tables come from page_alloc(0, PAGE_ZERO) and are reached
 * through the direct map; a table emptied by pmap_remove() is unlinked
 * and freed, the root lives until pmap_destroy().
 *
 * Leaf updates are atomic (exchange, and-not) because the CPU's page
 * walker sets the accessed and dirty bits behind our back; a plain
 * read-modify-write could lose a dirty bit.
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
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/bitmap.h"
#include "lib/list.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "percpu.h"
#include "x86.h"

#define PTE_P		(1ull << 0)
#define PTE_W		(1ull << 1)
#define PTE_U		(1ull << 2)
#define PTE_A		(1ull << 5)
#define PTE_D		(1ull << 6)
#define PTE_PROT_X	(1ull << 9)	/* ignored by the CPU: PROT_X was asked */
#define PTE_NX		(1ull << 63)
#define PTE_FRAME	0x000ffffffffff000ull
#define PTE_TABLE	(PTE_P | PTE_W | PTE_U)

#define PT_ENTRIES	512
#define PT_TOP		3		/* the PML4's level; a PT is level 0 */
#define KERNEL_HALF	256		/* first kernel PML4 entry */

struct pmap {
	paddr_t root;			/* [i] the PML4 page */
	unsigned long active[];		/* [a] CPUs that have it loaded */
};

/* What a range operation does to each present leaf, and what it owes. */
struct range_op {
	bool remove;			/* unmap (else reduce protection) */
	unsigned prot;			/* the protection to intersect with */
	struct tlb_batch batch;		/* pages to shoot down */
	struct list freed;		/* unlinked tables, freed after that */
};

/* log2 of the bytes one entry at level maps. */
static unsigned level_shift(int level)
{
	return PAGE_SHIFT + 9 * level;
}

/* va's index in its table at level. */
static unsigned pt_index(uaddr_t va, int level)
{
	return (va >> level_shift(level)) & (PT_ENTRIES - 1);
}

/* The table page at pa, through the direct map. */
static uint64_t *table_at(paddr_t pa)
{
	return phys_to_virt(pa);
}

/* Shoot down va alone in pm (see the top of the file). */
static void pmap_invalidate(struct pmap *pm, uaddr_t va)
{
	struct tlb_batch b = { .pm = pm };

	tlb_batch_add(&b, va);
	tlb_shootdown(&b, pm->active);
}

/* The leaf entry bits for pa with prot. */
static uint64_t pte_make(paddr_t pa, unsigned prot)
{
	uint64_t e = pa | PTE_P | PTE_U;

	if (prot & PROT_W)
		e |= PTE_W;
	if (prot & PROT_X)
		e |= PTE_PROT_X;
	else if (nx_enabled)
		e |= PTE_NX;
	return e;
}

/* The PROT_* and PMAP_* bits of present leaf e. */
static unsigned pte_prot(uint64_t e)
{
	unsigned prot = PROT_R;

	if (e & PTE_W)
		prot |= PROT_W;
	if (e & PTE_PROT_X)
		prot |= PROT_X;
	if (e & PTE_A)
		prot |= PMAP_ACCESSED;
	if (e & PTE_D)
		prot |= PMAP_DIRTY;
	return prot;
}

/* The leaf entry for va, or NULL when a table on the way is absent. */
static uint64_t *pte_lookup(struct pmap *pm, uaddr_t va)
{
	uint64_t *table = table_at(pm->root), e;
	int level;

	for (level = PT_TOP; level > 0; level--) {
		e = table[pt_index(va, level)];
		if (!(e & PTE_P))
			return NULL;
		table = table_at(e & PTE_FRAME);
	}
	return &table[pt_index(va, 0)];
}

/* As pte_lookup(), making missing tables; NULL when memory is out. */
static uint64_t *pte_lookup_alloc(struct pmap *pm, uaddr_t va)
{
	uint64_t *table = table_at(pm->root), *slot;
	paddr_t pa;
	int level;

	for (level = PT_TOP; level > 0; level--) {
		slot = &table[pt_index(va, level)];
		if (!(*slot & PTE_P)) {
			pa = page_alloc(0, PAGE_ZERO);
			if (pa == 0)
				return NULL;
			*slot = pa | PTE_TABLE;
		}
		table = table_at(*slot & PTE_FRAME);
	}
	return &table[pt_index(va, 0)];
}

/* An empty user half and the shared kernel half; NULL without memory. */
struct pmap *pmap_create(void)
{
	struct pmap *pm = kzalloc(sizeof(*pm) +
	    BITMAP_LONGS(cpu_count()) * sizeof(unsigned long));
	uint64_t *pml4, *kernel = table_at(kernel_pml4_pa());

	if (pm == NULL)
		return NULL;
	pm->root = page_alloc(0, PAGE_ZERO);
	if (pm->root == 0) {
		kfree(pm);
		return NULL;
	}
	pml4 = table_at(pm->root);
	memcpy(&pml4[KERNEL_HALF], &kernel[KERNEL_HALF],
	    (PT_ENTRIES - KERNEL_HALF) * sizeof(uint64_t));
	return pm;
}

/* Free the table at pa of level and every table below it. */
static void table_free(paddr_t pa, int level)
{
	uint64_t *table = table_at(pa);
	int i;

	if (level > 0)
		for (i = 0; i < PT_ENTRIES; i++)
			if (table[i] & PTE_P)
				table_free(table[i] & PTE_FRAME, level - 1);
	page_free(pa, 0);
}

/*
 * Free every table of the user half, then the root.  No thread may use
 * pm any more; CPUs that still have it loaded lazily are made to let go.
 */
void pmap_destroy(struct pmap *pm)
{
	uint64_t *pml4 = table_at(pm->root);
	int i;

	tlb_unload(pm, pm->active);
	if (bitmap_find_set(pm->active, cpu_count(), 0) != cpu_count())
		panic("pmap_destroy: pmap %p is still loaded", (void *)pm);
	for (i = 0; i < KERNEL_HALF; i++)
		if (pml4[i] & PTE_P)
			table_free(pml4[i] & PTE_FRAME, PT_TOP - 1);
	page_free(pm->root, 0);
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
		lcr3(pm != NULL ? pm->root : kernel_pml4_pa());
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

/*
 * True when replacing leaf old with new takes something away that a TLB
 * may still hold: the frame, or write or execute rights.  A stale entry
 * with fewer rights than the table needs no shootdown: using it faults,
 * and the fault drops it (SDM vol. 3 4.10.4.2).
 */
static bool lost_rights(uint64_t old, uint64_t new)
{
	if (!(old & PTE_P))
		return false;
	if ((old & PTE_FRAME) != (new & PTE_FRAME))
		return true;
	if ((old & PTE_W) && !(new & PTE_W))
		return true;
	return !(old & PTE_NX) && (new & PTE_NX);
}

/* Map va to pa with prot, replacing (and shooting down) any old mapping. */
int pmap_enter(struct pmap *pm, uaddr_t va, paddr_t pa, unsigned prot)
{
	uint64_t *pte, old, new;

	if ((va & PAGE_MASK) || va >= USER_END || (pa & PAGE_MASK) ||
	    (pa & ~PTE_FRAME) || !(prot & PROT_R))
		return -EINVAL;
	pte = pte_lookup_alloc(pm, va);
	if (pte == NULL)
		return -ENOMEM;
	new = pte_make(pa, prot);
	old = __atomic_exchange_n(pte, new, __ATOMIC_SEQ_CST);
	if (lost_rights(old, new))
		pmap_invalidate(pm, va);
	return 0;
}

/* Apply op to the present leaf *pte of va. */
static void leaf_apply(uint64_t *pte, uaddr_t va, struct range_op *op)
{
	uint64_t clear = 0;

	if (op->remove) {
		__atomic_store_n(pte, 0, __ATOMIC_SEQ_CST);
		tlb_batch_add(&op->batch, va);
		return;
	}
	if (!(op->prot & PROT_W))
		clear |= PTE_W;
	if (!(op->prot & PROT_X))
		clear |= PTE_PROT_X;
	if ((*pte & clear) == 0)
		return;
	__atomic_fetch_and(pte, ~clear, __ATOMIC_SEQ_CST);
	if ((clear & PTE_PROT_X) && nx_enabled)
		__atomic_fetch_or(pte, PTE_NX, __ATOMIC_SEQ_CST);
	tlb_batch_add(&op->batch, va);
}

/* True when no entry of table is present. */
static bool table_empty(const uint64_t *table)
{
	int i;

	for (i = 0; i < PT_ENTRIES; i++)
		if (table[i] & PTE_P)
			return false;
	return true;
}

/*
 * Apply op to every present leaf in [va, end) below the table at level,
 * whose first entry maps address base.  Absent subtrees are stepped over
 * whole; subtrees a removal empties are unlinked and put on op->freed.
 */
static void range_apply(uint64_t *table, int level, uaddr_t base,
    uaddr_t va, uaddr_t end, struct range_op *op)
{
	uaddr_t span = (uaddr_t)1 << level_shift(level), lo, hi;
	unsigned i;
	uint64_t *child;

	for (i = pt_index(va, level); i < PT_ENTRIES; i++) {
		lo = base + i * span;
		hi = lo + span;
		if (lo >= end)
			break;
		if (!(table[i] & PTE_P))
			continue;
		if (level == 0) {
			leaf_apply(&table[i], lo, op);
			continue;
		}
		child = table_at(table[i] & PTE_FRAME);
		range_apply(child, level - 1, lo, MAX(va, lo), MIN(end, hi),
		    op);
		if (op->remove && table_empty(child)) {
			paddr_t pa = table[i] & PTE_FRAME;

			__atomic_store_n(&table[i], 0, __ATOMIC_SEQ_CST);
			/* Any invalidation empties the paging-structure caches. */
			tlb_batch_add(&op->batch, MAX(va, lo));
			list_push_back(&op->freed, &page_of(pa)->link);
		}
	}
}

/* Clip [va, end) to the user half and page boundaries; false if empty. */
static bool user_range(uaddr_t *va, uaddr_t *end)
{
	*va = ROUNDDOWN(*va, PAGE_SIZE);
	*end = MIN(ROUNDUP(*end, PAGE_SIZE), USER_END);
	return *va < *end;
}

/*
 * Run op over [va, end) of pm, shoot down what it changed, and only then
 * free the tables it unlinked.
 */
static void range_run(struct pmap *pm, uaddr_t va, uaddr_t end,
    struct range_op *op)
{
	struct list *l;

	if (!user_range(&va, &end))
		return;
	op->batch.pm = pm;
	list_init(&op->freed);
	range_apply(table_at(pm->root), PT_TOP, 0, va, end, op);
	tlb_shootdown(&op->batch, pm->active);
	while ((l = list_pop_front(&op->freed)) != NULL)
		page_free(page_to_phys(list_entry(l, struct page, link)), 0);
}

/* Unmap [va, end), freeing tables that become empty. */
void pmap_remove(struct pmap *pm, uaddr_t va, uaddr_t end)
{
	struct range_op op = { .remove = true };

	range_run(pm, va, end, &op);
}

/* Intersect the protection of [va, end) with prot; without PROT_R, unmap. */
void pmap_protect(struct pmap *pm, uaddr_t va, uaddr_t end, unsigned prot)
{
	struct range_op op = { .remove = (prot & PROT_R) == 0, .prot = prot };

	range_run(pm, va, end, &op);
}

/* Translate va: physical byte address, protection and status bits. */
bool pmap_extract(struct pmap *pm, uaddr_t va, paddr_t *pa, unsigned *prot)
{
	uint64_t *pte, e;

	if (va >= USER_END)
		return false;
	pte = pte_lookup(pm, va);
	if (pte == NULL)
		return false;
	e = __atomic_load_n(pte, __ATOMIC_SEQ_CST);
	if (!(e & PTE_P))
		return false;
	if (pa != NULL)
		*pa = (e & PTE_FRAME) | (va & PAGE_MASK);
	if (prot != NULL)
		*prot = pte_prot(e);
	return true;
}

/*
 * Clear accessed and dirty.  The TLB caches them too, so the entry is
 * shot down everywhere: otherwise a CPU would not set them again, and a
 * page written through a stale entry would look clean.
 */
void pmap_clear_status(struct pmap *pm, uaddr_t va)
{
	uint64_t *pte, old;

	if (va >= USER_END)
		return;
	pte = pte_lookup(pm, va);
	if (pte == NULL || !(*pte & PTE_P))
		return;
	old = __atomic_fetch_and(pte, ~(PTE_A | PTE_D), __ATOMIC_SEQ_CST);
	if (old & (PTE_A | PTE_D))
		pmap_invalidate(pm, ROUNDDOWN(va, PAGE_SIZE));
}
