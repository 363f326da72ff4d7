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
 * bytes charged, which the margin absorbs.  User pages count too: a page
 * fault reserves its page (vm/fault.c), so a process's memory can never
 * take pages promised to a syscall.
 *
 * Shortage.  A bound that cannot be met runs the shortage policy, in
 * order of cost: (1) evict -- clean block buffers (bcache_evict()),
 * unused dentries and inodes (dcache_evict()), droppable socket buffers
 * (net_evict(): TCP out-of-order queues, IP fragments) -- and test
 * again; (2) when nothing was evictable and the free pages alone cannot
 * cover the bound, or promises have not come back for RESERVE_KILL_NS
 * (threads blocked inside syscalls keep theirs), have the OOM killer
 * (proc/oom.c) SIGKILL the process with the largest footprint and wait
 * until its address space is torn down; (3) otherwise wait for a
 * reserve_end(), re-testing every RESERVE_RECHECK_NS.  One victim at a
 * time: while one is dying, step (2) waits for it instead of killing
 * another.  The counters (waits, eviction rounds and pages, kills) are
 * /proc/meminfo's ReserveWaits, ReserveEvictions, ReserveEvictedPages
 * and OOMKills.
 *
 * No deadlock.  What frees memory must not wait for memory.  Half of
 * the margin is an emergency room that three kinds of work may use
 * without waiting: (a) threads of a dying process (the OOM victim, or
 * any exit_group) -- a victim thread caught waiting here must reach its
 * exit point, or its memory never comes back; (b) work that reclaims,
 * reserve_begin_reclaim() (the block cache's write-back, which turns
 * dirty buffers into evictable ones); (c) page faults inside syscalls,
 * below.  None of them evicts or kills, so none waits on the victim.
 * The victim's own teardown (proc_thread_exit() onwards) runs outside
 * any reservation.
 *
 * Faults inside syscalls.  A syscall's copyin/copyout can fault on an
 * untouched user page; resolving it allocates a page, a pagemap chunk
 * and page tables, which are the process's memory, not the syscall's:
 * charged to the syscall's bound they overran it (read(2) of 4 MiB into
 * a fresh mapping; the fuzzer's *-fault-charges-heap-bound inputs).  So
 * the fault saves the syscall's reservation, takes one of its own
 * (reserve_nested_begin()) and restores the syscall's at the end.  That
 * inner reservation must not wait: the syscall may hold mutexes (an
 * inode's, a socket's, a pipe's) while it copies, and a thread that
 * waits for memory holding a mutex can deadlock against the very thread
 * that would free memory -- a victim whose exit closes a file needs that
 * inode's lock; a reclaimer writing buffers back needs the buffer.  We
 * cannot tell from here which mutexes are held, so no inner reservation
 * ever waits, evicts (eviction takes cache locks the syscall may hold)
 * or kills (the victim's exit may need those mutexes too): it is
 * granted from the emergency room or refused.  A refused fault fails
 * with -ENOMEM and the copy with -EFAULT, as on Linux, where a
 * kernel-mode fault that finds no memory fails the copy rather than
 * invoking the OOM killer.  The syscall's own outstanding promise is
 * untouched while the fault runs, so the syscall loses nothing.
 *
 * Faults from user mode hold nothing, so they reserve with
 * reserve_begin() like a syscall's entry, waiting through the whole
 * policy; a fault that still finds no page runs it once more
 * (reserve_shortage()) and retries.  Only a process being killed gives
 * up, with no signal of its own: its SIGKILL ends it.
 *
 * Measurement.  In debug builds (KDEBUG) a charge that takes a
 * reservation past its bound is an overrun: it is printed with the site
 * and the overshoot, and counted, but does not panic, so that a fuzzer
 * run collects every overrun.  reserve_end() records each site's bound
 * and high-water mark in a fixed table, which reserve_marks() reports, so
 * the bounds table can be measured rather than guessed.
 *
 * Locking: res_lock serialises granting (test and add) against
 * reserve_end()'s return of the remainder (no eviction or kill runs
 * under it: those take other subsystems' locks), so no wakeup is lost between
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
#define RESERVE_KILL_NS		(500 * 1000 * 1000)	/* see the essay */
#define RESERVE_VICTIM_NS	(100 * 1000 * 1000)	/* one wait for it */
#define RESERVE_MAX_SITES	256	/* sites in the marks table */

static struct spinlock res_lock = SPINLOCK_INIT("reserve");
static struct waitq res_waiters;	/* threads waiting in reserve_begin() */
static size_t outstanding;		/* promised, unused bytes; atomic */

/* Shortage counters (atomic adds); the OOM killer counts its kills. */
static uint64_t stat_waits, stat_evictions, stat_evicted_pages;

/*
 * The caches' evictions (blk/bcache.h, fs/vfs.h, net/evict.h) and the
 * OOM killer (proc/oom.h), weakly: a kernel or test that links no block
 * layer has no cache to evict, and the reference alone must not drag
 * the block layer (and devfs behind it), the VFS, the network stack or
 * the process layer into a program that only wants the heap.
 */
extern size_t bcache_evict(size_t npages) __attribute__((weak));
extern size_t dcache_evict(size_t npages) __attribute__((weak));
extern size_t net_evict(size_t npages) __attribute__((weak));
extern bool oom_kill(void) __attribute__((weak));
extern void oom_wait_victim(uint64_t timeout_ns) __attribute__((weak));
extern bool oom_current_doomed(void) __attribute__((weak));
extern uint64_t oom_kill_count(void) __attribute__((weak));

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
 * What reserve_available() says, or with emergency, the same with half
 * the margin added: the room a fault inside a syscall, or a thread of a
 * dying process, may take without waiting (see the essay).
 */
static size_t
room(bool emergency)
{
	size_t free = page_free_count(), margin = margin_pages();
	size_t out = __atomic_load_n(&outstanding, __ATOMIC_RELAXED);
	size_t cap;

	if (emergency)
		margin -= margin / 2;
	cap = free > margin ? (free - margin) * PAGE_SIZE : 0;
	return cap > out ? cap - out : 0;
}

/* Is the current thread's process being torn down (SIGKILL, exit)? */
static bool
doomed(void)
{
	return oom_current_doomed != NULL && oom_current_doomed();
}

/*
 * Ask the caches for npages: clean block buffers first (the cheapest to
 * get back), then unused dentries and inodes, then droppable socket
 * buffers.  Returns the pages freed.  No lock held.
 */
static size_t
evict_caches(size_t npages)
{
	size_t n = 0;

	if (bcache_evict != NULL)
		n += bcache_evict(npages);
	if (n < npages && dcache_evict != NULL)
		n += dcache_evict(npages - n);
	if (n < npages && net_evict != NULL)
		n += net_evict(npages - n);
	if (n > 0) {
		__atomic_add_fetch(&stat_evictions, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&stat_evicted_pages, n, __ATOMIC_RELAXED);
	}
	return n;
}

/*
 * Kill a process for memory, unless the caller's own process is already
 * dying, and wait for the victim (new or already dying) to be gone.
 * False when there was nobody to kill.  No lock held.
 */
static bool
kill_and_wait(void)
{
	if (oom_kill == NULL || doomed() || !oom_kill())
		return false;
	oom_wait_victim(RESERVE_VICTIM_NS);
	return true;
}

void
reserve_shortage(size_t bytes)
{
	if (evict_caches(bytes / PAGE_SIZE + 1) > 0 || kill_and_wait())
		return;
	spin_lock(&res_lock);
	waitq_wait_deadline(&res_waiters, &res_lock,
	    clock_ns() + RESERVE_RECHECK_NS);
	spin_unlock(&res_lock);
}

void
reserve_wake(void)
{
	waitq_wake_all(&res_waiters);
}

void
reserve_get_stats(struct reserve_stats *out)
{
	out->waits = __atomic_load_n(&stat_waits, __ATOMIC_RELAXED);
	out->evictions = __atomic_load_n(&stat_evictions, __ATOMIC_RELAXED);
	out->evicted_pages = __atomic_load_n(&stat_evicted_pages,
	    __ATOMIC_RELAXED);
	out->oom_kills = oom_kill_count != NULL ? oom_kill_count() : 0;
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
 * heap can promise them; reclaim: the work frees memory, so it may use
 * the emergency room and neither evicts nor kills (see the essay).  No
 * spinlock may be held; no reservation may be active on this thread.
 */
static void
begin(size_t bound, const char *site, bool reclaim)
{
	struct thread *t = curthread();
	uint64_t start = 0;	/* when waiting began */

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
	while (room(false) < bound) {
		size_t short_pages = (bound - room(false)) / PAGE_SIZE + 1;

		/* A dying process's thread goes on, to its exit point. */
		if ((reclaim || doomed()) && room(true) >= bound)
			break;
		if (start == 0) {
			start = clock_ns();
			__atomic_add_fetch(&stat_waits, 1, __ATOMIC_RELAXED);
		}
		if (reclaim) {
			waitq_wait_deadline(&res_waiters, &res_lock,
			    clock_ns() + RESERVE_RECHECK_NS);
			continue;
		}
		spin_unlock(&res_lock);
		if (evict_caches(short_pages) > 0) {
			spin_lock(&res_lock);
			continue;
		}
		/*
		 * Nothing to evict.  Kill when the free pages alone cannot
		 * cover the bound (waiting for promises would not do), or
		 * after waiting long for promises that do not come back.
		 */
		if ((heap_capacity() < bound ||
		    clock_ns() - start >= RESERVE_KILL_NS) && kill_and_wait()) {
			spin_lock(&res_lock);
			continue;
		}
		spin_lock(&res_lock);
		if (room(false) < bound)
			waitq_wait_deadline(&res_waiters, &res_lock,
			    clock_ns() + RESERVE_RECHECK_NS);
	}
	__atomic_add_fetch(&outstanding, bound, __ATOMIC_RELAXED);
	spin_unlock(&res_lock);

	t->res.bound = bound;
	t->res.used = 0;
	t->res.site = site;
}

void
reserve_begin(size_t bound, const char *site)
{
	begin(bound, site, false);
}

void
reserve_begin_reclaim(size_t bound, const char *site)
{
	begin(bound, site, true);
}

/*
 * End t's (the current thread's) reservation: return the unused
 * remainder to the heap, record the site's figures and wake threads
 * waiting for room.
 */
static void
end_current(struct thread *t)
{
	struct reservation r = t->res;

	t->res = (struct reservation){ 0 };
	spin_lock(&res_lock);
	if (r.used < r.bound)
		__atomic_sub_fetch(&outstanding, r.bound - r.used,
		    __ATOMIC_RELAXED);
	spin_unlock(&res_lock);
	mark_record(r.site, r.bound, r.used, false);
	waitq_wake_all(&res_waiters);
}

/* End the current thread's reservation (see end_current()). */
void
reserve_end(void)
{
	struct thread *t = curthread();

	if (t == NULL || t->res.site == NULL)
		panic("reserve_end: no reservation active");
	end_current(t);
}

/*
 * A fault's reservation inside a syscall's: granted at once from the
 * room with half the margin, or refused (see the essay).
 */
bool
reserve_nested_begin(size_t bound, const char *site,
    struct reservation *saved)
{
	struct thread *t = curthread();

	if (t->spinlocks_held != 0)
		panic("reserve_nested_begin: %s: %d spinlock(s) held", site,
		    t->spinlocks_held);
	spin_lock(&res_lock);
	if (room(true) < bound) {
		spin_unlock(&res_lock);
		return false;
	}
	__atomic_add_fetch(&outstanding, bound, __ATOMIC_RELAXED);
	spin_unlock(&res_lock);
	*saved = t->res;
	t->res = (struct reservation){ .bound = bound, .site = site };
	return true;
}

/* End the fault's reservation and give the syscall back its own. */
void
reserve_nested_end(const struct reservation *saved)
{
	struct thread *t = curthread();

	if (t->res.site == NULL)
		panic("reserve_nested_end: no reservation active");
	end_current(t);
	t->res = *saved;
}


/*
 * End the current thread's reservation and begin a new one of the same
 * site and bound: the next chunk of an unbounded loop.  The chunk just
 * done is recorded as a unit in the site's mark, so a site's figures are
 * per chunk.  Memory the thread still holds from earlier chunks stays
 * allocated (it left the heap's capacity when it was charged), so the
 * new promise counts only what the next chunk allocates.
 */
void
reserve_renew(void)
{
	struct thread *t = curthread();
	const char *site;
	size_t bound;

	if (t == NULL || t->res.site == NULL)
		panic("reserve_renew: no reservation active");
	site = t->res.site;
	bound = t->res.bound;
	reserve_end();
	reserve_begin(bound, site);
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
