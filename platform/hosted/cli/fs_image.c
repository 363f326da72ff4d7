/*
 * Image files inside the hosted kernel (fs_image.h): the kernel side of
 * mkfs, fsck and mount, in kernel threads of a booted hosted kernel.
 */
#include "blk/bcache.h"
#include "fs/biscfs.h"
#include "fs/biscfs_fsck.h"
#include "fs_image.h"
#include "hosted.h"
#include "kern/errno.h"

#define MS_RDONLY_	0x1ul

static struct blkdev *mounted_dev;	/* the image fs_image_mount attached */

long
fs_image_mount(struct kscratch *s, const char *image, const char *target,
    bool readonly)
{
	struct blkdev *d;
	long err;

	if ((err = hosted_blkdev_open(image, FS_IMAGE_DEV, readonly, &d)) != 0)
		return err;
	err = kc_mount(s, "/dev/" FS_IMAGE_DEV, target, "biscfs",
	    readonly ? MS_RDONLY_ : 0);
	if (err != 0) {
		hosted_blkdev_close(d);
		return err;
	}
	mounted_dev = d;
	return 0;
}

long
fs_image_umount(struct kscratch *s, const char *target)
{
	long err = kc_umount(s, target);

	if (err == 0 && mounted_dev != NULL) {
		hosted_blkdev_close(mounted_dev);
		mounted_dev = NULL;
	}
	return err;
}

long
fs_image_mkfs(const char *image, uint32_t ninodes, const char *label)
{
	struct biscfs_mkfs_opts o = { .ninodes = ninodes, .label = label };
	struct blkdev *d;
	long err;

	if ((err = hosted_blkdev_open(image, FS_IMAGE_DEV, false, &d)) != 0)
		return err;
	err = biscfs_mkfs(d, &o);
	if (err == 0)
		err = bcache_sync(d);
	bcache_invalidate(d);
	hosted_blkdev_close(d);
	return err;
}

long
fs_image_fsck(const char *image, bool repair,
    void (*report)(void *arg, const char *line), void *arg,
    struct fs_fsck_summary *sum)
{
	struct biscfs_fsck_opts o = { .repair = repair, .report = report,
	    .arg = arg };
	struct biscfs_fsck_result r;
	struct blkdev *d;
	long err;

	/* Read-write even to check: the journal is replayed first. */
	if ((err = hosted_blkdev_open(image, FS_IMAGE_DEV, false, &d)) != 0)
		return err;
	err = biscfs_fsck(d, &o, &r);
	hosted_blkdev_close(d);
	sum->errors = r.errors;
	sum->fixed = r.fixed;
	sum->replayed = r.replayed;
	sum->orphans = r.orphans;
	sum->inodes_used = r.inodes_used;
	sum->ninodes = r.ninodes;
	sum->blocks_used = r.blocks_used;
	sum->nblocks = r.nblocks;
	return err;
}
