/*
 * The hosted software MMU: x86-64 4-level page tables, walked in software.
 *
 * The hosted bake runs no user machine code, yet the core's VM (fork with
 * copy-on-write, demand paging, mmap) must behave exactly as it will on the
 * real MMU.  So this pmap keeps the very structure the hardware walks: a
 * radix tree of four levels (PML4, PDPT, PD, PT), 512 64-bit entries per
 * level, one physical page per table, taken from the core's page allocator
 * with page_alloc(0, PAGE_ZERO) and reached through the direct map.  An
 * entry has the architectural layout: present, writable, user, accessed,
 * dirty and no-execute at their SDM bit positions and the frame in bits
 * 12..51.  Only 4 KiB leaves are used for user memory, and a table entry
 * that points to a lower table carries present|writable|user so that the
 * leaf alone decides the access, as x86_64's pmap does.  The "hardware"
 * that reads these tables is usercopy.c, through pmap_sw.h: it checks
 * the leaf's bits and sets accessed and dirty, so page aging and dirty
 * tracking are testable here.
 *
 * Range operations (remove, protect) descend only into present subtrees
 * and step over absent ones a whole level-span at a time, so removing the
 * entire user half of a sparse address space costs what is mapped, not
 * 2^35 page steps.  A table emptied by pmap_remove() is unlinked from its
 * parent and freed; the root lives until pmap_destroy().
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

/* x86-64 paging-structure entry bits (Intel SDM vol. 3A, section 4.5). */
#define PTE_P		(1ULL << 0)	/* present */
#define PTE_W		(1ULL << 1)	/* writable */
#define PTE_U		(1ULL << 2)	/* user accessible */
#define PTE_A		(1ULL << 5)	/* accessed */
#define PTE_D		(1ULL << 6)	/* dirty (leaf only) */
#define PTE_NX		(1ULL << 63)	/* no execute */
#define PTE_FRAME	0x000ffffffffff000ULL
#define PTE_TABLE	(PTE_P | PTE_W | PTE_U)	/* link to a lower table */

#define PT_ENTRIES	512
#define PT_TOP		3	/* level of the root (PML4); level 0 is a PT */

struct pmap {
	paddr_t root;		/* [i] the PML4 page */
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

static inline unsigned
level_shift(int level)
{
	return PAGE_SHIFT + 9 * level;
}

/* Bytes of address space one entry at `level` covers. */
static inline uaddr_t
level_span(int level)
{
	return (uaddr_t)1 << level_shift(level);
}

static inline unsigned
pt_index(uaddr_t va, int level)
{
	return (va >> level_shift(level)) & (PT_ENTRIES - 1);
}

static inline uint64_t *
table_at(paddr_t pa)
{
	return phys_to_virt(pa);
}

static inline uint64_t
pte_load(uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_ACQUIRE);
}

static inline void
pte_store(uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

/* Replace *e with v unless a walker changed it since *old was read. */
static inline bool
pte_cas(uint64_t *e, uint64_t *old, uint64_t v)
{
	return __atomic_compare_exchange_n(e, old, v, false, __ATOMIC_ACQ_REL,
	    __ATOMIC_ACQUIRE);
}

/* The PROT_* and PMAP_* bits that a present leaf entry e means. */
static unsigned
pte_prot(uint64_t e)
{
	unsigned prot = PROT_R;

	if (e & PTE_W)
		prot |= PROT_W;
	if (!(e & PTE_NX))
		prot |= PROT_X;
	if (e & PTE_A)
		prot |= PMAP_ACCESSED;
	if (e & PTE_D)
		prot |= PMAP_DIRTY;
	return prot;
}

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

/*
 * Whether replacing leaf entry old by new takes anything away from a
 * walker that may hold old: the page itself or a permission.
 */
static bool
pte_lost_access(uint64_t old, uint64_t new)
{
	if (!(old & PTE_P))
		return false;
	if (!(new & PTE_P) || (old & PTE_FRAME) != (new & PTE_FRAME))
		return true;
	if ((old & PTE_W) && !(new & PTE_W))
		return true;
	return !(old & PTE_NX) && (new & PTE_NX);
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

/* The leaf entry for va, or NULL when a table on the way is absent. */
static uint64_t *
pte_lookup(struct pmap *pm, uaddr_t va)
{
	uint64_t *table = table_at(pm->root);
	uint64_t e;
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
 * The leaf entry for va, allocating the missing tables on the way; NULL
 * when memory is exhausted (tables made so far stay, empty, until a
 * remove or destroy covers them).  Caller serialises changes to pm.
 */
static uint64_t *
pte_lookup_alloc(struct pmap *pm, uaddr_t va)
{
	uint64_t *table = table_at(pm->root);
	uint64_t *slot, e;
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

/* A new, empty address space, or NULL when memory is exhausted. */
struct pmap *
pmap_create(void)
{
	struct pmap *pm;

	pm = kzalloc(sizeof(*pm));
	if (pm == NULL)
		return NULL;
	pm->root = page_alloc(0, PAGE_ZERO);
	if (pm->root == 0) {
		kfree(pm);
		return NULL;
	}
	return pm;
}

/* Free the table at pa (at level) and every table below it. */
static void
table_free(paddr_t pa, int level)
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
 * Free every page-table page of pm and pm itself.  pm must not be active
 * on the calling CPU.  Other CPUs that went on to run kernel threads may
 * still have it loaded (the scheduler leaves it, core/proc/sched.c): wait
 * out any straggling walker there, then unload it.
 */
void
pmap_destroy(struct pmap *pm)
{
	unsigned long s = intr_save();
	struct pmap *expect;
	unsigned c;

	if (__atomic_load_n(&this_cpu()->active, __ATOMIC_ACQUIRE) == pm)
		panic("pmap_destroy: pmap still active on cpu %u", cpu_id());
	intr_restore(s);
	pmap_shootdown(pm);
	for (c = 0; c < cpu_count(); c++) {
		expect = pm;
		__atomic_compare_exchange_n(&pmap_cpus[c].active, &expect, NULL,
		    false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
	table_free(pm->root, PT_TOP);
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
 * Map va to pa with prot, replacing any previous mapping.  When the frame
 * stays the same (a permission upgrade, say after copy-on-write), keep the
 * accessed and dirty bits: dropping a dirty bit would lose data.
 * Caller serialises changes to pm.
 */
int
pmap_enter(struct pmap *pm, uaddr_t va, paddr_t pa, unsigned prot)
{
	uint64_t *pte, old, new, keep;

	if ((va & PAGE_MASK) != 0 || va >= USER_END || (pa & ~PTE_FRAME) != 0)
		return -EINVAL;
	if (!(prot & PROT_R) || (prot & ~(PROT_R | PROT_W | PROT_X)) != 0)
		return -EINVAL;
	pte = pte_lookup_alloc(pm, va);
	if (pte == NULL)
		return -ENOMEM;
	new = pa | PTE_P | PTE_U;
	if (prot & PROT_W)
		new |= PTE_W;
	if (!(prot & PROT_X))
		new |= PTE_NX;
	old = pte_load(pte);
	do {
		keep = 0;
		if ((old & PTE_P) && (old & PTE_FRAME) == pa)
			keep = old & (PTE_A | PTE_D);
	} while (!pte_cas(pte, &old, new | keep));
	if (pte_lost_access(old, new))
		pmap_shootdown(pm);
	return 0;
}

/* What one range walk does, and what it leaves to do after the walk. */
struct pt_walk {
	struct pmap *pm;
	bool remove;		/* remove mappings, else reduce them to prot */
	unsigned prot;		/* PROT_* to keep (protect) */
	bool shoot;		/* a walker may hold access that was taken away */
	struct list dead;	/* unlinked tables, freed after the shootdown */
};

/* Whether every entry of table is absent. */
static bool
table_empty(uint64_t *table)
{
	unsigned i;

	for (i = 0; i < PT_ENTRIES; i++)
		if (pte_load(&table[i]) & PTE_P)
			return false;
	return true;
}

/* Remove or reduce one present-or-not leaf entry as w says. */
static void
pt_walk_leaf(struct pt_walk *w, uint64_t *pte)
{
	uint64_t old, new;

	old = pte_load(pte);
	do {
		if (!(old & PTE_P))
			return;
		new = 0;
		if (!w->remove) {
			new = old;
			if (!(w->prot & PROT_W))
				new &= ~PTE_W;
			if (!(w->prot & PROT_X))
				new |= PTE_NX;
		}
	} while (new != old && !pte_cas(pte, &old, new));
	if (pte_lost_access(old, new))
		w->shoot = true;
}

/*
 * Apply w to the entries of table (at level) that cover [va, end), a range
 * inside the table's own span.  Absent entries are stepped over whole.
 * Returns true when a remove left the table empty (the caller unlinks it).
 */
static bool
pt_walk_table(struct pt_walk *w, uint64_t *table, int level, uaddr_t va,
    uaddr_t end)
{
	uaddr_t span = level_span(level), next;
	unsigned i;
	uint64_t e;

	for (i = pt_index(va, level); va < end; i++, va = next) {
		next = (va & ~(span - 1)) + span;
		if (level == 0) {
			pt_walk_leaf(w, &table[i]);
			continue;
		}
		e = pte_load(&table[i]);
		if (!(e & PTE_P))
			continue;
		if (pt_walk_table(w, table_at(e & PTE_FRAME), level - 1, va,
		    MIN(next, end))) {
			pte_store(&table[i], 0);
			list_push_back(&w->dead, &page_of(e & PTE_FRAME)->link);
		}
	}
	return w->remove && table_empty(table);
}

/*
 * Walk the pages that meet [va, end), clipped to the user half, then shoot
 * down and free the tables the walk unlinked.  Caller serialises changes.
 */
static void
pt_walk_range(struct pt_walk *w, uaddr_t va, uaddr_t end)
{
	struct list *l;

	end = MIN(end, USER_END);
	end = ROUNDUP(end, PAGE_SIZE);
	va = ROUNDDOWN(va, PAGE_SIZE);
	if (va >= end)
		return;
	list_init(&w->dead);
	pt_walk_table(w, table_at(w->pm->root), PT_TOP, va, end);
	if (w->shoot || !list_empty(&w->dead))
		pmap_shootdown(w->pm);
	while ((l = list_pop_front(&w->dead)) != NULL)
		page_free(page_to_phys(list_entry(l, struct page, link)), 0);
}

/* Unmap every page in [va, end); free the tables this empties. */
void
pmap_remove(struct pmap *pm, uaddr_t va, uaddr_t end)
{
	struct pt_walk w = { .pm = pm, .remove = true };

	pt_walk_range(&w, va, end);
}

/*
 * Reduce every mapped page in [va, end) to prot.  x86 cannot map a page
 * without read access, so prot without PROT_R (in particular 0) removes.
 */
void
pmap_protect(struct pmap *pm, uaddr_t va, uaddr_t end, unsigned prot)
{
	struct pt_walk w = { .pm = pm, .prot = prot };

	w.remove = !(prot & PROT_R);
	pt_walk_range(&w, va, end);
}

/* Look up va: the physical address of its byte, protection and status. */
bool
pmap_extract(struct pmap *pm, uaddr_t va, paddr_t *pa, unsigned *prot)
{
	uint64_t *pte, e;

	if (va >= USER_END)
		return false;
	pte = pte_lookup(pm, va);
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

/*
 * Clear the accessed and dirty bits of the page at va.  A walker pinned
 * with the old entry could keep writing without setting dirty again, so
 * this shoots down as a real pmap must flush the TLB entry.
 */
void
pmap_clear_status(struct pmap *pm, uaddr_t va)
{
	uint64_t *pte, old;

	if (va >= USER_END)
		return;
	pte = pte_lookup(pm, va);
	if (pte == NULL)
		return;
	old = __atomic_fetch_and(pte, ~(PTE_A | PTE_D), __ATOMIC_ACQ_REL);
	if ((old & PTE_P) && (old & (PTE_A | PTE_D)))
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
	pte = pte_lookup(pm, va);
	if (pte == NULL)
		return NULL;
	want = PTE_A;
	if (access & PROT_W)
		want |= PTE_D;
	e = pte_load(pte);
	do {
		if (!pte_allows(e, access))
			return NULL;
	} while ((e & want) != want && !pte_cas(pte, &e, e | want));
	return (char *)phys_to_virt(e & PTE_FRAME) + (va & PAGE_MASK);
}
