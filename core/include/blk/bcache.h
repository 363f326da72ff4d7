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
 * least recently used first.  reserve_begin() calls it when the heap
 * runs short; the cache also evicts by itself when the page
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
#define B_STALE		0x8u	/* the cache's: dropped after a failed read */
/*
 * The file system found the block's checksum right since the block was
 * last read from the device, and has kept the checksum current in every
 * change since, so it need not compute it again at every use.  Set by
 * the file system (b locked); cleared by bget() (the block is being
 * replaced whole) and by a discard (bjournal_clear): a block read anew
 * from the device never has it.
 */
#define B_CHECKED	0x10u

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
	struct list lru;	/* clean and unreferenced: evictable */
	void *jpriv;		/* the journal's while B_JOURNAL */
	struct list dlink;	/* dirty, or being written back */
	uint64_t dirty_seq;	/* bdirty() order (bcache_sync's cut) */
	uint64_t wb_pass;	/* the last write-back pass that took it */
	bool writing;		/* a write-back of its copy is in flight */
};

/* Start the cache (bflush); blkdev_register() does, once. */
void bcache_init(void);

/*
 * Block blkno of d, locked and referenced, its data read from the device
 * if not cached: 0 with *out, or -EIO (nothing held then), -EINVAL for a
 * block past the end.
 */
int bread(struct blkdev *d, uint64_t blkno, struct buf **out);
/*
 * Read ahead: start reading the blocks of [blkno, blkno + n) that are
 * not cached (at most BCACHE_RA_MAX), all together, and wait for them,
 * so a sequential reader pays one device round trip per run instead of
 * one per block.  Errors are left for the bread() that wants the block.
 * The caller may hold buffer locks only of blocks outside the range.
 */
#define BCACHE_RA_MAX	32
void bcache_readahead(struct blkdev *d, uint64_t blkno, unsigned n);
/* Is (d, blkno) in the cache (valid, or being read)? */
bool bcache_cached(struct blkdev *d, uint64_t blkno);
/*
 * The same without reading: for a block the caller overwrites whole
 * (its data is zeroed if it was not cached).  Never fails in range;
 * NULL for a block past the end.
 */
struct buf *bget(struct blkdev *d, uint64_t blkno);
/* Mark b (locked) dirty for write-back. */
void bdirty(struct buf *b);
/*
 * Write b (locked) in place now and wait: 0 or -EIO.  Clears B_DIRTY
 * on success (a failed write leaves the flag as it was).  Waits first
 * for a write-back of b already in flight, so two writes of one block
 * are never in flight together.  (The journal writes its log and its
 * frozen images with blk_submit() of its own pages, not through here.)
 */
int bwrite(struct buf *b);
/* Unlock b and drop the caller's reference: bunlock() + bunref(). */
void brelse(struct buf *b);
/*
 * A reference keeps b in the cache (never evicted, never freed); the
 * lock is b's sleeping mutex.  They are separate so that the journal
 * can keep a pinned buffer referenced across transactions and lock it
 * only when it checkpoints: bref() needs a reference or the lock
 * already held (b cannot vanish meanwhile), block() a reference.
 */
void block(struct buf *b);
void bunlock(struct buf *b);
void bref(struct buf *b);
void bunref(struct buf *b);
/*
 * The journal's side (fs/journal.c), b locked by the caller.
 * bjournal_set() pins b in a transaction: B_JOURNAL, so the cache never
 * writes it in place nor evicts it (a write-back of an older copy still
 * in flight is waited for first).  bjournal_clear() releases it: once
 * its image is in place, it is an ordinary buffer again (still dirty if
 * it was bdirty'd); with discard (a failed journal dropping changes
 * that never committed) its data are forgotten as well, so the next
 * bread() reads the disk again.
 */
void bjournal_set(struct buf *b);
void bjournal_clear(struct buf *b, bool discard);

/*
 * Write every dirty buffer of d (not the journaled ones), wait for them,
 * then flush the device: 0 or the first -EIO.  fsync's and the journal's
 * "ordered data" step.  Many writes are in flight at once and runs of
 * contiguous blocks go as one request (of copies taken under each
 * buffer's lock, so holders are not kept waiting for the device).  The
 * caller may hold buffer locks of its own (those are copied as they
 * are) but must not wait for locks held by others meanwhile.
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
	uint64_t readahead;	/* blocks read by bcache_readahead() */
};
void bcache_stats(struct bcache_stats *st);

#endif
