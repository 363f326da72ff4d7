/*
 * The physical page allocator: a binary buddy allocator.
 *
 * The platform reports usable RAM as a few page-aligned ranges
 * (physmem_ranges()).  Each range keeps its own array of struct page, one
 * per managed frame, carved from the range's first pages: the allocator
 * needs no memory before it exists, and a frame's struct page is found
 * by arithmetic on its address.
 *
 * Free memory is kept as blocks of 2^order pages, 0 <= order <=
 * PAGE_MAX_ORDER, each naturally aligned in physical address (a block of
 * order k starts at a multiple of PAGE_SIZE << k), on one free list per
 * order.  Natural alignment makes a block's buddy -- the other half of
 * the block one order up -- a single XOR away, so:
 *
 *   - allocation takes the smallest free block that is large enough and
 *     splits it, putting the unused halves back one order down each;
 *   - freeing merges the block with its buddy while the buddy is free and
 *     of the same order, then files the result.
 *
 * Both touch at most PAGE_MAX_ORDER + 1 blocks: no walk over the pages.
 * A range need not be aligned to anything larger than a page; at boot it
 * is cut into the largest naturally aligned blocks that fit, and merging
 * never crosses a range's edge (a buddy outside the range is never free).
 *
 * Only the first page of a block (its head) carries state: PG_FREE with
 * the order while the block is on a free list, PG_ALLOC with the order
 * while it is allocated.  Every other page of a block has neither flag.
 * That is enough to catch the classic misuses at page_free() -- a double
 * free, a free of an address that was never a block's head, a free with
 * the wrong order -- and to panic naming them, instead of corrupting the
 * free lists silently.
 *
 * Locking: one spinlock guards the free lists and every struct page's
 * allocator fields.  The count of free pages is also read without the
 * lock (atomically) by the heap's reservation code.
 */
#include "contract/physmem.h"
#include "kern/printk.h"
#include "lib/list.h"
#include "lib/string.h"
#include "mm/page.h"
#include "proc/spinlock.h"

/* struct page flags (allocator-private). */
#define PG_FREE		0x1u	/* head of a free block, on its free list */
#define PG_ALLOC	0x2u	/* head of an allocated block */

/* Most ranges a platform may report; firmware maps rarely have more. */
#define PAGE_MAX_RANGES	64

/* A managed range: frames [base, base + npages * PAGE_SIZE). */
struct page_range {
	paddr_t base;		/* first managed frame (after the array) */
	size_t npages;		/* managed frames */
	struct page *pages;	/* their struct pages, at the range start */
};

static struct spinlock page_lock = SPINLOCK_INIT("page");
static struct list free_lists[PAGE_MAX_ORDER + 1];	/* [page_lock] */
static size_t nfree;		/* [page_lock] for writes; atomic reads */
static size_t ntotal;		/* set once by page_init() */
static struct page_range ranges[PAGE_MAX_RANGES];	/* by page_init() */
static int nranges;
static bool initialised;

/* Bytes in a block of the given order. */
static inline size_t
block_bytes(unsigned order)
{
	return PAGE_SIZE << order;
}

/*
 * The range that holds physical address pa, or NULL.  Ranges are sorted,
 * so a binary search finds it.
 */
static struct page_range *
range_of(paddr_t pa)
{
	int lo = 0, hi = nranges;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		struct page_range *r = &ranges[mid];

		if (pa < r->base)
			hi = mid;
		else if (pa >= r->base + r->npages * PAGE_SIZE)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/* The struct page of pa inside range r, or NULL if pa lies outside r. */
static struct page *
range_page(struct page_range *r, paddr_t pa)
{
	if (pa < r->base || pa >= r->base + r->npages * PAGE_SIZE)
		return NULL;
	return &r->pages[(pa - r->base) >> PAGE_SHIFT];
}

/* Put the block at pa (struct page pg) on the free list of its order. */
static void
free_list_add(struct page *pg, unsigned order)
{
	pg->flags = PG_FREE;
	pg->order = (uint8_t)order;
	list_push_front(&free_lists[order], &pg->link);
}

/* Take a free block's head pg off its free list. */
static void
free_list_remove(struct page *pg)
{
	list_remove(&pg->link);
	pg->flags = 0;
}

/*
 * Set up one range: place its struct page array at its start and file
 * the frames after the array as naturally aligned free blocks.
 */
static void
range_init(struct page_range *r, paddr_t base, uint64_t len)
{
	size_t total = len / PAGE_SIZE;
	size_t sz = sizeof(struct page);
	/* Fewest array pages that describe all the frames left after them. */
	size_t meta = (total * sz + PAGE_SIZE + sz - 1) / (PAGE_SIZE + sz);
	paddr_t pa, end;

	r->pages = phys_to_virt(base);
	r->base = base + meta * PAGE_SIZE;
	r->npages = total - meta;
	memset(r->pages, 0, r->npages * sz);

	end = r->base + r->npages * PAGE_SIZE;
	for (pa = r->base; pa < end; ) {
		unsigned order = PAGE_MAX_ORDER;

		while ((pa & (block_bytes(order) - 1)) != 0 ||
		    pa + block_bytes(order) > end)
			order--;
		free_list_add(range_page(r, pa), order);
		pa += block_bytes(order);
	}
	ntotal += r->npages;
	nfree += r->npages;
}

/*
 * Take every usable range from the platform.  Called once, on the boot
 * CPU, before anything allocates.
 */
void
page_init(void)
{
	struct phys_range pr[PAGE_MAX_RANGES];
	paddr_t last_end = 0;
	int i, n;

	if (initialised)
		panic("page_init: called twice");
	initialised = true;
	for (i = 0; i <= PAGE_MAX_ORDER; i++)
		list_init(&free_lists[i]);

	n = physmem_ranges(pr, PAGE_MAX_RANGES);
	for (i = 0; i < n; i++) {
		paddr_t base = ROUNDUP(pr[i].base, PAGE_SIZE);
		paddr_t end = ROUNDDOWN(pr[i].base + pr[i].len, PAGE_SIZE);

		if (base < last_end)
			panic("page_init: ranges unsorted or overlapping "
			    "at %#llx", (unsigned long long)base);
		last_end = end;
		/* One page for the array and at least one to manage. */
		if (end <= base || end - base < 2 * PAGE_SIZE)
			continue;
		range_init(&ranges[nranges++], base, end - base);
	}
}

/*
 * Pop a free block of exactly `order` pages, splitting a larger one if
 * needed; NULL when no block is large enough.  Caller holds page_lock.
 */
static struct page *
buddy_take(unsigned order)
{
	unsigned o = order;
	struct page *pg;
	paddr_t pa;

	while (o <= PAGE_MAX_ORDER && list_empty(&free_lists[o]))
		o++;
	if (o > PAGE_MAX_ORDER)
		return NULL;
	pg = list_entry(free_lists[o].next, struct page, link);
	free_list_remove(pg);
	pa = page_to_phys(pg);
	/* Give back the upper half at each order on the way down. */
	while (o > order) {
		o--;
		free_list_add(page_of(pa + block_bytes(o)), o);
	}
	return pg;
}

/*
 * Allocate 2^order contiguous, naturally aligned pages.  Returns the
 * physical address of the first, or 0 when no such block is free.
 */
paddr_t
page_alloc(unsigned order, unsigned flags)
{
	struct page *pg;
	paddr_t pa;

	if (order > PAGE_MAX_ORDER)
		return 0;
	spin_lock(&page_lock);
	pg = buddy_take(order);
	if (pg == NULL) {
		spin_unlock(&page_lock);
		return 0;
	}
	pg->flags = PG_ALLOC;
	pg->order = (uint8_t)order;
	pg->refcount = 0;
	pg->owner = NULL;
	list_init(&pg->link);
	__atomic_store_n(&nfree, nfree - ((size_t)1 << order),
	    __ATOMIC_RELAXED);
	spin_unlock(&page_lock);

	pa = page_to_phys(pg);
	if (flags & PAGE_ZERO)
		memset(phys_to_virt(pa), 0, block_bytes(order));
	return pa;
}

/*
 * Explain why freeing pa at `order` is wrong, and stop.  pg is pa's
 * struct page, which is not the head of an allocated block of that
 * order.  Caller holds page_lock.
 */
static __noreturn void
page_free_misuse(struct page_range *r, struct page *pg, paddr_t pa,
    unsigned order)
{
	unsigned o;

	if (pg->flags & PG_ALLOC)
		panic("page_free: block %#llx has order %u, freed as order %u",
		    (unsigned long long)pa, pg->order, order);
	/* Is pa inside a free block?  Its head is pa rounded down. */
	for (o = 0; o <= PAGE_MAX_ORDER; o++) {
		paddr_t head = pa & ~(paddr_t)(block_bytes(o) - 1);
		struct page *hp = range_page(r, head);

		if (hp != NULL && (hp->flags & PG_FREE) && hp->order >= o)
			panic("page_free: %#llx is already free (in free "
			    "block %#llx of order %u): double free?",
			    (unsigned long long)pa, (unsigned long long)head,
			    hp->order);
	}
	panic("page_free: %#llx is not the start of an allocated block",
	    (unsigned long long)pa);
}

/*
 * Return the block of 2^order pages at pa, merging it with free buddies.
 * The block must have been allocated with this order.
 */
void
page_free(paddr_t pa, unsigned order)
{
	struct page_range *r;
	struct page *pg, *buddy;

	if (order > PAGE_MAX_ORDER)
		panic("page_free: order %u too large", order);
	if ((pa & (block_bytes(order) - 1)) != 0)
		panic("page_free: %#llx misaligned for order %u",
		    (unsigned long long)pa, order);
	r = range_of(pa);
	if (r == NULL)
		panic("page_free: %#llx is not managed memory",
		    (unsigned long long)pa);
	pg = range_page(r, pa);

	spin_lock(&page_lock);
	if (!(pg->flags & PG_ALLOC) || pg->order != order)
		page_free_misuse(r, pg, pa, order);
	pg->flags = 0;
	pg->refcount = 0;
	pg->owner = NULL;
	__atomic_store_n(&nfree, nfree + ((size_t)1 << order),
	    __ATOMIC_RELAXED);
	while (order < PAGE_MAX_ORDER) {
		buddy = range_page(r, pa ^ block_bytes(order));
		if (buddy == NULL || !(buddy->flags & PG_FREE) ||
		    buddy->order != order)
			break;
		free_list_remove(buddy);
		pa &= ~(paddr_t)block_bytes(order);
		order++;
	}
	free_list_add(range_page(r, pa), order);
	spin_unlock(&page_lock);
}

/* The struct page of a managed frame, or NULL. */
struct page *
page_of(paddr_t pa)
{
	struct page_range *r = range_of(pa);

	return r == NULL ? NULL : range_page(r, pa);
}

/* The physical address of the frame pg describes, or 0. */
paddr_t
page_to_phys(const struct page *pg)
{
	int i;

	for (i = 0; i < nranges; i++) {
		struct page_range *r = &ranges[i];

		if (pg >= r->pages && pg < r->pages + r->npages)
			return r->base +
			    ((paddr_t)(pg - r->pages) << PAGE_SHIFT);
	}
	return 0;
}

/* Pages under management. */
size_t
page_total(void)
{
	return ntotal;
}

/* Pages free now (a snapshot: other CPUs may change it at once). */
size_t
page_free_count(void)
{
	return __atomic_load_n(&nfree, __ATOMIC_RELAXED);
}
