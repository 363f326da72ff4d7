/*
 * The physical page allocator: a buddy allocator over the ranges the
 * platform reports (physmem_ranges()), with a struct page per page frame
 * for the VM's reference counts and the allocator's own bookkeeping.
 */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include "kern/types.h"
#include "lib/list.h"

#define PAGE_MAX_ORDER	10	/* largest block: 2^10 pages = 4 MiB */

/* Flags for page_alloc(). */
#define PAGE_ZERO	0x1u	/* fill the block with zeros */

struct page {
	struct list link;	/* free list, or the owner's list */
	uint32_t refcount;	/* VM users; 0 while free */
	uint8_t order;		/* block order (head page, free or in use) */
	uint8_t flags;		/* allocator-private state */
	uint16_t pad;
	void *owner;		/* allocator of a kmalloc slab, or NULL */
};

/* Take every range from physmem_ranges(); called once by core_main(). */
void page_init(void);

/* 2^order contiguous, naturally aligned pages; 0 when none are free. */
paddr_t page_alloc(unsigned order, unsigned flags);
void page_free(paddr_t pa, unsigned order);

/* The struct page of a managed frame, and back; NULL/0 if not managed. */
struct page *page_of(paddr_t pa);
paddr_t page_to_phys(const struct page *pg);

size_t page_total(void);	/* pages managed */
size_t page_free_count(void);	/* pages free now */

#endif
