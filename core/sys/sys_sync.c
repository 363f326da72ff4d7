/*
 * sync(2), syncfs(2), fsync(2), fdatasync(2).
 *
 * The in-memory file systems (tmpfs, procfs, devfs) have nothing to
 * write back; a disk file system (biscfs) has an fsync method, which
 * commits its journal after writing its dirty data.  Each call first
 * passes Linux's checks: fsync and fdatasync want a file in a file
 * system (a pipe or the console says EINVAL, as files without an fsync
 * method do on Linux), syncfs any open file.  No VFS lock is held while
 * a file system writes: the inode is kept alive by the file (or, for
 * sync, by a reference on each mounted root).
 */
#include "blk/blkdev.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "proc/proc.h"
#include "sys/syscall.h"

/* ip's fsync method, if it has one: 0 or -EIO. */
static int
fsync_inode(struct inode *ip, bool datasync)
{
	if (ip->ops == NULL || ip->ops->fsync == NULL)
		return 0;
	return ip->ops->fsync(ip, datasync);
}

#define SYNC_MAX	32	/* mounted trees sync(2) visits */

long
sys_sync(const struct syscall_args *a)
{
	struct dentry *roots[SYNC_MAX];
	struct mount *m;
	int i, n = 0;

	(void)a;
	vfs_lock();
	for (m = vfs_mounts(); m != NULL && n < SYNC_MAX; m = m->next)
		if (m->root->inode->ops != NULL &&
		    m->root->inode->ops->fsync != NULL)
			roots[n++] = vfs_dget(m->root);
	vfs_unlock();
	/* sync(2) reports nothing; errors show in the next fsync. */
	for (i = 0; i < n; i++) {
		(void)fsync_inode(roots[i]->inode, false);
		vfs_dput(roots[i]);
	}
	return 0;
}

/* The root of the tree holding d.  [v] */
static struct dentry *
tree_root(struct dentry *d)
{
	while (d->parent != NULL)
		d = d->parent;
	return d;
}

long
sys_syncfs(const struct syscall_args *a)
{
	struct file *f = fd_get(proc_current()->fdt, (int)a->a[0]);
	struct dentry *d;
	long r = 0;

	if (f == NULL)
		return -EBADF;
	if ((d = vfs_file_dentry(f)) != NULL) {
		vfs_lock();
		d = vfs_dget(tree_root(d));
		vfs_unlock();
		r = fsync_inode(d->inode, false);
		vfs_dput(d);
	}
	file_unref(f);
	return r;
}

/* fsync and fdatasync: the same checks, then the file system's fsync. */
static long
sync_fd(int fd, bool datasync)
{
	struct file *f = fd_get(proc_current()->fdt, fd);
	struct dentry *d;
	long r;

	if (f == NULL)
		return -EBADF;
	if ((d = vfs_file_dentry(f)) == NULL)
		r = blkdev_file_fsync(f);	/* else EINVAL */
	else
		r = fsync_inode(d->inode, datasync);
	file_unref(f);
	return r;
}

long
sys_fsync(const struct syscall_args *a)
{
	return sync_fd((int)a->a[0], false);
}

long
sys_fdatasync(const struct syscall_args *a)
{
	return sync_fd((int)a->a[0], true);
}
