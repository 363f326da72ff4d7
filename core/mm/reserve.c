/*
 * Heap reservations: promise a unit of kernel work the heap it may need,
 * before it starts, so that no allocation inside it can fail.
 *
 * Biscuit's observation is that a syscall's heap use can be bounded ahead
 * of time, and that waiting for memory is easy at the syscall's entry (no
 * locks held, nothing half done) and very hard in the middle (every
 * allocation site would need a failure path that unwinds correctly).  So
 * reserve_begin() waits at the entry until the heap can cover the bound,
 * and inside the reservation kmalloc() never returns NULL.
 *
 * Accounting.  The heap's capacity is what the page allocator can still
 * give: free pages times PAGE_SIZE, less an emergency margin kept for
 * page tables and other page-level allocations that are not charged.
 * `outstanding` is the sum, over active reservations, of bytes promised
 * but not yet used.  A new bound is granted when
 *
 *	capacity - outstanding >= bound.
 *
 * Each allocation charges its bytes to the current thread's reservation;
 * the charge moves them from `outstanding` to `used` -- the promise
 * shrinks as it is kept, while the allocation shrinks the capacity by
 * about as much, so the available figure stays put.  reserve_end()
 * drops the promise's unused remainder and wakes waiters.  Memory can
 * also come back without a reserve_end() (a cache freeing pages), so a
 * waiter re-tests its condition every RESERVE_RECHECK_NS as well.
 *
 * The accounting is in class-rounded heap bytes, not pages; slab
 * rounding and per-CPU caches make page use differ a little from the
 * bytes charged, which the margin absorbs.  A bound that cannot be met
 * first has the block cache free clean buffers (bcache_evict()), then
 * waits; killing a process is a later step.
 *
 * Measurement.  In debug builds (KDEBUG) a charge that takes a
 * reservation past its bound is an overrun: it is printed with the site
 * and the overshoot, and counted, but does not panic, so that a fuzzer
 * run collects every overrun.  reserve_end() records each site's bound
 * and high-water mark in a fixed table, which reserve_marks() reports, so
 * the bounds table can be measured rather than guessed.
 *
 * Locking: res_lock serialises granting (test and add) against
 * reserve_end()'s return of the remainder, so no wakeup is lost between
 * a waiter's test and its sleep; charges subtract atomically without it,
 * since they never make a grant less safe.  marks_lock guards the site
 * table.  Each thread's own struct reservation is touched only by that
 * thread.
 */
#include "contract/clock.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "proc/waitq.h"

#define RESERVE_MARGIN_PAGES	64	/* kept for page tables etc. */
#define RESERVE_RECHECK_NS	(10 * 1000 * 1000)
#define RESERVE_MAX_SITES	256	/* sites in the marks table */

static struct spinlock res_lock = SPINLOCK_INIT("reserve");
static struct waitq res_waiters;	/* threads waiting in reserve_begin() */
static size_t outstanding;		/* promised, unused bytes; atomic */

/*
 * The block cache's eviction (blk/bcache.h), weakly: a kernel or test
 * that links no block layer has no cache to evict, and the reference
 * alone must not drag the block layer (and devfs behind it) in.
 */
extern size_t bcache_evict(size_t npages) __attribute__((weak));

static struct spinlock marks_lock = SPINLOCK_INIT("reserve marks");
static struct reserve_mark marks[RESERVE_MAX_SITES];	/* [marks_lock] */
static int nmarks;					/* [marks_lock] */

/* Set up the wait queue.  Once, before the first reserve_begin(). */
void
reserve_init(void)
{
	waitq_init(&res_waiters, "reserve");
}

/* Pages never promised to reservations: the margin, capped for tiny heaps. */
static size_t
margin_pages(void)
{
	return MIN((size_t)RESERVE_MARGIN_PAGES, page_total() / 8);
}

/* Bytes the page allocator can still give, less the margin. */
static size_t
heap_capacity(void)
{
	size_t free = page_free_count(), margin = margin_pages();

	return free > margin ? (free - margin) * PAGE_SIZE : 0;
}

/* The largest bound that could ever be granted. */
static size_t
heap_size(void)
{
	return (page_total() - margin_pages()) * PAGE_SIZE;
}

/* Bytes the heap could still promise to new reservations. */
size_t
reserve_available(void)
{
	size_t cap = heap_capacity();
	size_t out = __atomic_load_n(&outstanding, __ATOMIC_RELAXED);

	return cap > out ? cap - out : 0;
}

/*
 * The marks entry of site, added if new; NULL when the table is full.
 * Looked up by pointer first (the common case: a literal), then by name,
 * so one site named from two places shares an entry.  marks_lock held.
 */
static struct reserve_mark *
mark_of(const char *site)
{
	int i;

	for (i = 0; i < nmarks; i++)
		if (marks[i].site == site)
			return &marks[i];
	for (i = 0; i < nmarks; i++)
		if (strcmp(marks[i].site, site) == 0)
			return &marks[i];
	if (nmarks == RESERVE_MAX_SITES)
		return NULL;
	marks[nmarks] = (struct reserve_mark){ .site = site };
	return &marks[nmarks++];
}

/* Fold one reservation's figures into its site's mark. */
static void
mark_record(const char *site, size_t bound, size_t used, bool overrun)
{
	struct reserve_mark *m;

	spin_lock(&marks_lock);
	m = mark_of(site);
	if (m != NULL) {
		m->bound = MAX(m->bound, bound);
		m->high_water = MAX(m->high_water, used);
		if (overrun)
			m->overruns++;
	}
	spin_unlock(&marks_lock);
}

/*
 * Reserve bound bytes of heap for the current thread, waiting until the
 * heap can promise them.  No spinlock may be held; no reservation may be
 * active on this thread.
 */
void
reserve_begin(size_t bound, const char *site)
{
	struct thread *t = curthread();

	if (site == NULL)
		panic("reserve_begin: no site");
	if (t == NULL)
		panic("reserve_begin: %s: no current thread", site);
	if (t->spinlocks_held != 0)
		panic("reserve_begin: %s: %d spinlock(s) held", site,
		    t->spinlocks_held);
	if (t->res.site != NULL)
		panic("reserve_begin: %s inside reservation %s: no nesting",
		    site, t->res.site);
	if (bound > heap_size())
		panic("reserve_begin: %s: bound %zu exceeds the heap (%zu)",
		    site, bound, heap_size());

	spin_lock(&res_lock);
	while (reserve_available() < bound) {
		/* Short: give back clean cached blocks before waiting. */
		size_t short_pages = (bound - reserve_available()) /
		    PAGE_SIZE + 1;

		spin_unlock(&res_lock);
		if (bcache_evict != NULL && bcache_evict(short_pages) > 0) {
			spin_lock(&res_lock);
			continue;
		}
		spin_lock(&res_lock);
		if (reserve_available() < bound)
			waitq_wait_deadline(&res_waiters, &res_lock,
			    clock_ns() + RESERVE_RECHECK_NS);
	}
	__atomic_add_fetch(&outstanding, bound, __ATOMIC_RELAXED);
	spin_unlock(&res_lock);

	t->res.bound = bound;
	t->res.used = 0;
	t->res.site = site;
}

/*
 * End the current thread's reservation: return the unused remainder to
 * the heap, record the site's figures and wake threads waiting for room.
 */
void
reserve_end(void)
{
	struct thread *t = curthread();
	struct reservation r;

	if (t == NULL || t->res.site == NULL)
		panic("reserve_end: no reservation active");
	r = t->res;
	t->res = (struct reservation){ 0 };

	spin_lock(&res_lock);
	if (r.used < r.bound)
		__atomic_sub_fetch(&outstanding, r.bound - r.used,
		    __ATOMIC_RELAXED);
	spin_unlock(&res_lock);
	mark_record(r.site, r.bound, r.used, false);
	waitq_wake_all(&res_waiters);
}

/* Report an overrun of r, whose last charge took it past its bound. */
static void
reserve_overrun(const struct reservation *r)
{
	printk("reservation overrun: %s used %zu of %zu bytes (+%zu)\n",
	    r->site, r->used, r->bound, r->used - r->bound);
	mark_record(r->site, r->bound, r->used, true);
}

/*
 * Charge bytes to the current thread's reservation, if it has one: the
 * promised part moves from outstanding to used.  Any context.
 */
void
reserve_charge(size_t bytes)
{
	struct thread *t = curthread();
	struct reservation *r;
	size_t before, left;

	if (t == NULL || t->res.site == NULL || bytes == 0)
		return;
	r = &t->res;
	before = r->used;
	left = before < r->bound ? r->bound - before : 0;
	if (left > 0)
		__atomic_sub_fetch(&outstanding, MIN(bytes, left),
		    __ATOMIC_RELAXED);
	r->used = before + bytes;
	if (KDEBUG && before <= r->bound && r->used > r->bound)
		reserve_overrun(r);
}

/* True when the current thread holds a reservation. */
bool
reserve_active(void)
{
	struct thread *t = curthread();

	return t != NULL && t->res.site != NULL;
}

/* Copy up to max site marks into out; return how many sites exist. */
int
reserve_marks(struct reserve_mark *out, int max)
{
	int i, n;

	spin_lock(&marks_lock);
	n = nmarks;
	for (i = 0; i < n && i < max; i++)
		out[i] = marks[i];
	spin_unlock(&marks_lock);
	return n;
}
