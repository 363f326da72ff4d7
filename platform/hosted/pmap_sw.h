/*
 * The hosted software MMU's private interface, between pmap.c (the page
 * tables) and usercopy.c (the "hardware" that walks them).
 *
 * A real CPU caches translations in its TLB and uses one for the duration
 * of an instruction; a shootdown completes only when every CPU has
 * acknowledged it, so after pmap_remove() returns no CPU writes through the
 * old translation.  The hosted usercopy plays the CPU: it translates one
 * page and copies within it, and that whole step is its "instruction".
 * It brackets each step with pmap_sw_pin()/pmap_sw_unpin(), and a pmap
 * change that takes access away waits for every CPU pinned in that pmap to
 * unpin before it returns (and before it frees page-table pages, which a
 * pinned walker may still be reading).
 */
#ifndef HOSTED_PMAP_SW_H
#define HOSTED_PMAP_SW_H

#include "kern/types.h"

/*
 * Begin a translation step on this CPU: disable interrupts (so the CPU
 * stays the same) and announce that this CPU may use translations of its
 * active pmap.  Returns the interrupt state for pmap_sw_unpin().
 * Never sleep or fault while pinned.
 */
unsigned long pmap_sw_pin(void);

/* End the step begun by pmap_sw_pin(); s is what it returned. */
void pmap_sw_unpin(unsigned long s);

/*
 * While pinned: translate the user address va through this CPU's active
 * pmap for access (PROT_R, PROT_W or PROT_X), setting the accessed bit,
 * and the dirty bit for a write, as the hardware's page walker does.
 * Returns the kernel address of the byte at va, valid until unpin, or
 * NULL when no pmap is active or the page is absent or does not allow the
 * access (the caller then takes a fault, unpinned).
 */
void *pmap_sw_translate(uaddr_t va, unsigned access);

/*
 * The page-fault handler the user copies call: the core's vm_fault()
 * (contract/entry.h).  A unit test of the copies may point it at a
 * stand-in VM of its own, since it cannot link a second vm_fault() beside
 * the core's; nothing else changes it.
 */
extern int (*usercopy_fault)(uaddr_t va, unsigned access);

#endif
