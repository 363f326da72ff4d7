/*
 * The path syscalls: open, stat, directories, names, links, modes,
 * owners, times, the working directory.
 *
 * Each call copies its path in, turns its dirfd into a file reference
 * (before vfs_lock, since dropping the last reference of a file takes
 * vfs_lock), walks under vfs_lock (fs/namei.c), acts, and copies results
 * out.  Calls that only look a path up (stat, access, readlink, open of
 * an existing file, chdir) first try the lock-free walk (namei_fast),
 * which answers cached paths without vfs_lock, and do the above only
 * when it falls back.  Errors follow Linux's checks in Linux's order where programs can
 * tell: the path is copied first (EFAULT, ENAMETOOLONG), then the dirfd
 * (EBADF), then the walk (ENOENT, ENOTDIR, EACCES, ELOOP), then the
 * call's own rules.
 */
#include "blk/blkdev.h"
#include "contract/physmem.h"
#include "contract/usercopy.h"
#include "dev/tty.h"
#include "fs/devfs.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "net/socket.h"
#include "proc/mutex.h"
#include "proc/proc.h"
#include "proc/spinlock.h"
#include "sys/syscall.h"

#define RENAME_NOREPLACE	0x1u
#define RENAME_EXCHANGE		0x2u
#define RENAME_WHITEOUT		0x4u
#define AT_NO_AUTOMOUNT		0x800
#define UTIME_NOW		((1L << 30) - 1)
#define UTIME_OMIT		((1L << 30) - 2)
#define NSEC			1000000000LL

/* open(2)'s flags a file keeps after the open. */
#define O_KEPT	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_ASYNC | \
	O_DIRECT | O_LARGEFILE | O_NOATIME)

/* Linux x86-64's struct stat. */
struct linux_stat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat");

/* One path call in progress: the kernel copy of the path and the dirfd. */
struct pathop {
	char *path;
	struct file *at;
};

static struct proc *
cur(void)
{
	return proc_current();
}

/*
 * Copy the path in and resolve dirfd (only for a relative path, as
 * Linux).  An empty path is ENOENT unless empty_ok (AT_EMPTY_PATH).
 * Calls that try the lock-free walk first (namei_fast) start here and
 * take vfs_lock only to fall back; op_done() undoes it.
 */
static int
op_prepare(struct pathop *op, int dirfd, uaddr_t upath, bool empty_ok)
{
	int err;

	op->at = NULL;
	op->path = kmalloc(PATH_MAX);
	if ((err = vfs_getpath(op->path, upath)) != 0)
		goto fail;
	if (op->path[0] == '\0' && !empty_ok) {
		err = -ENOENT;
		goto fail;
	}
	if (op->path[0] != '/' && dirfd != AT_FDCWD) {
		op->at = fd_get(cur()->fdt, dirfd);
		if (op->at == NULL) {
			err = -EBADF;
			goto fail;
		}
	}
	return 0;
fail:
	kfree(op->path);
	return err;
}

static void
op_done(struct pathop *op)
{
	if (op->at != NULL)
		file_unref(op->at);
	kfree(op->path);
}

/* op_prepare, then take vfs_lock for the locked walk. */
static int
op_begin(struct pathop *op, int dirfd, uaddr_t upath, bool empty_ok)
{
	int err;

	if ((err = op_prepare(op, dirfd, upath, empty_ok)) != 0)
		return err;
	vfs_lock();
	return 0;
}

static void
op_end(struct pathop *op)
{
	vfs_unlock();
	op_done(op);
}

static bool
is_dot(const char *name, size_t len)
{
	return (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.');
}

/*
 * May a new name go in dir?  Searchable, writable and still linked, in
 * a directory the VFS may add names to (not procfs's: EPERM).
 */
static int
may_create(struct dentry *dir)
{
	/*
	 * A directory whose names its file system makes (procfs) has no
	 * room for others: Linux's lookup of the new name fails first, so
	 * ENOENT even for root.
	 */
	if (!dir->linked || vfs_dir_fixed(dir))
		return -ENOENT;
	return vfs_permission(dir->inode, MAY_WRITE | MAY_EXEC);
}

/* The root of the mounted tree holding d: EXDEV between two. */
static struct dentry *
tree_of(struct dentry *d)
{
	while (d->parent != NULL)
		d = d->parent;
	return d;
}

/* May victim's name be removed from dir?  The sticky bit rules too. */
static int
may_delete(struct dentry *dir, struct dentry *victim)
{
	struct proc *p = cur();
	uint32_t uid = p->cred.euid;
	int err;

	if ((err = vfs_permission(dir->inode, MAY_WRITE | MAY_EXEC)) != 0)
		return err;
	if (vfs_dir_fixed(dir))
		return -EPERM;
	if ((dir->inode->mode & S_ISVTX) && uid != 0 &&
	    uid != dir->inode->uid && uid != victim->inode->uid)
		return -EPERM;
	return 0;
}

/* Is d a mount point or the root of one, or the process's root? */
static bool
busy(struct dentry *d)
{
	return d->mounted != NULL || d->mounted_on != NULL ||
	    d == cur()->root;
}

static void
touch_dir(struct dentry *dir)
{
	dir->inode->mtime = dir->inode->ctime = vfs_now();
}

/*
 * A new name in dir for a new inode of mode: owner from the caller,
 * group per setgid dirs; rdev for device nodes, target for symlinks.
 * A disk file system makes it (its create method, which may fail:
 * ENOSPC, EIO); otherwise it is a tmpfs inode.  *out (unless NULL) is
 * the new dentry.
 */
static int
make_node(struct dentry *dir, const char *name, size_t len, uint32_t mode,
    uint64_t rdev, const char *target, struct dentry **out)
{
	const struct inode_ops *ops = dir->inode->ops;
	struct proc *p = cur();
	struct vattr va = { .mode = mode, .uid = p->cred.euid,
	    .gid = p->cred.egid, .rdev = rdev, .target = target };
	struct inode *ip;
	struct dentry *d;
	int err;

	if (dir->inode->mode & S_ISGID) {
		va.gid = dir->inode->gid;
		if (S_ISDIR(mode))
			va.mode |= S_ISGID;
	}
	if (ops != NULL && ops->create != NULL) {
		if ((err = ops->create(dir, name, len, &va, &ip)) != 0)
			return err;
		d = dcache_add(dir, name, len, ip);
		inode_put(ip);		/* the dentry holds it now */
	} else {
		ip = tmpfs_inode(va.mode, va.uid, va.gid);
		ip->rdev = rdev;
		if (target != NULL) {
			ip->size = strlen(target);
			ip->symlink = kmalloc(ip->size + 1);
			memcpy(ip->symlink, target, ip->size + 1);
		}
		d = dcache_add(dir, name, len, ip);
		if (S_ISDIR(mode))
			dir->inode->nlink++;
		touch_dir(dir);
	}
	if (out != NULL)
		*out = d;
	return 0;
}

/* Does dir's file system keep the namespace on disk (biscfs)? */
static bool
fs_names(const struct dentry *dir)
{
	return dir->inode->ops != NULL && dir->inode->ops->create != NULL;
}

/*
 * May an existing file d be opened with flags?  0 or -errno, the same
 * for the locked open and the lock-free one.
 */
static int
open_allowed(struct dentry *d, unsigned flags)
{
	uint32_t mode = d->inode->mode, type = mode & S_IFMT;
	unsigned acc = flags & O_ACCMODE;
	int err;

	if (S_ISLNK(mode))
		return -ELOOP;
	if (S_ISDIR(mode)) {
		if ((flags & O_CREAT) || acc != O_RDONLY || (flags & O_TRUNC))
			return -EISDIR;
	} else if (flags & O_DIRECTORY)
		return -ENOTDIR;
	if (acc != O_WRONLY && (err = vfs_permission(d->inode, MAY_READ)))
		return err;
	if ((acc != O_RDONLY || (flags & O_TRUNC)) &&
	    (err = vfs_permission(d->inode, MAY_WRITE)) != 0)
		return err;
	/* A device node no driver serves (mknod'd in tmpfs), a socket. */
	if (((type == S_IFCHR || type == S_IFBLK) && d->inode->ops != NULL) ||
	    type == S_IFSOCK)
		return -ENXIO;
	return 0;
}

/*
 * open_locked's checks on an existing file, for the lock-free walk
 * (arg: the open flags): the same answers, or NAMEI_FALLBACK for what
 * changes state or needs a driver (truncation, devices, FIFOs).
 */
static int
open_check(struct dentry *d, void *arg)
{
	unsigned flags = *(unsigned *)arg;
	uint32_t mode = d->inode->mode, type = mode & S_IFMT;
	int err;

	if ((err = open_allowed(d, flags)) != 0)
		return err;
	if (((flags & O_TRUNC) && S_ISREG(mode) && d->inode->size != 0) ||
	    type == S_IFCHR || type == S_IFBLK || type == S_IFIFO)
		return NAMEI_FALLBACK;
	return 0;
}

/*
 * Open an existing file with no lock for the walk: the new file in *out,
 * -errno, or NAMEI_FALLBACK.
 */
static int
open_fast(struct pathop *op, unsigned flags, struct file **out)
{
	int walk = (flags & (O_NOFOLLOW | O_EXCL)) ? 0 : WALK_FOLLOW;
	struct dentry *d;
	int err;

	if (flags & O_CREAT)
		return NAMEI_FALLBACK;
	if ((err = namei_fast(op->at, op->path, walk, open_check, &flags,
	    &d)) != 0)
		return err;
	*out = vfs_open_dentry(d, flags & O_KEPT);
	vfs_dput(d);
	return 0;
}

/* The open itself, under vfs_lock: the dentry to open, or -errno. */
static int
open_locked(struct pathop *op, unsigned flags, uint32_t mode,
    struct dentry **out)
{
	struct dentry *d, *dir;
	const char *last;
	size_t len;
	bool trailing;
	int err, walk = (flags & (O_NOFOLLOW | O_EXCL)) ? 0 : WALK_FOLLOW;
	size_t plen = strlen(op->path);

	/* O_CREAT with a trailing slash: EISDIR before any lookup. */
	if ((flags & O_CREAT) && op->path[plen - 1] == '/')
		return -EISDIR;
	err = namei(op->at, op->path, walk, &d);
	if (err == -ENOENT && (flags & O_CREAT)) {
		err = namei_parent(op->at, op->path, &dir, &last, &len,
		    &trailing);
		if (err != 0)
			return err;
		if (trailing || is_dot(last, len))
			return -EISDIR;
		if (vfs_lookup(dir, last, len) != NULL)
			return -ENOENT;	/* a dangling symlink */
		if ((err = may_create(dir)) != 0)
			return err == -EPERM ? -EACCES : err;
		return make_node(dir, last, len,
		    S_IFREG | (mode & ~cur()->umask & S_IALLUGO), 0, NULL, out);
	}
	if (err != 0)
		return err;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if ((err = open_allowed(d, flags)) != 0)
		return err;
	if ((flags & O_TRUNC) && S_ISREG(d->inode->mode) &&
	    d->inode->size != 0) {
		if ((err = d->inode->ops->truncate(d->inode, 0)) != 0)
			return err;
		d->inode->mtime = d->inode->ctime = vfs_now();
		if ((err = vfs_setattr(d->inode)) != 0)
			return err;
	}
	*out = d;
	return 0;
}

static long
do_open(int dirfd, uaddr_t upath, unsigned flags, uint32_t mode)
{
	struct pathop op;
	struct dentry *d;
	struct file *f = NULL;
	struct pipe *fifo = NULL;
	int err, fd;
	long r;

	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL;
	if ((err = op_prepare(&op, dirfd, upath, false)) != 0)
		return err;
	if ((err = open_fast(&op, flags, &f)) != NAMEI_FALLBACK) {
		op_done(&op);
		if (err != 0)
			return err;
		goto install;
	}
	vfs_lock();
	if ((err = open_locked(&op, flags, mode, &d)) == 0) {
		/*
		 * A device may refuse the open (/dev/tty: ENXIO), and
		 * O_NOCTTY is its to honour, so it sees that flag too.
		 */
		if ((d->inode->mode & S_IFMT) == S_IFCHR ||
		    (d->inode->mode & S_IFMT) == S_IFBLK)
			err = devfs_open_file(d->inode,
			    flags & (O_KEPT | O_NOCTTY), &f);
		else if ((d->inode->mode & S_IFMT) != S_IFIFO)
			f = vfs_open_dentry(d, flags & O_KEPT);
		else if ((fifo = fifo_get(d->inode)) == NULL)
			err = -ENOMEM;
	}
	op_end(&op);
	if (err != 0)
		return err;
	/* A FIFO waits for its other side with no VFS lock held. */
	if (fifo != NULL && (r = fifo_open(fifo, flags & O_KEPT, &f)) != 0)
		return r;
install:
	fd = fd_alloc(cur()->fdt, f, 0, proc_nofile_limit(cur()),
	    (flags & O_CLOEXEC) != 0);
	if (fd < 0)
		file_unref(f);
	return fd;
}

long
sys_open(const struct syscall_args *a)
{
	return do_open(AT_FDCWD, a->a[0], (unsigned)a->a[1],
	    (uint32_t)a->a[2]);
}

long
sys_openat(const struct syscall_args *a)
{
	return do_open((int)a->a[0], a->a[1], (unsigned)a->a[2],
	    (uint32_t)a->a[3]);
}

long
sys_creat(const struct syscall_args *a)
{
	return do_open(AT_FDCWD, a->a[0], O_CREAT | O_WRONLY | O_TRUNC,
	    (uint32_t)a->a[1]);
}

/* stat: fill st from ip. */
static void
fill_stat(struct linux_stat *st, const struct dentry *d)
{
	const struct inode *ip = d->inode;

	memset(st, 0, sizeof(*st));
	/* Linux's dev_t encoding of major 0, minor dev. */
	st->dev = (d->dev & 0xffu) | ((uint64_t)(d->dev & ~0xffu) << 12);
	st->rdev = ip->rdev;
	st->ino = ip->ino;
	st->nlink = ip->nlink;
	st->mode = ip->mode;
	st->uid = ip->uid;
	st->gid = ip->gid;
	st->size = (int64_t)ip->size;
	st->blksize = 4096;
	st->blocks = (int64_t)ip->blocks;
	st->atime = ip->atime / NSEC;
	st->atime_nsec = ip->atime % NSEC;
	st->mtime = ip->mtime / NSEC;
	st->mtime_nsec = ip->mtime % NSEC;
	st->ctime = ip->ctime / NSEC;
	st->ctime_nsec = ip->ctime % NSEC;
}

/*
 * Files outside the VFS, as Linux stats them: a socket(2) socket is
 * S_IFSOCK 0777 (sockfs), a pipe S_IFIFO 0600 (pipefs), the console a
 * character device 0600 (5:1, /dev/console), and the anonymous-inode
 * files (eventfd, epoll) mode 0600 with no type bits at all.  fstat and
 * statx both report these.
 */
void
file_anon_attr(struct file *f, uint32_t *mode, uint64_t *ino, uint64_t *rdev)
{
	*ino = 0;
	*rdev = 0;
	if (socket_of(f) != NULL)
		*mode = S_IFSOCK | 0777;
	else if ((*ino = pipe_file_ino(f)) != 0)
		*mode = S_IFIFO | 0600;
	else if (f->ops->ioctl == tty_ioctl) {
		*mode = S_IFCHR | 0600;
		*rdev = (5u << 8) | 1u;		/* Linux's encoding of 5:1 */
	} else if (!blkdev_file_attr(f, mode, rdev))	/* /dev/ram0 */
		*mode = 0600;
}

static void
fill_stat_anon(struct linux_stat *st, struct file *f)
{
	uint64_t ino, rdev;
	uint32_t mode;

	memset(st, 0, sizeof(*st));
	file_anon_attr(f, &mode, &ino, &rdev);
	st->mode = mode;
	st->ino = ino;
	st->rdev = rdev;
	st->nlink = 1;
	st->blksize = 4096;
}

/* For the lock-free walk: the attributes into arg, a struct linux_stat. */
static int
stat_fn(struct dentry *d, void *arg)
{
	fill_stat(arg, d);
	return 0;
}

static long
do_stat(int dirfd, uaddr_t upath, uaddr_t ubuf, int flags)
{
	struct linux_stat st;
	struct pathop op;
	struct dentry *d;
	int err, walk = 0;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	if ((err = op_prepare(&op, dirfd, upath, flags & AT_EMPTY_PATH)) != 0)
		return err;
	if (!(flags & AT_SYMLINK_NOFOLLOW))
		walk |= WALK_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		walk |= WALK_EMPTY;
	if (op.path[0] == '\0' && op.at != NULL &&
	    vfs_file_dentry(op.at) == NULL) {
		fill_stat_anon(&st, op.at);
		op_done(&op);
	} else if ((err = namei_fast(op.at, op.path, walk, stat_fn, &st,
	    NULL)) != NAMEI_FALLBACK)
		op_done(&op);
	else {
		vfs_lock();
		if ((err = namei(op.at, op.path, walk, &d)) == 0)
			fill_stat(&st, d);
		op_end(&op);
	}
	if (err != 0)
		return err;
	return copyout(ubuf, &st, sizeof(st)) != 0 ? -EFAULT : 0;
}

long
sys_stat(const struct syscall_args *a)
{
	return do_stat(AT_FDCWD, a->a[0], a->a[1], 0);
}

long
sys_lstat(const struct syscall_args *a)
{
	return do_stat(AT_FDCWD, a->a[0], a->a[1], AT_SYMLINK_NOFOLLOW);
}

long
sys_newfstatat(const struct syscall_args *a)
{
	return do_stat((int)a->a[0], a->a[1], a->a[2], (int)a->a[3]);
}

long
sys_fstat(const struct syscall_args *a)
{
	struct file *f = fd_get(cur()->fdt, (int)a->a[0]);
	struct linux_stat st;
	struct dentry *d;

	if (f == NULL)
		return -EBADF;
	if ((d = vfs_file_dentry(f)) == NULL)
		fill_stat_anon(&st, f);
	else {
		vfs_lock();
		fill_stat(&st, d);
		vfs_unlock();
	}
	file_unref(f);
	return copyout(a->a[1], &st, sizeof(st)) != 0 ? -EFAULT : 0;
}

/* getdents64: entries from the file's cookie on, "." and ".." first. */
struct dirent_buf {
	struct dir_ctx ctx;	/* first: put_dirent's cast */
	char *buf;
	size_t size, used;
	bool full;		/* an entry did not fit */
};

/* One linux_dirent64 into the buffer, or false (and full) when no room. */
static bool
put_dirent(struct dir_ctx *ctx, const char *name, size_t len, uint64_t ino,
    uint32_t mode, uint64_t next)
{
	struct dirent_buf *b = (struct dirent_buf *)ctx;
	size_t reclen = ROUNDUP(19 + len + 1, 8);
	char *p = b->buf + b->used;
	uint16_t rl = (uint16_t)reclen;
	int64_t off = (int64_t)next;

	if (b->used + reclen > b->size) {
		b->full = true;
		return false;
	}
	memset(p, 0, reclen);
	memcpy(p, &ino, 8);
	memcpy(p + 8, &off, 8);
	memcpy(p + 16, &rl, 2);
	p[18] = (char)((mode >> 12) & 15);
	memcpy(p + 19, name, len);
	b->used += reclen;
	return true;
}

#define DIRENT_MAX	32768	/* bytes one call returns at most */

long
sys_getdents64(const struct syscall_args *a)
{
	struct file *f = fd_get(cur()->fdt, (int)a->a[0]);
	struct dirent_buf b;
	struct dentry *d;
	uint64_t start;
	long r = 0;
	int err = 0;

	if (f == NULL)
		return -EBADF;
	if ((d = vfs_file_dentry(f)) == NULL || !S_ISDIR(d->inode->mode)) {
		file_unref(f);
		return -ENOTDIR;
	}
	b.size = MIN((size_t)(uint32_t)a->a[2], (size_t)DIRENT_MAX);
	b.buf = kmalloc(b.size > 0 ? b.size : 1);
	b.used = 0;
	b.full = false;
	b.ctx.emit = put_dirent;
	mutex_lock(&f->pos_lock);
	vfs_lock();
	/* A removed directory has no entries, as on Linux. */
	start = f->offset;
	if (d->linked) {
		b.ctx.pos = f->offset;
		err = vfs_readdir(d, &b.ctx);
		f->offset = b.ctx.pos;
	}
	d->inode->atime = vfs_now();
	vfs_unlock();
	if (err != 0 && b.used == 0)
		r = err;
	else if (b.used == 0 && b.full)
		r = -EINVAL;	/* the next entry does not fit */
	else if (b.used > 0 && copyout(a->a[1], b.buf, b.used) != 0) {
		/* As Linux: a failed copy does not move the position. */
		f->offset = start;
		r = -EFAULT;
	} else
		r = (long)b.used;
	mutex_unlock(&f->pos_lock);
	kfree(b.buf);
	file_unref(f);
	return r;
}

/* mkdir/mkdirat */
static long
do_mkdir(int dirfd, uaddr_t upath, uint32_t mode)
{
	struct pathop op;
	struct dentry *dir;
	const char *last;
	size_t len;
	bool trailing;
	int err;

	if ((err = op_begin(&op, dirfd, upath, false)) != 0)
		return err;
	err = namei_parent(op.at, op.path, &dir, &last, &len, &trailing);
	if (err == 0 && (is_dot(last, len) || vfs_lookup(dir, last, len)))
		err = -EEXIST;
	if (err == 0 && (err = may_create(dir)) == 0)
		err = make_node(dir, last, len,
		    S_IFDIR | (mode & ~cur()->umask & 01777), 0, NULL, NULL);
	op_end(&op);
	return err;
}

long
sys_mkdir(const struct syscall_args *a)
{
	return do_mkdir(AT_FDCWD, a->a[0], (uint32_t)a->a[1]);
}

long
sys_mkdirat(const struct syscall_args *a)
{
	return do_mkdir((int)a->a[0], a->a[1], (uint32_t)a->a[2]);
}

/*
 * mknod/mknodat: a FIFO, an empty regular file, a socket node, or (for
 * root only: CAP_MKNOD) a device node that no driver serves here, so
 * opening it is ENXIO.  The type is checked before the path, as Linux.
 */
static long
do_mknod(int dirfd, uaddr_t upath, uint32_t mode, uint64_t dev)
{
	struct pathop op;
	struct dentry *dir;
	const char *last;
	size_t len;
	bool trailing;
	int err;

	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	if ((err = op_begin(&op, dirfd, upath, false)) != 0)
		return err;
	err = namei_parent(op.at, op.path, &dir, &last, &len, &trailing);
	if (err == 0 && (is_dot(last, len) || vfs_lookup(dir, last, len)))
		err = -EEXIST;
	else if (err == 0 && trailing)
		err = -ENOENT;
	if (err == 0 && (err = may_create(dir)) == 0) {
		if (((mode & S_IFMT) == S_IFCHR ||
		    (mode & S_IFMT) == S_IFBLK) && cur()->cred.euid != 0)
			err = -EPERM;
		else
			err = make_node(dir, last, len, (mode & S_IFMT) |
			    (mode & ~cur()->umask & S_IALLUGO), dev, NULL,
			    NULL);
	}
	op_end(&op);
	return err;
}

long
sys_mknod(const struct syscall_args *a)
{
	return do_mknod(AT_FDCWD, a->a[0], (uint32_t)a->a[1], a->a[2]);
}

long
sys_mknodat(const struct syscall_args *a)
{
	return do_mknod((int)a->a[0], a->a[1], (uint32_t)a->a[2], a->a[3]);
}

/* Remove a name: unlink(2) and rmdir(2) rules, vfs_lock held. */
static int
remove_locked(struct pathop *op, bool rmdir)
{
	struct dentry *dir, *d;
	const char *last;
	size_t len;
	bool trailing;
	int err;

	err = namei_parent(op->at, op->path, &dir, &last, &len, &trailing);
	if (err != 0)
		return err;
	if (rmdir && len == 1 && last[0] == '.')
		return trailing && op->path[0] == '/' && op->path[1] == '\0' ?
		    -EBUSY : -EINVAL;
	if (is_dot(last, len))
		return rmdir ? -ENOTEMPTY : -EISDIR;
	if ((d = vfs_lookup(dir, last, len)) == NULL)
		return -ENOENT;
	if ((err = may_delete(dir, d)) != 0)
		return err;
	if (rmdir) {
		if (!S_ISDIR(d->inode->mode))
			return -ENOTDIR;
		if (busy(d))
			return -EBUSY;
		if (d->nchildren > 0)
			return -ENOTEMPTY;
		if (fs_names(dir))
			goto fs_remove;
		d->inode->nlink = 0;
		dir->inode->nlink--;
	} else {
		if (S_ISDIR(d->inode->mode))
			return -EISDIR;
		if (trailing)
			return -ENOTDIR;
		if (fs_names(dir))
			goto fs_remove;
		d->inode->nlink--;
	}
	d->inode->ctime = vfs_now();
	touch_dir(dir);
	dcache_remove(d);
	return 0;
fs_remove:
	/* The file system changes the disk, links and times; then the cache. */
	if ((err = dir->inode->ops->remove(dir, d, rmdir)) != 0)
		return err;
	dcache_remove(d);
	return 0;
}

static long
do_remove(int dirfd, uaddr_t upath, bool rmdir)
{
	struct pathop op;
	int err;

	if ((err = op_begin(&op, dirfd, upath, false)) != 0)
		return err;
	err = remove_locked(&op, rmdir);
	op_end(&op);
	return err;
}

long
sys_unlink(const struct syscall_args *a)
{
	return do_remove(AT_FDCWD, a->a[0], false);
}

long
sys_rmdir(const struct syscall_args *a)
{
	return do_remove(AT_FDCWD, a->a[0], true);
}

long
sys_unlinkat(const struct syscall_args *a)
{
	int flags = (int)a->a[2];

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return do_remove((int)a->a[0], a->a[1], flags & AT_REMOVEDIR);
}

/* Is d the directory anc or inside it? */
static bool
within(struct dentry *d, struct dentry *anc)
{
	for (; d != NULL; d = d->parent)
		if (d == anc)
			return true;
	return false;
}

/* Rename old over new when the target exists (not an exchange). */
static int
replace_checks(struct dentry *old, struct dentry *new)
{
	if (S_ISDIR(old->inode->mode)) {
		if (!S_ISDIR(new->inode->mode))
			return -ENOTDIR;
		if (new->nchildren > 0)
			return -ENOTEMPTY;
	} else if (S_ISDIR(new->inode->mode))
		return -EISDIR;
	return 0;
}

/* A directory moving between parents moves its ".." link. */
static void
move_dotdot(struct dentry *d, struct dentry *from, struct dentry *to)
{
	if (S_ISDIR(d->inode->mode) && from != to) {
		from->inode->nlink--;
		to->inode->nlink++;
	}
}

struct rename_args {
	struct pathop o, n;
	unsigned flags;
};

/*
 * A rename in a disk file system, checks done: the file system changes
 * the disk, link counts and times, then the cache follows.
 */
static int
rename_fs(struct rename_args *r, struct dentry *odir, struct dentry *old,
    struct dentry *ndir, const char *nlast, size_t nlen, struct dentry *new)
{
	char saved[NAME_MAX + 1];
	size_t olen = old->namelen;
	int err;

	if (new != NULL && !(r->flags & RENAME_EXCHANGE) &&
	    (err = replace_checks(old, new)) != 0)
		return err;
	err = odir->inode->ops->rename(odir, old, ndir, nlast, nlen, new,
	    r->flags & RENAME_EXCHANGE);
	if (err != 0)
		return err;
	if (r->flags & RENAME_EXCHANGE) {
		memcpy(saved, old->name, olen);
		dcache_move(old, ndir, new->name, new->namelen);
		dcache_move(new, odir, saved, olen);
		return 0;
	}
	if (new != NULL)
		dcache_remove(new);
	dcache_move(old, ndir, nlast, nlen);
	return 0;
}

static int
rename_locked(struct rename_args *r)
{
	struct dentry *odir, *ndir, *old, *new;
	const char *olast, *nlast;
	size_t olen, nlen;
	bool otrail, ntrail;
	char saved[NAME_MAX + 1];
	int err;

	err = namei_parent(r->o.at, r->o.path, &odir, &olast, &olen, &otrail);
	if (err != 0)
		return err;
	/* Held: the second walk may prune stale names (fs/vfs.h). */
	vfs_dget(odir);
	err = namei_parent(r->n.at, r->n.path, &ndir, &nlast, &nlen, &ntrail);
	vfs_dput_locked(odir);
	if (err != 0)
		return err;
	if (is_dot(olast, olen) || is_dot(nlast, nlen))
		return (r->flags & RENAME_NOREPLACE) && is_dot(nlast, nlen) ?
		    -EEXIST : -EBUSY;
	/* Before any lookup in a directory that prunes (procfs's). */
	if (vfs_dir_fixed(odir) || vfs_dir_fixed(ndir))
		return tree_of(odir) != tree_of(ndir) ? -EXDEV : -ENOENT;
	if ((old = vfs_lookup(odir, olast, olen)) == NULL)
		return -ENOENT;
	if (tree_of(odir) != tree_of(ndir))
		return -EXDEV;
	new = vfs_lookup(ndir, nlast, nlen);
	if ((r->flags & RENAME_EXCHANGE) && new == NULL)
		return -ENOENT;
	if ((r->flags & RENAME_NOREPLACE) && new != NULL)
		return -EEXIST;
	if (!S_ISDIR(old->inode->mode) && (otrail ||
	    (ntrail && (new == NULL || !(r->flags & RENAME_EXCHANGE) ||
	    !S_ISDIR(new->inode->mode)))))
		return -ENOTDIR;
	if (old == new || (new != NULL && old->inode == new->inode))
		return 0;
	if ((err = may_delete(odir, old)) != 0)
		return err;
	if ((err = new != NULL ? may_delete(ndir, new) :
	    may_create(ndir)) != 0)
		return err;
	if (S_ISDIR(old->inode->mode) && within(ndir, old))
		return -EINVAL;
	if (new != NULL && (r->flags & RENAME_EXCHANGE) &&
	    S_ISDIR(new->inode->mode) && within(odir, new))
		return -EINVAL;
	if (old->mounted != NULL || old->mounted_on != NULL ||
	    (new != NULL && (new->mounted != NULL ||
	    new->mounted_on != NULL)))
		return -EBUSY;
	if (fs_names(odir))
		return rename_fs(r, odir, old, ndir, nlast, nlen, new);
	if (r->flags & RENAME_EXCHANGE) {
		memcpy(saved, old->name, old->namelen);
		olen = old->namelen;
		move_dotdot(old, odir, ndir);
		move_dotdot(new, ndir, odir);
		dcache_move(old, ndir, new->name, new->namelen);
		dcache_move(new, odir, saved, olen);
		new->inode->ctime = vfs_now();
	} else {
		if (new != NULL) {
			if ((err = replace_checks(old, new)) != 0)
				return err;
			if (S_ISDIR(new->inode->mode)) {
				new->inode->nlink = 0;
				ndir->inode->nlink--;
			} else
				new->inode->nlink--;
			new->inode->ctime = vfs_now();
			dcache_remove(new);
		}
		move_dotdot(old, odir, ndir);
		dcache_move(old, ndir, nlast, nlen);
	}
	old->inode->ctime = vfs_now();
	touch_dir(odir);
	touch_dir(ndir);
	return 0;
}

static long
do_rename(int odirfd, uaddr_t opath, int ndirfd, uaddr_t npath,
    unsigned flags)
{
	struct rename_args r;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) &&
	    (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)
		return -EINVAL;	/* no overlay file systems to need it */
	r.flags = flags;
	if ((err = op_begin(&r.o, odirfd, opath, false)) != 0)
		return err;
	/* One lock at a time: the second path is resolved, then relocked. */
	vfs_unlock();
	if ((err = op_begin(&r.n, ndirfd, npath, false)) != 0) {
		vfs_lock();
		op_end(&r.o);
		return err;
	}
	err = rename_locked(&r);
	op_end(&r.n);
	vfs_lock();
	op_end(&r.o);
	return err;
}

long
sys_rename(const struct syscall_args *a)
{
	return do_rename(AT_FDCWD, a->a[0], AT_FDCWD, a->a[1], 0);
}

long
sys_renameat(const struct syscall_args *a)
{
	return do_rename((int)a->a[0], a->a[1], (int)a->a[2], a->a[3], 0);
}

long
sys_renameat2(const struct syscall_args *a)
{
	return do_rename((int)a->a[0], a->a[1], (int)a->a[2], a->a[3],
	    (unsigned)a->a[4]);
}

/* link/linkat: a new name for an existing non-directory. */
static long
do_link(int odirfd, uaddr_t opath, int ndirfd, uaddr_t npath, int flags)
{
	struct pathop o, n;
	struct dentry *old, *dir;
	const char *last;
	size_t len;
	bool trailing;
	int err, walk = 0;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_SYMLINK_FOLLOW)
		walk |= WALK_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		walk |= WALK_EMPTY;
	if ((err = op_begin(&o, odirfd, opath, flags & AT_EMPTY_PATH)) != 0)
		return err;
	vfs_unlock();
	if ((err = op_begin(&n, ndirfd, npath, false)) != 0) {
		vfs_lock();
		op_end(&o);
		return err;
	}
	if ((err = namei(o.at, o.path, walk, &old)) != 0)
		goto out;
	/* Held: the second walk may prune stale names (fs/vfs.h). */
	vfs_dget(old);
	err = namei_parent(n.at, n.path, &dir, &last, &len, &trailing);
	if (err != 0)
		goto put;
	/* Trees and fixed dirs first: a lookup in dir could prune old. */
	if (tree_of(dir) != tree_of(old))
		err = -EXDEV;
	else if (vfs_dir_fixed(dir))
		err = -ENOENT;	/* as may_create() says */
	else if (is_dot(last, len) || vfs_lookup(dir, last, len) != NULL)
		err = -EEXIST;
	else if (trailing)
		err = -ENOENT;
	else if ((err = may_create(dir)) != 0)
		;
	else if (S_ISDIR(old->inode->mode))
		err = -EPERM;
	else if (old->inode->nlink == 0)
		err = -ENOENT;
	else if (fs_names(dir)) {
		if ((err = dir->inode->ops->link(dir, last, len,
		    old->inode)) == 0)
			dcache_add(dir, last, len, old->inode);
	} else {
		dcache_add(dir, last, len, old->inode);
		old->inode->nlink++;
		old->inode->ctime = vfs_now();
		touch_dir(dir);
	}
put:
	vfs_dput_locked(old);
out:
	op_end(&n);
	vfs_lock();
	op_end(&o);
	return err;
}

long
sys_link(const struct syscall_args *a)
{
	return do_link(AT_FDCWD, a->a[0], AT_FDCWD, a->a[1], 0);
}

long
sys_linkat(const struct syscall_args *a)
{
	return do_link((int)a->a[0], a->a[1], (int)a->a[2], a->a[3],
	    (int)a->a[4]);
}

/* symlink/symlinkat: the target is stored as given, never checked. */
static long
do_symlink(uaddr_t utarget, int dirfd, uaddr_t upath)
{
	char *target = kmalloc(PATH_MAX);
	struct pathop op;
	struct dentry *dir;
	const char *last;
	size_t len;
	bool trailing;
	int err;

	if ((err = vfs_getpath(target, utarget)) != 0)
		goto out;
	if (target[0] == '\0') {
		err = -ENOENT;
		goto out;
	}
	if ((err = op_begin(&op, dirfd, upath, false)) != 0)
		goto out;
	err = namei_parent(op.at, op.path, &dir, &last, &len, &trailing);
	if (err == 0 && (is_dot(last, len) || vfs_lookup(dir, last, len)))
		err = -EEXIST;
	else if (err == 0 && trailing)
		err = -ENOENT;
	if (err == 0 && (err = may_create(dir)) == 0)
		err = make_node(dir, last, len, S_IFLNK | 0777, 0, target,
		    NULL);
	op_end(&op);
out:
	kfree(target);
	return err;
}

long
sys_symlink(const struct syscall_args *a)
{
	return do_symlink(a->a[0], AT_FDCWD, a->a[1]);
}

long
sys_symlinkat(const struct syscall_args *a)
{
	return do_symlink(a->a[0], (int)a->a[1], a->a[2]);
}

/* readlink/readlinkat: no NUL added; an empty path means dirfd itself. */
/* readlink's lock-free part: a stored target into the buffer. */
struct readlink_arg {
	char *buf;
	ssize_t n;
};

static int
readlink_fn(struct dentry *d, void *arg)
{
	struct readlink_arg *ra = arg;
	struct inode *ip = d->inode;

	if (S_ISLNK(ip->mode) && ip->ops != NULL && ip->ops->readlink != NULL)
		return NAMEI_FALLBACK;	/* computed: under vfs_lock */
	if ((ra->n = vfs_readlink(d, ra->buf)) < 0)
		return (int)ra->n;
	/* atime alone, which nothing orders against: no lock for it. */
	__atomic_store_n(&ip->atime, vfs_now(), __ATOMIC_RELAXED);
	return 0;
}

static long
do_readlink(int dirfd, uaddr_t upath, uaddr_t ubuf, int size)
{
	struct readlink_arg ra;
	struct pathop op;
	struct dentry *d;
	paddr_t pa;
	char *copy;
	ssize_t n = 0;
	int err;

	if (size <= 0)
		return -EINVAL;
	/* A page, not the heap: a computed target may be a whole path. */
	if ((pa = page_alloc(0, 0)) == 0)
		return -ENOMEM;
	copy = phys_to_virt(pa);
	if ((err = op_prepare(&op, dirfd, upath, true)) != 0)
		goto out;
	ra.buf = copy;
	if ((err = namei_fast(op.at, op.path, WALK_EMPTY, readlink_fn, &ra,
	    NULL)) != NAMEI_FALLBACK) {
		n = err == 0 ? ra.n : 0;
		op_done(&op);
	} else {
		err = 0;
		vfs_lock();
		if ((err = namei(op.at, op.path, WALK_EMPTY, &d)) == 0) {
			if ((n = vfs_readlink(d, copy)) < 0)
				err = (int)n;
			else
				d->inode->atime = vfs_now();
		}
		op_end(&op);
	}
	n = MIN(n, (ssize_t)size);
	if (err == 0 && copyout(ubuf, copy, (size_t)n) != 0)
		err = -EFAULT;
out:
	page_free(pa, 0);
	return err != 0 ? err : (long)n;
}

long
sys_readlink(const struct syscall_args *a)
{
	return do_readlink(AT_FDCWD, a->a[0], a->a[1], (int)a->a[2]);
}

long
sys_readlinkat(const struct syscall_args *a)
{
	return do_readlink((int)a->a[0], a->a[1], a->a[2], (int)a->a[3]);
}

/* chdir/fchdir: a searchable directory becomes the cwd. */
static int
set_cwd(struct dentry *d)
{
	struct proc *p = cur();
	int err;

	if (!S_ISDIR(d->inode->mode))
		return -ENOTDIR;
	if ((err = vfs_permission(d->inode, MAY_EXEC)) != 0)
		return err;
	vfs_dput_locked(p->cwd);
	p->cwd = vfs_dget(d);
	return 0;
}

/* set_cwd's checks, for the lock-free walk. */
static int
cwd_check(struct dentry *d, void *arg)
{
	(void)arg;
	if (!S_ISDIR(d->inode->mode))
		return -ENOTDIR;
	return vfs_permission(d->inode, MAY_EXEC);
}

/* The walk is lock-free when it can be; the cwd changes under vfs_lock. */
long
sys_chdir(const struct syscall_args *a)
{
	struct proc *p = cur();
	struct dentry *d, *old;
	struct pathop op;
	int err;

	if ((err = op_prepare(&op, AT_FDCWD, a->a[0], false)) != 0)
		return err;
	if ((err = namei_fast(NULL, op.path, WALK_FOLLOW, cwd_check, NULL,
	    &d)) != NAMEI_FALLBACK) {
		if (err == 0) {
			vfs_lock();
			old = p->cwd;
			__atomic_store_n(&p->cwd, d, __ATOMIC_RELEASE);
			vfs_dput_locked(old);
			vfs_unlock();
		}
		op_done(&op);
		return err;
	}
	vfs_lock();
	if ((err = namei(NULL, op.path, WALK_FOLLOW, &d)) == 0)
		err = set_cwd(d);
	op_end(&op);
	return err;
}

long
sys_fchdir(const struct syscall_args *a)
{
	struct file *f = fd_get(cur()->fdt, (int)a->a[0]);
	struct dentry *d;
	int err;

	if (f == NULL)
		return -EBADF;
	if ((d = vfs_file_dentry(f)) == NULL)
		err = -ENOTDIR;
	else {
		vfs_lock();
		err = set_cwd(d);
		vfs_unlock();
	}
	file_unref(f);
	return err;
}

/*
 * chroot: a searchable directory becomes the process's root, as
 * chroot(2) checks it: the walk's errors, then EACCES, then EPERM for
 * anyone but root (CAP_SYS_CHROOT).  The cwd stays where it is, even
 * outside the new root, as on Linux.
 */
long
sys_chroot(const struct syscall_args *a)
{
	struct proc *p = cur();
	struct pathop op;
	struct dentry *d;
	int err;

	if ((err = op_begin(&op, AT_FDCWD, a->a[0], false)) != 0)
		return err;
	if ((err = namei(NULL, op.path, WALK_FOLLOW | WALK_DIR, &d)) == 0 &&
	    (err = vfs_permission(d->inode, MAY_EXEC)) == 0) {
		if (p->cred.euid != 0)
			err = -EPERM;
		else {
			vfs_dput_locked(p->root);
			p->root = vfs_dget(d);
		}
	}
	op_end(&op);
	return err;
}

/* getcwd: the names from the cwd up to the root, built backwards. */
long
sys_getcwd(const struct syscall_args *a)
{
	struct proc *p = cur();
	char *buf = kmalloc(PATH_MAX);
	size_t size = (size_t)a->a[1];
	long r;

	vfs_lock();
	r = vfs_dpath(p->cwd, p->root, buf, PATH_MAX);
	vfs_unlock();
	if (r >= 0 && (size_t)r + 1 > size)
		r = -ERANGE;
	if (r >= 0) {
		r++;	/* the NUL counts */
		if (copyout(a->a[0], buf, (size_t)r) != 0)
			r = -EFAULT;
	}
	kfree(buf);
	return r;
}

/* chmod family: the owner or root sets the permission bits. */
static int
set_mode(struct inode *ip, uint32_t mode)
{
	struct proc *p = cur();

	if (p->cred.euid != 0 && p->cred.euid != ip->uid)
		return -EPERM;
	mode &= S_IALLUGO;
	if (p->cred.euid != 0 && p->cred.egid != ip->gid) {
		int i;
		bool member = false;

		for (i = 0; i < p->cred.ngroups; i++)
			member |= p->cred.groups[i] == ip->gid;
		if (!member)
			mode &= ~S_ISGID;
	}
	ip->mode = (ip->mode & S_IFMT) | mode;
	ip->ctime = vfs_now();
	return vfs_setattr(ip);
}

static long
do_chmod(int dirfd, uaddr_t upath, uint32_t mode)
{
	struct pathop op;
	struct dentry *d;
	int err;

	if ((err = op_begin(&op, dirfd, upath, false)) != 0)
		return err;
	if ((err = namei(op.at, op.path, WALK_FOLLOW, &d)) == 0)
		err = set_mode(d->inode, mode);
	op_end(&op);
	return err;
}

long
sys_chmod(const struct syscall_args *a)
{
	return do_chmod(AT_FDCWD, a->a[0], (uint32_t)a->a[1]);
}

long
sys_fchmodat(const struct syscall_args *a)
{
	return do_chmod((int)a->a[0], a->a[1], (uint32_t)a->a[2]);
}

/*
 * Run fn on the inode behind fd under vfs_lock.  Pipes and the console
 * have no inode yet: EINVAL for them.
 */
static long
on_fd(uint64_t fd, int (*fn)(struct inode *, uint64_t, uint64_t),
    uint64_t x, uint64_t y)
{
	struct file *f = fd_get(cur()->fdt, (int)fd);
	struct dentry *d;
	long r;

	if (f == NULL)
		return -EBADF;
	if ((d = vfs_file_dentry(f)) == NULL)
		r = -EINVAL;
	else {
		vfs_lock();
		r = fn(d->inode, x, y);
		vfs_unlock();
	}
	file_unref(f);
	return r;
}

static int
chmod_fn(struct inode *ip, uint64_t mode, uint64_t unused)
{
	(void)unused;
	return set_mode(ip, (uint32_t)mode);
}

long
sys_fchmod(const struct syscall_args *a)
{
	return on_fd(a->a[0], chmod_fn, a->a[1], 0);
}

/*
 * chown: root changes anything; the owner may only change the group,
 * to one of its own.  A change drops set-id bits, as Linux does.
 */
static int
set_owner(struct inode *ip, uint64_t uid64, uint64_t gid64)
{
	struct proc *p = cur();
	uint32_t uid = (uint32_t)uid64, gid = (uint32_t)gid64;
	bool member = false;
	int i;

	if (p->cred.euid != 0) {
		member = gid == p->cred.egid;
		for (i = 0; i < p->cred.ngroups; i++)
			member |= p->cred.groups[i] == gid;
		if (uid != UINT32_MAX && uid != ip->uid)
			return -EPERM;
		if (p->cred.euid != ip->uid)
			return -EPERM;
		if (gid != UINT32_MAX && gid != ip->gid && !member)
			return -EPERM;
	}
	if (uid != UINT32_MAX)
		ip->uid = uid;
	if (gid != UINT32_MAX)
		ip->gid = gid;
	if ((uid != UINT32_MAX || gid != UINT32_MAX) && !S_ISDIR(ip->mode)) {
		ip->mode &= ~S_ISUID;
		if (ip->mode & 010)
			ip->mode &= ~S_ISGID;
	}
	ip->ctime = vfs_now();
	return vfs_setattr(ip);
}

static long
do_chown(int dirfd, uaddr_t upath, uint64_t uid, uint64_t gid, int flags)
{
	struct pathop op;
	struct dentry *d;
	int err, walk = 0;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!(flags & AT_SYMLINK_NOFOLLOW))
		walk |= WALK_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		walk |= WALK_EMPTY;
	if ((err = op_begin(&op, dirfd, upath, flags & AT_EMPTY_PATH)) != 0)
		return err;
	if ((err = namei(op.at, op.path, walk, &d)) == 0)
		err = set_owner(d->inode, uid, gid);
	op_end(&op);
	return err;
}

long
sys_chown(const struct syscall_args *a)
{
	return do_chown(AT_FDCWD, a->a[0], a->a[1], a->a[2], 0);
}

long
sys_lchown(const struct syscall_args *a)
{
	return do_chown(AT_FDCWD, a->a[0], a->a[1], a->a[2],
	    AT_SYMLINK_NOFOLLOW);
}

long
sys_fchownat(const struct syscall_args *a)
{
	return do_chown((int)a->a[0], a->a[1], a->a[2], a->a[3],
	    (int)a->a[4]);
}

long
sys_fchown(const struct syscall_args *a)
{
	return on_fd(a->a[0], set_owner, (uint32_t)a->a[1],
	    (uint32_t)a->a[2]);
}

long
sys_umask(const struct syscall_args *a)
{
	struct proc *p = cur();
	uint32_t old;

	vfs_lock();
	old = p->umask;
	p->umask = (uint32_t)a->a[0] & 0777;
	vfs_unlock();
	return old;
}

/* access's check, for the lock-free walk: arg is {mode, real}. */
static int
access_fn(struct dentry *d, void *arg)
{
	int *ma = arg;

	return ma[0] != 0 ? vfs_access(d->inode, ma[0], ma[1] != 0) : 0;
}

/* access family: the real ids unless AT_EACCESS. */
static long
do_access(int dirfd, uaddr_t upath, int mode, int flags)
{
	int ma[2] = { mode, !(flags & AT_EACCESS) };
	struct pathop op;
	struct dentry *d;
	int err, walk = 0;

	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!(flags & AT_SYMLINK_NOFOLLOW))
		walk |= WALK_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		walk |= WALK_EMPTY;
	if ((err = op_prepare(&op, dirfd, upath, flags & AT_EMPTY_PATH)) != 0)
		return err;
	if ((err = namei_fast(op.at, op.path, walk, access_fn, ma, NULL)) !=
	    NAMEI_FALLBACK) {
		op_done(&op);
		return err;
	}
	vfs_lock();
	if ((err = namei(op.at, op.path, walk, &d)) == 0 && mode != 0)
		err = vfs_access(d->inode, mode, !(flags & AT_EACCESS));
	op_end(&op);
	return err;
}

long
sys_access(const struct syscall_args *a)
{
	return do_access(AT_FDCWD, a->a[0], (int)a->a[1], 0);
}

long
sys_faccessat(const struct syscall_args *a)
{
	return do_access((int)a->a[0], a->a[1], (int)a->a[2], 0);
}

long
sys_faccessat2(const struct syscall_args *a)
{
	return do_access((int)a->a[0], a->a[1], (int)a->a[2], (int)a->a[3]);
}

/* truncate: regular files only; the size may grow (a hole) or shrink. */
static int
set_size(struct inode *ip, uint64_t size)
{
	int err;

	if (S_ISDIR(ip->mode))
		return -EISDIR;
	if (!S_ISREG(ip->mode))
		return -EINVAL;
	if ((err = ip->ops->truncate(ip, size)) != 0)
		return err;
	ip->mtime = ip->ctime = vfs_now();
	return vfs_setattr(ip);
}

long
sys_truncate(const struct syscall_args *a)
{
	struct pathop op;
	struct dentry *d;
	int64_t len = (int64_t)a->a[1];
	int err;

	if ((err = op_begin(&op, AT_FDCWD, a->a[0], false)) != 0)
		return err;
	if ((err = namei(NULL, op.path, WALK_FOLLOW, &d)) != 0)
		;
	else if (S_ISDIR(d->inode->mode))
		err = -EISDIR;
	else if ((err = vfs_permission(d->inode, MAY_WRITE)) != 0)
		;
	else if (len < 0)
		err = -EINVAL;
	else
		err = set_size(d->inode, (uint64_t)len);
	op_end(&op);
	return err;
}

long
sys_ftruncate(const struct syscall_args *a)
{
	struct file *f = fd_get(cur()->fdt, (int)a->a[0]);
	int64_t len = (int64_t)a->a[1];
	struct dentry *d;
	long r;

	if (f == NULL)
		return -EBADF;
	d = vfs_file_dentry(f);
	if (len < 0 || d == NULL || !S_ISREG(d->inode->mode) ||
	    (f->flags & O_ACCMODE) == O_RDONLY)
		r = -EINVAL;
	else {
		vfs_lock();
		r = set_size(d->inode, (uint64_t)len);
		vfs_unlock();
	}
	file_unref(f);
	return r;
}

/* utimensat: set times, or now; UTIME_OMIT leaves one alone. */
struct ktimespec {
	int64_t sec, nsec;
};

static bool
valid_time(const struct ktimespec *t)
{
	return t->nsec == UTIME_NOW || t->nsec == UTIME_OMIT ||
	    (t->nsec >= 0 && t->nsec < NSEC);
}

static int
set_times(struct inode *ip, const struct ktimespec *t)
{
	struct proc *p = cur();
	bool owner = p->cred.euid == 0 || p->cred.euid == ip->uid;
	int64_t now = vfs_now();

	if (t[0].nsec == UTIME_NOW && t[1].nsec == UTIME_NOW) {
		if (!owner && vfs_permission(ip, MAY_WRITE) != 0)
			return -EACCES;
	} else if (!owner)
		return -EPERM;
	if (t[0].nsec != UTIME_OMIT)
		ip->atime = t[0].nsec == UTIME_NOW ? now :
		    t[0].sec * NSEC + t[0].nsec;
	if (t[1].nsec != UTIME_OMIT)
		ip->mtime = t[1].nsec == UTIME_NOW ? now :
		    t[1].sec * NSEC + t[1].nsec;
	ip->ctime = now;
	return vfs_setattr(ip);
}

long
sys_utimensat(const struct syscall_args *a)
{
	struct ktimespec t[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	int dirfd = (int)a->a[0], flags = (int)a->a[3], walk = WALK_EMPTY;
	struct pathop op;
	struct dentry *d;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (a->a[2] != 0) {
		if (copyin(t, a->a[2], sizeof(t)) != 0)
			return -EFAULT;
		if (!valid_time(&t[0]) || !valid_time(&t[1]))
			return -EINVAL;
		if (t[0].nsec == UTIME_OMIT && t[1].nsec == UTIME_OMIT)
			return 0;
	}
	if (!(flags & AT_SYMLINK_NOFOLLOW))
		walk |= WALK_FOLLOW;
	if (a->a[1] == 0) {
		/* futimens(): the file open as dirfd. */
		if (dirfd == AT_FDCWD)
			return -EFAULT;
		op.at = fd_get(cur()->fdt, dirfd);
		if (op.at == NULL)
			return -EBADF;
		op.path = kzalloc(1);
		vfs_lock();
	} else if ((err = op_begin(&op, dirfd, a->a[1],
	    flags & AT_EMPTY_PATH)) != 0)
		return err;
	if (op.path[0] == '\0' && op.at != NULL &&
	    vfs_file_dentry(op.at) == NULL)
		err = -EINVAL;
	else if ((err = namei(op.at, op.path, walk, &d)) == 0)
		err = set_times(d->inode, t);
	op_end(&op);
	return err;
}
