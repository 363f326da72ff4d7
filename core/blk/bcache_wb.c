/*
 * Write-back for the block cache (blk/bcache.h, bcache.c): the bflush
 * thread, which writes buffers dirty for WB_AGE_NS, bcache_sync(),
 * which writes all of a device's and flushes it, and the passes the
 * cache itself runs when it needs memory.
 *
 * Write-back never holds a buffer's lock during I/O: under the lock it
 * copies the data into a bounce block, clears B_DIRTY and sets
 * b->writing (holding a reference), then lets the lock go and submits.
 * Runs of contiguous blocks share one bounce block and one request, and
 * a whole batch is in flight at once.  When the writes are done the
 * buffers leave bc_dirtyq unless they were dirtied again meanwhile; a
 * failed write makes the buffer dirty again.  At most one write of a
 * block is in flight: write-back skips (or, in bcache_sync(), waits for)
 * a buffer still being written, and bwrite() waits too.  With no memory
 * for a bounce block, the buffer is written synchronously from its own
 * data under its lock.  B_JOURNAL buffers are never written here, only
 * by the journal (bwrite()).
 *
 * A pass collects up to WB_BATCH candidates from bc_dirtyq under bc_lock
 * (taking a reference on each), sorts them by device and block, then
 * takes each buffer's lock in turn -- never two at once, so write-back
 * cannot deadlock against a thread holding several -- to copy it.
 * bflush and the memory paths only try the locks (a held buffer waits
 * for the next pass); bcache_sync() sleeps for them, and writes as they
 * are the buffers its caller holds itself.
 */
#include "blk/bcache.h"
#include "blk_internal.h"
#include "contract/clock.h"
#include "contract/physmem.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "proc/thread.h"

#define WB_BATCH	32		/* buffers per write-back batch */
#define MERGE_ORDER	4		/* largest run: 16 blocks per request */
#define WB_AGE_NS	(5 * 1000000000ull)	/* write-back age */
#define BFLUSH_PERIOD_NS (1000000000ull)	/* bflush looks each second */
/*
 * Heap one write-back batch may use.  The bounce blocks and the batch
 * are pages, not heap, so this only covers what a driver allocates per
 * request: the measured mark is 0 (RAM disk, file device), and a page's
 * worth leaves room for drivers that keep request records.
 */
#define BFLUSH_RESERVE	(4096)

/* One write request of a batch: a run of contiguous buffers. */
struct wb_req {
	struct blkreq r;
	struct wb_batch *batch;
	paddr_t bounce;		/* the copies; 0 when written in place */
	unsigned order;		/* of bounce */
	int first, count;	/* bufs[first .. first + count) */
};

/* Buffers on their way to the device, and the requests carrying them. */
struct wb_batch {
	struct buf *bufs[WB_BATCH];
	struct wb_req reqs[WB_BATCH];
	int n, nreq;
	struct spinlock lock;	/* guards pending */
	struct waitq wq;
	int pending;		/* requests not complete yet */
	int err;		/* first error of the batch */
};

_Static_assert(sizeof(struct wb_batch) <= PAGE_SIZE, "a batch in a page");

/* The batch used when no page is free for one: one user at a time. */
static struct wb_batch emergency_batch;
static struct mutex emergency_lock;

static uint64_t pass_seq;	/* [bc_lock] write-back passes so far */

/* A write of the batch is complete; maybe in interrupt context. */
static void
wb_done(struct blkreq *r)
{
	struct wb_req *q = container_of(r, struct wb_req, r);
	struct wb_batch *wb = q->batch;

	spin_lock(&wb->lock);
	if (r->error != 0 && wb->err == 0)
		wb->err = r->error;
	if (--wb->pending == 0)
		waitq_wake_all(&wb->wq);
	spin_unlock(&wb->lock);
}

/* A batch: a page of its own if one is free, else the emergency one. */
static struct wb_batch *
batch_get(void)
{
	paddr_t pa = page_alloc(0, 0);
	struct wb_batch *wb;

	if (pa != 0)
		wb = phys_to_virt(pa);
	else {
		mutex_lock(&emergency_lock);
		wb = &emergency_batch;
	}
	wb->n = wb->nreq = wb->pending = wb->err = 0;
	spin_init(&wb->lock, "write-back batch");
	waitq_init(&wb->wq, "write-back batch");
	return wb;
}

static void
batch_put(struct wb_batch *wb)
{
	if (wb == &emergency_batch)
		mutex_unlock(&emergency_lock);
	else
		page_free(virt_to_phys(wb), 0);
}

/* Order the batch by device, then block number (insertion sort). */
static void
batch_sort(struct wb_batch *wb)
{
	int i, j;

	for (i = 1; i < wb->n; i++) {
		struct buf *b = wb->bufs[i];

		for (j = i; j > 0; j--) {
			struct buf *a = wb->bufs[j - 1];

			if ((uintptr_t)a->dev < (uintptr_t)b->dev ||
			    (a->dev == b->dev && a->blkno < b->blkno))
				break;
			wb->bufs[j] = a;
		}
		wb->bufs[j] = b;
	}
}

/*
 * Lock b for write-back: always when the caller already holds it (*mine
 * true then), else trylock when `try` (never sleep behind a holder),
 * else sleep for it.  Then say whether it still wants writing.
 */
static bool
wb_lock(struct buf *b, bool try, bool *mine)
{
	bool ok;

	*mine = mutex_held(&b->lock);
	if (!*mine) {
		if (try) {
			if (!mutex_trylock(&b->lock))
				return false;
		} else
			mutex_lock(&b->lock);
	}
	spin_lock(&bc_lock);
	ok = (b->flags & (B_DIRTY | B_JOURNAL | B_VALID)) ==
	    (B_DIRTY | B_VALID) && !b->writing;
	if (ok) {
		b->flags &= ~B_DIRTY;
		b->writing = true;
	}
	spin_unlock(&bc_lock);
	if (!ok && !*mine)
		mutex_unlock(&b->lock);
	return ok;
}

/*
 * The write of b's copy is over: settle its state.  A failed write
 * makes b dirty again, for a later pass to retry.  That is the one
 * change of b->flags made without b's lock (atomically, under bc_lock):
 * the lock's holder may be waiting for this very write (bwrite(),
 * bjournal_set()), and it changes only B_DIRTY, which is bc_lock's too.
 */
static void
wb_settle(struct buf *b, int err)
{
	spin_lock(&bc_lock);
	if (err != 0 && !(b->flags & B_DIRTY)) {
		__atomic_or_fetch(&b->flags, B_DIRTY, __ATOMIC_RELAXED);
		b->dirtied_ns = clock_ns();
	}
	b->writing = false;
	if (err == 0)
		bc_stats.writebacks++;
	bcache_dirtyq_settle(b);
	waitq_wake_all(&bc_wb_wq);
	spin_unlock(&bc_lock);
}

/*
 * Write b now, in place, under its lock (no memory for a copy): what
 * write-back falls back to when the machine is out of pages.
 */
static int
wb_write_in_place(struct buf *b, bool mine)
{
	int err = blk_rw(b->dev, BLK_WRITE, b->blkno, 1, b->data);

	wb_settle(b, err);
	if (!mine)
		mutex_unlock(&b->lock);
	return err;
}

/*
 * Write the batch's buffers (referenced, sorted, not locked by the
 * pass): copy each run under each buffer's lock, submit every run, wait
 * for all, settle the buffers and drop the references.  Returns the
 * first error.
 */
static int
wb_write(struct wb_batch *wb, bool try)
{
	int i = 0, k, j, err = 0;
	unsigned order;
	paddr_t pa;
	bool mine;

	while (i < wb->n) {
		struct wb_req *q = &wb->reqs[wb->nreq];

		for (j = i + 1; j < wb->n && j - i < (1 << MERGE_ORDER) &&
		    wb->bufs[j]->dev == wb->bufs[i]->dev &&
		    wb->bufs[j]->blkno == wb->bufs[j - 1]->blkno + 1; j++)
			continue;
		for (order = 0; (1 << order) < j - i; order++)
			continue;
		if ((pa = page_alloc(order, 0)) == 0 && order > 0) {
			order = 0;
			j = i + 1;
			pa = page_alloc(0, 0);
		}
		/* The run goes as far as its buffers still want writing. */
		q->first = i;
		q->count = 0;
		for (k = i; k < j; k++) {
			struct buf *b = wb->bufs[k];

			if (!wb_lock(b, try, &mine)) {
				bunref(b);
				k++;
				break;
			}
			if (pa == 0) {
				if (wb_write_in_place(b, mine) != 0)
					err = -EIO;
				bunref(b);
				k++;
				break;
			}
			memcpy((uint8_t *)phys_to_virt(pa) +
			    (size_t)q->count * BLK_SIZE, b->data, BLK_SIZE);
			if (!mine)
				mutex_unlock(&b->lock);
			q->count++;
		}
		i = k;
		if (q->count == 0) {
			if (pa != 0)
				page_free(pa, order);
			continue;
		}
		q->bounce = pa;
		q->order = order;
		q->batch = wb;
		wb->nreq++;
	}
	wb->pending = wb->nreq;
	for (k = 0; k < wb->nreq; k++) {
		struct wb_req *q = &wb->reqs[k];
		struct buf *b = wb->bufs[q->first];

		memset(&q->r, 0, sizeof(q->r));
		q->r.op = BLK_WRITE;
		q->r.blkno = b->blkno;
		q->r.nblocks = (uint32_t)q->count;
		q->r.buf = phys_to_virt(q->bounce);
		q->r.done = wb_done;
		list_init(&q->r.link);
		blk_submit(b->dev, &q->r);
	}
	spin_lock(&wb->lock);
	while (wb->pending > 0)
		waitq_wait(&wb->wq, &wb->lock);
	spin_unlock(&wb->lock);
	for (k = 0; k < wb->nreq; k++) {
		struct wb_req *q = &wb->reqs[k];

		if (q->r.error != 0 && err == 0)
			err = -EIO;
		for (j = q->first; j < q->first + q->count; j++) {
			wb_settle(wb->bufs[j], q->r.error);
			bunref(wb->bufs[j]);
			wb->bufs[j] = NULL;
		}
		page_free(q->bounce, q->order);
	}
	return err;
}

/*
 * Collect into wb (referenced) up to WB_BATCH buffers of d (any device
 * when NULL) that look worth writing: dirty, not journaled, not being
 * written, dirtied at or before cutoff (clock_ns) and with bc_dirty_seq
 * at most seq, not taken by this pass yet.  *busy tells whether a
 * buffer of d is being written by someone else.  bc_lock held.
 */
static void
collect(struct wb_batch *wb, struct blkdev *d, uint64_t cutoff,
    uint64_t seq, uint64_t pass, bool *busy)
{
	struct list *it;

	*busy = false;
	list_foreach(it, &bc_dirtyq) {
		struct buf *b = list_entry(it, struct buf, dlink);

		if (d != NULL && b->dev != d)
			continue;
		if (b->writing) {
			*busy = true;
			continue;
		}
		if (wb->n == WB_BATCH || b->wb_pass == pass ||
		    (b->flags & (B_DIRTY | B_JOURNAL)) != B_DIRTY ||
		    b->dirtied_ns > cutoff || b->dirty_seq > seq)
			continue;
		b->wb_pass = pass;
		if (b->refs++ == 0)
			list_remove(&b->lru);
		wb->bufs[wb->n++] = b;
	}
}

/* One batch of bcache_writeback(); false when there was nothing to write. */
static bool
writeback_batch(struct blkdev *d, uint64_t cutoff, bool try)
{
	struct wb_batch *wb = batch_get();
	uint64_t pass;
	bool busy;

	spin_lock(&bc_lock);
	pass = ++pass_seq;
	collect(wb, d, cutoff, UINT64_MAX, pass, &busy);
	spin_unlock(&bc_lock);
	if (wb->n == 0) {
		batch_put(wb);
		return false;
	}
	batch_sort(wb);
	wb_write(wb, try);
	batch_put(wb);
	return true;
}

/*
 * Write back the dirty buffers of d (every device when NULL) dirtied at
 * or before cutoff, in batches, never sleeping for a buffer lock (try):
 * bflush's work, and the memory-pressure path's.
 */
void
bcache_writeback(struct blkdev *d, uint64_t cutoff, bool try)
{
	while (writeback_batch(d, cutoff, try))
		continue;
}

int
bcache_sync(struct blkdev *d)
{
	struct wb_batch *wb;
	uint64_t seq, pass;
	bool busy;
	int err = 0, e;

	spin_lock(&bc_lock);
	seq = bc_dirty_seq;
	pass = ++pass_seq;
	spin_unlock(&bc_lock);
	for (;;) {
		wb = batch_get();
		spin_lock(&bc_lock);
		collect(wb, d, UINT64_MAX, seq, pass, &busy);
		/* Writes by others must be durable too: wait for them. */
		if (wb->n == 0 && busy)
			waitq_wait(&bc_wb_wq, &bc_lock);
		spin_unlock(&bc_lock);
		if (wb->n == 0) {
			batch_put(wb);
			if (busy)
				continue;
			break;
		}
		batch_sort(wb);
		if ((e = wb_write(wb, false)) != 0 && err == 0)
			err = e;
		batch_put(wb);
	}
	if ((e = blk_rw(d, BLK_FLUSH, 0, 0, NULL)) != 0 && err == 0)
		err = e;
	return err;
}

/*
 * bflush: sleeps while nothing is dirty; otherwise, once a second,
 * writes back what has been dirty for WB_AGE_NS or longer.  Each batch
 * is a unit of work under its own heap reservation (BFLUSH_RESERVE, the
 * "bflush" site), taken before any lock: what a batch's requests cost
 * the device driver's heap.  The memory paths that write back run inside
 * their caller's reservation instead.
 */
void
bcache_bflush(void *arg)
{
	uint64_t now;
	bool more;

	(void)arg;
	for (;;) {
		spin_lock(&bc_lock);
		while (list_empty(&bc_dirtyq))
			waitq_wait(&bc_bflush_wq, &bc_lock);
		spin_unlock(&bc_lock);
		thread_sleep_ns(BFLUSH_PERIOD_NS);
		now = clock_ns();
		if (now < WB_AGE_NS)
			continue;
		do {
			reserve_begin(BFLUSH_RESERVE, "bflush");
			more = writeback_batch(NULL, now - WB_AGE_NS, true);
			reserve_end();
		} while (more);
	}
}

void
bcache_wb_init(void)
{
	mutex_init(&emergency_lock, "bcache batch");
}
