/*
 * devfs: the character devices under /dev (core/fs/devfs.c).
 *
 * A driver registers a device by name with its file methods; opening
 * /dev/name gives a file with those methods (priv NULL) and the open's
 * flags.  Registering a name again replaces the methods, so a driver can
 * take over a node devfs made (the tty layer takes console and tty).
 */
#ifndef FS_DEVFS_H
#define FS_DEVFS_H

#include "kern/types.h"

struct file;
struct file_ops;
struct inode;
struct dentry;

/* Add or replace /dev/name (mode: permission bits, S_IFCHR implied). */
void devfs_register(const char *name, uint32_t mode,
    const struct file_ops *ops);

/*
 * Add /dev/name as a block device node (S_IFBLK | mode, st_rdev rdev in
 * Linux's encoding) whose opens call open(name, flags, out): 0 or
 * -errno (the block layer, blk/blkdev_file.c).  A name registered again
 * keeps its node and takes the new open, number and mode.
 */
void devfs_register_blk(const char *name, uint32_t mode, uint64_t rdev,
    int (*open)(const char *name, unsigned flags, struct file **out));

/*
 * Open a devfs node with open(2)'s flags, O_NOCTTY included (vfs_lock
 * held): 0 with *out, or the device's -errno (/dev/tty without a
 * controlling terminal: -ENXIO).  The file does not keep O_NOCTTY.
 */
int devfs_open_file(struct inode *ip, unsigned flags, struct file **out);

/* The mount(2) hooks (fs/mount.c): one tree, so a second mount is EBUSY. */
int devfs_mount(struct dentry *mp);
void devfs_umount(struct dentry *root);

/*
 * Mount devfs over /dev, making /dev (0755) when it is missing: what the
 * boot path does before init runs.  0 or -errno (-EBUSY when mounted).
 */
int devfs_mount_dev(void);

#endif
