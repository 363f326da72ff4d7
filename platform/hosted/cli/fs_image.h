/*
 * Image files inside the hosted kernel, for the file-system tools
 * (fs_image.c runs in the kernel; fs_cli.c and fuse_mount.c call it
 * from the kernel's user threads).
 *
 * An image file becomes the block device "img0" through the hosted
 * io_uring driver (hosted_blkdev_open), and biscfs formats, mounts or
 * checks it there.  Like kcall.h, this header names no kernel or host
 * types, so host-side files can include it.
 */
#ifndef CLI_FS_IMAGE_H
#define CLI_FS_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kcall.h"

/* The device name the image gets inside the kernel. */
#define FS_IMAGE_DEV	"img0"

/*
 * Attach image as FS_IMAGE_DEV and mount it (type "biscfs") at target;
 * fs_image_umount() unmounts target and lets the device go.  Run on a
 * user thread of the kernel.  0 or -errno.
 */
long fs_image_mount(struct kscratch *s, const char *image,
    const char *target, bool readonly);
long fs_image_umount(struct kscratch *s, const char *target);

/* Format image with biscfs (0 for a default): 0 or -errno. */
long fs_image_mkfs(const char *image, uint32_t ninodes, const char *label);

struct fs_fsck_summary {
	unsigned errors, fixed, replayed, orphans;
	uint64_t inodes_used, ninodes, blocks_used, nblocks;
};

/*
 * Check (and repair) the biscfs in image, reporting each problem
 * through report(arg, line): 0 when the check ran, or -errno (-EUCLEAN:
 * no usable superblock).
 */
long fs_image_fsck(const char *image, bool repair,
    void (*report)(void *arg, const char *line), void *arg,
    struct fs_fsck_summary *sum);

/* Print the kernel console's lines that tell why a tool failed (host side). */
void fs_image_print_log(FILE *out);

#endif
