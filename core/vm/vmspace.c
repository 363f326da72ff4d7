/*
 * Address spaces: the VM layer's design.
 *
 * A struct vmspace is what a process's threads share: a pmap (the MMU's
 * view, contract/pmap.h), the regions that say what each address range
 * means, and the pages the process owns privately.  The pmap is only a
 * cache of that knowledge: any of its entries may be missing, and the
 * fault handler (fault.c) rebuilds it from the regions and pages.  Each
 * thread that runs in a vmspace holds a reference, taken and dropped by
 * vmspace_switch() (exit must switch to NULL); the last reference frees
 * the pages, the regions and the pmap.
 *
 * Regions.  Each region is a page-aligned [start, end) with a protection
 * (PROT_NONE allowed: a guard) and a backing, kept in an rbtree by start
 * so that "the region containing va" and "the first region above va" are
 * O(log n).  Adjacent regions that are alike (same protection, flags and
 * object, contiguous object offsets) are merged after each change, as
 * Linux merges VMAs, so a heap grown by brk() or a run of mmap()s stays
 * one region.
 *
 * Pages come in two layers, after the classic anonymous-over-object
 * design (Mach, BSD's UVM amap/uobj, Linux's anon_vma over the page
 * cache):
 *
 *   - private pages, owned by the vmspace, in vs->private: a pagemap
 *     keyed by virtual page number.  Demand-zero pages of anonymous
 *     memory and the copies that copy-on-write makes live here.
 *   - object pages, owned by a vm_object (vm/object.h) and supplied by
 *     its pager: the pages of anonymous shared memory now, of files
 *     later.  A shared region maps them directly; a private region maps
 *     them read-only until the first write copies one into the private
 *     layer.
 *
 * A fault (fault.c) therefore has few cases:
 *
 *	no region, or prot forbids the access            -> -EFAULT
 *	shared region                                     -> map obj's page
 *	private, page in vs->private, read                -> map it (read-only
 *	                                                     if shared by fork)
 *	private, page in vs->private, write, refcount 1   -> map it writable
 *	private, page in vs->private, write, refcount > 1 -> copy, map the copy
 *	private, no page, read, object below              -> map obj's page RO
 *	private, no page, otherwise                       -> new zero page (or a
 *	                                                     copy of obj's page)
 *
 * Copy-on-write.  struct page's refcount counts the pagemap entries that
 * hold a page.  fork (vmspace_fork) copies the parent's private pagemap,
 * taking a reference per page, and write-protects the parent's private
 * mappings; the child starts with an empty pmap.  The invariant that
 * makes this safe: a private page is mapped writable only while its
 * refcount is 1.  A write fault on a page with refcount > 1 copies it and
 * drops this vmspace's reference; one whose sharers have all copied or
 * exited (refcount 1) is reused in place with no copy.  The test of
 * refcount == 1 cannot race: only a holder can create a new reference
 * (by forking), and the only holder is the faulting vmspace, whose lock
 * the fault holds.  Copies made concurrently by two sharers under their
 * own locks are merely redundant: the last drop frees the page.
 *
 * Why the private pages are not simply "what the page tables map", as in
 * Linux: the pmap contract does not report what pmap_remove() removed,
 * PROT_NONE is implemented by removing mappings (the pages must survive
 * it), and walking page tables over a large sparse region costs its
 * size.  A pagemap keyed by address also makes splitting and merging
 * regions free (no page moves), which is why per-region anonymous maps
 * with offsets (UVM's amaps, which must be split and re-referenced at
 * every region split) were rejected.
 *
 * Object pages belong to their object, and a pmap mapping borrows them:
 * the object lives while a region refers to it, and a region's mappings
 * are removed before its object reference is dropped.  A pager that will
 * evict pages of a mapped object (the page cache) needs a way to unmap
 * them first; that is left to the file-system work.
 *
 * Locking.  vs->lock, a sleeping mutex, is the map lock: it guards the
 * regions, the private pagemap and the break, and serialises every change
 * to the pmap (as the pmap contract asks).  Faults take it too, for their
 * whole duration, since a pager may sleep (I/O) and so may the mutex's
 * waiters.  Order:
 *
 *	vmspace lock -> object lock -> kmalloc/page allocator spinlocks
 *
 * (fork holds only the parent's: the child is nobody else's yet.)
 *
 * Nothing here copies to or from user memory while holding a vmspace
 * lock, because the copy could fault into the same lock.  Page refcounts
 * and vmspace/object reference counts are atomic: sharers update them
 * under different locks.  One lock per vmspace serialises the faults of
 * a process's threads; a reader-writer lock (faults shared, map changes
 * exclusive, with per-page care) is the obvious next step if that shows
 * up in profiles, and was left out to keep the fault path simple.
 *
 * Memory exhaustion.  The operations run inside a syscall's heap
 * reservation, where kmalloc cannot fail; they also work outside one,
 * where it can.  Each operation takes the (at most two) regions it might
 * need before the lock, so the region surgery itself cannot fail.  Page
 * faults reserve their own memory (fault.c): one from user mode waits for
 * it (evicting, or the OOM killer), one inside a syscall returns -ENOMEM
 * when the emergency room is short (see mm/reserve.c).
 */
#include "kern/errno.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "proc/thread.h"
#include "vm_internal.h"

/* The region a tree node is embedded in (NULL for NULL). */
static inline struct vm_region *
region_of(const struct rb_node *n)
{
	return n != NULL ? rb_entry(n, struct vm_region, node) : NULL;
}

/* Order regions by start, for insertion. */
static int
region_cmp(const struct rb_node *a, const struct rb_node *b)
{
	uaddr_t x = region_of(a)->start, y = region_of(b)->start;

	return x < y ? -1 : x > y;
}

/* Compare an address with the range a region covers. */
static int
region_key_cmp(const void *key, const struct rb_node *n)
{
	uaddr_t addr = *(const uaddr_t *)key;
	const struct vm_region *r = region_of(n);

	if (addr < r->start)
		return -1;
	return addr >= r->end ? 1 : 0;
}

/* The region containing addr, or NULL.  Caller holds vs->lock. */
struct vm_region *
region_find(struct vmspace *vs, uaddr_t addr)
{
	return region_of(rb_find(&vs->regions, &addr, region_key_cmp));
}

/* The first region that ends above addr, or NULL.  Caller holds vs->lock. */
struct vm_region *
region_first_above(struct vmspace *vs, uaddr_t addr)
{
	return region_of(rb_lower_bound(&vs->regions, &addr, region_key_cmp));
}

/* The regions after and before r, or NULL.  Caller holds vs->lock. */
struct vm_region *
region_next(struct vm_region *r)
{
	return region_of(rb_next(&r->node));
}

struct vm_region *
region_prev(struct vm_region *r)
{
	return region_of(rb_prev(&r->node));
}

/* Link r, which overlaps no region of vs.  Caller holds vs->lock. */
void
region_insert(struct vmspace *vs, struct vm_region *r)
{
	rb_insert(&vs->regions, &r->node, region_cmp);
}

/*
 * Unlink r and free it, dropping its object reference.  Its pages must
 * already be unmapped.  Caller holds vs->lock.
 */
void
region_delete(struct vmspace *vs, struct vm_region *r)
{
	rb_remove(&vs->regions, &r->node);
	if (r->obj != NULL)
		vm_object_unref(r->obj);
	kfree(r);
}

/* Whether any region overlaps [start, end).  Caller holds vs->lock. */
bool
region_overlaps(struct vmspace *vs, uaddr_t start, uaddr_t end)
{
	struct vm_region *r = region_first_above(vs, start);

	return r != NULL && r->start < end;
}

/* A new, empty address space (see vm.h). */
struct vmspace *
vmspace_create(void)
{
	struct vmspace *vs = kzalloc(sizeof(*vs));	/* in a reservation */

	vs->pmap = pmap_create();
	if (vs->pmap == NULL) {
		kfree(vs);
		return NULL;
	}
	mutex_init(&vs->lock, "vmspace");
	rb_tree_init(&vs->regions);
	pagemap_init(&vs->private);
	vs->mmap_base = VM_MMAP_BASE;
	vs->refs = 1;
	return vs;
}

/*
 * Free everything vs holds.  The last reference is gone, so nothing else
 * can reach it; no CPU may have its pmap active.  The pmap goes first so
 * that no translation outlives the pages it points to.
 */
static void
vmspace_destroy(struct vmspace *vs)
{
	struct rb_node *n;

	pmap_destroy(vs->pmap);
	while ((n = rb_first(&vs->regions)) != NULL)
		region_delete(vs, region_of(n));
	pagemap_remove(&vs->private, 0, UINT64_MAX);
	kfree(vs);
}

/* Take a reference (a thread, a fork in progress). */
void
vmspace_ref(struct vmspace *vs)
{
	__atomic_add_fetch(&vs->refs, 1, __ATOMIC_RELAXED);
}

/* Thread context, no lock held (destruction may sleep). */
void
vmspace_unref(struct vmspace *vs)
{
	if (__atomic_sub_fetch(&vs->refs, 1, __ATOMIC_ACQ_REL) == 0)
		vmspace_destroy(vs);
}

/*
 * Thread context, no lock held.  The scheduler loads the thread's pmap
 * whenever it switches the thread in (thread_set_pmap()), wherever it
 * runs.  The old space is dropped last: it may be destroyed, and must no
 * longer be this thread's.
 */
void
vmspace_switch(struct vmspace *vs)
{
	struct thread *t = curthread();
	struct vmspace *old = t->vmspace;

	if (vs != NULL)
		vmspace_ref(vs);
	t->vmspace = vs;
	thread_set_pmap(vs != NULL ? vs->pmap : NULL);
	if (old != NULL)
		vmspace_unref(old);
}

/* The pmap, for the platform and tests; immutable, so no lock. */
struct pmap *
vmspace_pmap(const struct vmspace *vs)
{
	return vs->pmap;
}

/* Private pages held (a statistic; takes vs->lock). */
size_t
vmspace_private_pages(struct vmspace *vs)
{
	size_t n;

	mutex_lock(&vs->lock);
	n = vs->private.count;
	mutex_unlock(&vs->lock);
	return n;
}

/*
 * The pages vs costs, for the OOM killer's choice (proc/oom.c): its
 * private pages plus an estimate of their page tables (one leaf table
 * per 512 pages, and the levels above).  Read without vs->lock, since
 * the killer holds proc_lock (a spinlock): a figure a fault or two stale
 * is good enough to rank processes.
 */
size_t
vmspace_footprint(struct vmspace *vs)
{
	size_t n = __atomic_load_n(&vs->private.count, __ATOMIC_RELAXED);

	return n + (n + 511) / 512 + 2;
}

/*
 * The most private pages vs has held at once (ru_maxrss; takes
 * vs->lock).  Faults raise the mark; pages a fork shared count too.
 */
size_t
vmspace_rss_peak(struct vmspace *vs)
{
	size_t n;

	mutex_lock(&vs->lock);
	n = MAX(vs->rss_peak, vs->private.count);
	mutex_unlock(&vs->lock);
	return n;
}

/* Describe the first region ending above addr (takes vs->lock). */
bool
vmspace_region_at(struct vmspace *vs, uaddr_t addr,
    struct vm_region_info *info)
{
	struct vm_region *r;

	mutex_lock(&vs->lock);
	r = region_first_above(vs, addr);
	if (r != NULL) {
		info->start = r->start;
		info->end = r->end;
		info->prot = r->prot;
		info->shared = (r->flags & VR_SHARED) != 0;
		info->obj = r->obj;
		info->offset = r->pgoff << PAGE_SHIFT;
	}
	mutex_unlock(&vs->lock);
	return r != NULL;
}

/*
 * Give child a copy of r.  A private writable region loses write access
 * in the parent's pmap first, so the parent's next write to any page now
 * shared with the child faults and copies (or reuses) it.  Caller holds
 * parent's lock; child is not yet visible to anyone.
 */
static int
fork_region(struct vmspace *child, struct vmspace *parent,
    struct vm_region *r)
{
	struct vm_region *c = kmalloc(sizeof(*c));	/* in a reservation */

	*c = *r;
	if (c->obj != NULL)
		vm_object_ref(c->obj);
	region_insert(child, c);
	if (!(r->flags & VR_SHARED) && (r->prot & PROT_W))
		pmap_protect(parent->pmap, r->start, r->end,
		    vm_map_prot(r->prot) & ~PROT_W);
	return 0;
}

/*
 * Copy parent's map into the empty child.  The write-protection comes
 * before the pages gain their second reference, and the parent's lock
 * keeps its faults out meanwhile, so no page is ever writable in the
 * parent while the child shares it.
 */
static int
fork_copy(struct vmspace *child, struct vmspace *parent)
{
	struct rb_node *n;
	int error;

	child->mmap_base = parent->mmap_base;
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	for (n = rb_first(&parent->regions); n != NULL; n = rb_next(n)) {
		error = fork_region(child, parent, region_of(n));
		if (error != 0)
			return error;
	}
	return pagemap_copy(&child->private, &parent->private);
}

/*
 * fork(): a copy-on-write child of parent (see vm.h).  Thread context,
 * no lock held; takes parent's lock.
 */
struct vmspace *
vmspace_fork(struct vmspace *parent)
{
	struct vmspace *child = vmspace_create();
	int error;

	mutex_lock(&parent->lock);
	error = fork_copy(child, parent);
	mutex_unlock(&parent->lock);
	if (error != 0) {
		/* A partial child is consistent: destroying it undoes it. */
		vmspace_unref(child);
		return NULL;
	}
	return child;
}
