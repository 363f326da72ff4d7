/*
 * The x86-64 4-level page-table format and its walker, for user
 * addresses, shared by the two pmaps: x86_64's (pmap.c, tables the CPU
 * walks) and the hosted bake's software MMU (platform/hosted/pmap.c,
 * tables usercopy walks).  What differs between them stays in each
 * pmap: loading an address space (CR3, or a per-CPU pointer) and making
 * the walkers let go of what a change took away (a TLB shootdown, or a
 * wait for pinned software walkers).
 *
 * Tables are pages from page_alloc(0, PAGE_ZERO), reached through the
 * direct map.  User memory uses 4 KiB leaves only; an entry that links a
 * lower table carries present|writable|user, so the leaf alone decides
 * the access.  A leaf carries user, writable for PROT_W, and NX for a
 * page without PROT_X when the pmap uses NX.  What the caller asked for
 * is also kept in an ignored bit (PTE_PROT_X), so PROT_X reads back as
 * entered on a CPU without NX.
 *
 * Every entry is read with an atomic load and changed with an atomic
 * store or compare-and-swap: a walker (the CPU's or the software one)
 * may read the tables at any time and sets accessed and dirty behind our
 * back, and a plain read-modify-write could lose a dirty bit.  Callers
 * serialise changes to one table tree (contract/pmap.h).
 */
#ifndef X86_PAGETABLE_H
#define X86_PAGETABLE_H

#include "kern/types.h"
#include "lib/list.h"

/* Paging-structure entry bits (Intel SDM vol. 3A, section 4.5). */
#define PTE_P		(1ull << 0)	/* present */
#define PTE_W		(1ull << 1)	/* writable */
#define PTE_U		(1ull << 2)	/* user accessible */
#define PTE_A		(1ull << 5)	/* accessed */
#define PTE_D		(1ull << 6)	/* dirty (leaf only) */
#define PTE_PROT_X	(1ull << 9)	/* ignored by the CPU: PROT_X was asked */
#define PTE_NX		(1ull << 63)	/* no execute */
#define PTE_FRAME	0x000ffffffffff000ull
#define PTE_TABLE	(PTE_P | PTE_W | PTE_U)	/* link to a lower table */

#define PT_ENTRIES	512
#define PT_TOP		3	/* the root's (PML4's) level; a PT is level 0 */
#define PT_KERNEL_HALF	256	/* first root entry of the kernel half */

/* One tree of tables. */
struct pt {
	paddr_t root;		/* [i] the PML4 page */
	uint64_t nx;		/* [i] PTE_NX, or 0 when the CPU has no NX */
};

/*
 * A range operation (remove, or reduce to prot).  The walk calls
 * changed() for each page whose old translation a walker must no longer
 * use, and for each table it unlinked (with an address the table
 * covered), and collects the unlinked tables on dead.  The caller then
 * invalidates, and only after that frees them with pt_free_dead().
 */
struct pt_range {
	bool remove;		/* unmap (else reduce protection) */
	unsigned prot;		/* PROT_* to keep, when not removing */
	void (*changed)(struct pt_range *r, uaddr_t va);
	struct list dead;	/* unlinked tables (their struct page links) */
	struct pt *pt;		/* [walk] the tree walked */
};

/* An empty tree with nx as its NX bit; -ENOMEM without memory. */
int pt_init(struct pt *pt, uint64_t nx);
/* Free every table of the user half, then the root. */
void pt_fini(struct pt *pt);
/* The leaf entry for va, or NULL when a table on the way is absent. */
uint64_t *pt_lookup(const struct pt *pt, uaddr_t va);
/*
 * Map va to pa with prot (contract/pmap.h pmap_enter()); when the frame
 * stays, keep accessed and dirty.  *lost says whether the old entry gave
 * something the new one does not, so walkers must drop it.
 */
int pt_enter(struct pt *pt, uaddr_t va, paddr_t pa, unsigned prot,
    bool *lost);
/* Run r over [va, end) clipped to pages of the user half (see above). */
void pt_range(struct pt *pt, uaddr_t va, uaddr_t end, struct pt_range *r);
/* Free the tables r's walk unlinked, once nothing can walk them. */
void pt_free_dead(struct pt_range *r);
/* Translate va (contract/pmap.h pmap_extract()). */
bool pt_extract(const struct pt *pt, uaddr_t va, paddr_t *pa,
    unsigned *prot);
/*
 * Clear accessed and dirty of va's page; true when one was set, so a
 * cached translation must go (else no walker would set them again).
 */
bool pt_clear_status(struct pt *pt, uaddr_t va);

#endif
