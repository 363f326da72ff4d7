/*
 * eventfd(2) and eventfd2(2): a 64-bit counter as a file.
 *
 * A write of 8 bytes adds to the counter, waiting while the sum would
 * reach 2^64 - 1; a read of at least 8 bytes waits for a non-zero count
 * and returns it and resets it to 0, or, with EFD_SEMAPHORE, returns 1
 * and decrements it.  Buffers shorter than 8 bytes and a write of
 * 2^64 - 1 are EINVAL.  The file is readable while the count is
 * non-zero and writable while 1 more fits, as on Linux.  Every change
 * bumps an event count that edge-triggered epoll compares
 * (eventfd_events).
 */
#include "fs/file.h"
#include "fs/eventfd.h"
#include "kern/errno.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "proc/waitq.h"
#include "sys/syscall.h"

#define EFD_SEMAPHORE	1u
#define EFD_CLOEXEC	O_CLOEXEC
#define EFD_NONBLOCK	O_NONBLOCK
#define EFD_MAX		UINT64_MAX	/* the count never reaches this */

struct eventfd {
	struct spinlock lock;
	uint64_t count;		/* [lock] */
	bool semaphore;		/* [i] */
	uint64_t events;	/* atomic: changes, for epoll's edges */
	struct waitq wq;	/* readers and writers */
};

static const struct file_ops eventfd_ops;

bool
eventfd_events(struct file *f, uint64_t *events)
{
	struct eventfd *e = f->priv;

	if (f->ops != &eventfd_ops)
		return false;
	*events = __atomic_load_n(&e->events, __ATOMIC_ACQUIRE);
	return true;
}

static bool
nonblocking(const struct file *f)
{
	return (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK) != 0;
}

/* The count changed: wake the other side and the pollers. */
static void
changed(struct eventfd *e)
{
	__atomic_add_fetch(&e->events, 1, __ATOMIC_RELEASE);
	waitq_wake_all(&e->wq);
	poll_notify();
}

static ssize_t
eventfd_read(struct file *f, struct uio *uio, uint64_t *off)
{
	struct eventfd *e = f->priv;
	uint64_t v;

	(void)off;
	if (uio->resid < sizeof(v))
		return -EINVAL;
	spin_lock(&e->lock);
	while (e->count == 0) {
		if (nonblocking(f)) {
			spin_unlock(&e->lock);
			return -EAGAIN;
		}
		if (waitq_wait_intr(&e->wq, &e->lock) != 0) {
			spin_unlock(&e->lock);
			return -ERESTARTSYS;
		}
	}
	v = e->semaphore ? 1 : e->count;
	e->count -= v;
	spin_unlock(&e->lock);
	changed(e);
	/* A fault loses the value, as it would on Linux. */
	if (uio_copyout(uio, &v, sizeof(v)) != 0)
		return -EFAULT;
	return sizeof(v);
}

static ssize_t
eventfd_write(struct file *f, struct uio *uio, uint64_t *off)
{
	struct eventfd *e = f->priv;
	uint64_t v;

	(void)off;
	if (uio->resid < sizeof(v))
		return -EINVAL;
	if (uio_copyin(&v, sizeof(v), uio) != 0)
		return -EFAULT;
	if (v == EFD_MAX)
		return -EINVAL;
	spin_lock(&e->lock);
	while (EFD_MAX - e->count <= v) {
		if (nonblocking(f)) {
			spin_unlock(&e->lock);
			return -EAGAIN;
		}
		if (waitq_wait_intr(&e->wq, &e->lock) != 0) {
			spin_unlock(&e->lock);
			return -ERESTARTSYS;
		}
	}
	e->count += v;
	spin_unlock(&e->lock);
	changed(e);
	return sizeof(v);
}

static unsigned
eventfd_poll(struct file *f)
{
	struct eventfd *e = f->priv;
	unsigned m = 0;

	spin_lock(&e->lock);
	if (e->count > 0)
		m |= POLLIN;
	if (e->count < EFD_MAX - 1)
		m |= POLLOUT;
	spin_unlock(&e->lock);
	return m;
}

static void
eventfd_close(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
	.close = eventfd_close,
};

static long
do_eventfd(uint64_t initval, unsigned flags)
{
	struct proc *p = proc_current();
	struct eventfd *e;
	struct file *f;
	int fd;

	if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
		return -EINVAL;
	e = kzalloc(sizeof(*e));
	spin_init(&e->lock, "eventfd");
	waitq_init(&e->wq, "eventfd");
	e->count = (uint32_t)initval;	/* an unsigned int, as Linux takes it */
	e->semaphore = (flags & EFD_SEMAPHORE) != 0;
	f = file_alloc(&eventfd_ops, O_RDWR | (flags & EFD_NONBLOCK), e);
	fd = fd_alloc(p->fdt, f, 0, proc_nofile_limit(p), (flags & EFD_CLOEXEC) != 0);
	if (fd < 0)
		file_unref(f);
	return fd;
}

long
sys_eventfd(const struct syscall_args *a)
{
	return do_eventfd(a->a[0], 0);
}

long
sys_eventfd2(const struct syscall_args *a)
{
	return do_eventfd(a->a[0], (unsigned)a->a[1]);
}
