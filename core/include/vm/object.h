/*
 * Memory objects: what a shared (or privately copied) mapping maps.
 *
 * A vm_object is a reference-counted array of pages, indexed by page
 * number, whose pages come from its pager: anonymous shared memory (here,
 * vm_anon_object_create()) or, later, a file's page cache.  The fault
 * path asks the pager for the page at an index and maps it; a private
 * mapping copies it on the first write.  That is the whole interface
 * between the VM and a pager, so file-backed mappings plug in without
 * touching the fault path.
 *
 * Field locking: [i] immutable after vm_object_init(); [a] atomic.
 */
#ifndef VM_OBJECT_H
#define VM_OBJECT_H

#include "kern/types.h"

struct vm_object;

struct vm_pager_ops {
	const char *name;
	/*
	 * Store in *pa the page at index idx, bringing it in (zeroed, or
	 * read) if needed.  The page stays the object's, valid while the
	 * object lives.  Returns 0, -ENOMEM, -EFAULT for an index outside
	 * the object (the fault fails), or -EIO.  Called in thread context
	 * with the faulting address space's lock held (a sleeping mutex);
	 * may sleep.
	 */
	int (*get)(struct vm_object *obj, uint64_t idx, paddr_t *pa);
	/* The last reference went: release the pages and free obj. */
	void (*free)(struct vm_object *obj);
};

struct vm_object {
	const struct vm_pager_ops *ops;	/* [i] */
	unsigned refs;			/* [a] */
};

/* Set up an embedded object with one reference (the caller's). */
void vm_object_init(struct vm_object *obj, const struct vm_pager_ops *ops);

void vm_object_ref(struct vm_object *obj);
/* Drop a reference; the last calls ops->free().  May sleep. */
void vm_object_unref(struct vm_object *obj);

/*
 * A new anonymous shared object of npages zero pages, filled on demand
 * (MAP_SHARED|MAP_ANONYMOUS, later shared memory), with one reference;
 * NULL when memory is exhausted.
 */
struct vm_object *vm_anon_object_create(uint64_t npages);

/* Pages an anonymous object holds now (for tests and statistics). */
size_t vm_anon_object_pages(struct vm_object *obj);

#endif
