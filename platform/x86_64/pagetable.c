/*
 * The x86-64 4-level page-table walker shared by both pmaps
 * (pagetable.h).  Range operations descend only into present subtrees
 * and step over absent ones a whole level-span at a time, so removing the
 * entire user half of a sparse address space costs what is mapped, not
 * 2^35 page steps.  A table a removal empties is unlinked from its parent
 * and handed back to the caller, which frees it once no walker can still
 * be reading it; the root lives until pt_fini().
 */
#include "pagetable.h"

#include "contract/physmem.h"
#include "contract/pmap.h"
#include "kern/errno.h"
#include "mm/page.h"

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

/* Entries change under walkers: every access is atomic. */
static uint64_t pte_load(uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_ACQUIRE);
}

/* Release: a linked table is seen zeroed, an entry whole. */
static void pte_store(uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

/* Replace *e with v unless a walker changed it since *old was read. */
static bool pte_cas(uint64_t *e, uint64_t *old, uint64_t v)
{
	return __atomic_compare_exchange_n(e, old, v, false, __ATOMIC_ACQ_REL,
	    __ATOMIC_ACQUIRE);
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

/*
 * True when replacing leaf old with new takes something away that a
 * walker may still hold: the frame, or write or execute rights.  A stale
 * translation with fewer rights than the table needs no invalidation:
 * using it faults, and the fault drops it (SDM vol. 3 4.10.4.2).
 */
static bool pte_lost_access(uint64_t old, uint64_t new)
{
	if (!(old & PTE_P))
		return false;
	if (!(new & PTE_P) || (old & PTE_FRAME) != (new & PTE_FRAME))
		return true;
	if ((old & PTE_W) && !(new & PTE_W))
		return true;
	return !(old & PTE_NX) && (new & PTE_NX);
}

/* An empty tree: a zeroed root; -ENOMEM without memory. */
int pt_init(struct pt *pt, uint64_t nx)
{
	pt->nx = nx;
	pt->root = page_alloc(0, PAGE_ZERO);
	return pt->root != 0 ? 0 : -ENOMEM;
}

/* Free the table at pa of level and every table below it. */
static void table_free(paddr_t pa, int level)
{
	uint64_t *table = table_at(pa);
	uint64_t e;
	unsigned i;

	for (i = 0; level > 0 && i < PT_ENTRIES; i++) {
		e = pte_load(&table[i]);
		if (e & PTE_P)
			table_free(e & PTE_FRAME, level - 1);
	}
	page_free(pa, 0);
}

/*
 * Free the user half's tables and the root.  The kernel half's tables
 * (x86_64 copies its root entries in) are shared, never freed here.
 */
void pt_fini(struct pt *pt)
{
	uint64_t *root = table_at(pt->root);
	uint64_t e;
	unsigned i;

	for (i = 0; i < PT_KERNEL_HALF; i++) {
		e = pte_load(&root[i]);
		if (e & PTE_P)
			table_free(e & PTE_FRAME, PT_TOP - 1);
	}
	page_free(pt->root, 0);
	pt->root = 0;
}

/* The leaf entry for va, or NULL when a table on the way is absent. */
uint64_t *pt_lookup(const struct pt *pt, uaddr_t va)
{
	uint64_t *table = table_at(pt->root), e;
	int level;

	for (level = PT_TOP; level > 0; level--) {
		e = pte_load(&table[pt_index(va, level)]);
		if (!(e & PTE_P))
			return NULL;
		table = table_at(e & PTE_FRAME);
	}
	return &table[pt_index(va, 0)];
}

/*
 * As pt_lookup(), making missing tables; NULL when memory is out (tables
 * made so far stay, empty, until a remove or pt_fini() covers them).
 */
static uint64_t *pt_lookup_alloc(struct pt *pt, uaddr_t va)
{
	uint64_t *table = table_at(pt->root), *slot, e;
	paddr_t pa;
	int level;

	for (level = PT_TOP; level > 0; level--) {
		slot = &table[pt_index(va, level)];
		e = pte_load(slot);
		if (!(e & PTE_P)) {
			pa = page_alloc(0, PAGE_ZERO);
			if (pa == 0)
				return NULL;
			/* Release: walkers see the zeroed table, not old bytes. */
			e = pa | PTE_TABLE;
			pte_store(slot, e);
		}
		table = table_at(e & PTE_FRAME);
	}
	return &table[pt_index(va, 0)];
}

/* The leaf entry bits for pa with prot. */
static uint64_t pte_make(const struct pt *pt, paddr_t pa, unsigned prot)
{
	uint64_t e = pa | PTE_P | PTE_U;

	if (prot & PROT_W)
		e |= PTE_W;
	if (prot & PROT_X)
		e |= PTE_PROT_X;
	else
		e |= pt->nx;
	return e;
}

/*
 * Map va to pa with prot; *lost when walkers must drop the old entry.
 * When the frame stays the same (a permission upgrade, say after
 * copy-on-write), accessed and dirty are kept: dropping a dirty bit
 * would lose data.
 */
int pt_enter(struct pt *pt, uaddr_t va, paddr_t pa, unsigned prot,
    bool *lost)
{
	uint64_t *pte, old, new, keep;

	*lost = false;
	if ((va & PAGE_MASK) != 0 || va >= USER_END || (pa & ~PTE_FRAME) != 0)
		return -EINVAL;
	if (!(prot & PROT_R) || (prot & ~(PROT_R | PROT_W | PROT_X)) != 0)
		return -EINVAL;
	pte = pt_lookup_alloc(pt, va);
	if (pte == NULL)
		return -ENOMEM;
	new = pte_make(pt, pa, prot);
	old = pte_load(pte);
	do {
		keep = 0;
		if ((old & PTE_P) && (old & PTE_FRAME) == pa)
			keep = old & (PTE_A | PTE_D);
	} while (!pte_cas(pte, &old, new | keep));
	*lost = pte_lost_access(old, new);
	return 0;
}

/* True when no entry of table is present. */
static bool table_empty(uint64_t *table)
{
	unsigned i;

	for (i = 0; i < PT_ENTRIES; i++)
		if (pte_load(&table[i]) & PTE_P)
			return false;
	return true;
}

/* Remove or reduce the leaf *pte of va as r says. */
static void range_leaf(struct pt_range *r, uint64_t *pte, uaddr_t va)
{
	uint64_t old, new;

	old = pte_load(pte);
	do {
		if (!(old & PTE_P))
			return;
		new = 0;
		if (!r->remove) {
			new = old;
			if (!(r->prot & PROT_W))
				new &= ~PTE_W;
			if (!(r->prot & PROT_X))
				new = (new & ~PTE_PROT_X) | r->pt->nx;
		}
	} while (new != old && !pte_cas(pte, &old, new));
	if (pte_lost_access(old, new))
		r->changed(r, va);
}

/*
 * Apply r to the entries of table (at level) that cover [va, end), a
 * range inside the table's own span.  Absent entries are stepped over
 * whole.  Returns true when a removal left the table empty (the caller
 * unlinks it).
 */
static bool range_table(struct pt_range *r, uint64_t *table, int level,
    uaddr_t va, uaddr_t end)
{
	uaddr_t span = (uaddr_t)1 << level_shift(level), next;
	unsigned i;
	uint64_t e;

	for (i = pt_index(va, level); va < end; i++, va = next) {
		next = (va & ~(span - 1)) + span;
		if (level == 0) {
			range_leaf(r, &table[i], va);
			continue;
		}
		e = pte_load(&table[i]);
		if (!(e & PTE_P))
			continue;
		if (range_table(r, table_at(e & PTE_FRAME), level - 1, va,
		    MIN(next, end))) {
			pte_store(&table[i], 0);
			/* Walkers may cache the link: invalidate before freeing. */
			r->changed(r, va);
			list_push_back(&r->dead, &page_of(e & PTE_FRAME)->link);
		}
	}
	return r->remove && table_empty(table);
}

/* Clip [va, end) to whole pages of the user half and walk it with r. */
void pt_range(struct pt *pt, uaddr_t va, uaddr_t end, struct pt_range *r)
{
	r->pt = pt;
	list_init(&r->dead);
	end = ROUNDUP(MIN(end, USER_END), PAGE_SIZE);
	va = ROUNDDOWN(va, PAGE_SIZE);
	if (va < end)
		range_table(r, table_at(pt->root), PT_TOP, va, end);
}

/* Free the tables r unlinked; the caller made sure nothing walks them. */
void pt_free_dead(struct pt_range *r)
{
	struct list *l;

	while ((l = list_pop_front(&r->dead)) != NULL)
		page_free(page_to_phys(list_entry(l, struct page, link)), 0);
}

/* The leaf entry for user address va; NULL if none or va is not user. */
static uint64_t *user_pte(const struct pt *pt, uaddr_t va)
{
	return va < USER_END ? pt_lookup(pt, va) : NULL;
}

/* Translate va: physical byte address, protection and status bits. */
bool pt_extract(const struct pt *pt, uaddr_t va, paddr_t *pa,
    unsigned *prot)
{
	uint64_t *pte = user_pte(pt, va), e;

	if (pte == NULL)
		return false;
	e = pte_load(pte);
	if (!(e & PTE_P))
		return false;
	if (pa != NULL)
		*pa = (e & PTE_FRAME) | (va & PAGE_MASK);
	if (prot != NULL)
		*prot = pte_prot(e);
	return true;
}

/* Clear accessed and dirty; true when a cached translation must go. */
bool pt_clear_status(struct pt *pt, uaddr_t va)
{
	uint64_t *pte = user_pte(pt, va), old;

	if (pte == NULL)
		return false;
	old = __atomic_fetch_and(pte, ~(PTE_A | PTE_D), __ATOMIC_ACQ_REL);
	return (old & PTE_P) && (old & (PTE_A | PTE_D));
}
