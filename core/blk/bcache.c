/*
 * The block cache (blk/bcache.h): buffers of BLK_SIZE bytes, one page
 * each, indexed by (device, block number).
 *
 * Index.  A hash table of singly linked chains under one spinlock,
 * bc_lock, which also guards every buffer's refs, hnext, lru, dlink,
 * dirty_seq, wb_pass and writing fields, the lists and the counters.
 * Nothing sleeps under bc_lock: a lookup takes a reference under it,
 * drops it, and only then sleeps on the buffer's mutex.  A buffer is
 * created locked, before it is visible, by the thread that will read
 * it, so a second bread() of that block finds it and sleeps on its lock
 * until the read is over instead of issuing a second read.  A failed
 * read unhashes the buffer and marks it B_STALE; whoever waited for it
 * lets go and looks again.
 *
 * State.  b->flags changes only under b's lock (B_DIRTY also under
 * bc_lock, since the lists depend on it), but for a failed write-back
 * making b dirty again under bc_lock alone (bcache_wb.c).  Two lists: `lru` holds the
 * buffers that eviction may free -- valid, clean, not journaled, with
 * no reference (so nobody holds the lock either) -- oldest release
 * first; `bc_dirtyq` holds the buffers that are dirty or whose write-back
 * is in flight (b->writing), in the order they became dirty.  A buffer
 * joins `lru` when its last reference goes and it qualifies; everything
 * else that changes its state holds a reference, so no other moment
 * needs checking.
 *
 * Write-back (the bflush thread, bcache_sync()) is bcache_wb.c's; it
 * writes copies taken under each buffer's lock, never holding a lock
 * across I/O.  b->writing (under bc_lock) marks a buffer whose copy is
 * in flight: it holds a reference, stays on bc_dirtyq, and is never
 * written a second time until that write is over.
 *
 * Memory.  Buffer data are pages from the page allocator; the struct
 * bufs are carved from pages too and recycled on a free list, so the
 * cache never charges a heap reservation.  The cache keeps itself under
 * CACHE_SHARE of the pages it could have (its own plus the free ones),
 * evicting before it grows past that; when a page cannot be had at all
 * it evicts, then writes dirty buffers back and evicts again, then
 * waits.  reserve_begin() calls bcache_evict() before it would wait.
 */
#include "blk/bcache.h"
#include "blk_internal.h"
#include "contract/clock.h"
#include "contract/physmem.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/hash.h"
#include "lib/string.h"
#include "mm/page.h"
#include "proc/thread.h"

#define NBUCKETS	8192		/* hash chains (a power of two) */
#define EVICT_BATCH	32		/* buffers freed when over the share */
#define CACHE_SHARE_NUM	3		/* at most 3/4 of cache + free pages */
#define CACHE_SHARE_DEN	4
#define RETRY_NS	(1000000ull)	/* wait for memory, then retry */

_Static_assert(PAGE_SIZE == BLK_SIZE, "a buffer is one page");

struct spinlock bc_lock = SPINLOCK_INIT("bcache");
struct list bc_dirtyq = LIST_INIT(bc_dirtyq);
uint64_t bc_dirty_seq;
struct bcache_stats bc_stats;
struct waitq bc_wb_wq;
struct waitq bc_bflush_wq;
static struct buf *buckets[NBUCKETS];		/* [bc_lock] */
static struct list lru = LIST_INIT(lru);	/* [bc_lock] evictable */
static struct buf *spare;			/* [bc_lock] by hnext */
static int initialised;		/* atomic: 0, 1 starting, 2 done */


void
bcache_init(void)
{
	int zero = 0;
	struct thread *t;

	if (!__atomic_compare_exchange_n(&initialised, &zero, 1, false,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&initialised, __ATOMIC_ACQUIRE) != 2)
			thread_sleep_ns(RETRY_NS);
		return;
	}
	waitq_init(&bc_wb_wq, "bcache write-back");
	waitq_init(&bc_bflush_wq, "bflush");
	bcache_wb_init();
	if ((t = thread_create("bflush", bcache_bflush, NULL)) == NULL)
		panic("bcache_init: no memory for bflush");
	thread_detach(t);
	__atomic_store_n(&initialised, 2, __ATOMIC_RELEASE);
}

static inline struct buf **
bucket(struct blkdev *d, uint64_t blkno)
{
	return &buckets[hash_combine(hash_ptr(d), blkno) & (NBUCKETS - 1)];
}

/* The cached buffer of (d, blkno), or NULL.  bc_lock held. */
static struct buf *
lookup(struct blkdev *d, uint64_t blkno)
{
	struct buf *b;

	for (b = *bucket(d, blkno); b != NULL; b = b->hnext)
		if (b->dev == d && b->blkno == blkno)
			return b;
	return NULL;
}

/* Take b out of the hash table.  bc_lock held; b is in it. */
static void
unhash(struct buf *b)
{
	struct buf **pp = bucket(b->dev, b->blkno);

	while (*pp != b) {
		if (*pp == NULL)
			panic("bcache: buffer %lu not in its chain",
			    (unsigned long)b->blkno);
		pp = &(*pp)->hnext;
	}
	*pp = b->hnext;
	b->hnext = NULL;
	bc_stats.buffers--;
}

/* Free an unhashed buffer nobody refers to: its page, then the struct. */
static void
buf_free(struct buf *b)
{
	page_free(virt_to_phys(b->data), 0);
	spin_lock(&bc_lock);
	b->hnext = spare;
	spare = b;
	spin_unlock(&bc_lock);
}

/*
 * A page for the cache, from the page allocator, or by evicting, or by
 * writing dirty buffers back and evicting, or by waiting for someone to
 * free memory.  Thread context, no spinlock held; never fails.
 */
static paddr_t
cache_page(void)
{
	bool warned = false;
	paddr_t pa;

	for (;;) {
		if ((pa = page_alloc(0, 0)) != 0)
			return pa;
		if (bcache_evict(EVICT_BATCH) > 0)
			continue;
		bcache_writeback(NULL, UINT64_MAX, true);
		if (bcache_evict(EVICT_BATCH) > 0)
			continue;
		if (!warned)
			printk("bcache: out of memory; waiting\n");
		warned = true;
		thread_sleep_ns(RETRY_NS);
	}
}

/* A struct buf from the spare list, carving a fresh page when empty. */
static struct buf *
spare_buf(void)
{
	struct buf *b, *arr;
	size_t i, n = PAGE_SIZE / sizeof(struct buf);

	spin_lock(&bc_lock);
	if ((b = spare) != NULL)
		spare = b->hnext;
	spin_unlock(&bc_lock);
	if (b != NULL)
		return b;
	arr = phys_to_virt(cache_page());
	spin_lock(&bc_lock);
	for (i = 1; i < n; i++) {
		arr[i].hnext = spare;
		spare = &arr[i];
	}
	spin_unlock(&bc_lock);
	return &arr[0];
}

/*
 * Evict a batch when the cache holds more than its share of memory;
 * when all of it is dirty, write some back first (the thread making
 * the cache grow pays for it, which throttles heavy writers).
 */
static void
keep_share(void)
{
	size_t have = __atomic_load_n(&bc_stats.buffers, __ATOMIC_RELAXED);
	size_t free = page_free_count();

	if (have * CACHE_SHARE_DEN < (have + free) * CACHE_SHARE_NUM)
		return;
	if (bcache_evict(EVICT_BATCH) == 0) {
		bcache_writeback(NULL, UINT64_MAX, true);
		bcache_evict(EVICT_BATCH);
	}
}

/* A new buffer for (d, blkno), locked, with one reference, not hashed. */
static struct buf *
buf_new(struct blkdev *d, uint64_t blkno)
{
	struct buf *b;
	uint8_t *data;

	keep_share();
	data = phys_to_virt(cache_page());
	b = spare_buf();
	memset(b, 0, sizeof(*b));
	b->dev = d;
	b->blkno = blkno;
	b->data = data;
	b->refs = 1;
	mutex_init(&b->lock, "buf");
	list_init(&b->lru);
	list_init(&b->dlink);
	mutex_lock(&b->lock);
	return b;
}

/*
 * The buffer of (d, blkno), cached or new, locked and referenced: valid
 * unless new or discarded (bjournal_clear).  One whose read failed is
 * being dropped (B_STALE): this lets go of it and looks again.
 */
static struct buf *
bcache_get(struct blkdev *d, uint64_t blkno)
{
	struct buf *b, *nb = NULL;

	for (;;) {
		spin_lock(&bc_lock);
		b = lookup(d, blkno);
		if (b == NULL && nb != NULL) {
			nb->hnext = *bucket(d, blkno);
			*bucket(d, blkno) = nb;
			bc_stats.buffers++;
			bc_stats.misses++;
			spin_unlock(&bc_lock);
			return nb;
		}
		if (b != NULL) {
			if (b->refs++ == 0)
				list_remove(&b->lru);
			bc_stats.hits++;
		}
		spin_unlock(&bc_lock);
		if (b == NULL) {
			nb = buf_new(d, blkno);
			continue;
		}
		if (nb != NULL) {	/* another thread hashed it first */
			mutex_unlock(&nb->lock);
			buf_free(nb);
			nb = NULL;
		}
		mutex_lock(&b->lock);
		if (!(b->flags & B_STALE))
			return b;
		brelse(b);
	}
}

int
bread(struct blkdev *d, uint64_t blkno, struct buf **out)
{
	struct buf *b;
	int err;

	*out = NULL;
	if (blkno >= d->nblocks)
		return -EINVAL;
	b = bcache_get(d, blkno);
	if (!(b->flags & B_VALID)) {
		if ((err = blk_rw(d, BLK_READ, blkno, 1, b->data)) != 0) {
			spin_lock(&bc_lock);
			b->flags |= B_STALE;
			unhash(b);
			spin_unlock(&bc_lock);
			brelse(b);
			return -EIO;
		}
		__atomic_or_fetch(&b->flags, B_VALID, __ATOMIC_RELAXED);
	}
	*out = b;
	return 0;
}

/* Is (d, blkno) in the cache (valid or being read)? */
bool
bcache_cached(struct blkdev *d, uint64_t blkno)
{
	bool cached;

	spin_lock(&bc_lock);
	cached = lookup(d, blkno) != NULL;
	spin_unlock(&bc_lock);
	return cached;
}

/*
 * Read the blocks of [blkno, blkno + n) that are not cached, all at
 * once.  Each missing block gets its buffer locked (as bread() would,
 * so a reader of it meanwhile sleeps on the lock rather than reading it
 * twice), then the reads go to the device together and the buffers are
 * released valid (or dropped, on an error: the bread() that wants the
 * block then reads it again and reports the error).  Blocks already
 * cached are skipped; so is any whose lock another thread holds.
 */
void
bcache_readahead(struct blkdev *d, uint64_t blkno, unsigned n)
{
	struct blkreq reqs[BCACHE_RA_MAX];
	struct buf *bufs[BCACHE_RA_MAX];
	int i, nr = 0;
	struct buf *b;

	n = MIN(n, BCACHE_RA_MAX);
	if (blkno >= d->nblocks)
		return;
	if (n > d->nblocks - blkno)
		n = (unsigned)(d->nblocks - blkno);
	for (i = 0; i < (int)n; i++) {
		if (bcache_cached(d, blkno + (uint64_t)i))
			continue;
		b = bcache_get(d, blkno + (uint64_t)i);
		if (b->flags & B_VALID) {	/* read by another meanwhile */
			brelse(b);
			continue;
		}
		memset(&reqs[nr], 0, sizeof(reqs[nr]));
		reqs[nr].op = BLK_READ;
		reqs[nr].blkno = b->blkno;
		reqs[nr].nblocks = 1;
		reqs[nr].buf = b->data;
		bufs[nr++] = b;
	}
	if (nr == 0)
		return;
	blk_rw_many(d, reqs, nr);
	for (i = 0; i < nr; i++) {
		b = bufs[i];
		if (reqs[i].error != 0) {
			spin_lock(&bc_lock);
			b->flags |= B_STALE;
			unhash(b);
			spin_unlock(&bc_lock);
		} else
			__atomic_or_fetch(&b->flags, B_VALID, __ATOMIC_RELAXED);
		brelse(b);
	}
	__atomic_add_fetch(&bc_stats.readahead, (uint64_t)nr,
	    __ATOMIC_RELAXED);
}

struct buf *
bget(struct blkdev *d, uint64_t blkno)
{
	struct buf *b;

	if (blkno >= d->nblocks)
		return NULL;
	b = bcache_get(d, blkno);
	__atomic_and_fetch(&b->flags, ~B_CHECKED, __ATOMIC_RELAXED);
	if (!(b->flags & B_VALID)) {
		memset(b->data, 0, BLK_SIZE);
		__atomic_or_fetch(&b->flags, B_VALID, __ATOMIC_RELAXED);
	}
	return b;
}

void
bdirty(struct buf *b)
{
	if (!mutex_held(&b->lock))
		panic("bdirty: buffer %lu not locked",
		    (unsigned long)b->blkno);
	spin_lock(&bc_lock);
	if (!(b->flags & B_DIRTY)) {
		b->flags |= B_DIRTY;
		b->dirtied_ns = clock_ns();
	}
	b->dirty_seq = ++bc_dirty_seq;
	if (list_empty(&b->dlink)) {
		if (list_empty(&bc_dirtyq))
			waitq_wake_all(&bc_bflush_wq);
		list_push_back(&bc_dirtyq, &b->dlink);
	}
	spin_unlock(&bc_lock);
}

void
bcache_dirtyq_settle(struct buf *b)
{
	if (!(b->flags & B_DIRTY) && !b->writing)
		list_remove(&b->dlink);
}

int
bwrite(struct buf *b)
{
	int err;

	if (!mutex_held(&b->lock))
		panic("bwrite: buffer %lu not locked",
		    (unsigned long)b->blkno);
	spin_lock(&bc_lock);
	while (b->writing)
		waitq_wait(&bc_wb_wq, &bc_lock);
	spin_unlock(&bc_lock);
	err = blk_rw(b->dev, BLK_WRITE, b->blkno, 1, b->data);
	spin_lock(&bc_lock);
	if (err == 0) {
		b->flags &= ~B_DIRTY;
		bcache_dirtyq_settle(b);
		bc_stats.writebacks++;
	}
	spin_unlock(&bc_lock);
	return err == 0 ? 0 : -EIO;
}

void
bjournal_set(struct buf *b)
{
	if (!mutex_held(&b->lock))
		panic("bjournal_set: buffer %lu not locked",
		    (unsigned long)b->blkno);
	spin_lock(&bc_lock);
	while (b->writing)
		waitq_wait(&bc_wb_wq, &bc_lock);
	b->flags |= B_JOURNAL;
	spin_unlock(&bc_lock);
}

void
bjournal_clear(struct buf *b, bool discard)
{
	if (!mutex_held(&b->lock))
		panic("bjournal_clear: buffer %lu not locked",
		    (unsigned long)b->blkno);
	spin_lock(&bc_lock);
	b->flags &= ~B_JOURNAL;
	if (discard) {
		/* Dropped when its last reference goes, or read again. */
		b->flags &= ~(B_VALID | B_DIRTY | B_CHECKED);
		bcache_dirtyq_settle(b);
	}
	spin_unlock(&bc_lock);
}

void
block(struct buf *b)
{
	mutex_lock(&b->lock);
}

void
bunlock(struct buf *b)
{
	mutex_unlock(&b->lock);
}

void
bref(struct buf *b)
{
	spin_lock(&bc_lock);
	if (b->refs++ == 0)
		list_remove(&b->lru);
	spin_unlock(&bc_lock);
}

void
bunref(struct buf *b)
{
	bool drop = false;

	spin_lock(&bc_lock);
	if (b->refs <= 0)
		panic("bunref: buffer %lu has no reference",
		    (unsigned long)b->blkno);
	if (--b->refs == 0) {
		if (b->flags & B_STALE)
			drop = true;
		else if (!(b->flags & (B_DIRTY | B_JOURNAL)) &&
		    (b->flags & B_VALID))
			list_push_back(&lru, &b->lru);
		else if (!(b->flags & B_VALID)) {
			unhash(b);
			drop = true;
		}
	}
	spin_unlock(&bc_lock);
	if (drop)
		buf_free(b);
}

void
brelse(struct buf *b)
{
	bunlock(b);
	bunref(b);
}

size_t
bcache_evict(size_t npages)
{
	struct buf *victims = NULL, *b;
	struct list *l;
	size_t n = 0;

	spin_lock(&bc_lock);
	while (n < npages && (l = list_pop_front(&lru)) != NULL) {
		b = list_entry(l, struct buf, lru);
		if (b->refs != 0 || (b->flags & (B_DIRTY | B_JOURNAL)))
			continue;	/* cannot happen; never free it */
		unhash(b);
		b->hnext = victims;
		victims = b;
		n++;
	}
	bc_stats.evictions += n;
	spin_unlock(&bc_lock);
	while ((b = victims) != NULL) {
		victims = b->hnext;
		buf_free(b);
	}
	return n;
}

/* Is a write-back of a buffer of d in flight?  [bc_lock] */
static bool
writing_on(struct blkdev *d)
{
	struct list *it;

	list_foreach(it, &bc_dirtyq) {
		struct buf *b = list_entry(it, struct buf, dlink);

		if (b->dev == d && b->writing)
			return true;
	}
	return false;
}

void
bcache_invalidate(struct blkdev *d)
{
	struct buf *victims = NULL, *b, **pp;
	size_t i;

	spin_lock(&bc_lock);
	while (writing_on(d))	/* write-backs in flight hold references */
		waitq_wait(&bc_wb_wq, &bc_lock);
	for (i = 0; i < NBUCKETS; i++) {
		for (pp = &buckets[i]; (b = *pp) != NULL;) {
			if (b->dev != d) {
				pp = &b->hnext;
				continue;
			}
			if (b->refs != 0)
				panic("bcache_invalidate: %s block %lu held",
				    d->name, (unsigned long)b->blkno);
			if (b->flags & (B_DIRTY | B_JOURNAL))
				printk("bcache: %s block %lu dropped dirty\n",
				    d->name, (unsigned long)b->blkno);
			*pp = b->hnext;
			bc_stats.buffers--;
			list_remove(&b->lru);
			list_remove(&b->dlink);
			b->hnext = victims;
			victims = b;
		}
	}
	spin_unlock(&bc_lock);
	while ((b = victims) != NULL) {
		victims = b->hnext;
		buf_free(b);
	}
}

void
bcache_stats(struct bcache_stats *st)
{
	struct buf *b;
	size_t i;

	spin_lock(&bc_lock);
	*st = bc_stats;
	st->dirty = st->journaled = 0;
	for (i = 0; i < NBUCKETS; i++)
		for (b = buckets[i]; b != NULL; b = b->hnext) {
			if (b->flags & B_DIRTY)
				st->dirty++;
			if (b->flags & B_JOURNAL)
				st->journaled++;
		}
	spin_unlock(&bc_lock);
}
