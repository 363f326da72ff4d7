/*
 * devfs: a small file system of character devices, mounted over /dev.
 *
 * The tree is one directory of device nodes, each an S_IFCHR inode whose
 * priv names its entry in a table of registered devices; opening a node
 * (vfs_open_dentry) makes a file with the device's methods.  The table
 * lives apart from the tree so drivers may register before devfs is
 * mounted, and registering a name again swaps the methods in place, so
 * later opens get the new driver while open files keep the old one.
 * Block devices (devfs_register_blk) are S_IFBLK nodes with a device
 * number, which the block layer opens by name (blk/blkdev_file.c).
 *
 * Like Linux's devtmpfs, every mount shows the same devices: each mounted
 * tree (up to DEVFS_TREES: /dev, and a chroot's /dev such as make run's
 * disk root) gets a node per entry, all pointing at the one table.
 *
 * Built in: null, zero, full (writes fail with ENOSPC), urandom and
 * random (both the kernel generator, kern/random.h: it never blocks, as
 * Linux's since 5.6 once seeded), console and tty (the console file;
 * tty only for a caller whose controlling terminal it is, else ENXIO).
 * The table is under vfs_lock.
 */
#include "dev/tty.h"
#include "fs/devfs.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "kern/random.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/reserve.h"
#include "proc/signal.h"

#define DEVFS_MAX	32	/* registered devices */
#define DEVNAME_MAX	32
#define CHUNK		256	/* bytes made on the stack per copy */
#define PAGE		4096

struct devnode {
	char name[DEVNAME_MAX];
	uint32_t mode;
	const struct file_ops *ops;
	/* Instead of ops: 0 with *out, or the open's -errno. */
	int (*open)(unsigned flags, struct file **out);
	/* Block devices (devfs_register_blk): S_IFBLK, their number. */
	uint32_t type;				/* S_IFCHR when 0 */
	uint64_t rdev;
	int (*open_named)(const char *name, unsigned flags,
	    struct file **out);
};

static struct devnode devs[DEVFS_MAX];	/* [v] */
static int ndevs;			/* [v] */
#define DEVFS_TREES	4
static struct dentry *devfs_roots[DEVFS_TREES];	/* [v] mounted trees */

/* Bytes a write to a sink consumes: all of them. */
static ssize_t
sink_write(struct file *f, struct uio *uio, uint64_t *off)
{
	size_t n = uio->resid;

	(void)f;
	(void)off;
	uio->done += n;
	uio->resid = 0;
	return (ssize_t)n;
}

/* Null, zero and full have no position to move: lseek says 0. */
static int64_t
no_seek(struct file *f, int64_t off, int whence)
{
	(void)f;
	(void)off;
	(void)whence;
	return 0;
}

static ssize_t
null_read(struct file *f, struct uio *uio, uint64_t *off)
{
	(void)f;
	(void)off;
	(void)uio;
	return 0;
}

/*
 * Fill the uio with zeroes, or the generator's bytes when random, stopping
 * at a page boundary when a signal is pending, as Linux's long reads do.
 */
static ssize_t
fill_read(struct uio *uio, bool random)
{
	char buf[CHUNK];
	size_t n;

	memset(buf, 0, sizeof(buf));
	while (uio->resid > 0) {
		if (uio->done > 0 && uio->done % PAGE == 0 &&
		    signal_pending())
			break;
		n = MIN(uio->resid, sizeof(buf));
		if (random)
			random_bytes(buf, n);
		if (uio_copyout(uio, buf, n) != 0)
			return file_io_result(uio, -EFAULT);
	}
	memset(buf, 0, sizeof(buf));
	return (ssize_t)uio->done;
}

static ssize_t
zero_read(struct file *f, struct uio *uio, uint64_t *off)
{
	(void)f;
	(void)off;
	return fill_read(uio, false);
}

static ssize_t
full_write(struct file *f, struct uio *uio, uint64_t *off)
{
	(void)f;
	(void)uio;
	(void)off;
	return -ENOSPC;
}

static ssize_t
random_read(struct file *f, struct uio *uio, uint64_t *off)
{
	(void)f;
	(void)off;
	return fill_read(uio, true);
}

static const struct file_ops null_ops = {
	.read = null_read, .write = sink_write, .lseek = no_seek,
};
static const struct file_ops zero_ops = {
	.read = zero_read, .write = sink_write, .lseek = no_seek,
};
static const struct file_ops full_ops = {
	.read = zero_read, .write = full_write, .lseek = no_seek,
};
/* Writes to the generator are accepted and, here, add nothing. */
static const struct file_ops random_ops = {
	.read = random_read, .write = sink_write, .lseek = no_seek,
};

/* The entry called name, or NULL.  [v] */
static struct devnode *
lookup(const char *name)
{
	int i;

	for (i = 0; i < ndevs; i++)
		if (strcmp(devs[i].name, name) == 0)
			return &devs[i];
	return NULL;
}

/* Put dn's node in the tree under root.  [v] */
static void
add_node_to(struct dentry *root, struct devnode *dn)
{
	struct inode *ip = inode_alloc((dn->type != 0 ? dn->type : S_IFCHR) |
	    (dn->mode & S_IALLUGO), 0, 0);

	ip->nlink = 1;
	ip->rdev = dn->rdev;
	ip->priv = dn;
	dcache_add(root, dn->name, strlen(dn->name), ip);
}

/* Put dn's node in every mounted tree.  [v] */
static void
add_node(struct devnode *dn)
{
	int i;

	for (i = 0; i < DEVFS_TREES; i++)
		if (devfs_roots[i] != NULL)
			add_node_to(devfs_roots[i], dn);
}

/* Add or replace an entry; with the tree mounted, its node too.  [v] */
static void
register_locked(const char *name, uint32_t mode,
    const struct file_ops *ops, int (*open)(unsigned, struct file **))
{
	struct devnode *dn = lookup(name);

	if (dn == NULL) {
		if (ndevs == DEVFS_MAX || strlen(name) >= DEVNAME_MAX)
			panic("devfs: no room for %s", name);
		dn = &devs[ndevs++];
		strlcpy(dn->name, name, sizeof(dn->name));
		dn->mode = mode;
		dn->ops = ops;
		dn->open = open;
		add_node(dn);
		return;
	}
	dn->ops = ops;
	dn->open = open;
}

void
devfs_register(const char *name, uint32_t mode, const struct file_ops *ops)
{
	vfs_lock();
	register_locked(name, mode, ops, NULL);
	vfs_unlock();
}

void
devfs_register_blk(const char *name, uint32_t mode, uint64_t rdev,
    int (*open)(const char *name, unsigned flags, struct file **out))
{
	struct devnode *dn;
	int i;

	vfs_lock();
	if ((dn = lookup(name)) == NULL) {
		register_locked(name, mode, NULL, NULL);
		dn = lookup(name);
	}
	/* New, or a device registered again: its type, number, mode. */
	dn->type = S_IFBLK;
	dn->rdev = rdev;
	dn->mode = mode;
	dn->open_named = open;
	for (i = 0; i < DEVFS_TREES; i++) {
		struct dentry *d;

		if (devfs_roots[i] == NULL || (d = dcache_lookup(devfs_roots[i],
		    name, strlen(name))) == NULL)
			continue;
		d->inode->mode = S_IFBLK | (mode & S_IALLUGO);
		d->inode->rdev = rdev;
	}
	vfs_unlock();
}

int
devfs_open_file(struct inode *ip, unsigned flags, struct file **out)
{
	struct devnode *dn = ip->priv;
	int err;

	*out = NULL;
	if (dn->open_named != NULL)
		return dn->open_named(dn->name, flags & ~O_NOCTTY, out);
	if (dn->open == NULL) {
		*out = file_alloc(dn->ops, flags & ~O_NOCTTY, NULL);
		return 0;
	}
	if ((err = dn->open(flags, out)) != 0)
		return err;
	/* The open used O_NOCTTY; the file does not keep it (Linux). */
	__atomic_and_fetch(&(*out)->flags, ~O_NOCTTY, __ATOMIC_RELAXED);
	return 0;
}

/* /dev/console: the console file, which a session leader may acquire. */
static int
console_open(unsigned flags, struct file **out)
{
	*out = console_file_open(flags);
	return 0;
}

/*
 * /dev/tty: the caller's controlling terminal, so ENXIO without one
 * (Linux's tty_open_current_tty); the console is the only tty.
 */
static int
dev_tty_open(unsigned flags, struct file **out)
{
	int err;

	if ((err = tty_dev_tty_check()) != 0)
		return err;
	return console_open(flags, out);
}

/* The built-in devices, unless a driver registered the name first. [v] */
static void
builtins(void)
{
	static const struct {
		const char *name;
		const struct file_ops *ops;
	} b[] = {
		{ "null", &null_ops }, { "zero", &zero_ops },
		{ "full", &full_ops }, { "urandom", &random_ops },
		{ "random", &random_ops },
	};
	size_t i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (lookup(b[i].name) == NULL)
			register_locked(b[i].name, 0666, b[i].ops, NULL);
	if (lookup("console") == NULL)
		register_locked("console", 0600, NULL, console_open);
	if (lookup("tty") == NULL)
		register_locked("tty", 0666, NULL, dev_tty_open);
}

/*
 * Mount another tree of the devices over mp: 0, or -EBUSY when mp has a
 * mount over it already or DEVFS_TREES trees are mounted.
 */
int
devfs_mount(struct dentry *mp)
{
	struct dentry *root;
	struct inode *ip;
	int i, slot;

	builtins();
	for (slot = 0; slot < DEVFS_TREES; slot++)
		if (devfs_roots[slot] == NULL)
			break;
	if (slot == DEVFS_TREES)
		return -EBUSY;
	ip = tmpfs_inode(S_IFDIR | 0755, 0, 0);
	ip->nlink = 2;
	if ((root = vfs_mount_inode(mp, ip)) == NULL) {
		inode_put(ip);
		return -EBUSY;
	}
	devfs_roots[slot] = root;
	for (i = 0; i < ndevs; i++)
		add_node_to(root, &devs[i]);
	return 0;
}

void
devfs_umount(struct dentry *root)
{
	int i;

	for (i = 0; i < DEVFS_TREES; i++)
		if (devfs_roots[i] == root)
			devfs_roots[i] = NULL;
}

int
devfs_mount_dev(void)
{
	struct dentry *root = vfs_root(), *dev;
	struct inode *ip;
	int err;

	reserve_begin(16384, "devfs mount");	/* 7 nodes, 2 dirs */
	vfs_lock();
	if ((dev = dcache_lookup(root, "dev", 3)) == NULL) {
		ip = tmpfs_inode(S_IFDIR | 0755, 0, 0);
		ip->nlink = 2;
		dev = dcache_add(root, "dev", 3, ip);
		root->inode->nlink++;
	}
	if (!S_ISDIR(dev->inode->mode))
		err = -ENOTDIR;
	else
		err = devfs_mount(dev);
	vfs_unlock();
	reserve_end();
	return err;
}
