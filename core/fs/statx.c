/*
 * statx(2): a file's attributes in Linux's struct statx.
 *
 * Every attribute in STATX_BASIC_STATS is known for every file here, so
 * that is the mask returned whatever was asked (Linux may return more
 * than asked, and does for its local file systems); there is no birth
 * time (STATX_BTIME stays clear) and no attributes.  The sync flags
 * (AT_STATX_FORCE_SYNC, AT_STATX_DONT_SYNC) change nothing for files in
 * memory.  Device numbers match stat(2)'s: each mounted tree has its
 * own st_dev, major 0 and a minor of its own (the root's is 1).
 * Files outside the VFS (pipes, the console) reached with AT_EMPTY_PATH
 * describe themselves as fstat(2) does, as FIFOs.
 */
#include "contract/usercopy.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "sys/syscall.h"

#define AT_NO_AUTOMOUNT		0x800
#define AT_STATX_FORCE_SYNC	0x2000
#define AT_STATX_DONT_SYNC	0x4000
#define AT_STATX_SYNC_TYPE	0x6000

#define STATX_BASIC_STATS	0x7ffu
#define STATX__RESERVED		0x80000000u

#define NSEC			1000000000

struct statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct linux_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_timestamp atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint32_t dio_mem_align, dio_offset_align;
	uint64_t spare3[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx");
_Static_assert(offsetof(struct linux_statx, atime) == 64, "stx_atime");
_Static_assert(offsetof(struct linux_statx, rdev_major) == 128, "stx_rdev");

static void
set_time(struct statx_timestamp *t, int64_t ns)
{
	t->tv_sec = ns / NSEC;
	t->tv_nsec = (uint32_t)(ns % NSEC);
}

/* An inode's attributes (vfs_lock held). */
static void
fill_statx(struct linux_statx *sx, const struct dentry *d)
{
	const struct inode *ip = d->inode;

	sx->mask = STATX_BASIC_STATS;
	sx->blksize = 4096;
	sx->nlink = ip->nlink;
	sx->uid = ip->uid;
	sx->gid = ip->gid;
	sx->mode = (uint16_t)ip->mode;
	sx->ino = ip->ino;
	sx->size = ip->size;
	sx->blocks = ip->blocks;
	set_time(&sx->atime, ip->atime);
	set_time(&sx->mtime, ip->mtime);
	set_time(&sx->ctime, ip->ctime);
	sx->dev_minor = d->dev;
	/* Linux's huge dev_t encoding, as glibc's major()/minor(). */
	sx->rdev_major = (uint32_t)(((ip->rdev >> 8) & 0xfff) |
	    ((ip->rdev >> 32) & ~0xfffull));
	sx->rdev_minor = (uint32_t)((ip->rdev & 0xff) |
	    ((ip->rdev >> 12) & ~0xffull));
}

/* For the lock-free walk: the attributes into arg, a struct linux_statx. */
static int
statx_fn(struct dentry *d, void *arg)
{
	fill_statx(arg, d);
	return 0;
}

/* As fstat(2) shows files outside the VFS: a FIFO, mode 0600. */
static void
fill_statx_anon(struct linux_statx *sx, struct file *f)
{
	uint64_t ino, rdev;
	uint32_t mode;

	file_anon_attr(f, &mode, &ino, &rdev);
	sx->mask = STATX_BASIC_STATS;
	sx->blksize = 4096;
	sx->nlink = 1;
	sx->mode = (uint16_t)mode;
	sx->ino = ino;
	sx->rdev_major = (uint32_t)((rdev >> 8) & 0xfff);
	sx->rdev_minor = (uint32_t)(rdev & 0xff);
}

/* statx(2): dirfd, path, flags, mask, buf. */
long
sys_statx(const struct syscall_args *a)
{
	int dirfd = (int)a->a[0], flags = (int)a->a[2];
	unsigned mask = (unsigned)a->a[3];
	struct linux_statx sx;
	struct file *at = NULL;
	struct dentry *d;
	char *path;
	int err, walk;

	if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT |
	    AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) != 0 ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE ||
	    (mask & STATX__RESERVED) != 0)
		return -EINVAL;
	memset(&sx, 0, sizeof(sx));
	path = kmalloc(PATH_MAX);
	if ((err = vfs_getpath(path, a->a[1])) != 0)
		goto out;
	if (path[0] == '\0' && !(flags & AT_EMPTY_PATH)) {
		err = -ENOENT;
		goto out;
	}
	if (path[0] != '/' && dirfd != AT_FDCWD &&
	    (at = fd_get(proc_current()->fdt, dirfd)) == NULL) {
		err = -EBADF;
		goto out;
	}
	if (path[0] == '\0' && at != NULL && vfs_file_dentry(at) == NULL) {
		fill_statx_anon(&sx, at);
		goto out;
	}
	walk = ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW) |
	    ((flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
	/* A cached path takes no lock at all. */
	if ((err = namei_fast(at, path, walk, statx_fn, &sx, NULL)) !=
	    NAMEI_FALLBACK)
		goto out;
	memset(&sx, 0, sizeof(sx));
	vfs_lock();
	if ((err = namei(at, path, walk, &d)) == 0)
		fill_statx(&sx, d);
	vfs_unlock();
out:
	if (at != NULL)
		file_unref(at);
	kfree(path);
	if (err != 0)
		return err;
	return copyout(a->a[4], &sx, sizeof(sx)) != 0 ? -EFAULT : 0;
}
