/*
 * The map operations: mmap, munmap, mprotect, madvise and brk, with
 * Linux's argument checks and error numbers (man 2 mmap and friends).
 *
 * Each operation checks its arguments, sets aside the regions it may need
 * (struct spares: splitting a region in three needs two), takes the
 * vmspace's lock, and then changes the region tree, the pmap and the
 * private pages in an order that cannot fail: mappings go before the
 * pages or objects they point to are released.  Changed ranges are then
 * merged with alike neighbours.  The map lock is the only lock taken here
 * (plus an object's, when dropping its last reference frees it).
 */
#include "kern/errno.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "vm_internal.h"

#define PROT_ALL	(PROT_R | PROT_W | PROT_X)
#define PROT_SEM	0x8u	/* accepted by Linux's mprotect, meaningless here */

/* Regions taken before the map lock, so region surgery never fails. */
struct spares {
	struct vm_region *r[2];
};

/* Allocate both spares; -ENOMEM (with none kept) when memory is short. */
static int
spares_get(struct spares *sp)
{
	sp->r[0] = kmalloc(sizeof(struct vm_region));
	sp->r[1] = kmalloc(sizeof(struct vm_region));
	if (sp->r[0] != NULL && sp->r[1] != NULL)
		return 0;
	kfree(sp->r[0]);
	kfree(sp->r[1]);
	return -ENOMEM;
}

/* Take a spare; the callers' bounds make running out an invariant breach. */
static struct vm_region *
spare_take(struct spares *sp)
{
	struct vm_region *r;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(sp->r); i++) {
		if (sp->r[i] != NULL) {
			r = sp->r[i];
			sp->r[i] = NULL;
			return r;
		}
	}
	panic("spare_take: no spare region left");
}

/* Free the spares nobody took. */
static void
spares_put(struct spares *sp)
{
	kfree(sp->r[0]);
	kfree(sp->r[1]);
}

/* len rounded up to whole pages; 0 when that overflows. */
static size_t
page_round(size_t len)
{
	return len > SIZE_MAX - PAGE_MASK ? 0 : ROUNDUP(len, PAGE_SIZE);
}

/*
 * Split r at addr, strictly inside it: r keeps [start, addr) and the
 * returned region (a spare) takes [addr, end), with its own object
 * reference.  Caller holds vs->lock.
 */
static struct vm_region *
region_split(struct vmspace *vs, struct vm_region *r, uaddr_t addr,
    struct spares *sp)
{
	struct vm_region *t = spare_take(sp);

	*t = *r;
	t->start = addr;
	t->pgoff += (addr - r->start) >> PAGE_SHIFT;
	if (t->obj != NULL)
		vm_object_ref(t->obj);
	r->end = addr;
	region_insert(vs, t);
	return t;
}

/* Whether b can be folded into a, which it follows directly. */
static bool
region_mergeable(const struct vm_region *a, const struct vm_region *b)
{
	if (a->end != b->start || a->prot != b->prot ||
	    a->maxprot != b->maxprot || a->flags != b->flags || a->obj != b->obj)
		return false;
	return a->obj == NULL ||
	    a->pgoff + ((a->end - a->start) >> PAGE_SHIFT) == b->pgoff;
}

/*
 * Merge alike neighbours among the regions that overlap or touch
 * [lo, hi].  Merging moves no pages: private pages are keyed by address.
 * Caller holds vs->lock.
 */
static void
map_merge(struct vmspace *vs, uaddr_t lo, uaddr_t hi)
{
	struct vm_region *r, *next;

	r = region_first_above(vs, lo > 0 ? lo - 1 : 0);
	while (r != NULL && r->start <= hi) {
		next = region_next(r);
		if (next == NULL)
			break;
		if (region_mergeable(r, next)) {
			r->end = next->end;
			region_delete(vs, next);
		} else {
			r = next;
		}
	}
}

/*
 * Unmap [start, end): cut the regions, remove the mappings, release the
 * private pages and the object references.  Needs one spare, for a
 * region that covers the range with room on both sides.  Caller holds
 * vs->lock.
 */
static void
map_clear(struct vmspace *vs, uaddr_t start, uaddr_t end, struct spares *sp)
{
	struct vm_region *r, *next;

	pmap_remove(vs->pmap, start, end);
	r = region_first_above(vs, start);
	if (r != NULL && r->start < start && r->end > end)
		region_split(vs, r, end, sp);
	for (; r != NULL && r->start < end; r = next) {
		next = region_next(r);
		if (r->start < start) {
			r->end = start;
		} else if (r->end > end) {
			r->pgoff += (end - r->start) >> PAGE_SHIFT;
			r->start = end;
		} else {
			region_delete(vs, r);
		}
	}
	pagemap_remove(&vs->private, start >> PAGE_SHIFT, end >> PAGE_SHIFT);
}

/*
 * The highest len-byte free range inside [lo, hi), or 0.  Walks the
 * regions downwards from hi, as Linux's top-down allocator does (Linux
 * keeps the largest gap of each subtree in the tree to skip regions; a
 * walk is enough until maps grow long).  Caller holds vs->lock.
 */
static uaddr_t
gap_topdown(struct vmspace *vs, uaddr_t lo, uaddr_t hi, size_t len)
{
	struct vm_region *r;
	uaddr_t top = hi, bottom;

	if (hi < lo || hi - lo < len)
		return 0;
	/* The highest region that starts below hi. */
	r = region_first_above(vs, hi - 1);
	if (r == NULL)
		r = rb_empty(&vs->regions) ? NULL :
		    rb_entry(rb_last(&vs->regions), struct vm_region, node);
	else if (r->start >= hi)
		r = region_prev(r);
	for (; r != NULL; r = region_prev(r)) {
		bottom = MAX(r->end, lo);
		if (top > bottom && top - bottom >= len)
			return top - len;
		top = MIN(top, r->start);
		if (top <= lo || top - lo < len)
			return 0;
	}
	return top - len;
}

/*
 * Where a non-fixed mapping of len bytes goes: at the hint when the range
 * there is free, else the highest free range below the mmap base, else
 * anywhere.  0 when the address space is full.  Caller holds vs->lock.
 */
static uaddr_t
map_place(struct vmspace *vs, uaddr_t hint, size_t len)
{
	uaddr_t addr;

	if (hint != 0 && hint <= VM_USER_TOP - len &&
	    !region_overlaps(vs, hint, hint + len))
		return hint;
	addr = gap_topdown(vs, VM_MMAP_MIN, vs->mmap_base, len);
	if (addr == 0)
		addr = gap_topdown(vs, VM_MMAP_MIN, VM_USER_TOP, len);
	return addr;
}

/* What an mmap asks for, once its arguments are checked. */
struct mmap_req {
	uaddr_t addr;		/* the fixed address, or the hint */
	size_t len;		/* whole pages */
	unsigned prot, maxprot, flags;
	unsigned rflags;	/* VR_* */
	struct vm_object *obj;	/* a reference for the region, or NULL */
	uint64_t pgoff;
};

/*
 * Check the address and length of an mmap, in Linux's order, rounding a
 * hint down to a page (and up to the lowest mappable address).  Returns 0
 * or a negative errno.
 */
static int
mmap_check_range(struct mmap_req *q, size_t len)
{
	if (len == 0)
		return -EINVAL;
	if (q->flags & MAP_FIXED_NOREPLACE)
		q->flags |= MAP_FIXED;
	if (!(q->flags & MAP_FIXED)) {
		q->addr &= ~(uaddr_t)PAGE_MASK;
		if (q->addr != 0 && q->addr < VM_MMAP_MIN)
			q->addr = VM_MMAP_MIN;
	}
	q->len = page_round(len);
	if (q->len == 0 || q->len > VM_USER_TOP)
		return -ENOMEM;
	if (!(q->flags & MAP_FIXED))
		return 0;
	if (q->addr > VM_USER_TOP - q->len)
		return -ENOMEM;
	if (q->addr & PAGE_MASK)
		return -EINVAL;
	return q->addr < VM_MMAP_MIN ? -EPERM : 0;
}

/*
 * Place and insert the region q describes, replacing what a MAP_FIXED
 * range held.  Returns its address or a negative errno.  Caller holds
 * vs->lock.
 */
static int64_t
mmap_locked(struct vmspace *vs, struct mmap_req *q, struct spares *sp)
{
	struct vm_region *r;
	uaddr_t addr = q->addr;

	if (!(q->flags & MAP_FIXED)) {
		addr = map_place(vs, addr, q->len);
		if (addr == 0)
			return -ENOMEM;
	} else if (q->flags & MAP_FIXED_NOREPLACE) {
		if (region_overlaps(vs, addr, addr + q->len))
			return -EEXIST;
	} else {
		map_clear(vs, addr, addr + q->len, sp);
	}
	r = spare_take(sp);
	r->start = addr;
	r->end = addr + q->len;
	r->prot = q->prot;
	r->maxprot = q->maxprot;
	r->flags = q->rflags;
	r->obj = q->obj;
	r->pgoff = q->pgoff;
	q->obj = NULL;		/* the region has the reference now */
	region_insert(vs, r);
	map_merge(vs, r->start, r->end);
	return (int64_t)addr;
}

/* Check, set aside spares, and map.  Consumes q->obj's reference. */
static int64_t
mmap_commit(struct vmspace *vs, struct mmap_req *q)
{
	struct spares sp;
	int64_t ret;

	ret = spares_get(&sp);
	if (ret == 0) {
		mutex_lock(&vs->lock);
		ret = mmap_locked(vs, q, &sp);
		mutex_unlock(&vs->lock);
		spares_put(&sp);
	}
	if (q->obj != NULL)
		vm_object_unref(q->obj);
	return ret;
}

/*
 * Thread context, no lock held.  Only anonymous memory: MAP_SHARED gets
 * a new anonymous object, MAP_PRIVATE none (demand zero).
 */
int64_t
vm_mmap(struct vmspace *vs, uaddr_t addr, size_t len, unsigned prot,
    unsigned flags)
{
	struct mmap_req q = { .addr = addr, .prot = prot & PROT_ALL,
	    .maxprot = PROT_ALL, .flags = flags };
	int error;

	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;
	error = mmap_check_range(&q, len);
	if (error != 0)
		return error;
	switch (flags & MAP_TYPE) {
	case MAP_SHARED:
		q.rflags = VR_SHARED;
		q.obj = vm_anon_object_create(q.len >> PAGE_SHIFT);
		break;
	case MAP_PRIVATE:
		break;
	default:
		return -EINVAL;
	}
	return mmap_commit(vs, &q);
}

/* The flags MAP_SHARED_VALIDATE knows (Linux's LEGACY_MAP_MASK + sync). */
#define MAP_KNOWN	(MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | \
	MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | \
	MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_SYNC | \
	MAP_FIXED_NOREPLACE | (0x3fu << 26))

/* Thread context, no lock held.  See vm.h. */
int64_t
vm_mmap_object(struct vmspace *vs, uaddr_t addr, size_t len, unsigned prot,
    unsigned flags, struct vm_object *obj, uint64_t off, unsigned maxprot)
{
	struct mmap_req q = { .addr = addr, .prot = prot & PROT_ALL,
	    .maxprot = maxprot & PROT_ALL, .flags = flags,
	    .pgoff = off >> PAGE_SHIFT };
	int error;

	if (off & PAGE_MASK)
		return -EINVAL;
	error = mmap_check_range(&q, len);
	if (error != 0)
		return error;
	switch (flags & MAP_TYPE) {
	case MAP_SHARED_VALIDATE:
		if (flags & ~MAP_KNOWN)
			return -EOPNOTSUPP;
		/* FALLTHROUGH */
	case MAP_SHARED:
		q.rflags = VR_SHARED;
		break;
	case MAP_PRIVATE:
		/* Writes go to private copies, never to the object. */
		q.maxprot |= PROT_W;
		break;
	default:
		return -EINVAL;
	}
	if (q.prot & ~q.maxprot)
		return -EACCES;
	vm_object_ref(obj);
	q.obj = obj;
	return mmap_commit(vs, &q);
}

/* Thread context, no lock held. */
int
vm_munmap(struct vmspace *vs, uaddr_t addr, size_t len)
{
	struct spares sp;

	len = page_round(len);
	if ((addr & PAGE_MASK) || len == 0 || addr > VM_USER_TOP ||
	    len > VM_USER_TOP - addr)
		return -EINVAL;
	if (spares_get(&sp) != 0)
		return -ENOMEM;
	mutex_lock(&vs->lock);
	map_clear(vs, addr, addr + len, &sp);
	mutex_unlock(&vs->lock);
	spares_put(&sp);
	return 0;
}

/*
 * Whether [start, end) is mapped without holes (-ENOMEM) and may take
 * prot everywhere (-EACCES).  Caller holds vs->lock.
 */
static int
mprotect_check(struct vmspace *vs, uaddr_t start, uaddr_t end, unsigned prot)
{
	struct vm_region *r = region_find(vs, start);
	uaddr_t addr = start;

	for (; addr < end; r = region_next(r)) {
		if (r == NULL || r->start > addr)
			return -ENOMEM;
		if (prot & ~r->maxprot)
			return -EACCES;
		addr = r->end;
	}
	return 0;
}

/*
 * Give the mapped range [start, end) protection prot.  Access taken away
 * leaves the pmap now; access granted is left to faults, so a page that
 * fork shares stays read-only until a write copies it.  Needs two spares.
 * Caller holds vs->lock.
 */
static void
mprotect_apply(struct vmspace *vs, uaddr_t start, uaddr_t end, unsigned prot,
    struct spares *sp)
{
	struct vm_region *r = region_find(vs, start);

	if (r->start < start)
		r = region_split(vs, r, start, sp);
	for (; r != NULL && r->start < end; r = region_next(r)) {
		if (r->end > end)
			region_split(vs, r, end, sp);
		r->prot = prot;
	}
	pmap_protect(vs->pmap, start, end, vm_map_prot(prot));
	map_merge(vs, start, end);
}

/*
 * Thread context, no lock held.  Unlike Linux, which changes the regions
 * before a hole and then fails, a failing call changes nothing (the man
 * page leaves the state after an error unspecified).
 */
int
vm_mprotect(struct vmspace *vs, uaddr_t addr, size_t len, unsigned prot)
{
	struct spares sp;
	size_t rlen;
	int error;

	if (addr & PAGE_MASK)
		return -EINVAL;
	if (prot & ~(PROT_ALL | PROT_SEM))
		return -EINVAL;
	prot &= PROT_ALL;
	if (len == 0)
		return 0;
	rlen = page_round(len);
	if (rlen == 0 || addr + rlen <= addr)
		return -ENOMEM;
	if (spares_get(&sp) != 0)
		return -ENOMEM;
	mutex_lock(&vs->lock);
	error = mprotect_check(vs, addr, addr + rlen, prot);
	if (error == 0)
		mprotect_apply(vs, addr, addr + rlen, prot, &sp);
	mutex_unlock(&vs->lock);
	spares_put(&sp);
	return error;
}

/*
 * Drop the pages of [start, end), inside r: the mappings go, and private
 * pages with them (they read back as zeros, or as the object's contents);
 * shared pages stay in their object.  MADV_FREE applies to private
 * anonymous memory only.  Caller holds vs->lock.
 */
static int
madvise_region(struct vmspace *vs, struct vm_region *r, uaddr_t start,
    uaddr_t end, int advice)
{
	if (advice != MADV_DONTNEED && advice != MADV_FREE)
		return 0;	/* hints with nothing to do */
	if (advice == MADV_FREE && (r->obj != NULL || (r->flags & VR_SHARED)))
		return -EINVAL;
	pmap_remove(vs->pmap, start, end);
	if (!(r->flags & VR_SHARED))
		pagemap_remove(&vs->private, start >> PAGE_SHIFT,
		    end >> PAGE_SHIFT);
	return 0;
}

/*
 * Apply advice to the mapped parts of [start, end).  As in Linux, holes
 * do not stop it but make the result -ENOMEM; a region that refuses the
 * advice stops it.  Caller holds vs->lock.
 */
static int
madvise_locked(struct vmspace *vs, uaddr_t start, uaddr_t end, int advice)
{
	struct vm_region *r = region_first_above(vs, start);
	uaddr_t addr = start;
	int error, holes = 0;

	for (; r != NULL && r->start < end; r = region_next(r)) {
		if (r->start > addr)
			holes = -ENOMEM;
		error = madvise_region(vs, r, MAX(addr, r->start),
		    MIN(end, r->end), advice);
		if (error != 0)
			return error;
		addr = r->end;
	}
	return addr < end ? -ENOMEM : holes;
}

/* Thread context, no lock held. */
int
vm_madvise(struct vmspace *vs, uaddr_t addr, size_t len, int advice)
{
	size_t rlen;
	int error;

	if (addr & PAGE_MASK)
		return -EINVAL;
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTNEED:
	case MADV_FREE:
		break;
	default:
		return -EINVAL;
	}
	rlen = page_round(len);
	if ((len != 0 && rlen == 0) || addr + rlen < addr)
		return -EINVAL;
	if (rlen == 0)
		return 0;
	mutex_lock(&vs->lock);
	error = madvise_locked(vs, addr, addr + rlen, advice);
	mutex_unlock(&vs->lock);
	return error;
}

/* Thread context, no lock held. */
void
vm_brk_init(struct vmspace *vs, uaddr_t start)
{
	mutex_lock(&vs->lock);
	vs->brk_start = start;
	vs->brk = start;
	mutex_unlock(&vs->lock);
}

/*
 * Grow the heap's pages from oldbrk to newbrk (page-aligned), as Linux
 * does: only if nothing is mapped there or in the page above, so the
 * heap never runs into the next mapping.  Caller holds vs->lock.
 */
static bool
brk_grow(struct vmspace *vs, uaddr_t oldbrk, uaddr_t newbrk,
    struct spares *sp)
{
	struct vm_region *r;

	if (region_overlaps(vs, oldbrk, newbrk + PAGE_SIZE))
		return false;
	r = spare_take(sp);
	r->start = oldbrk;
	r->end = newbrk;
	r->prot = PROT_R | PROT_W;
	r->maxprot = PROT_ALL;
	r->flags = 0;
	r->obj = NULL;
	r->pgoff = 0;
	region_insert(vs, r);
	map_merge(vs, oldbrk, newbrk);
	return true;
}

/* Move the break to brk (see vm_brk()).  Caller holds vs->lock. */
static void
brk_locked(struct vmspace *vs, uaddr_t brk, struct spares *sp)
{
	uaddr_t oldbrk = ROUNDUP(vs->brk, PAGE_SIZE), newbrk;

	if (brk < vs->brk_start || brk > VM_USER_TOP)
		return;
	newbrk = ROUNDUP(brk, PAGE_SIZE);
	if (newbrk < oldbrk)
		map_clear(vs, newbrk, oldbrk, sp);
	else if (newbrk > oldbrk && !brk_grow(vs, oldbrk, newbrk, sp))
		return;
	vs->brk = brk;
}

/*
 * Thread context, no lock held.  As Linux's brk syscall: the result is
 * the break after the call, which is the old one when it failed.
 */
uaddr_t
vm_brk(struct vmspace *vs, uaddr_t brk)
{
	struct spares sp;
	uaddr_t ret;
	bool spares = spares_get(&sp) == 0;

	mutex_lock(&vs->lock);
	if (spares)
		brk_locked(vs, brk, &sp);
	ret = vs->brk;
	mutex_unlock(&vs->lock);
	if (spares)
		spares_put(&sp);
	return ret;
}
