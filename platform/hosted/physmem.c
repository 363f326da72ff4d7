/*
 * Hosted physical memory: one anonymous mmap'd arena stands in for RAM.
 * Physical addresses start at ARENA_PHYS_BASE (1 MiB), not 0, so that 0
 * keeps meaning "no page" as it does on hardware; the direct map is the
 * arena itself, so phys_to_virt() and virt_to_phys() are one subtraction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "contract/physmem.h"
#include "hosted.h"
#include "kern/printk.h"

#define ARENA_PHYS_BASE	((paddr_t)1 << 20)

static char *arena;
static size_t arena_len;

/*
 * Map the arena (once per process).  MAP_NORESERVE: pages the kernel
 * never touches cost the host nothing.
 */
void hosted_physmem_init(size_t mem_bytes)
{
	void *p;

	if (arena != NULL) {
		fprintf(stderr, "hosted_physmem_init: called twice\n");
		abort();
	}
	mem_bytes = ROUNDDOWN(mem_bytes, PAGE_SIZE);
	if (mem_bytes == 0)
		mem_bytes = 64u << 20;
	p = mmap(NULL, mem_bytes, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("hosted_physmem_init: mmap");
		abort();
	}
	arena = p;
	arena_len = mem_bytes;
}

/* The arena is the only usable range. */
int physmem_ranges(struct phys_range *out, int max)
{
	if (arena == NULL || max < 1)
		return 0;
	out[0].base = ARENA_PHYS_BASE;
	out[0].len = arena_len;
	return 1;
}

/* Direct map: the arena, offset by its physical base. */
void *phys_to_virt(paddr_t pa)
{
	if (pa < ARENA_PHYS_BASE || pa - ARENA_PHYS_BASE >= arena_len)
		panic("phys_to_virt: %#llx outside the arena",
		    (unsigned long long)pa);
	return arena + (pa - ARENA_PHYS_BASE);
}

/* The physical address of an arena byte. */
paddr_t virt_to_phys(const void *va)
{
	const char *p = va;

	if (p < arena || p >= arena + arena_len)
		panic("virt_to_phys: %p outside the arena", va);
	return ARENA_PHYS_BASE + (paddr_t)(p - arena);
}
