/*
 * Contract: the MMU (after BSD's pmap).
 *
 * A pmap translates user virtual addresses [0, USER_END) page by page to
 * physical pages with a protection.  The kernel half is the platform's
 * business (direct map, kernel image) and is present in every pmap.
 *
 * x86_64 edits real 4-level page tables; hosted keeps a software table with
 * the same semantics, including the accessed and dirty bits, which the
 * hosted usercopy sets as hardware would.
 *
 * Changes are complete when the call returns: pmap_remove() and
 * pmap_protect() shoot down stale TLB entries on every CPU that has the
 * pmap active.  Page-table pages come from the core's page allocator; the
 * mapped pages themselves are never freed by the pmap.
 *
 * Locking: callers serialise changes to one pmap (the VM layer holds the
 * address space's lock); different pmaps are independent.
 */
#ifndef CONTRACT_PMAP_H
#define CONTRACT_PMAP_H

#include "kern/types.h"

/* One past the highest user address: Linux x86-64's 47-bit user half. */
#define USER_END	((uaddr_t)0x0000800000000000ULL)

/* Protection bits (also the `access` of a fault). */
#define PROT_R		0x1u
#define PROT_W		0x2u
#define PROT_X		0x4u
/* Status bits reported by pmap_extract(). */
#define PMAP_ACCESSED	0x10u
#define PMAP_DIRTY	0x20u

struct pmap;

/* A new, empty address space, or NULL when memory is exhausted. */
struct pmap *pmap_create(void);

/* Remove every mapping and free the page-table pages.  Must not be active anywhere. */
void pmap_destroy(struct pmap *pm);

/* Make pm the calling CPU's user address space (NULL: none). */
void pmap_activate(struct pmap *pm);

/* The calling CPU's active pmap, or NULL. */
struct pmap *pmap_current(void);

/*
 * Map the page at va (page-aligned, below USER_END) to pa with prot,
 * replacing any previous mapping.  prot must include PROT_R.  Replacing
 * a present mapping shoots down the old translation as pmap_remove()
 * does, so the old page may be freed once the call returns (the VM's
 * copy-on-write relies on it).
 * Returns 0, -EINVAL for a bad address, or -ENOMEM.
 */
int pmap_enter(struct pmap *pm, uaddr_t va, paddr_t pa, unsigned prot);

/* Unmap every page in [va, end).  Unmapped pages in the range are skipped. */
void pmap_remove(struct pmap *pm, uaddr_t va, uaddr_t end);

/*
 * Reduce the protection of every mapped page in [va, end) to prot
 * (intersected with its own).  prot == 0 removes the mappings.
 */
void pmap_protect(struct pmap *pm, uaddr_t va, uaddr_t end, unsigned prot);

/*
 * Look up va.  When mapped, store the physical address of the byte at va
 * and its protection plus status bits, and return true.
 */
bool pmap_extract(struct pmap *pm, uaddr_t va, paddr_t *pa, unsigned *prot);

/* Clear the accessed and dirty bits of the page at va (for page aging). */
void pmap_clear_status(struct pmap *pm, uaddr_t va);

#endif
