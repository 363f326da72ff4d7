/*
 * The block cache (core/blk/bcache.c): every block read from or written
 * to a block device goes through it, metadata and file data alike, so it
 * is also the page cache of disk files (file data is cached by the
 * physical block it lives in).  A buffer's data is one page from the page
 * allocator, not the heap, so a cache the size of memory costs no
 * reservation.
 *
 * A caller holds a buffer with its sleeping lock and one reference
 * between bread()/bget() and brelse().  A buffer is:
 *   clean      its data equals the device's;
 *   dirty      changed, to be written in place by write-back (file data,
 *              and metadata after the journal has made it durable);
 *   journaled  changed in a transaction (jnl_dirty): pinned, written in
 *              place only after its transaction commits, by the
 *              journal's checkpoint, never by write-back.
 * Write-back is a kernel thread ("bflush") that writes dirty buffers
 * older than a few seconds, and all of them on bcache_sync().
 *
 * Eviction: bcache_evict() frees clean, unreferenced, unpinned buffers,
 * least recently used first.  Issue 9's reservation path calls it when
 * the heap runs short; the cache also evicts by itself when the page
 * allocator runs low, so a workload that reads more than memory is
 * served by eviction alone.
 */
#ifndef BLK_BCACHE_H
#define BLK_BCACHE_H

#include "blk/blkdev.h"
#include "lib/list.h"
#include "proc/mutex.h"

/* Buffer state bits (b->flags). */
#define B_VALID		0x1u	/* data holds the block */
#define B_DIRTY		0x2u	/* to be written in place */
#define B_JOURNAL	0x4u	/* in a transaction: pinned (journal.c) */

struct buf {
	struct blkdev *dev;	/* [i] */
	uint64_t blkno;		/* [i] */
	uint8_t *data;		/* [i] BLK_SIZE bytes */
	unsigned flags;		/* B_*; under lock, read anywhere */
	struct mutex lock;	/* held between bread/bget and brelse */
	/* The cache's, below. */
	int refs;
	uint64_t dirtied_ns;	/* when it became dirty (write-back age) */
	struct buf *hnext;
	struct list lru;
	void *jpriv;		/* the journal's while B_JOURNAL */
};

void bcache_init(void);

/*
 * Block blkno of d, locked and referenced, its data read from the device
 * if not cached: 0 with *out, or -EIO (nothing held then), -EINVAL for a
 * block past the end.
 */
int bread(struct blkdev *d, uint64_t blkno, struct buf **out);
/*
 * The same without reading: for a block the caller overwrites whole
 * (its data is zeroed if it was not cached).  Never fails in range.
 */
struct buf *bget(struct blkdev *d, uint64_t blkno);
/* Mark b (locked) dirty for write-back. */
void bdirty(struct buf *b);
/* Write b (locked) in place now and wait: 0 or -EIO.  Clears B_DIRTY. */
int bwrite(struct buf *b);
/* Unlock b and drop the caller's reference. */
void brelse(struct buf *b);
/* Take b's lock / a reference again (journal, write-back). */
void block(struct buf *b);
void bref(struct buf *b);

/*
 * Write every dirty buffer of d (not the journaled ones), wait for them,
 * then flush the device: 0 or the first -EIO.  fsync's and the journal's
 * "ordered data" step.
 */
int bcache_sync(struct blkdev *d);
/* Forget every buffer of d (unmount); none may be held or dirty. */
void bcache_invalidate(struct blkdev *d);
/*
 * Free up to npages clean, unused buffers, least recently used first;
 * returns how many were freed.  Callable with no lock held.
 */
size_t bcache_evict(size_t npages);

/* Counters for /proc/meminfo-style reports. */
struct bcache_stats {
	uint64_t buffers, dirty, journaled;
	uint64_t hits, misses, evictions, writebacks;
};
void bcache_stats(struct bcache_stats *st);

#endif
