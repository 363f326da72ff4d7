/*
 * Open files and the I/O syscalls over them (read, write, readv, writev,
 * pread64, pwrite64, lseek).
 *
 * Everything here is generic: a file is a method table and an object
 * (fs/file.h), so this layer only resolves the fd, checks the open mode,
 * builds a uio over the user's buffers and calls the method.  What a
 * read means -- wait for a pipe writer, take console input, copy from the
 * page cache -- is the method's business.  Errors follow Linux's order:
 * a bad fd first (EBADF), then the mode (EBADF too), then the arguments
 * (EINVAL), then the method (ESPIPE for pread on a pipe, EFAULT...).
 *
 * Only files with a position (an lseek method) serialise their I/O on the
 * file's pos_lock, as Linux does with f_pos_lock for regular files: a
 * pipe or console read may sleep for a long time and must not hold up a
 * write to the same open file.  Transfers longer than RW_CHUNK on such
 * files go a chunk at a time, each under its own heap reservation
 * (chunked_io()).
 *
 * A read or write that moved some bytes before failing returns the count
 * (a partial transfer), as Linux does; only a call that moved nothing
 * reports the error.
 */
#include "contract/usercopy.h"
#include "fs/file.h"
#include "kern/errno.h"
#include "mm/kmalloc.h"
#include "mm/reserve.h"
#include "proc/proc.h"
#include "proc/thread.h"
#include "sys/syscall.h"

/* A new open file with one reference. */
struct file *
file_alloc(const struct file_ops *ops, unsigned flags, void *priv)
{
	struct file *f = kzalloc(sizeof(*f));	/* in a reservation: no NULL */

	f->ops = ops;
	f->priv = priv;
	f->refs = 1;
	f->flags = flags;
	mutex_init(&f->pos_lock, "file pos");
	return f;
}

void
file_ref(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

/* Drop a reference; the last one closes the object.  No spinlock held. */
void
file_unref(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (f->ops->close != NULL)
		f->ops->close(f);
	kfree(f);
}

/* Sum the lengths of iov[0..n); -EINVAL past what a ssize_t holds. */
int
uio_init(struct uio *uio, struct iovec *iov, int n)
{
	size_t total = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (iov[i].len > (size_t)INT64_MAX - total)
			return -EINVAL;
		total += iov[i].len;
	}
	uio->iov = iov;
	uio->iovcnt = n;
	uio->resid = total;
	uio->done = 0;
	return 0;
}

/* Skip iovecs that are used up. */
static void
uio_skip_empty(struct uio *uio)
{
	while (uio->iovcnt > 0 && uio->iov->len == 0) {
		uio->iov++;
		uio->iovcnt--;
	}
}

/* Account n bytes moved at the current iovec. */
static void
uio_advance(struct uio *uio, size_t n)
{
	uio->iov->base += n;
	uio->iov->len -= n;
	uio->resid -= n;
	uio->done += n;
}

/*
 * The next piece of a copy: within the current iovec and one user page,
 * so that a bad page stops the copy exactly at its start and the bytes
 * before it count as moved (a partial transfer, as on Linux).
 */
static size_t
uio_step(const struct uio *uio, size_t n)
{
	size_t in_page = PAGE_SIZE - (uio->iov->base & PAGE_MASK);

	return MIN(MIN(n, uio->iov->len), in_page);
}

/*
 * Copy n bytes of kbuf out to the user buffers (n <= resid).  On a bad
 * pointer the bytes before it count as moved.
 */
int
uio_copyout(struct uio *uio, const void *kbuf, size_t n)
{
	const char *k = kbuf;
	size_t step;

	while (n > 0) {
		uio_skip_empty(uio);
		if (uio->iovcnt == 0)
			break;
		step = uio_step(uio, n);
		if (copyout(uio->iov->base, k, step) != 0)
			return -EFAULT;
		uio_advance(uio, step);
		k += step;
		n -= step;
	}
	return 0;
}

/* Copy n bytes from the user buffers into kbuf (n <= resid). */
int
uio_copyin(void *kbuf, size_t n, struct uio *uio)
{
	char *k = kbuf;
	size_t step;

	while (n > 0) {
		uio_skip_empty(uio);
		if (uio->iovcnt == 0)
			break;
		step = uio_step(uio, n);
		if (copyin(k, uio->iov->base, step) != 0)
			return -EFAULT;
		uio_advance(uio, step);
		k += step;
		n -= step;
	}
	return 0;
}

ssize_t
file_io_result(const struct uio *uio, int err)
{
	return uio->done > 0 ? (ssize_t)uio->done : err;
}

/* The current process's file at fd with a reference, or NULL. */
static struct file *
getf(uint64_t fd)
{
	struct proc *p = proc_current();

	if (p == NULL)
		return NULL;
	return fd_get(p->fdt, (int)fd);
}

/* Is the file open for reading (or writing)? */
static bool
readable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool
writable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

/*
 * Bytes of a read or write on a file with a position moved under one
 * heap reservation.  A disk file system's heap use grows with the bytes
 * it moves (journal handles, extent records), so a longer transfer
 * renews the syscall's reservation between chunks (reserve_renew()),
 * with no lock held; the bounds of read, write, pread64, pwrite64,
 * readv and writev in syscalls.def are per chunk.
 */
#define RW_CHUNK	((size_t)1 << 20)

/*
 * Move uio at *pos (NULL: the file's own position, under pos_lock) a
 * chunk at a time.  A chunk that moves less than asked (end of file, a
 * full disk, a fault) ends the call, as does an error or the process
 * being killed (the bytes moved so far are the result; the kill takes
 * effect at the syscall's exit point).  Unlike Linux, which holds
 * f_pos_lock for the whole call, the position is released between
 * chunks: writes of more than a chunk to one open file from two threads
 * at once may interleave at chunk boundaries.
 */
static ssize_t
chunked_io(struct file *f, bool write, struct uio *uio, const int64_t *pos)
{
	uint64_t off = pos != NULL ? (uint64_t)*pos : 0;
	struct thread *t = curthread();
	size_t want, rest, before;
	bool first = true;
	ssize_t r;

	for (;;) {
		want = MIN(uio->resid, RW_CHUNK);
		rest = uio->resid - want;
		uio->resid = want;
		before = uio->done;
		if (pos == NULL) {
			mutex_lock(&f->pos_lock);
			off = f->offset;
		}
		r = write ? f->ops->write(f, uio, &off) :
		    f->ops->read(f, uio, &off);
		if (pos == NULL) {
			f->offset = off;
			mutex_unlock(&f->pos_lock);
		}
		uio->resid += rest;
		if (r < 0 || uio->done - before < want || rest == 0)
			break;
		first = false;
		/* A dying process (SIGKILL, the OOM killer) stops here. */
		if (t->proc != NULL && proc_thread_doomed(t->proc, t))
			break;
		if (reserve_active())	/* kernel callers may hold none */
			reserve_renew();
	}
	/* Past the first chunk, bytes moved before a failure count. */
	return first ? r : (ssize_t)uio->done;
}

/*
 * The common path of every read and write: fd to file, mode check, then
 * the method at *off (NULL: the file's own position, if it has one).
 */
static ssize_t
do_io(uint64_t fd, bool write, struct uio *uio, const int64_t *pos)
{
	struct file *f = getf(fd);
	uint64_t off;
	ssize_t r;

	if (f == NULL)
		return -EBADF;
	if (write ? !writable(f) : !readable(f)) {
		r = -EBADF;
		goto out;
	}
	if (pos != NULL && f->ops->lseek == NULL) {
		r = -ESPIPE;
		goto out;
	}
	if (write ? f->ops->write == NULL : f->ops->read == NULL) {
		r = -EINVAL;
		goto out;
	}
	if (uio->resid > MAX_RW_COUNT)
		uio->resid = MAX_RW_COUNT;
	if (f->ops->lseek == NULL) {
		/* One call: datagrams stay whole, reads take what is there. */
		off = 0;
		r = write ? f->ops->write(f, uio, &off) :
		    f->ops->read(f, uio, &off);
		goto out;
	}
	r = chunked_io(f, write, uio, pos);
out:
	file_unref(f);
	return r;
}

/* read(2) and write(2) over one buffer. */
static ssize_t
io1(const struct syscall_args *a, bool write, const int64_t *pos)
{
	struct iovec iov = { a->a[1], a->a[2] };
	struct uio uio;

	if ((int64_t)iov.len < 0)
		return -EINVAL;
	uio_init(&uio, &iov, 1);
	return do_io(a->a[0], write, &uio, pos);
}

long
sys_read(const struct syscall_args *a)
{
	return io1(a, false, NULL);
}

long
sys_write(const struct syscall_args *a)
{
	return io1(a, true, NULL);
}

/* pread64/pwrite64: a negative offset is EINVAL before anything else. */
static ssize_t
pio(const struct syscall_args *a, bool write)
{
	int64_t pos = (int64_t)a->a[3];

	if (pos < 0)
		return -EINVAL;
	return io1(a, write, &pos);
}

long
sys_pread64(const struct syscall_args *a)
{
	return pio(a, false);
}

long
sys_pwrite64(const struct syscall_args *a)
{
	return pio(a, true);
}

/*
 * readv/writev: copy the iovec array in, then one uio over all of it.
 * Linux checks the fd first, then the count and the array.
 */
static ssize_t
iov_io(const struct syscall_args *a, bool write)
{
	int n = (int)a->a[2];
	struct iovec *iov;
	struct file *f;
	struct uio uio;
	ssize_t r;

	f = getf(a->a[0]);
	if (f == NULL)
		return -EBADF;
	file_unref(f);
	if (n < 0 || n > UIO_MAXIOV)
		return -EINVAL;
	iov = kmalloc(sizeof(*iov) * (size_t)(n > 0 ? n : 1));
	if (copyin(iov, a->a[1], sizeof(*iov) * (size_t)n) != 0)
		r = -EFAULT;
	else if ((r = uio_init(&uio, iov, n)) == 0)
		r = do_io(a->a[0], write, &uio, NULL);
	kfree(iov);
	return r;
}

long
sys_readv(const struct syscall_args *a)
{
	return iov_io(a, false);
}

long
sys_writev(const struct syscall_args *a)
{
	return iov_io(a, true);
}

/* lseek(2): -ESPIPE for files without a position. */
long
sys_lseek(const struct syscall_args *a)
{
	struct file *f = getf(a->a[0]);
	int whence = (int)a->a[2];
	long r;

	if (f == NULL)
		return -EBADF;
	if (f->ops->lseek == NULL)
		r = -ESPIPE;
	else if (whence < SEEK_SET || whence > SEEK_END)
		r = -EINVAL;
	else {
		mutex_lock(&f->pos_lock);
		r = f->ops->lseek(f, (int64_t)a->a[1], whence);
		mutex_unlock(&f->pos_lock);
	}
	file_unref(f);
	return r;
}
