/*
 * Pipes: a 64 KiB ring between a read end and a write end, and the
 * pipe(2)/pipe2(2) syscalls.
 *
 * Semantics are Linux's (pipe(7)): a read blocks until there is data and
 * then returns what is there (up to the request), or 0 at end of file
 * once every write end is closed; a write blocks until all of it is in,
 * and one of at most PIPE_BUF bytes goes in whole, never interleaved
 * with another writer's bytes; with no read end left a write fails with
 * EPIPE (and SIGPIPE to the writing thread, as Linux); with
 * O_NONBLOCK a call that would block fails with EAGAIN instead, unless it
 * moved some bytes, which it returns.
 *
 * User memory is never touched under the pipe's spinlock (a copy may
 * fault and sleep): writers copy a piece of at most PIPE_BUF bytes into
 * a bounce buffer first, then lock, wait for room and put it in; readers
 * take a piece out under the lock and copy it out after.  Because an
 * atomic write waits for room for its whole piece, small writes never
 * interleave.  A read that faults after taking bytes loses them (Linux
 * would leave them in the pipe); only a broken program sees that.
 *
 * Each end is a struct file (fs/file.h) whose priv is the pipe; readers
 * and writers count the open ends, and the last close frees the pipe.
 */
#include "contract/usercopy.h"
#include "fs/file.h"
#include "kern/errno.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "proc/waitq.h"
#include "sys/syscall.h"

struct pipe {
	struct spinlock lock;
	char *ring;		/* PIPE_SIZE bytes */
	size_t head;		/* [lock] next byte to read */
	size_t len;		/* [lock] bytes buffered */
	int readers, writers;	/* [lock] open ends */
	struct waitq rq;	/* readers wait for data */
	struct waitq wq;	/* writers wait for room */
};

static bool
nonblocking(const struct file *f)
{
	return (__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK) != 0;
}

/* Append n bytes at the tail (room is there); lock held. */
static void
ring_put(struct pipe *p, const char *buf, size_t n)
{
	size_t tail, i;

	for (i = 0; i < n; i++) {
		tail = (p->head + p->len) % PIPE_SIZE;
		p->ring[tail] = buf[i];
		p->len++;
	}
}

/* Take n bytes from the head (they are there); lock held. */
static void
ring_take(struct pipe *p, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		buf[i] = p->ring[p->head];
		p->head = (p->head + 1) % PIPE_SIZE;
		p->len--;
	}
}

/*
 * Put some of buf[0..n) in the pipe: all of it when atomic, else as much
 * as fits once there is any room.  Returns bytes put, -EAGAIN or -EPIPE.
 */
static ssize_t
pipe_put(struct pipe *p, bool nonblock, const char *buf, size_t n,
    bool atomic)
{
	size_t need = atomic ? n : 1, put;

	spin_lock(&p->lock);
	while (p->readers > 0 && PIPE_SIZE - p->len < need) {
		if (nonblock) {
			spin_unlock(&p->lock);
			return -EAGAIN;
		}
		if (waitq_wait_intr(&p->wq, &p->lock) != 0) {
			spin_unlock(&p->lock);
			return -ERESTARTSYS;
		}
	}
	if (p->readers == 0) {
		spin_unlock(&p->lock);
		return -EPIPE;
	}
	put = MIN(n, PIPE_SIZE - p->len);
	ring_put(p, buf, put);
	spin_unlock(&p->lock);
	waitq_wake_all(&p->rq);
	poll_notify();
	return (ssize_t)put;
}

/* Write the uio piece by piece; see the essay for the rules. */
static ssize_t
pipe_write(struct file *f, struct uio *uio, uint64_t *off)
{
	struct pipe *p = f->priv;
	bool atomic = uio->resid <= PIPE_BUF;
	size_t written = 0, got, put, before;
	char *buf = kmalloc(PIPE_BUF);
	ssize_t r;
	int err = 0;

	(void)off;
	while (uio->resid > 0 && err == 0) {
		before = uio->done;
		err = uio_copyin(buf, MIN(uio->resid, PIPE_BUF), uio);
		got = uio->done - before;
		for (put = 0; put < got; put += (size_t)r, written += (size_t)r) {
			r = pipe_put(p, nonblocking(f), buf + put, got - put,
			    atomic);
			if (r < 0) {
				err = (int)r;
				break;
			}
		}
	}
	kfree(buf);
	if (written == 0 && err == -EPIPE)
		signal_raise_pipe();
	return written > 0 ? (ssize_t)written : err;
}

/*
 * Take up to n bytes out, waiting for the first one unless wait is
 * false.  Returns bytes taken, 0 at end of file, or -EAGAIN.
 */
static ssize_t
pipe_take(struct pipe *p, bool nonblock, bool wait, char *buf, size_t n)
{
	size_t got;

	spin_lock(&p->lock);
	while (p->len == 0) {
		if (p->writers == 0 || !wait) {
			spin_unlock(&p->lock);
			return 0;
		}
		if (nonblock) {
			spin_unlock(&p->lock);
			return -EAGAIN;
		}
		if (waitq_wait_intr(&p->rq, &p->lock) != 0) {
			spin_unlock(&p->lock);
			return -ERESTARTSYS;
		}
	}
	got = MIN(n, p->len);
	ring_take(p, buf, got);
	spin_unlock(&p->lock);
	waitq_wake_all(&p->wq);
	poll_notify();
	return (ssize_t)got;
}

/* Read what is there (after waiting for something), up to the request. */
static ssize_t
pipe_read(struct file *f, struct uio *uio, uint64_t *off)
{
	struct pipe *p = f->priv;
	char *buf;
	ssize_t r = 0;

	(void)off;
	if (uio->resid == 0)
		return 0;
	buf = kmalloc(PIPE_BUF);
	while (uio->resid > 0) {
		r = pipe_take(p, nonblocking(f), uio->done == 0, buf,
		    MIN(uio->resid, PIPE_BUF));
		if (r <= 0)
			break;
		if (uio_copyout(uio, buf, (size_t)r) != 0) {
			r = -EFAULT;
			break;
		}
	}
	kfree(buf);
	return file_io_result(uio, r < 0 ? (int)r : 0);
}

/* Readiness: data or EOF to read; room (a whole PIPE_BUF) or EPIPE to write. */
static unsigned
pipe_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned m = 0;

	spin_lock(&p->lock);
	if ((f->flags & O_ACCMODE) == O_RDONLY) {
		if (p->len > 0)
			m |= POLLIN;
		if (p->writers == 0)
			m |= POLLHUP;
	} else {
		if (PIPE_SIZE - p->len >= PIPE_BUF)
			m |= POLLOUT;
		if (p->readers == 0)
			m |= POLLERR;
	}
	spin_unlock(&p->lock);
	return m;
}

/* One end closed: the other side learns of it (EOF, EPIPE). */
static void
pipe_close(struct file *f)
{
	struct pipe *p = f->priv;
	bool last;

	spin_lock(&p->lock);
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	last = p->readers == 0 && p->writers == 0;
	spin_unlock(&p->lock);
	waitq_wake_all(&p->rq);
	waitq_wake_all(&p->wq);
	poll_notify();
	if (last) {
		kfree(p->ring);
		kfree(p);
	}
}

static const struct file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.close = pipe_close,
};

/* Two files over a new pipe; inside a reservation this cannot fail. */
void
pipe_create(unsigned flags, struct file **rd, struct file **wr)
{
	struct pipe *p = kzalloc(sizeof(*p));

	p->ring = kmalloc(PIPE_SIZE);
	spin_init(&p->lock, "pipe");
	waitq_init(&p->rq, "pipe readers");
	waitq_init(&p->wq, "pipe writers");
	p->readers = p->writers = 1;
	*rd = file_alloc(&pipe_ops, O_RDONLY | flags, p);
	*wr = file_alloc(&pipe_ops, O_WRONLY | flags, p);
}

/* pipe2(2): O_CLOEXEC and O_NONBLOCK; packet mode (O_DIRECT) is not here. */
static long
do_pipe2(uaddr_t ufds, unsigned flags)
{
	struct proc *p = proc_current();
	struct file *rd, *wr;
	unsigned limit;
	int fds[2];

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	spin_lock(&proc_lock);
	limit = (unsigned)MIN(p->rlim[RLIMIT_NOFILE].cur, (uint64_t)NR_OPEN);
	spin_unlock(&proc_lock);
	pipe_create(flags & O_NONBLOCK, &rd, &wr);
	fds[0] = fd_alloc(p->fdt, rd, 0, limit, flags & O_CLOEXEC);
	if (fds[0] < 0) {
		file_unref(rd);
		file_unref(wr);
		return fds[0];
	}
	fds[1] = fd_alloc(p->fdt, wr, 0, limit, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		file_unref(wr);
		fd_close(p->fdt, fds[0]);
		return fds[1];
	}
	if (copyout(ufds, fds, sizeof(fds)) != 0) {
		fd_close(p->fdt, fds[0]);
		fd_close(p->fdt, fds[1]);
		return -EFAULT;
	}
	return 0;
}

long
sys_pipe(const struct syscall_args *a)
{
	return do_pipe2(a->a[0], 0);
}

long
sys_pipe2(const struct syscall_args *a)
{
	return do_pipe2(a->a[0], (unsigned)a->a[1]);
}
