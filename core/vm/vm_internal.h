/*
 * The VM layer's private structures, shared by its files:
 *   vmspace.c  address spaces, regions, fork, destruction (the design essay)
 *   map.c      mmap, munmap, mprotect, madvise, brk
 *   fault.c    vm_fault
 *   pagemap.c  sparse page-index -> page maps (private pages, anon objects)
 *   object.c   vm_object references and the anonymous shared pager
 *
 * Field locking: [m] the vmspace's map lock (vs->lock); [i] immutable
 * after creation; [a] atomic.
 */
#ifndef VM_INTERNAL_H
#define VM_INTERNAL_H

#include "contract/pmap.h"
#include "kern/types.h"
#include "lib/rbtree.h"
#include "mm/page.h"
#include "proc/mutex.h"
#include "vm/object.h"
#include "vm/vm.h"

/*
 * A sparse map from page index to page.  Each entry owns one reference
 * to its page (struct page's refcount).  Entries live in chunks of
 * PAGEMAP_CHUNK consecutive indexes, kept in an rbtree by their first
 * index, so that a dense run of pages costs one node per 64 KiB and a
 * sparse map costs only what it holds.  The owner's lock guards it.
 */
#define PAGEMAP_CHUNK	16

struct vm_pagemap {
	struct rb_tree chunks;
	size_t count;		/* entries */
};

void pagemap_init(struct vm_pagemap *m);
/* The page at idx, or 0. */
paddr_t pagemap_get(const struct vm_pagemap *m, uint64_t idx);
/*
 * Store pa at idx, handing the caller's reference to the map; a page
 * already there loses its reference.  Returns 0: a new chunk comes from
 * the caller's heap reservation, which cannot fail (the int stays for
 * the callers that pass it on).
 */
int pagemap_put(struct vm_pagemap *m, uint64_t idx, paddr_t pa);
/* Remove the entries in [lo, hi), dropping their references. */
void pagemap_remove(struct vm_pagemap *m, uint64_t lo, uint64_t hi);
/*
 * Copy every entry of src into the empty dst, each copy taking a
 * reference.  Returns 0 (inside fork's reservation nothing fails).
 */
int pagemap_copy(struct vm_pagemap *dst, const struct vm_pagemap *src);

/* Page references: one per pagemap entry that holds the page. */
static inline void
vm_page_hold(paddr_t pa)
{
	__atomic_add_fetch(&page_of(pa)->refcount, 1, __ATOMIC_RELAXED);
}

/* Drop a reference; the last frees the page. */
static inline void
vm_page_drop(paddr_t pa)
{
	if (__atomic_sub_fetch(&page_of(pa)->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		page_free(pa, 0);
}

static inline uint32_t
vm_page_refs(paddr_t pa)
{
	return __atomic_load_n(&page_of(pa)->refcount, __ATOMIC_ACQUIRE);
}

/* A fresh zeroed page with one reference, or 0. */
static inline paddr_t
vm_page_new(void)
{
	paddr_t pa = page_alloc(0, PAGE_ZERO);

	if (pa != 0)
		page_of(pa)->refcount = 1;
	return pa;
}

/* Region flags. */
#define VR_SHARED	0x1u	/* writes go to obj, seen by every sharer */

/*
 * A region: [start, end) with one protection and one backing.  Private
 * regions keep the pages they own in the vmspace's `private` map (keyed
 * by virtual page number, so splitting or merging a region moves no
 * pages); below those, obj supplies the contents (NULL: zeros).  Shared
 * regions always map obj's pages.
 */
struct vm_region {
	struct rb_node node;		/* [m] in vs->regions, by start */
	uaddr_t start, end;		/* [m] page-aligned */
	unsigned prot;			/* [m] PROT_R|W|X, or PROT_NONE */
	unsigned maxprot;		/* [m] what mprotect may grant */
	unsigned flags;			/* [m] VR_* */
	struct vm_object *obj;		/* [m] a reference, or NULL */
	uint64_t pgoff;			/* [m] obj's page index at start */
};

struct vmspace {
	struct mutex lock;		/* the map lock; see vmspace.c */
	struct pmap *pmap;		/* [i] changed only under lock */
	struct rb_tree regions;		/* [m] of vm_region */
	struct vm_pagemap private;	/* [m] private pages by va >> PAGE_SHIFT */
	size_t rss_peak;		/* [m] most private pages held at once */
	uaddr_t mmap_base;		/* [m] top-down search starts below */
	uaddr_t brk_start, brk;		/* [m] the program break */
	unsigned refs;			/* [a] */
};

/* Region tree primitives (vmspace.c).  Caller holds vs->lock. */
struct vm_region *region_find(struct vmspace *vs, uaddr_t addr);
struct vm_region *region_first_above(struct vmspace *vs, uaddr_t addr);
struct vm_region *region_next(struct vm_region *r);
struct vm_region *region_prev(struct vm_region *r);
void region_insert(struct vmspace *vs, struct vm_region *r);
void region_delete(struct vmspace *vs, struct vm_region *r);
bool region_overlaps(struct vmspace *vs, uaddr_t start, uaddr_t end);

/* The protection a page of a region with prot is mapped with. */
static inline unsigned
vm_map_prot(unsigned prot)
{
	return prot == PROT_NONE ? 0 : prot | PROT_R;
}

#endif
