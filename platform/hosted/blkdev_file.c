/*
 * The hosted bake's block device: a host file (a disk image) read and
 * written through io_uring (hosted.h: hosted_blkdev_open).
 *
 * submit runs on a vCPU and must not sleep, so it only puts an SQE on
 * the ring (a read or write at blkno * BLK_SIZE, or an fsync for
 * BLK_FLUSH) and returns; when the ring is full the request waits on a
 * backlog list instead.  A host thread, the reaper, waits for CQEs: for
 * each it records the result in the request, pushes the request on a
 * lock-free "done" stack and posts the device's hosted_irq; the
 * handler, on a vCPU, takes the whole stack and calls blk_complete()
 * for each request, as an interrupt handler would.  The reaper also
 * starts backlogged requests as slots free up.
 *
 * Ordering is the host kernel's: io_uring may run the requests in
 * flight in any order, which is what blk/blkdev.h promises and no
 * more; an fsync submitted after writes completed makes them durable.
 *
 * Locking: `lock` (a host mutex, held for a few instructions, never
 * across a wait) guards the submission side of the ring, `inflight`
 * and the backlog.  The completion side belongs to the reaper alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk/blkdev.h"
#include "hosted.h"
#include "proc/thread.h"

#define RING_DEPTH	128	/* SQEs, and so requests in flight */

struct filedev {
	struct blkdev dev;
	int fd;				/* [i] the image */
	struct io_uring ring;
	pthread_t reaper;
	pthread_mutex_t lock;
	unsigned inflight;		/* [lock] on the ring */
	struct list backlog;		/* [lock] waiting for a slot */
	struct blkreq *done;		/* atomic stack, by link.next */
	struct hosted_irq irq;
	struct filedev *next_closed;	/* the closed list (see close) */
};

/*
 * Closed devices are kept, not freed: a posted irq may still be on its
 * way to a vCPU when the reaper ends, and it points at the device.
 */
static struct filedev *closed;
static pthread_mutex_t closed_lock = PTHREAD_MUTEX_INITIALIZER;

/* Put r on the ring (lock held, a slot free). */
static void
ring_start(struct filedev *fd, struct blkreq *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&fd->ring);
	size_t len = (size_t)r->nblocks * BLK_SIZE;
	off_t off = (off_t)(r->blkno * BLK_SIZE);

	if (sqe == NULL) {	/* unsubmitted SQEs fill it: push them */
		io_uring_submit(&fd->ring);
		sqe = io_uring_get_sqe(&fd->ring);
	}
	switch (r->op) {
	case BLK_READ:
		io_uring_prep_read(sqe, fd->fd, r->buf, (unsigned)len, off);
		break;
	case BLK_WRITE:
		io_uring_prep_write(sqe, fd->fd, r->buf, (unsigned)len, off);
		break;
	default:
		io_uring_prep_fsync(sqe, fd->fd, 0);
		break;
	}
	io_uring_sqe_set_data(sqe, r);
	fd->inflight++;
	io_uring_submit(&fd->ring);
}

static void
filedev_submit(struct blkdev *d, struct blkreq *r)
{
	struct filedev *fd = d->priv;

	pthread_mutex_lock(&fd->lock);
	if (fd->inflight < RING_DEPTH)
		ring_start(fd, r);
	else
		list_push_back(&fd->backlog, &r->link);
	pthread_mutex_unlock(&fd->lock);
}

/* The device's interrupt: complete every request the reaper finished. */
static void
filedev_irq(void *arg)
{
	struct filedev *fd = arg;
	struct blkreq *r, *next, *fifo = NULL;

	r = __atomic_exchange_n(&fd->done, NULL, __ATOMIC_ACQUIRE);
	for (; r != NULL; r = next) {	/* the stack is newest first */
		next = (struct blkreq *)r->link.next;
		r->link.next = (struct list *)fifo;
		fifo = r;
	}
	for (r = fifo; r != NULL; r = next) {
		next = (struct blkreq *)r->link.next;
		list_init(&r->link);
		blk_complete(r, r->error);
	}
}

/* The result of r that the CQE reports: 0 or -EIO. */
static int
cqe_error(const struct blkreq *r, int res)
{
	if (r->op == BLK_FLUSH)
		return res == 0 ? 0 : -EIO;
	return res == (int)(r->nblocks * BLK_SIZE) ? 0 : -EIO;
}

/* The reaper: a host thread standing in for the device's interrupt line. */
static void *
filedev_reaper(void *arg)
{
	struct filedev *fd = arg;
	struct io_uring_cqe *cqe;
	struct blkreq *r, *head;
	struct list *l;
	bool stop = false;

	while (!stop) {
		if (io_uring_wait_cqe(&fd->ring, &cqe) != 0)
			continue;	/* EINTR */
		r = io_uring_cqe_get_data(cqe);
		if (r == NULL) {	/* close's NOP: nothing in flight */
			stop = true;
			io_uring_cqe_seen(&fd->ring, cqe);
			continue;
		}
		r->error = cqe_error(r, cqe->res);
		io_uring_cqe_seen(&fd->ring, cqe);
		head = __atomic_load_n(&fd->done, __ATOMIC_RELAXED);
		do
			r->link.next = (struct list *)head;
		while (!__atomic_compare_exchange_n(&fd->done, &head, r, true,
		    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
		pthread_mutex_lock(&fd->lock);
		fd->inflight--;
		while (fd->inflight < RING_DEPTH &&
		    (l = list_pop_front(&fd->backlog)) != NULL)
			ring_start(fd, list_entry(l, struct blkreq, link));
		pthread_mutex_unlock(&fd->lock);
		hosted_irq_post(&fd->irq);
	}
	return NULL;
}

static const struct blkdev_ops filedev_ops = {
	.submit = filedev_submit,
};

/* End the reaper: a NOP it recognises, after everything else. */
static void
reaper_stop(struct filedev *fd)
{
	struct io_uring_sqe *sqe;

	pthread_mutex_lock(&fd->lock);
	if ((sqe = io_uring_get_sqe(&fd->ring)) == NULL) {
		io_uring_submit(&fd->ring);
		sqe = io_uring_get_sqe(&fd->ring);
	}
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data(sqe, NULL);
	io_uring_submit(&fd->ring);
	pthread_mutex_unlock(&fd->lock);
	pthread_join(fd->reaper, NULL);
}

int
hosted_blkdev_open(const char *path, const char *name, bool readonly,
    struct blkdev **out)
{
	struct filedev *fd;
	struct stat st;
	int err, f;

	*out = NULL;
	if (name == NULL || strlen(name) == 0 || strlen(name) >= BLK_NAME_MAX)
		return -EINVAL;
	if ((f = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(f, &st) != 0) {
		err = -errno;
		close(f);
		return err;
	}
	if (st.st_size < (off_t)BLK_SIZE) {
		close(f);
		return -EINVAL;
	}
	if ((fd = calloc(1, sizeof(*fd))) == NULL) {
		close(f);
		return -ENOMEM;
	}
	fd->fd = f;
	if ((err = io_uring_queue_init(RING_DEPTH, &fd->ring, 0)) != 0)
		goto out_free;
	pthread_mutex_init(&fd->lock, NULL);
	list_init(&fd->backlog);
	fd->irq.handler = filedev_irq;
	fd->irq.arg = fd;
	fd->irq.vcpu = 0;
	strncpy(fd->dev.name, name, BLK_NAME_MAX - 1);
	fd->dev.nblocks = (uint64_t)st.st_size / BLK_SIZE;
	fd->dev.readonly = readonly;
	fd->dev.ops = &filedev_ops;
	fd->dev.priv = fd;
	err = pthread_create(&fd->reaper, NULL, filedev_reaper, fd);
	if (err != 0) {
		err = -err;
		goto out_ring;
	}
	if ((err = blkdev_register(&fd->dev)) != 0) {
		reaper_stop(fd);
		goto out_ring;
	}
	*out = &fd->dev;
	return 0;

out_ring:
	io_uring_queue_exit(&fd->ring);
out_free:
	close(f);
	free(fd);
	return err;
}

void
hosted_blkdev_close(struct blkdev *d)
{
	struct filedev *fd = d->priv;

	blkdev_unregister(d);
	reaper_stop(fd);
	io_uring_queue_exit(&fd->ring);
	close(fd->fd);
	pthread_mutex_lock(&closed_lock);
	fd->next_closed = closed;
	closed = fd;
	pthread_mutex_unlock(&closed_lock);
}
