/*
 * mount(2) and umount2(2), and the table of file system types they name
 * (vfs_register_fstype, fs/vfs.h): tmpfs, devfs (also as devtmpfs)
 * and proc built in, others from their own files.  Each mount keeps its
 * type and source for /proc/mounts (vfs_mount_label).
 *
 * What Linux's new-mount path does for a plain mount is done: root only
 * (EPERM), the type by name (ENODEV), the target a directory (ENOENT,
 * ENOTDIR) found following symlinks.  Per-mount flags (MS_RDONLY,
 * MS_NOSUID...) are accepted and not enforced; remounts, bind and move
 * mounts and propagation changes are EINVAL, and a second mount over the
 * same directory is EBUSY (Linux would stack it).  The source names
 * the block device for biscfs ("/dev/NAME" or "NAME") and nothing for
 * the in-memory file systems, which only keep it for /proc/mounts;
 * MS_RDONLY reaches the type's mount hook (biscfs honours it).  umount2 takes the root of a mounted tree and refuses one in use
 * (EBUSY): we have no lazy detach, so MNT_DETACH is EBUSY too.
 *
 * statfs(2) and fstatfs(2) report the file system of a path or an open
 * file in Linux's struct statfs.  Every tree here keeps its data in
 * pages from the page allocator, so the block counts are the machine's
 * pages and free pages (as tmpfs without a size= limit); f_type is
 * TMPFS_MAGIC, as Linux's devtmpfs reports too, unless the tree was
 * mounted as a type with its own magic (proc, devpts).
 */
#include "contract/usercopy.h"
#include "fs/biscfs.h"
#include "fs/devfs.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "proc/proc.h"
#include "sys/syscall.h"

#define FSTYPE_MAX	16
#define FSTYPE_NAME	32

/* mount(2) flags that change what kind of call it is. */
#define MS_REMOUNT	0x20ul
#define MS_BIND		0x1000ul
#define MS_MOVE		0x2000ul
#define MS_UNBINDABLE	0x20000ul
#define MS_PRIVATE	0x40000ul
#define MS_SLAVE	0x80000ul
#define MS_SHARED	0x100000ul
#define MS_UNSUPPORTED	(MS_REMOUNT | MS_BIND | MS_MOVE | MS_UNBINDABLE | \
			    MS_PRIVATE | MS_SLAVE | MS_SHARED)

#define MNT_FORCE	0x1u
#define MNT_DETACH	0x2u
#define MNT_EXPIRE	0x4u
#define UMOUNT_NOFOLLOW	0x8u

struct fstype {
	char name[FSTYPE_NAME];
	vfs_mount_fn mount;
	void (*umount)(struct dentry *root);
};

static struct fstype fstypes[FSTYPE_MAX];	/* [v] */
static int nfstypes;				/* [v] */

#define TMPFS_MAGIC	0x01021994
#define PROC_MAGIC	0x9fa0
#define DEVPTS_MAGIC	0x1cd1

/* The magic Linux's file system called name reports. */
static long
magic_of(const char *name)
{
	if (strcmp(name, "proc") == 0)
		return PROC_MAGIC;
	if (strcmp(name, "devpts") == 0)
		return DEVPTS_MAGIC;
	return TMPFS_MAGIC;
}

static struct fstype *
fstype_find(const char *name)
{
	int i;

	for (i = 0; i < nfstypes; i++)
		if (strcmp(fstypes[i].name, name) == 0)
			return &fstypes[i];
	return NULL;
}

void
vfs_register_fstype(const char *name, vfs_mount_fn mount,
    void (*umount)(struct dentry *root))
{
	struct fstype *t;

	vfs_lock();
	if ((t = fstype_find(name)) == NULL) {
		if (nfstypes == FSTYPE_MAX || strlen(name) >= FSTYPE_NAME)
			panic("mount: no room for file system type %s", name);
		t = &fstypes[nfstypes++];
		strlcpy(t->name, name, sizeof(t->name));
	}
	t->mount = mount;
	t->umount = umount;
	vfs_unlock();
}

/* A fresh empty tmpfs over mp. */
static int
tmpfs_mount(struct dentry *mp, const char *source, unsigned long flags)
{
	struct inode *ip = tmpfs_inode(S_IFDIR | 01777, 0, 0);

	(void)source;
	(void)flags;
	ip->nlink = 2;
	if (vfs_mount_inode(mp, ip) == NULL) {
		inode_put(ip);
		return -EBUSY;
	}
	return 0;
}

/* devfs and procfs need no source: mount(2)'s hook without it. */
static int
devfs_mount_hook(struct dentry *mp, const char *source, unsigned long flags)
{
	(void)source;
	(void)flags;
	return devfs_mount(mp);
}

static int
procfs_mount_hook(struct dentry *mp, const char *source, unsigned long flags)
{
	(void)source;
	(void)flags;
	return procfs_mount(mp);
}

/* The built-in types, the first time mount(2) looks.  [v] */
static void
builtin_fstypes(void)
{
	static bool done;
	int i;

	if (done)
		return;
	done = true;
	for (i = 0; i < nfstypes; i++)
		if (strcmp(fstypes[i].name, "tmpfs") == 0)
			return;
	i = nfstypes++;
	strlcpy(fstypes[i].name, "tmpfs", FSTYPE_NAME);
	fstypes[i].mount = tmpfs_mount;
	if (fstype_find("devfs") == NULL) {
		i = nfstypes++;
		strlcpy(fstypes[i].name, "devfs", FSTYPE_NAME);
		fstypes[i].mount = devfs_mount_hook;
		fstypes[i].umount = devfs_umount;
	}
	/* Linux's name for what the boot mounts on /dev. */
	if (fstype_find("devtmpfs") == NULL) {
		i = nfstypes++;
		strlcpy(fstypes[i].name, "devtmpfs", FSTYPE_NAME);
		fstypes[i].mount = devfs_mount_hook;
		fstypes[i].umount = devfs_umount;
	}
	if (fstype_find("proc") == NULL) {
		i = nfstypes++;
		strlcpy(fstypes[i].name, "proc", FSTYPE_NAME);
		fstypes[i].mount = procfs_mount_hook;
	}
	if (fstype_find("biscfs") == NULL) {
		i = nfstypes++;
		strlcpy(fstypes[i].name, "biscfs", FSTYPE_NAME);
		fstypes[i].mount = biscfs_mount;
		fstypes[i].umount = biscfs_umount;
	}
}

void
vfs_list_fstypes(struct seqbuf *sb)
{
	int i;

	vfs_lock();
	builtin_fstypes();
	/* biscfs alone needs a block device. */
	for (i = 0; i < nfstypes; i++)
		seq_printf(sb, "%s\t%s\n",
		    strcmp(fstypes[i].name, "biscfs") == 0 ? "" : "nodev",
		    fstypes[i].name);
	vfs_unlock();
}

static bool
is_root(void)
{
	return proc_current()->cred.euid == 0;
}

/* mount(2): source, target, filesystemtype, mountflags, data. */
long
sys_mount(const struct syscall_args *a)
{
	char *target, *type, source[32];
	struct fstype *t;
	struct dentry *d;
	ssize_t n;
	int err;

	if (!is_root())
		return -EPERM;
	/* A device for biscfs; /proc/mounts shows it (cut short). */
	if (a->a[0] == 0 || copyinstr(source, a->a[0], sizeof(source)) < 0)
		strlcpy(source, "none", sizeof(source));
	target = kmalloc(PATH_MAX);
	type = kmalloc(FSTYPE_NAME);
	if ((err = vfs_getpath(target, a->a[1])) != 0)
		goto out;
	if ((a->a[3] & MS_UNSUPPORTED) != 0) {
		err = -EINVAL;
		goto out;
	}
	/* A type name too long for the table names no type. */
	if ((n = copyinstr(type, a->a[2], FSTYPE_NAME)) < 0) {
		err = n == -ENAMETOOLONG ? -ENODEV : -EFAULT;
		goto out;
	}
	vfs_lock();
	builtin_fstypes();
	if ((t = fstype_find(type)) == NULL)
		err = -ENODEV;
	else if ((err = namei(NULL, target, WALK_FOLLOW, &d)) == 0) {
		if (!S_ISDIR(d->inode->mode))
			err = -ENOTDIR;
		else {
			/* Mount over what is visible there: the top mount. */
			while (d->mounted != NULL)
				d = d->mounted->root;
			if ((err = t->mount(d, source,
			    (unsigned long)a->a[3])) == 0)
				vfs_mount_label(d->mounted, t->name, source);
		}
	}
	vfs_unlock();
out:
	kfree(type);
	kfree(target);
	return err;
}

/* umount2(2): target, flags. */
long
sys_umount2(const struct syscall_args *a)
{
	unsigned flags = (unsigned)a->a[1];
	struct dentry *d;
	char *target;
	int err, i;

	if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE |
	    UMOUNT_NOFOLLOW)) != 0 ||
	    ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH))))
		return -EINVAL;
	if (!is_root())
		return -EPERM;
	target = kmalloc(PATH_MAX);
	if ((err = vfs_getpath(target, a->a[0])) != 0) {
		kfree(target);
		return err;
	}
	vfs_lock();
	err = namei(NULL, target,
	    (flags & UMOUNT_NOFOLLOW) ? 0 : WALK_FOLLOW, &d);
	if (err == 0 && (d->parent != NULL || d->mounted_on == NULL ||
	    d->mounted_on->mountpoint == NULL))
		err = -EINVAL;
	if (err == 0 && (err = vfs_umount(d)) == 0) {
		/* Types that keep state about their trees forget this one. */
		for (i = 0; i < nfstypes; i++)
			if (fstypes[i].umount != NULL)
				fstypes[i].umount(d);
	}
	vfs_unlock();
	kfree(target);
	return err;
}

/* struct statfs, Linux x86-64. */
struct linux_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs");

#define ST_VALID	0x20	/* f_flags holds the mount's flags */
#define ST_RDONLY	0x1

/* Fill st for the tree holding d.  [v] */
static void
fill_statfs(struct linux_statfs *st, struct dentry *d)
{
	struct kstatfs ks;

	while (d->parent != NULL)
		d = d->parent;
	memset(st, 0, sizeof(*st));
	if (d->inode->ops != NULL && d->inode->ops->statfs != NULL &&
	    d->inode->ops->statfs(d->inode, &ks) == 0) {
		st->f_type = ks.magic;
		st->f_bsize = st->f_frsize = (int64_t)ks.bsize;
		st->f_blocks = ks.blocks;
		st->f_bfree = ks.bfree;
		st->f_bavail = ks.bavail;
		st->f_files = ks.files;
		st->f_ffree = ks.ffree;
		st->f_fsid[0] = (int32_t)d->dev;
		st->f_namelen = NAME_MAX;
		st->f_flags = ST_VALID | (ks.readonly ? ST_RDONLY : 0);
		return;
	}
	st->f_type = d->mounted_on != NULL ?
	    magic_of(d->mounted_on->type) : TMPFS_MAGIC;
	st->f_bsize = st->f_frsize = PAGE_SIZE;
	if (st->f_type == TMPFS_MAGIC) {
		st->f_blocks = page_total();
		st->f_bfree = st->f_bavail = page_free_count();
		/* Inodes come from the heap: as many as free pages, say. */
		st->f_files = page_total();
		st->f_ffree = page_free_count();
	}
	/* Distinct trees, distinct ids (what programs compare). */
	st->f_fsid[0] = (int32_t)d->inode->ino;
	st->f_namelen = NAME_MAX;
	st->f_flags = ST_VALID;
}

/* statfs(2): path, buf. */
long
sys_statfs(const struct syscall_args *a)
{
	struct linux_statfs st;
	struct dentry *d;
	char *path = kmalloc(PATH_MAX);
	int err;

	if ((err = vfs_getpath(path, a->a[0])) == 0) {
		vfs_lock();
		if ((err = namei(NULL, path, WALK_FOLLOW, &d)) == 0)
			fill_statfs(&st, d);
		vfs_unlock();
	}
	kfree(path);
	if (err != 0)
		return err;
	return copyout(a->a[1], &st, sizeof(st)) != 0 ? -EFAULT : 0;
}

/* fstatfs(2): fd, buf.  Pipes and the console live in no tree here. */
long
sys_fstatfs(const struct syscall_args *a)
{
	struct file *f = fd_get(proc_current()->fdt, (int)a->a[0]);
	struct linux_statfs st;
	struct dentry *d;

	if (f == NULL)
		return -EBADF;
	vfs_lock();
	if ((d = vfs_file_dentry(f)) != NULL)
		fill_statfs(&st, d);
	else
		fill_statfs(&st, vfs_root());
	vfs_unlock();
	file_unref(f);
	return copyout(a->a[1], &st, sizeof(st)) != 0 ? -EFAULT : 0;
}
