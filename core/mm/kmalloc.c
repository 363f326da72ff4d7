/*
 * The kernel heap.
 *
 * Small requests (up to 2 KiB) are rounded up to a power-of-two size
 * class, 16 bytes to 2 KiB, and served from slabs: blocks from the page
 * allocator carved into equal objects.  A slab's header sits in its first
 * object slot(s), so every object is aligned to its class size (a 64-byte
 * object to 64 bytes, and so on).  A slab is one page, or as many pages
 * as it takes to hold eight slots for the big classes, so no class wastes
 * more than a slot in eight.  Every page of a slab has its struct page's
 * owner pointing at the slab header: kfree(p) finds the slab, and from it
 * the class, through page_of(virt_to_phys(p)) alone, with no size passed
 * in and no lookup structure.
 *
 * Requests above 2 KiB take a whole page block of the order that fits,
 * with the owner of its first page set to a marker; the block's order is
 * already in that struct page (the page allocator records it).
 *
 * Two layers serve the small classes:
 *
 *   - a per-CPU cache ("magazine") per class: a short stack of free
 *     objects, touched only by its CPU with interrupts disabled, so the
 *     common kmalloc/kfree takes no lock and shares no cache line;
 *   - per class, under a spinlock, the slabs with free objects (partial)
 *     and a small reserve of wholly free ones (empty).  An empty magazine
 *     takes half its capacity from here at once, a full one gives half
 *     back, so the lock is taken once per several operations.  A slab
 *     that becomes wholly free beyond the reserve goes back to the page
 *     allocator.
 *
 * A slab's `inuse` counts objects out of the slab, whether in a caller's
 * hands or parked in a magazine; the heap's live-byte count is kept per
 * CPU from the callers' point of view and summed on demand.
 *
 * Reservations (reserve.h): each successful allocation is charged, in
 * class-rounded bytes, to the current thread's reservation.  Inside one,
 * running out of memory breaks the promise the reservation made, so it
 * panics instead of returning NULL.
 *
 * Lock order: a class's lock, then the page allocator's.
 */
#include "contract/cpu.h"
#include "contract/physmem.h"
#include "kern/printk.h"
#include "lib/list.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "proc/spinlock.h"

#define KM_MIN_SHIFT	4	/* smallest class: 16 bytes */
#define KM_MAX_SHIFT	11	/* largest class: 2 KiB */
#define KM_NCLASSES	(KM_MAX_SHIFT - KM_MIN_SHIFT + 1)
#define KM_MAX_SMALL	((size_t)1 << KM_MAX_SHIFT)
#define KM_SLAB_SLOTS	8	/* a slab has at least this many slots */
#define KM_MAG_MAX	32	/* largest magazine */
#define KM_MAG_BYTES	8192	/* a magazine's bytes (but >= 8 objects) */
#define KM_EMPTY_KEEP	1	/* wholly free slabs kept per class */

struct km_class;

/* Header of a slab, at the start of its block. */
struct km_slab {
	struct list link;	/* on partial or empty; alone when full */
	struct km_class *cls;	/* [i] */
	void *free;		/* free objects, linked by their first word */
	unsigned inuse;		/* objects out of the slab */
};

/* A size class.  Fields marked [i] are fixed by kmalloc_init(). */
struct km_class {
	struct spinlock lock;	/* guards the lists and the slabs' state */
	size_t size;		/* [i] object size */
	unsigned order;		/* [i] page order of a slab */
	unsigned first;		/* [i] first object slot (after header) */
	unsigned nobjs;		/* [i] objects per slab */
	unsigned mag_cap;	/* [i] per-CPU magazine capacity */
	struct list partial;	/* slabs with both free and used objects */
	struct list empty;	/* wholly free slabs kept for reuse */
	unsigned nempty;
};

/* A CPU's stack of free objects of one class. */
struct km_magazine {
	unsigned n;
	void *obj[KM_MAG_MAX];
};

/* A CPU's heap state; only that CPU writes it, with interrupts off. */
struct km_cpu {
	int64_t live;		/* bytes allocated minus freed here */
	struct km_magazine mag[KM_NCLASSES];
} __attribute__((aligned(64)));

static struct km_class classes[KM_NCLASSES];
static struct km_cpu *km_cpus;		/* [i] cpu_count() entries */
static unsigned km_ncpus;		/* [i] */

/* The owner of a large allocation's first page. */
static char km_large_owner;

/* The class index that serves size (size <= KM_MAX_SMALL). */
static unsigned
km_class_index(size_t size)
{
	if (size <= ((size_t)1 << KM_MIN_SHIFT))
		return 0;
	/* ceil(log2(size)) - KM_MIN_SHIFT */
	return (unsigned)(64 - __builtin_clzll((unsigned long long)size - 1)) -
	    KM_MIN_SHIFT;
}

/* Smallest page order whose block holds bytes; > PAGE_MAX_ORDER if none. */
static unsigned
km_order_for(size_t bytes)
{
	unsigned order = 0;

	while (order <= PAGE_MAX_ORDER && (PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/* Add delta to this CPU's live-byte count.  Interrupts are disabled. */
static void
km_account(struct km_cpu *c, int64_t delta)
{
	__atomic_store_n(&c->live, c->live + delta, __ATOMIC_RELAXED);
}

/*
 * Make a new slab for cls, its objects all free; NULL when the page
 * allocator is out of blocks.  Caller holds cls->lock.
 */
static struct km_slab *
km_slab_new(struct km_class *cls)
{
	/*
	 * Zeroed, though objects are not: a page freed by an exited
	 * program may still hold code that an emulator (QEMU's TCG)
	 * translated, and until every byte of it is written over, each
	 * store to the page takes the emulator's self-modifying-code slow
	 * path.  A struct thread in such a page (its spinlock count is
	 * written on every lock) made every syscall ten times slower; one
	 * pass of zeroes over the whole block when it is taken evicts the
	 * stale code.
	 */
	paddr_t pa = page_alloc(cls->order, PAGE_ZERO);
	struct km_slab *s;
	char *base;
	unsigned i;

	if (pa == 0)
		return NULL;
	base = phys_to_virt(pa);
	s = (struct km_slab *)base;
	s->cls = cls;
	s->inuse = 0;
	s->free = NULL;
	list_init(&s->link);
	for (i = 0; i < (1u << cls->order); i++)
		page_of(pa + i * PAGE_SIZE)->owner = s;
	/* Link from the top down so objects leave in address order. */
	for (i = cls->first + cls->nobjs; i-- > cls->first; ) {
		void **obj = (void **)(base + i * cls->size);

		*obj = s->free;
		s->free = obj;
	}
	return s;
}

/* Give a wholly free slab back to the page allocator.  cls->lock held. */
static void
km_slab_release(struct km_class *cls, struct km_slab *s)
{
	paddr_t pa = virt_to_phys(s);
	unsigned i;

	for (i = 0; i < (1u << cls->order); i++)
		page_of(pa + i * PAGE_SIZE)->owner = NULL;
	page_free(pa, cls->order);
}

/*
 * A slab of cls with a free object, making one if needed; NULL when
 * memory is exhausted.  The slab returned is on cls->partial.
 * Caller holds cls->lock.
 */
static struct km_slab *
km_slab_with_room(struct km_class *cls)
{
	struct km_slab *s;

	if (!list_empty(&cls->partial))
		return list_first_entry(&cls->partial, struct km_slab, link);
	if (!list_empty(&cls->empty)) {
		s = list_entry(list_pop_front(&cls->empty), struct km_slab,
		    link);
		cls->nempty--;
	} else if ((s = km_slab_new(cls)) == NULL) {
		return NULL;
	}
	list_push_front(&cls->partial, &s->link);
	return s;
}

/* Take one object of cls out of its slabs, or NULL.  cls->lock held. */
static void *
km_slab_take(struct km_class *cls)
{
	struct km_slab *s = km_slab_with_room(cls);
	void **obj;

	if (s == NULL)
		return NULL;
	obj = s->free;
	s->free = *obj;
	s->inuse++;
	if (s->free == NULL)
		list_remove(&s->link);	/* full: on no list */
	return obj;
}

/* Put obj back into its slab s.  cls->lock held. */
static void
km_slab_put(struct km_class *cls, struct km_slab *s, void *obj)
{
	bool was_full = s->free == NULL;

	if (s->inuse == 0)
		panic("km_slab_put: %p freed to a slab with nothing out", obj);
	*(void **)obj = s->free;
	s->free = obj;
	s->inuse--;
	if (s->inuse == 0) {
		list_remove(&s->link);
		if (cls->nempty < KM_EMPTY_KEEP) {
			list_push_front(&cls->empty, &s->link);
			cls->nempty++;
		} else {
			km_slab_release(cls, s);
		}
	} else if (was_full) {
		list_push_front(&cls->partial, &s->link);
	}
}

/*
 * Fill an empty magazine with up to half its capacity from the class's
 * slabs.  Interrupts are disabled; takes cls->lock.
 */
static void
km_refill(struct km_class *cls, struct km_magazine *m)
{
	unsigned want = MAX(cls->mag_cap / 2, 1u);
	void *obj;

	spin_lock(&cls->lock);
	while (m->n < want && (obj = km_slab_take(cls)) != NULL)
		m->obj[m->n++] = obj;
	spin_unlock(&cls->lock);
}

/*
 * Return the oldest half of a full magazine to the slabs, keeping the
 * recently freed (cache-warm) half.  Interrupts are disabled; takes
 * cls->lock.
 */
static void
km_flush(struct km_class *cls, struct km_magazine *m)
{
	unsigned half = MAX(m->n / 2, 1u);
	unsigned i;

	spin_lock(&cls->lock);
	for (i = 0; i < half; i++) {
		struct page *pg = page_of(virt_to_phys(m->obj[i]));

		km_slab_put(cls, pg->owner, m->obj[i]);
	}
	spin_unlock(&cls->lock);
	for (i = half; i < m->n; i++)
		m->obj[i - half] = m->obj[i];
	m->n -= half;
}

/* An object of class ci, from this CPU's magazine if it can; or NULL. */
static void *
km_small_alloc(unsigned ci)
{
	struct km_class *cls = &classes[ci];
	unsigned long s = intr_save();
	struct km_cpu *c = &km_cpus[cpu_id()];
	struct km_magazine *m = &c->mag[ci];
	void *p = NULL;

	if (m->n == 0)
		km_refill(cls, m);
	if (m->n > 0) {
		p = m->obj[--m->n];
		km_account(c, (int64_t)cls->size);
	}
	intr_restore(s);
	return p;
}

/* Free p, an object of cls, into this CPU's magazine. */
static void
km_small_free(struct km_class *cls, void *p)
{
	unsigned long s = intr_save();
	struct km_cpu *c = &km_cpus[cpu_id()];
	struct km_magazine *m = &c->mag[cls - classes];
	unsigned i;

	/* A cheap net for double frees: p already parked in this magazine. */
	for (i = 0; KDEBUG && i < m->n; i++)
		if (m->obj[i] == p)
			panic("kfree: double free of %p", p);
	if (m->n >= cls->mag_cap)
		km_flush(cls, m);
	m->obj[m->n++] = p;
	km_account(c, -(int64_t)cls->size);
	intr_restore(s);
}

/* Account bytes of a large block to this CPU. */
static void
km_large_account(int64_t delta)
{
	unsigned long s = intr_save();

	km_account(&km_cpus[cpu_id()], delta);
	intr_restore(s);
}

/* A page block for a request above KM_MAX_SMALL; NULL when none. */
static void *
km_large_alloc(size_t size)
{
	unsigned order = km_order_for(size);
	paddr_t pa;

	if (order > PAGE_MAX_ORDER)
		return NULL;
	/* Whole pages zeroed, for the reason km_slab_new() gives. */
	pa = page_alloc(order, PAGE_ZERO);
	if (pa == 0)
		return NULL;
	page_of(pa)->owner = &km_large_owner;
	km_large_account((int64_t)(PAGE_SIZE << order));
	return phys_to_virt(pa);
}

/* Free the page block at p, whose first page is pg. */
static void
km_large_free(void *p, struct page *pg)
{
	unsigned order = pg->order;

	if (((uintptr_t)p & PAGE_MASK) != 0)
		panic("kfree: %p is inside a large block", p);
	pg->owner = NULL;
	km_large_account(-(int64_t)(PAGE_SIZE << order));
	page_free(virt_to_phys(p), order);
}

/*
 * The struct page of heap pointer p, whose owner is its slab or the
 * large-block marker; panics (naming fn) if p is not a heap object.
 */
static struct page *
km_page_of(const void *p, const char *fn)
{
	struct page *pg = page_of(virt_to_phys(p));

	if (pg == NULL || pg->owner == NULL)
		panic("%s: %p is not a heap pointer", fn, p);
	return pg;
}

/* The class of slab object p (page pg), checking p is an object start. */
static struct km_class *
km_class_of(const void *p, struct page *pg, const char *fn)
{
	struct km_slab *s = pg->owner;
	struct km_class *cls = s->cls;
	size_t off = (size_t)((const char *)p - (const char *)s);

	if (off % cls->size != 0 || off / cls->size < cls->first)
		panic("%s: %p is not the start of a %zu-byte object", fn, p,
		    cls->size);
	return cls;
}

/* Set up the size classes and the per-CPU caches.  After page_init(). */
void
kmalloc_init(void)
{
	size_t bytes;
	unsigned i, order;
	paddr_t pa;

	if (km_cpus != NULL)
		panic("kmalloc_init: called twice");
	for (i = 0; i < KM_NCLASSES; i++) {
		struct km_class *cls = &classes[i];
		size_t slab;

		spin_init(&cls->lock, "kmalloc class");
		cls->size = (size_t)1 << (KM_MIN_SHIFT + i);
		slab = MAX(PAGE_SIZE, KM_SLAB_SLOTS * cls->size);
		cls->order = km_order_for(slab);
		cls->first = (unsigned)ROUNDUP(sizeof(struct km_slab),
		    cls->size) / (unsigned)cls->size;
		cls->nobjs = (unsigned)(slab / cls->size) - cls->first;
		cls->mag_cap = (unsigned)MIN((size_t)KM_MAG_MAX,
		    MAX(KM_MAG_BYTES / cls->size, (size_t)8));
		list_init(&cls->partial);
		list_init(&cls->empty);
		cls->nempty = 0;
	}

	km_ncpus = cpu_count();
	bytes = (size_t)km_ncpus * sizeof(struct km_cpu);
	order = km_order_for(bytes);
	if (order > PAGE_MAX_ORDER)
		panic("kmalloc_init: per-CPU caches for %u CPUs too large",
		    km_ncpus);
	pa = page_alloc(order, PAGE_ZERO);
	if (pa == 0)
		panic("kmalloc_init: no memory for per-CPU caches");
	km_cpus = phys_to_virt(pa);
}

/*
 * Out of memory for a request of size bytes: fatal inside a reservation,
 * which promised that allocation would not fail.
 */
static void
km_exhausted(size_t size)
{
	if (reserve_active())
		panic("kmalloc: heap exhausted inside a reservation "
		    "(%zu bytes)", size);
}

/* size bytes; NULL when memory is exhausted (never in a reservation). */
void *
kmalloc(size_t size)
{
	void *p;

	if (km_cpus == NULL)
		panic("kmalloc: called before kmalloc_init");
	if (size <= KM_MAX_SMALL)
		p = km_small_alloc(km_class_index(size));
	else
		p = km_large_alloc(size);
	if (p == NULL) {
		km_exhausted(size);
		return NULL;
	}
	reserve_charge(kmalloc_size(p));
	return p;
}

/* As kmalloc(), with the size bytes zeroed. */
void *
kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

/* Free p, which kmalloc() returned; NULL is ignored. */
void
kfree(void *p)
{
	struct page *pg;

	if (p == NULL)
		return;
	pg = km_page_of(p, "kfree");
	if (pg->owner == &km_large_owner)
		km_large_free(p, pg);
	else
		km_small_free(km_class_of(p, pg, "kfree"), p);
}

/* Bytes set aside for p: its class size, or its page block's size. */
size_t
kmalloc_size(const void *p)
{
	struct page *pg = km_page_of(p, "kmalloc_size");

	if (pg->owner == &km_large_owner)
		return PAGE_SIZE << pg->order;
	return km_class_of(p, pg, "kmalloc_size")->size;
}

/* Bytes in live heap objects, summed over CPUs (a snapshot). */
size_t
kmalloc_live_bytes(void)
{
	int64_t sum = 0;
	unsigned i;

	for (i = 0; i < km_ncpus; i++)
		sum += __atomic_load_n(&km_cpus[i].live, __ATOMIC_RELAXED);
	return sum > 0 ? (size_t)sum : 0;
}
