/*
 * The physical journal (core/fs/journal.c), under biscfs's metadata.
 *
 * Every metadata change runs in a handle: jnl_begin() joins the running
 * transaction (opening one if none runs), the caller locks buffers,
 * changes them and hands each to jnl_dirty(), then jnl_end().  Many
 * handles, from many threads, join one transaction; a commit (every few
 * seconds, when the log fills, or at jnl_commit() for fsync) closes the
 * transaction to new handles (they start the next one), waits for its
 * open handles to end, and writes it to the log as whole-block images:
 *
 *   descriptor block(s)   the home block numbers that follow
 *   the block images      copies taken at commit time
 *   a commit block        transaction id and CRC32C over all of the above
 *
 * with a flush before the commit block and one after it, and, first,
 * the "ordered data" step: every dirty buffer of the device (file data
 * that the transaction's metadata may point at) is written and flushed.
 * Several fsyncs waiting on one transaction share its commit (group
 * commit).  Only after the commit is durable are the journaled buffers
 * released to be written in place (checkpoint), after which their log
 * space is reused; the log wraps around.
 *
 * Recovery (at jnl_open) scans the log from its superblock's tail,
 * replays every transaction whose commit block is present with a valid
 * checksum, in order, honouring revoke records, and stops at the first
 * torn or missing commit: a crash at any instant leaves the home blocks
 * as they were after some prefix of committed transactions.
 *
 * Two rules make the commit's snapshot exact: journaled buffers change
 * only inside handles, under their buffer lock; and nobody holds a
 * buffer lock (or an open handle) while calling jnl_begin() or
 * jnl_commit(), which may wait for the commit.  Handles do not nest.
 *
 * The on-disk layout of the log area is described in docs/journal.md
 * (structs in fs/journal_format.h).
 */
#ifndef FS_JOURNAL_H
#define FS_JOURNAL_H

#include "blk/bcache.h"

struct journal;
struct jhandle;

/* Write an empty log over blocks [start, start + len) of d (mkfs). */
int jnl_format(struct blkdev *d, uint64_t start, uint64_t len);

/*
 * Recover the log at [start, start + len) of d, then open it for new
 * transactions: 0 with *out, -EIO, or -EUCLEAN for a log whose
 * superblock is damaged.  *replayed (unless NULL) gets the number of
 * transactions recovery replayed.
 */
int jnl_open(struct blkdev *d, uint64_t start, uint64_t len,
    struct journal **out, unsigned *replayed);
/* Commit, checkpoint everything, mark the log empty, free j: 0 or -EIO. */
int jnl_close(struct journal *j);

/*
 * Join the running transaction with room for up to `credits` blocks
 * that this handle may dirty; sleeps while the log has no room (a
 * checkpoint makes some).  No spinlock or buffer lock may be held;
 * never fails (once the journal failed, the handle records nothing
 * and jnl_end() says -EIO).  Credits beyond a quarter of the log are
 * cut to that.
 */
struct jhandle *jnl_begin(struct journal *j, unsigned credits);
/*
 * b (locked by the caller) is changed in h's transaction: it stays in
 * the cache, pinned (B_JOURNAL), until the transaction is in place.
 */
void jnl_dirty(struct jhandle *h, struct buf *b);
/*
 * Block blkno was freed in h's transaction: replay must not write an
 * older image of it over what it holds next (file data written in
 * place).
 */
void jnl_revoke(struct jhandle *h, uint64_t blkno);
/*
 * Run fn(arg) once h's transaction is durable (e.g. make its freed
 * blocks allocatable again).  fn runs in the committing thread, which
 * holds no buffer lock.
 */
void jnl_after_commit(struct jhandle *h, void (*fn)(void *arg), void *arg);
/* Leave the transaction: 0, or -EIO once the journal has failed. */
int jnl_end(struct jhandle *h);

/*
 * Make every handle ended so far durable (fsync, sync, unmount); waits
 * for the commit, which concurrent callers share.  0 or -EIO.
 */
int jnl_commit(struct journal *j);

struct jnl_stats {
	uint64_t commits;	/* transactions written */
	uint64_t handles;	/* handles that joined them */
	uint64_t blocks;	/* block images logged */
	uint64_t forced;	/* commits asked for by jnl_commit */
	uint64_t waits;		/* jnl_begin calls that waited for space */
	uint64_t checkpoints;	/* times the log's tail moved up to its head */
};
void jnl_stats(struct journal *j, struct jnl_stats *st);

/* CRC32C (Castagnoli), as the commit blocks and biscfs use it. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
