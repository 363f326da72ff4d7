/*
 * biscfs: biscotti's journaled disk file system (core/fs/biscfs_*.c).
 *
 * The on-disk format is fs/biscfs_format.h (and docs/biscfs.md).  A
 * device is formatted with biscfs_mkfs() and mounted through mount(2)
 * with type "biscfs" and the device as source ("/dev/NAME" or "NAME",
 * a name blkdev_find() knows); MS_RDONLY mounts it read-only.  umount2
 * commits the journal, writes everything back, marks the file system
 * clean and lets the device go.
 */
#ifndef FS_BISCFS_H
#define FS_BISCFS_H

#include "blk/blkdev.h"
#include "fs/biscfs_format.h"

struct dentry;

/* What mkfs makes; zeroes pick the defaults. */
struct biscfs_mkfs_opts {
	uint32_t ninodes;	/* 0: one per 16 KiB, at least 64 */
	uint64_t journal_blocks;	/* 0: 1/32 of the device, 256..8192 */
	const char *label;	/* NULL: none; up to 63 bytes */
	uint64_t hash_seed;	/* 0: from the random pool */
};

/*
 * Write an empty biscfs over the whole of d: superblock, an empty
 * journal (jnl_format), bitmaps, inode table, root directory.  0, or
 * -EINVAL for a device too small (or options that do not fit), -EROFS,
 * -EIO.
 */
int biscfs_mkfs(struct blkdev *d, const struct biscfs_mkfs_opts *o);

/* mount(2)'s hooks for type "biscfs" (registered by fs/mount.c). */
int biscfs_mount(struct dentry *mp, const char *source, unsigned long flags);
void biscfs_umount(struct dentry *root);

#endif
