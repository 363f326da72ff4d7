/*
 * Block devices: the list of registered devices and the request path
 * between the core and the drivers (blk/blkdev.h).
 *
 * A request goes down through blk_submit(), which checks it once for
 * every driver (drivers then trust what they get), and comes back up
 * through blk_complete(), which may run in interrupt context and so
 * only counts and calls the submitter's done().  blk_rw() is the one
 * place that sleeps: it waits on a completion living in its own stack
 * frame, which the done() callback signals under the completion's
 * spinlock so that the frame cannot vanish while the waker still
 * touches it.
 *
 * Registering a device also gives it a node in devfs (blkdev_file.c)
 * and starts the block cache's write-back thread on first use.
 * Locking: blk_lock guards the device list; the counters are atomic.
 */
#include "blk/bcache.h"
#include "blk/blkdev.h"
#include "blk_internal.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "proc/waitq.h"

static struct spinlock blk_lock = SPINLOCK_INIT("blkdev");
static struct list devices = LIST_INIT(devices);	/* [blk_lock] */

/* The device named name, or NULL.  blk_lock held. */
static struct blkdev *
find_locked(const char *name)
{
	struct list *it;

	list_foreach(it, &devices) {
		struct blkdev *d = list_entry(it, struct blkdev, link);

		if (strcmp(d->name, name) == 0)
			return d;
	}
	return NULL;
}

int
blkdev_register(struct blkdev *d)
{
	size_t len = strnlen(d->name, BLK_NAME_MAX);

	if (len == 0 || len == BLK_NAME_MAX || d->ops == NULL ||
	    d->ops->submit == NULL || d->nblocks == 0)
		return -EINVAL;
	bcache_init();
	spin_lock(&blk_lock);
	if (find_locked(d->name) != NULL) {
		spin_unlock(&blk_lock);
		return -EEXIST;
	}
	d->reads = d->writes = d->flushes = d->errors = 0;
	list_push_back(&devices, &d->link);
	spin_unlock(&blk_lock);
	blkdev_file_register(d);
	return 0;
}

void
blkdev_unregister(struct blkdev *d)
{
	bcache_invalidate(d);
	spin_lock(&blk_lock);
	list_remove(&d->link);
	spin_unlock(&blk_lock);
}

struct blkdev *
blkdev_find(const char *name)
{
	struct blkdev *d;

	spin_lock(&blk_lock);
	d = find_locked(name);
	spin_unlock(&blk_lock);
	return d;
}

/* Is [blkno, blkno + nblocks) a non-empty range inside d? */
static bool
in_range(const struct blkdev *d, uint64_t blkno, uint32_t nblocks)
{
	return nblocks > 0 && blkno < d->nblocks &&
	    nblocks <= d->nblocks - blkno;
}

void
blk_submit(struct blkdev *d, struct blkreq *r)
{
	bool bad;

	r->dev = d;
	r->error = 0;
	switch (r->op) {
	case BLK_READ:
		bad = !in_range(d, r->blkno, r->nblocks) || r->buf == NULL;
		__atomic_add_fetch(&d->reads, 1, __ATOMIC_RELAXED);
		break;
	case BLK_WRITE:
		bad = !in_range(d, r->blkno, r->nblocks) || r->buf == NULL ||
		    d->readonly;
		__atomic_add_fetch(&d->writes, 1, __ATOMIC_RELAXED);
		break;
	case BLK_FLUSH:
		bad = false;
		__atomic_add_fetch(&d->flushes, 1, __ATOMIC_RELAXED);
		break;
	default:
		bad = true;
		break;
	}
	if (bad) {
		blk_complete(r, -EIO);
		return;
	}
	d->ops->submit(d, r);
}

void
blk_complete(struct blkreq *r, int error)
{
	if (error != 0 && r->dev != NULL)
		__atomic_add_fetch(&r->dev->errors, 1, __ATOMIC_RELAXED);
	r->error = error;
	r->done(r);
}

/* blk_rw()'s and blk_rw_many()'s wait: requests still out, under lock. */
struct completion {
	struct spinlock lock;
	struct waitq wq;
	int pending;
};

static void
rw_done(struct blkreq *r)
{
	struct completion *c = r->arg;

	spin_lock(&c->lock);
	if (--c->pending == 0)
		waitq_wake_all(&c->wq);
	spin_unlock(&c->lock);
}

void
blk_rw_many(struct blkdev *d, struct blkreq *reqs, int n)
{
	struct completion c;
	int i;

	spin_init(&c.lock, "blk_rw");
	waitq_init(&c.wq, "blk_rw");
	c.pending = n;
	for (i = 0; i < n; i++) {
		reqs[i].done = rw_done;
		reqs[i].arg = &c;
		reqs[i].error = 0;
		list_init(&reqs[i].link);
		blk_submit(d, &reqs[i]);
	}
	spin_lock(&c.lock);
	while (c.pending > 0)
		waitq_wait(&c.wq, &c.lock);
	spin_unlock(&c.lock);
}

int
blk_rw(struct blkdev *d, enum blk_op op, uint64_t blkno, uint32_t nblocks,
    void *buf)
{
	struct blkreq r;

	if (op != BLK_FLUSH && !in_range(d, blkno, nblocks))
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.op = op;
	r.blkno = blkno;
	r.nblocks = nblocks;
	r.buf = buf;
	blk_rw_many(d, &r, 1);
	return r.error;
}
