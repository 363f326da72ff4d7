/*
 * The page-fault handler (contract/entry.h): rebuild the pmap entry for
 * one page of the current thread's address space from its region and
 * pages, following the case table atop vmspace.c.  The whole fault runs
 * under the vmspace's lock, so two threads faulting on the same page are
 * served one after the other, and the second finds the first's page.
 */
#include "contract/entry.h"
#include "contract/physmem.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "proc/acct.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "vm_internal.h"

/* Whether a region with prot allows access (a PROT_* bit). */
static bool
prot_allows(unsigned prot, unsigned access)
{
	if (prot == PROT_NONE)
		return false;
	if ((access & PROT_W) && !(prot & PROT_W))
		return false;
	return !(access & PROT_X) || (prot & PROT_X);
}

/* The object page index that va (in r) maps. */
static uint64_t
region_pgidx(const struct vm_region *r, uaddr_t va)
{
	return r->pgoff + ((va - r->start) >> PAGE_SHIFT);
}

/* A shared region maps its object's page, with the region's protection. */
static int
fault_shared(struct vmspace *vs, struct vm_region *r, uaddr_t va)
{
	paddr_t pa;
	int error;

	error = r->obj->ops->get(r->obj, region_pgidx(r, va), &pa);
	if (error != 0)
		return error;
	return pmap_enter(vs->pmap, va, pa, vm_map_prot(r->prot));
}

/*
 * Make new (one reference, the caller's) the private page at va and map
 * it with r's protection.  Whatever va mapped before -- a page shared by
 * fork, or an object's page -- is replaced; the old private page keeps a
 * reference until pmap_enter() has shot its translation down, so no
 * sharer can reuse it while this space still reads it.
 */
static int
private_install(struct vmspace *vs, struct vm_region *r, uaddr_t va,
    paddr_t new)
{
	paddr_t old = pagemap_get(&vs->private, va >> PAGE_SHIFT);
	int error;

	if (old != 0)
		vm_page_hold(old);
	error = pagemap_put(&vs->private, va >> PAGE_SHIFT, new);
	if (error != 0)
		vm_page_drop(new);
	else
		error = pmap_enter(vs->pmap, va, new, vm_map_prot(r->prot));
	/* For getrusage's ru_maxrss. */
	vs->rss_peak = MAX(vs->rss_peak, vs->private.count);
	if (old != 0)
		vm_page_drop(old);
	return error;
}

/* A new page with one reference holding a copy of src, or 0. */
static paddr_t
page_copy(paddr_t src)
{
	paddr_t pa = page_alloc(0, 0);

	if (pa == 0)
		return 0;
	page_of(pa)->refcount = 1;
	memcpy(phys_to_virt(pa), phys_to_virt(src), PAGE_SIZE);
	return pa;
}

/*
 * A fault on a private page this space holds: map it, read-only while
 * fork shares it, or -- on a write -- copy it first unless every other
 * sharer is gone.
 */
static int
fault_private_page(struct vmspace *vs, struct vm_region *r, uaddr_t va,
    paddr_t pa, unsigned access)
{
	unsigned prot = vm_map_prot(r->prot);
	paddr_t copy;

	if (vm_page_refs(pa) > 1) {
		if (access & PROT_W) {
			copy = page_copy(pa);
			if (copy == 0)
				return -ENOMEM;
			return private_install(vs, r, va, copy);
		}
		prot &= ~PROT_W;
	}
	return pmap_enter(vs->pmap, va, pa, prot);
}

/*
 * A fault on a private page this space does not hold yet: a read of an
 * object-backed region maps the object's page read-only; anything else
 * makes the private page, zeroed or copied from the object.
 */
static int
fault_private_new(struct vmspace *vs, struct vm_region *r, uaddr_t va,
    unsigned access)
{
	paddr_t src, pa;
	int error;

	if (r->obj == NULL) {
		pa = vm_page_new();
	} else {
		error = r->obj->ops->get(r->obj, region_pgidx(r, va), &src);
		if (error != 0)
			return error;
		if (!(access & PROT_W))
			return pmap_enter(vs->pmap, va, src,
			    vm_map_prot(r->prot) & ~PROT_W);
		pa = page_copy(src);
	}
	if (pa == 0)
		return -ENOMEM;
	return private_install(vs, r, va, pa);
}

/*
 * Whether pm is this CPU's pmap.  The fault came from the CPU's pmap:
 * resolving it in another would make the access fault again forever.
 * Interrupts stay off so the answer is about the CPU the thread is on.
 */
static bool
pmap_is_current(struct pmap *pm)
{
	bool same;

	intr_push();
	same = pmap_current() == pm;
	intr_pop();
	return same;
}

/* Resolve a fault at the page va.  Caller holds vs->lock. */
static int
fault_locked(struct vmspace *vs, uaddr_t va, unsigned access)
{
	struct vm_region *r = region_find(vs, va);
	paddr_t pa;

	if (r == NULL || !prot_allows(r->prot, access))
		return -EFAULT;
	if (r->flags & VR_SHARED)
		return fault_shared(vs, r, va);
	pa = pagemap_get(&vs->private, va >> PAGE_SHIFT);
	if (pa != 0)
		return fault_private_page(vs, r, va, pa, access);
	return fault_private_new(vs, r, va, access);
}

/*
 * Thread context, no lock held (see entry.h).  Returns 0 when va is now
 * mapped for access, -EFAULT when it cannot be (no address space, no
 * region, or a protection violation), -ENOMEM when memory ran out, or a
 * pager's error.
 */
int
vm_fault(uaddr_t va, unsigned access)
{
	struct vmspace *vs = curthread()->vmspace;
	int error;

	if (vs == NULL || va >= USER_END)
		return -EFAULT;
	if (!pmap_is_current(vs->pmap))
		panic("vm_fault: the CPU's pmap is not the thread's vmspace's");
	mutex_lock(&vs->lock);
	error = fault_locked(vs, va & ~(uaddr_t)PAGE_MASK, access);
	mutex_unlock(&vs->lock);
	if (error == 0)
		acct_minflt();
	return error;
}
