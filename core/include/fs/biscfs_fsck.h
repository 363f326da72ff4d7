/*
 * fsck for biscfs (core/fs/biscfs_fsck.c): check, and optionally repair,
 * an unmounted biscfs on a block device.
 *
 * Order: the journal is replayed first (jnl_open, then closed empty), so
 * the check sees what a mount would; then the superblock, every inode
 * and its extent tree, every directory (header, hash buckets, entries),
 * reachability from the root, link counts, the orphan list, the two
 * bitmaps and the superblock's free counts.  Each problem is reported in
 * one line through opts->report.  With repair, fsck fixes what it can:
 * it rewrites checksums of blocks whose contents still make sense,
 * clears inodes it cannot trust (bad checksum, broken extent tree,
 * blocks claimed twice), drops directory entries that are wrong, frees
 * inodes no directory reaches (orphans included), sets link counts and
 * rebuilds both bitmaps from what survived, so a second fsck finds the
 * file system clean.  Unreachable inodes are freed, not moved to a
 * lost+found: biscfs has none.
 */
#ifndef FS_BISCFS_FSCK_H
#define FS_BISCFS_FSCK_H

#include "blk/blkdev.h"

struct biscfs_fsck_opts {
	bool repair;
	/* Each problem and repair, one line without newline; NULL: printk. */
	void (*report)(void *arg, const char *line);
	void *arg;
};

struct biscfs_fsck_result {
	unsigned errors;	/* problems found */
	unsigned fixed;		/* problems repaired (repair only) */
	unsigned replayed;	/* journal transactions replayed */
	unsigned orphans;	/* orphan inodes found (freed with repair) */
	uint64_t inodes_used;	/* after the check (and repairs) */
	uint64_t blocks_used;
	uint64_t nblocks, ninodes;
};

/*
 * Check (and with opts->repair, repair) the biscfs on d, which nothing
 * may have mounted.  0 when the check ran (res says what it found),
 * -EUCLEAN when the superblock is beyond use (not biscfs, or damaged so
 * the layout cannot be told), -EIO, -ENOMEM.
 */
int biscfs_fsck(struct blkdev *d, const struct biscfs_fsck_opts *opts,
    struct biscfs_fsck_result *res);

#endif
