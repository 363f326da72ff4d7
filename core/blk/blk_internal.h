/*
 * What the block layer's files share and nobody else needs: blkdev.c
 * registers a device's devfs node (blkdev_file.c), and the block cache
 * is two files, the cache proper (bcache.c) and its write-back
 * (bcache_wb.c), which share the state below (locking in bcache.c's
 * essay: everything here is under bc_lock but the wait queues).
 */
#ifndef BLK_INTERNAL_H
#define BLK_INTERNAL_H

#include "blk/bcache.h"

/* Give d a node /dev/NAME (S_IFBLK) whose file I/O goes through the cache. */
void blkdev_file_register(struct blkdev *d);

extern struct spinlock bc_lock;
/* Buffers dirty or being written back, in the order they became dirty. */
extern struct list bc_dirtyq;
extern uint64_t bc_dirty_seq;		/* bdirty() calls so far */
extern struct bcache_stats bc_stats;	/* buffers, hits... (not dirty) */
extern struct waitq bc_wb_wq;		/* a write-back finished */
extern struct waitq bc_bflush_wq;	/* bflush waits here for work */

/* Take b off bc_dirtyq if it is neither dirty nor being written.  [bc_lock] */
void bcache_dirtyq_settle(struct buf *b);

/* bcache_wb.c */
void bcache_wb_init(void);
/* The bflush thread's body. */
void bcache_bflush(void *arg);
/*
 * Write back the dirty buffers of d (any device when NULL) dirtied at
 * or before cutoff (clock_ns()); with try, never sleep for a buffer's
 * lock.  No spinlock held.
 */
void bcache_writeback(struct blkdev *d, uint64_t cutoff, bool try);

#endif
