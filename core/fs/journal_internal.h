/*
 * What journal.c and journal_recover.c share and nobody else needs:
 * the superblock's I/O and checks, log position arithmetic, and
 * recovery's entry point.
 */
#ifndef FS_JOURNAL_INTERNAL_H
#define FS_JOURNAL_INTERNAL_H

#include "fs/journal.h"
#include "fs/journal_format.h"

/* The position n blocks after pos in a log area of len blocks. */
static inline uint64_t
jnl_pos_add(uint64_t len, uint64_t pos, uint64_t n)
{
	return (pos - 1 + n) % (len - 1) + 1;
}

/* A fresh nonce, different from old. */
uint64_t jnl_new_nonce(uint64_t old);

/*
 * Read the superblock of the area [start, start + len) into *sb and
 * check it: 0, -EIO, or -EUCLEAN (printed) when it is damaged.
 */
int jnl_read_super(struct blkdev *d, uint64_t start, uint64_t len,
    struct jnl_super *sb);
/* Write *sb (its crc filled in here) to the area's block 0: 0 or -EIO. */
int jnl_write_super(struct blkdev *d, struct jnl_super *sb);

/*
 * Replay the committed transactions of the log described by *sb into
 * their home blocks (through the cache, written and flushed): 0 or
 * -EIO.  *replayed gets the number of transactions, *next_seq the
 * sequence number the reset log should start from.
 */
int jnl_recover(struct blkdev *d, const struct jnl_super *sb,
    unsigned *replayed, uint64_t *next_seq);

#endif
