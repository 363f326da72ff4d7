/*
 * Contract: physical memory.
 *
 * The platform reports the usable RAM (already excluding the kernel image,
 * boot modules and anything firmware owns); the core's page allocator owns
 * it from then on.  Every usable page is reachable through the direct map.
 * Hosted "physical memory" is one big mmap'd arena, with physical address 0
 * never used (so 0 can mean "none").
 */
#ifndef CONTRACT_PHYSMEM_H
#define CONTRACT_PHYSMEM_H

#include "kern/types.h"

struct phys_range {
	paddr_t base;		/* page-aligned */
	uint64_t len;		/* bytes, a multiple of PAGE_SIZE */
};

/* Fill out[0..max) with usable ranges in ascending order; return how many. */
int physmem_ranges(struct phys_range *out, int max);

/* Direct map: kernel virtual address of physical address pa, and back. */
void *phys_to_virt(paddr_t pa);
paddr_t virt_to_phys(const void *va);

#endif
