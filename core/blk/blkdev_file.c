/*
 * Block devices as files: /dev/NAME for every registered device, an
 * S_IFBLK node (Linux's numbers: ramN is 1:N, the others 8:16k, as
 * sd disks) whose reads and writes go through the block cache, as
 * Linux's buffered block-device files do, so `dd if=/dev/ram0` reads
 * the disk and a write lands in the cache, to be written back by
 * bflush or at the last close (which syncs, as Linux's blkdev_release
 * does; fsync does it too).  ioctl answers the size queries
 * (BLKGETSIZE64, BLKGETSIZE) and BLKROGET; lseek moves within the
 * device, SEEK_END from its size; fstat says S_IFBLK and the number.
 *
 * A write copies the user's bytes into a bounce page first and only
 * then into the buffer, so a bad user pointer never leaves a buffer
 * half overwritten with the rest of it made up.
 */
#include "blk/bcache.h"
#include "blk_internal.h"
#include "contract/physmem.h"
#include "contract/usercopy.h"
#include "fs/devfs.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "proc/signal.h"

/* ioctl(2) requests, Linux's numbers (linux/fs.h). */
#define BLKROGET	0x125eu
#define BLKGETSIZE	0x1260u
#define BLKGETSIZE64	0x80081272u

static uint64_t
dev_bytes(const struct blkdev *d)
{
	return d->nblocks * BLK_SIZE;
}

/* A long transfer stops at a block boundary when a signal is pending. */
static bool
interrupted(const struct uio *uio)
{
	return uio->done > 0 && signal_pending();
}

static ssize_t
blkfile_read(struct file *f, struct uio *uio, uint64_t *off)
{
	struct blkdev *d = f->priv;
	uint64_t size = dev_bytes(d);
	struct buf *b;
	size_t in, n;
	int err = 0;

	while (uio->resid > 0 && *off < size && !interrupted(uio)) {
		in = (size_t)(*off % BLK_SIZE);
		n = MIN(BLK_SIZE - in, uio->resid);
		n = (size_t)MIN((uint64_t)n, size - *off);
		if ((err = bread(d, *off / BLK_SIZE, &b)) != 0)
			break;
		err = uio_copyout(uio, b->data + in, n);
		brelse(b);
		if (err != 0)
			break;
		*off += n;
	}
	return file_io_result(uio, err);
}

/* Move got bytes from the bounce page into block off's buffer, dirty. */
static int
write_block(struct blkdev *d, uint64_t off, const uint8_t *bounce,
    size_t got)
{
	size_t in = (size_t)(off % BLK_SIZE);
	struct buf *b;
	int err;

	if (in == 0 && got == BLK_SIZE)
		b = bget(d, off / BLK_SIZE);
	else if ((err = bread(d, off / BLK_SIZE, &b)) != 0)
		return err;
	memcpy(b->data + in, bounce, got);
	bdirty(b);
	brelse(b);
	return 0;
}

static ssize_t
blkfile_write(struct file *f, struct uio *uio, uint64_t *off)
{
	struct blkdev *d = f->priv;
	uint64_t size = dev_bytes(d);
	size_t n, got, before;
	paddr_t pa;
	int err = 0, cerr;

	if (uio->resid == 0)
		return 0;
	if (*off >= size)
		return -ENOSPC;
	if ((pa = page_alloc(0, 0)) == 0 &&
	    (bcache_evict(1) == 0 || (pa = page_alloc(0, 0)) == 0))
		return -ENOMEM;
	while (uio->resid > 0 && !interrupted(uio)) {
		if (*off >= size)
			break;	/* short write: ENOSPC on the next call */
		n = MIN(BLK_SIZE - (size_t)(*off % BLK_SIZE), uio->resid);
		n = (size_t)MIN((uint64_t)n, size - *off);
		before = uio->done;
		cerr = uio_copyin(phys_to_virt(pa), n, uio);
		if ((got = uio->done - before) > 0 &&
		    (err = write_block(d, *off, phys_to_virt(pa), got)) != 0) {
			/* Not written after all: do not count the bytes. */
			uio->done -= got;
			uio->resid += got;
			break;
		}
		*off += got;
		if ((err = cerr) != 0)
			break;
	}
	page_free(pa, 0);
	return file_io_result(uio, err);
}

static int64_t
blkfile_lseek(struct file *f, int64_t off, int whence)
{
	struct blkdev *d = f->priv;
	int64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->offset;
		break;
	case SEEK_END:
		base = (int64_t)dev_bytes(d);
		break;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->offset = (uint64_t)(base + off);
	return base + off;
}

static unsigned
blkfile_poll(struct file *f)
{
	(void)f;
	return POLLIN | POLLOUT;
}

static long
blkfile_ioctl(struct file *f, unsigned cmd, uaddr_t arg)
{
	struct blkdev *d = f->priv;
	uint64_t bytes = dev_bytes(d);
	unsigned long sectors = (unsigned long)(bytes / 512);
	int ro = d->readonly;

	switch (cmd) {
	case BLKGETSIZE64:
		return copyout(arg, &bytes, sizeof(bytes)) ? -EFAULT : 0;
	case BLKGETSIZE:
		return copyout(arg, &sectors, sizeof(sectors)) ? -EFAULT : 0;
	case BLKROGET:
		return copyout(arg, &ro, sizeof(ro)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

/* The last close of a writable open writes the cache back, as Linux. */
static void
blkfile_close(struct file *f)
{
	struct blkdev *d = f->priv;

	if ((f->flags & O_ACCMODE) != O_RDONLY && bcache_sync(d) != 0)
		printk("%s: write-back at close failed\n", d->name);
}

static const struct file_ops blkfile_ops = {
	.read = blkfile_read,
	.write = blkfile_write,
	.lseek = blkfile_lseek,
	.poll = blkfile_poll,
	.ioctl = blkfile_ioctl,
	.close = blkfile_close,
};

/*
 * Open /dev/name (vfs_lock held): the device's file, -ENXIO when it is
 * gone, -EACCES for writing to a read-only device (as Linux).
 */
static int
blkfile_open(const char *name, unsigned flags, struct file **out)
{
	struct blkdev *d = blkdev_find(name);

	*out = NULL;
	if (d == NULL)
		return -ENXIO;
	if ((flags & O_ACCMODE) != O_RDONLY && d->readonly)
		return -EACCES;
	*out = file_alloc(&blkfile_ops, flags, d);
	return 0;
}

/* Linux's dev_t encoding of major:minor (new_encode_dev). */
static uint64_t
encode_dev(uint32_t major, uint32_t minor)
{
	return (minor & 0xffu) | ((uint64_t)major << 8) |
	    ((uint64_t)(minor & ~0xffu) << 12);
}

/* ramN is 1:N (Linux's brd); the others 8:0, 8:16, ... (sd). */
static uint64_t
dev_number(const char *name)
{
	static uint32_t next_sd;	/* atomic */
	const char *p;
	uint32_t n = 0;

	if (strncmp(name, "ram", 3) == 0 && name[3] != '\0') {
		for (p = name + 3; *p >= '0' && *p <= '9' && n < 1000000; p++)
			n = n * 10 + (uint32_t)(*p - '0');
		if (*p == '\0')
			return encode_dev(1, n);
	}
	n = __atomic_fetch_add(&next_sd, 1, __ATOMIC_RELAXED);
	return encode_dev(8, n * 16);
}

bool
blkdev_file_attr(struct file *f, uint32_t *mode, uint64_t *rdev)
{
	struct blkdev *d = f->priv;

	if (f->ops != &blkfile_ops)
		return false;
	*mode = S_IFBLK | (d->readonly ? 0440 : 0660);
	*rdev = d->rdev;
	return true;
}

int
blkdev_file_fsync(struct file *f)
{
	if (f->ops != &blkfile_ops)
		return -EINVAL;
	return bcache_sync(f->priv) == 0 ? 0 : -EIO;
}

void
blkdev_file_register(struct blkdev *d)
{
	bool own = !reserve_active();

	/* A node made in a mounted devfs comes from the heap. */
	if (own)
		reserve_begin(4096, "blkdev register");
	(void)vfs_root();	/* sets up the VFS lock on first use */
	d->rdev = dev_number(d->name);
	devfs_register_blk(d->name, d->readonly ? 0440 : 0660, d->rdev,
	    blkfile_open);
	if (own)
		reserve_end();
}
