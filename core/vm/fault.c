/*
 * The page-fault handler (contract/entry.h): rebuild the pmap entry for
 * one page of the current thread's address space from its region and
 * pages, following the case table atop vmspace.c.  The whole fault runs
 * under the vmspace's lock, so two threads faulting on the same page are
 * served one after the other, and the second finds the first's page.
 *
 * Memory.  Every fault runs inside a heap reservation (mm/reserve.h)
 * taken before the map lock, whose bound covers the page it maps, so a
 * user page never takes memory promised to a syscall.  A fault from user
 * mode waits for memory like a syscall's entry (evict, OOM kill) and
 * retries rather than failing; a fault inside a syscall cannot wait (the
 * syscall may hold locks) and takes a nested reservation of its own so
 * the syscall's bound is not charged for it.  See reserve.c's essay.
 */
#include "contract/entry.h"
#include "contract/physmem.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/reserve.h"
#include "proc/acct.h"
#include "proc/proc.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "vm_internal.h"

/*
 * A fault's reservation: the page it maps (charged), the page-table
 * pages the pmap may add on the way down (three levels below the root;
 * taken from the page allocator, not charged, but promised) and a
 * pagemap chunk (256 bytes of heap: the sites' marks are 4352 bytes).
 */
#define FAULT_BOUND	(4 * PAGE_SIZE + 512)

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
	reserve_charge(PAGE_SIZE);
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
		if (pa != 0)
			reserve_charge(PAGE_SIZE);
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

/* Resolve the fault under vs->lock, inside the caller's reservation. */
static int
fault_once(struct vmspace *vs, uaddr_t va, unsigned access)
{
	int error;

	mutex_lock(&vs->lock);
	error = fault_locked(vs, va & ~(uaddr_t)PAGE_MASK, access);
	mutex_unlock(&vs->lock);
	return error;
}

/*
 * A fault taken inside a syscall (its copyin/copyout, futex, exec's
 * loader): the syscall may hold mutexes, so nothing here may wait for
 * memory.  The fault runs in a reservation of its own, nested in the
 * syscall's, so that its pagemap nodes and page are not charged to the
 * syscall's bound; when the emergency room cannot cover it, the fault
 * fails (-ENOMEM: the copy returns -EFAULT, as Linux's kernel-mode
 * faults do when out of memory).
 */
static int
fault_in_syscall(struct vmspace *vs, uaddr_t va, unsigned access)
{
	struct reservation outer;
	int error;

	if (!reserve_nested_begin(FAULT_BOUND, "pagefault-syscall", &outer))
		return -ENOMEM;
	error = fault_once(vs, va, access);
	reserve_nested_end(&outer);
	return error;
}

/*
 * A fault from user mode (or a copy outside any syscall): nothing is
 * held, so it reserves before taking the map lock, waiting -- evicting,
 * killing, as reserve_begin() does -- until memory is there.  A fault
 * that still finds no page runs the shortage policy and tries again;
 * only a process being killed gives up (-ENOMEM), since its SIGKILL ends
 * it at the next exit point and more memory would only delay that.
 */
static bool
doomed(struct thread *t)
{
	return t->proc != NULL && proc_thread_doomed(t->proc, t);
}

static int
fault_from_user(struct vmspace *vs, uaddr_t va, unsigned access)
{
	struct thread *t = curthread();
	int error;

	for (;;) {
		if (doomed(t))
			return -ENOMEM;
		reserve_begin(FAULT_BOUND, "pagefault");
		/* Killed while waiting (perhaps as the victim): stop here. */
		if (doomed(t)) {
			reserve_end();
			return -ENOMEM;
		}
		error = fault_once(vs, va, access);
		reserve_end();
		if (error != -ENOMEM)
			return error;
		reserve_shortage(PAGE_SIZE);
	}
}

/*
 * Thread context, no spinlock held (see entry.h).  Returns 0 when va is
 * now mapped for access, -EFAULT when it cannot be (no address space, no
 * region, or a protection violation), -ENOMEM when memory ran out (inside
 * a syscall, or the process is being killed), or a pager's error.
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
	if (reserve_active())
		error = fault_in_syscall(vs, va, access);
	else
		error = fault_from_user(vs, va, access);
	if (error == 0)
		acct_minflt();
	return error;
}
