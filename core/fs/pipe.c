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
 * copy a piece out of the ring under the lock, copy it to the user
 * after, and only then take from the ring the bytes that reached the
 * user, so a read that faults leaves its bytes in the pipe, as Linux's.
 * Between the two steps the reader marks the pipe busy, which keeps
 * other readers from the same bytes (Linux holds the pipe's mutex).
 * Because an atomic write waits for room for its whole piece, small
 * writes never interleave; a write puts in only what it copied in.
 *
 * Each end is a struct file (fs/file.h) whose priv is the pipe; readers
 * and writers count the open ends.  The pipe itself is reference
 * counted: each open end holds a reference, a FIFO's inode another
 * (ip->pipe), and an open(2) of the FIFO still waiting for its other
 * side one more, so the last of them frees it.
 *
 * FIFOs (fifo(7)): opening a FIFO joins the pipe of its inode.  An
 * O_RDONLY open waits until a writer has opened (at once with
 * O_NONBLOCK), an O_WRONLY one until a reader has (ENXIO with
 * O_NONBLOCK and no reader), O_RDWR never waits.  A waiter wakes when
 * the other side's open count moves, as Linux's r_counter/w_counter,
 * so a writer that opens and closes at once still releases a reader;
 * a signal ends the wait with ERESTARTSYS.  When the last end closes,
 * the data left in the pipe goes, as Linux frees a FIFO's buffer then.
 */
#include "contract/physmem.h"
#include "contract/usercopy.h"
#include "dev/tty.h"		/* FIONREAD */
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "proc/waitq.h"
#include "sys/syscall.h"

struct pipe {
	struct spinlock lock;
	char *ring;		/* PIPE_SIZE bytes */
	paddr_t ring_pa;	/* [i] a FIFO's ring: pages, not heap */
	size_t head;		/* [lock] next byte to read */
	size_t len;		/* [lock] bytes buffered */
	bool busy;		/* [lock] a reader is copying from the head */
	int readers, writers;	/* [lock] open ends */
	unsigned rcount, wcount; /* [lock] FIFO opens ever, per side */
	int refs;		/* [lock] ends, the inode, opens waiting */
	uint64_t ino;		/* [i] for /proc's pipe:[ino] */
	struct waitq rq;	/* readers wait for data, FIFO opens too */
	struct waitq wq;	/* writers wait for room, FIFO opens too */
};

#define PIPE_ORDER	4	/* PIPE_SIZE in pages, as a page order */
_Static_assert((PAGE_SIZE << PIPE_ORDER) == PIPE_SIZE, "PIPE_ORDER");

/* Pipe numbers, apart from inode numbers as Linux's pipefs's are. */
static uint64_t next_pipe_ino = 1;

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

/* Copy n bytes from the head (they are there) and leave them; lock held. */
static void
ring_peek(const struct pipe *p, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = p->ring[(p->head + i) % PIPE_SIZE];
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
		/* A signal counts only when the room did not come too. */
		if (waitq_wait_intr(&p->wq, &p->lock) != 0 &&
		    p->readers > 0 && PIPE_SIZE - p->len < need) {
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
 * Copy up to n bytes from the head into buf and mark the pipe busy,
 * waiting for the first byte (and for another reader's copy to end)
 * unless wait is false.  Returns bytes copied, 0 at end of file (or
 * nothing there when not waiting), -EAGAIN or -ERESTARTSYS.  A positive
 * return must be followed by pipe_consume().
 */
static ssize_t
pipe_peek(struct pipe *p, bool nonblock, bool wait, char *buf, size_t n)
{
	size_t got;

	spin_lock(&p->lock);
	while (p->busy || p->len == 0) {
		if (!wait || (!p->busy && p->writers == 0)) {
			spin_unlock(&p->lock);
			return 0;
		}
		/* A busy pipe is a lock, not a lack of data: wait anyway. */
		if (nonblock && !p->busy) {
			spin_unlock(&p->lock);
			return -EAGAIN;
		}
		/* A signal counts only when the pipe did not become ready. */
		if (waitq_wait_intr(&p->rq, &p->lock) != 0 &&
		    (p->busy || (p->len == 0 && p->writers > 0))) {
			spin_unlock(&p->lock);
			return -ERESTARTSYS;
		}
	}
	got = MIN(n, p->len);
	ring_peek(p, buf, got);
	p->busy = true;
	spin_unlock(&p->lock);
	return (ssize_t)got;
}

/* Take the n bytes of a peek that reached the user; the pipe is free. */
static void
pipe_consume(struct pipe *p, size_t n)
{
	spin_lock(&p->lock);
	p->head = (p->head + n) % PIPE_SIZE;
	p->len -= n;
	p->busy = false;
	spin_unlock(&p->lock);
	waitq_wake_all(&p->rq);		/* readers waiting on busy */
	if (n > 0) {
		waitq_wake_all(&p->wq);
		poll_notify();
	}
}

/* Read what is there (after waiting for something), up to the request. */
static ssize_t
pipe_read(struct file *f, struct uio *uio, uint64_t *off)
{
	struct pipe *p = f->priv;
	size_t before;
	char *buf;
	ssize_t r = 0;
	int err;

	(void)off;
	if (uio->resid == 0)
		return 0;
	buf = kmalloc(PIPE_BUF);
	while (uio->resid > 0) {
		r = pipe_peek(p, nonblocking(f), uio->done == 0, buf,
		    MIN(uio->resid, PIPE_BUF));
		if (r <= 0)
			break;
		before = uio->done;
		err = uio_copyout(uio, buf, (size_t)r);
		pipe_consume(p, uio->done - before);
		if (err != 0) {
			r = err;
			break;
		}
	}
	kfree(buf);
	return file_io_result(uio, r < 0 ? (int)r : 0);
}

/*
 * Readiness: data or EOF to read; room (a whole PIPE_BUF) or EPIPE to
 * write; a FIFO opened O_RDWR is both ends.
 */
static unsigned
pipe_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned m = 0, acc = f->flags & O_ACCMODE;

	spin_lock(&p->lock);
	if (acc != O_WRONLY) {
		if (p->len > 0)
			m |= POLLIN;
		/* No hang-up before the first writer (see fifo_open). */
		if (p->writers == 0 && f->offset != p->wcount)
			m |= POLLHUP;
	}
	if (acc != O_RDONLY) {
		if (PIPE_SIZE - p->len >= PIPE_BUF)
			m |= POLLOUT;
		if (p->readers == 0)
			m |= POLLERR;
	}
	spin_unlock(&p->lock);
	return m;
}

/* Drop a reference; lock held on entry, released on return. */
static void
pipe_unref_locked(struct pipe *p)
{
	bool last = --p->refs == 0;

	spin_unlock(&p->lock);
	if (!last)
		return;
	if (p->ring_pa != 0)
		page_free(p->ring_pa, PIPE_ORDER);
	else
		kfree(p->ring);
	kfree(p);
}

/* One end closed: the other side learns of it (EOF, EPIPE). */
static void
pipe_close(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned acc = f->flags & O_ACCMODE;

	spin_lock(&p->lock);
	if (acc != O_WRONLY)
		p->readers--;
	if (acc != O_RDONLY)
		p->writers--;
	if (p->readers == 0 && p->writers == 0)
		p->head = p->len = 0;	/* a FIFO's data goes with them */
	waitq_wake_all(&p->rq);
	waitq_wake_all(&p->wq);
	pipe_unref_locked(p);
	poll_notify();
}

/* FIONREAD: the bytes buffered, as an int; nothing else (ENOTTY). */
static long
pipe_ioctl(struct file *f, unsigned cmd, uaddr_t arg)
{
	struct pipe *p = f->priv;
	int32_t n;

	if (cmd != FIONREAD)
		return -ENOTTY;
	spin_lock(&p->lock);
	n = (int32_t)p->len;
	spin_unlock(&p->lock);
	return copyout(arg, &n, sizeof(n)) != 0 ? -EFAULT : 0;
}

static const struct file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.ioctl = pipe_ioctl,
	.close = pipe_close,
};

/* A pipe around ring (PIPE_SIZE bytes), with no ends yet. */
static struct pipe *
pipe_alloc(char *ring)
{
	struct pipe *p = kzalloc(sizeof(*p));

	p->ring = ring;
	spin_init(&p->lock, "pipe");
	waitq_init(&p->rq, "pipe readers");
	waitq_init(&p->wq, "pipe writers");
	p->ino = __atomic_fetch_add(&next_pipe_ino, 1, __ATOMIC_RELAXED);
	return p;
}

/* Two files over a new pipe; inside a reservation this cannot fail. */
void
pipe_create(unsigned flags, struct file **rd, struct file **wr)
{
	struct pipe *p = pipe_alloc(kmalloc(PIPE_SIZE));

	p->readers = p->writers = 1;
	p->rcount = p->wcount = 1;	/* each end has opened, once */
	p->refs = 2;
	*rd = file_alloc(&pipe_ops, O_RDONLY | flags, p);
	*wr = file_alloc(&pipe_ops, O_WRONLY | flags, p);
}

uint64_t
pipe_file_ino(struct file *f)
{
	return f->ops == &pipe_ops ? ((struct pipe *)f->priv)->ino : 0;
}

struct pipe *
fifo_get(struct inode *ip)
{
	struct pipe *p = ip->pipe;
	paddr_t pa;

	if (p == NULL) {
		/*
		 * The ring comes from the page allocator: open(2)'s heap
		 * bound is a path's, not a pipe's.
		 */
		if ((pa = page_alloc(PIPE_ORDER, 0)) == 0)
			return NULL;
		p = ip->pipe = pipe_alloc(phys_to_virt(pa));
		p->ring_pa = pa;
		p->refs = 1;		/* the inode's */
	}
	spin_lock(&p->lock);
	p->refs++;
	spin_unlock(&p->lock);
	return p;
}

void
pipe_inode_release(struct pipe *p)
{
	spin_lock(&p->lock);
	pipe_unref_locked(p);
}

/*
 * Wait, lock held, until the other side's open count leaves `seen`,
 * sleeping on q: 0, or -ERESTARTSYS when a signal came first.  A peer
 * that came with the signal wins (as Linux checks the condition before
 * the signal): a restarted open would miss a writer already gone.
 */
static int
fifo_wait(struct pipe *p, struct waitq *q, const unsigned *count,
    unsigned seen)
{
	while (*count == seen)
		if (waitq_wait_intr(q, &p->lock) != 0 && *count == seen)
			return -ERESTARTSYS;
	return 0;
}

long
fifo_open(struct pipe *p, unsigned flags, struct file **out)
{
	unsigned acc = flags & O_ACCMODE;
	bool nonblock = (flags & O_NONBLOCK) != 0, quiet = false;
	unsigned seen = 0;
	int err = 0;

	spin_lock(&p->lock);
	switch (acc) {
	case O_RDONLY:
		p->readers++;
		p->rcount++;
		waitq_wake_all(&p->wq);
		if (p->writers == 0 && nonblock) {
			/* poll says no POLLHUP until a writer comes. */
			quiet = true;
			seen = p->wcount;
		} else if (p->writers == 0 &&
		    (err = fifo_wait(p, &p->rq, &p->wcount, p->wcount)) != 0)
			p->readers--;
		break;
	case O_WRONLY:
		if (p->readers == 0 && nonblock) {
			err = -ENXIO;
			break;
		}
		p->writers++;
		p->wcount++;
		waitq_wake_all(&p->rq);
		if (p->readers == 0 &&
		    (err = fifo_wait(p, &p->wq, &p->rcount, p->rcount)) != 0)
			p->writers--;
		break;
	default:
		/* O_RDWR: both sides at once, so never a wait (Linux's way). */
		p->readers++;
		p->writers++;
		p->rcount++;
		p->wcount++;
		waitq_wake_all(&p->rq);
		waitq_wake_all(&p->wq);
		break;
	}
	if (err != 0) {
		/* A peer that came and went may wait on us still. */
		waitq_wake_all(&p->rq);
		waitq_wake_all(&p->wq);
		pipe_unref_locked(p);
		return err;
	}
	spin_unlock(&p->lock);
	poll_notify();
	/* The open's reference becomes the file's. */
	*out = file_alloc(&pipe_ops, flags, p);
	/*
	 * A pipe has no position, so the offset keeps the writers' open
	 * count the reader saw (Linux keeps it in f_version): ~0 unless
	 * the reader came first, without waiting.
	 */
	(*out)->offset = quiet ? seen : ~(uint64_t)0;
	return 0;
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
	limit = proc_nofile_limit(p);
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
