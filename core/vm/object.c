/*
 * Memory objects (vm/object.h): reference counting, and the one pager the
 * VM itself provides, anonymous shared memory.
 *
 * An anonymous object is a fixed number of pages, each allocated zeroed
 * the first time any sharer faults on it, and held in a pagemap until the
 * last mapping (hence the last reference) goes.  Its own sleeping mutex
 * serialises the first-touch allocation, so two address spaces faulting
 * on the same index at once get the same page.  Lock order: a vmspace's
 * lock, then the object's.
 */
#include "kern/errno.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "vm_internal.h"

/* Embedded object: the caller holds the one reference. */
void
vm_object_init(struct vm_object *obj, const struct vm_pager_ops *ops)
{
	obj->ops = ops;
	obj->refs = 1;
}

/* Take a reference (a region mapping obj). */
void
vm_object_ref(struct vm_object *obj)
{
	__atomic_add_fetch(&obj->refs, 1, __ATOMIC_RELAXED);
}

/* Thread context, no spinlock held: the pager's free may sleep. */
void
vm_object_unref(struct vm_object *obj)
{
	if (__atomic_sub_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL) == 0)
		obj->ops->free(obj);
}

struct anon_object {
	struct vm_object obj;
	struct mutex lock;		/* guards pages */
	uint64_t npages;		/* [i] size */
	struct vm_pagemap pages;	/* [lock] the pages touched so far */
};

/* The anonymous object around obj (whose pager is anon_pager). */
static inline struct anon_object *
anon_of(struct vm_object *obj)
{
	return container_of(obj, struct anon_object, obj);
}

/* The page at idx, allocated zeroed on first use (vm_pager_ops.get). */
static int
anon_get(struct vm_object *obj, uint64_t idx, paddr_t *pa)
{
	struct anon_object *ao = anon_of(obj);
	paddr_t new;
	int error = 0;

	if (idx >= ao->npages)
		return -EFAULT;
	mutex_lock(&ao->lock);
	*pa = pagemap_get(&ao->pages, idx);
	if (*pa == 0) {
		new = vm_page_new();
		if (new == 0)
			error = -ENOMEM;
		else if ((error = pagemap_put(&ao->pages, idx, new)) != 0)
			vm_page_drop(new);
		else
			*pa = new;
	}
	mutex_unlock(&ao->lock);
	return error;
}

/* The last reference went: no mapping remains, so free every page. */
static void
anon_free(struct vm_object *obj)
{
	struct anon_object *ao = anon_of(obj);

	pagemap_remove(&ao->pages, 0, ao->npages);
	kfree(ao);
}

static const struct vm_pager_ops anon_pager = {
	.name = "anon",
	.get = anon_get,
	.free = anon_free,
};

/* A new anonymous shared object of npages pages (see vm/object.h). */
struct vm_object *
vm_anon_object_create(uint64_t npages)
{
	struct anon_object *ao = kzalloc(sizeof(*ao));	/* in a reservation */

	vm_object_init(&ao->obj, &anon_pager);
	mutex_init(&ao->lock, "anon object");
	ao->npages = npages;
	pagemap_init(&ao->pages);
	return &ao->obj;
}

/* Pages obj, an anonymous object, holds now; takes its lock. */
size_t
vm_anon_object_pages(struct vm_object *obj)
{
	struct anon_object *ao;
	size_t n;

	if (obj->ops != &anon_pager)
		panic("vm_anon_object_pages: a %s object", obj->ops->name);
	ao = anon_of(obj);
	mutex_lock(&ao->lock);
	n = ao->pages.count;
	mutex_unlock(&ao->lock);
	return n;
}
