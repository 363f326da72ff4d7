/*
 * Block devices and their request queues (core/blk/blkdev.c).
 *
 * A block device is an array of BLK_SIZE-byte blocks behind a driver:
 * the hosted bake's image file read and written through io_uring
 * (platform/hosted), a RAM disk made from a boot module (x86_64), later
 * AHCI.  The core talks to every one of them the same way: it fills a
 * struct blkreq and submits it; the driver starts the transfer and,
 * when the device says it is done (an interrupt, an io_uring
 * completion), calls blk_complete(), which may run in interrupt
 * context.  Nothing waits inside submit, so one thread can keep many
 * requests in flight (write-back, journal commit); blk_rw() is the
 * synchronous wrapper for callers that want one block now.
 *
 * Ordering: requests between two flushes may complete in any order and
 * reach the medium in any order; BLK_FLUSH completes only after every
 * write that completed before it was submitted is durable.  The journal
 * builds its ordering from exactly that (and the crash tests replay
 * images cut and reordered under exactly that rule).
 */
#ifndef BLK_BLKDEV_H
#define BLK_BLKDEV_H

#include "kern/types.h"
#include "lib/list.h"
#include "proc/spinlock.h"

#define BLK_SIZE	4096u	/* bytes per block: the cache's and the FS's */
#define BLK_NAME_MAX	16

enum blk_op {
	BLK_READ,
	BLK_WRITE,
	BLK_FLUSH,	/* blkno, nblocks and buf unused */
};

struct blkdev;

struct blkreq {
	enum blk_op op;
	uint64_t blkno;		/* first block */
	uint32_t nblocks;	/* contiguous blocks */
	void *buf;		/* nblocks * BLK_SIZE bytes of kernel memory */
	int error;		/* on completion: 0 or -EIO */
	/*
	 * Called once the request is complete (blk_complete), possibly in
	 * interrupt context: it must not sleep or allocate.
	 */
	void (*done)(struct blkreq *r);
	void *arg;		/* the submitter's */
	struct list link;	/* the driver's while in flight */
	struct blkdev *dev;	/* set by blk_submit (the core's) */
};

struct blkdev_ops {
	/*
	 * Start r (checked by blk_submit: in range, not a write to a
	 * read-only device).  Never sleeps; completes later, or at once,
	 * through blk_complete().
	 */
	void (*submit)(struct blkdev *d, struct blkreq *r);
};

struct blkdev {
	char name[BLK_NAME_MAX];	/* [i] "vda", "ram0", "img0" */
	uint64_t nblocks;		/* [i] */
	bool readonly;			/* [i] */
	const struct blkdev_ops *ops;	/* [i] */
	void *priv;			/* [i] the driver's */
	/* The core's, below. */
	struct list link;		/* the device list */
	uint64_t rdev;			/* /dev/NAME's number, Linux's way */
	uint64_t reads, writes, flushes, errors;	/* atomic counters */
};

/*
 * Make d known to the core under d->name (the driver filled the [i]
 * fields): 0, or -EEXIST for a name in use.
 */
int blkdev_register(struct blkdev *d);
/* Remove d; no request may be in flight and nothing may use it. */
void blkdev_unregister(struct blkdev *d);
/* The device named name, or NULL. */
struct blkdev *blkdev_find(const char *name);

/*
 * Check r and hand it to the driver; a bad request (a range outside the
 * device, no blocks, a write to a read-only device) completes with -EIO.
 */
void blk_submit(struct blkdev *d, struct blkreq *r);
/* A driver reports r finished with error (0 or -EIO). */
void blk_complete(struct blkreq *r, int error);
/*
 * Submit one request and sleep until it completes: 0 or -EIO; -EINVAL,
 * without submitting, for a range outside the device or no blocks.
 * No spinlock may be held.
 */
int blk_rw(struct blkdev *d, enum blk_op op, uint64_t blkno,
    uint32_t nblocks, void *buf);
/*
 * Submit the n requests at reqs (op, blkno, nblocks and buf filled in)
 * all at once, so the device works on them together, and sleep until
 * every one has completed; each's outcome is in its error field (a bad
 * one completes with -EIO).  No spinlock may be held.
 */
void blk_rw_many(struct blkdev *d, struct blkreq *reqs, int n);

/*
 * For the syscall layer, on an open file (blkdev_file.c): is it a block
 * device's /dev/NAME, and if so its st_mode and st_rdev (fstat); and
 * fsync(2) of one: its dirty blocks written and the device flushed, 0
 * or -EIO; -EINVAL for any other file, as Linux's for files without
 * an fsync.
 */
struct file;
bool blkdev_file_attr(struct file *f, uint32_t *mode, uint64_t *rdev);
int blkdev_file_fsync(struct file *f);

/*
 * A RAM disk over [data, data + nblocks * BLK_SIZE) of kernel memory, as
 * a device named name (the x86_64 boot module; tests).  Requests
 * complete inside submit.  0 or -errno.
 */
int ramdisk_create(const char *name, void *data, uint64_t nblocks,
    bool readonly, struct blkdev **out);
/* Unregister and free a RAM disk (its memory stays the caller's). */
void ramdisk_destroy(struct blkdev *d);

#endif
