/*
 * Open files and file descriptor tables.
 *
 * A struct file is one open description: what open(2), pipe(2) or
 * socket(2) returns, shared by every fd dup'ed from it and by forked
 * children.  It carries a method table (struct file_ops), so regular
 * files, pipes, the console, and later sockets and ttys plug in the same
 * way; the syscall layer (read, write, lseek, fcntl...) only ever calls
 * the methods.  Files are reference counted: each fd slot and each
 * syscall in progress holds a reference, and the last one closes it.
 *
 * I/O goes through a struct uio: the user's buffers (an iovec array
 * copied into the kernel) and a running count.  A method moves bytes
 * with uio_copyin()/uio_copyout(), which fault pages in as needed; on a
 * bad pointer it returns what it moved so far, or -EFAULT when nothing,
 * as Linux does (file_io_result()).
 *
 * A file descriptor table maps small integers to files, with a
 * close-on-exec bit per fd.  It grows on demand up to the process's
 * RLIMIT_NOFILE (at most NR_OPEN, proc/proc.h) and is shared by threads
 * and by CLONE_FILES children.  Its mutex guards the slots; files are
 * closed outside it.
 */
#ifndef FS_FILE_H
#define FS_FILE_H

#include "kern/types.h"
#include "proc/mutex.h"

/* open(2) flags that files keep, with Linux x86-64's values. */
#define O_ACCMODE	0x3u
#define O_RDONLY	0x0u
#define O_WRONLY	0x1u
#define O_RDWR		0x2u
#define O_APPEND	0x400u
#define O_NONBLOCK	0x800u
#define O_ASYNC		0x2000u
#define O_DIRECT	0x4000u
#define O_LARGEFILE	0x8000u
#define O_NOATIME	0x40000u
#define O_CLOEXEC	0x80000u

/* poll(2) readiness bits. */
#define POLLIN		0x001u
#define POLLOUT		0x004u
#define POLLERR		0x008u
#define POLLHUP		0x010u

/* lseek(2) */
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2

/* The largest single read or write, as Linux's MAX_RW_COUNT. */
#define MAX_RW_COUNT	((size_t)0x7ffff000)
/* Most iovecs in one readv/writev (UIO_MAXIOV). */
#define UIO_MAXIOV	1024

struct file;

/* One user buffer, as struct iovec is laid out in user memory. */
struct iovec {
	uaddr_t base;
	size_t len;
};

/* A user I/O request in progress. */
struct uio {
	struct iovec *iov;	/* kernel copy; advanced as bytes move */
	int iovcnt;
	size_t resid;		/* bytes still to move */
	size_t done;		/* bytes moved */
};

struct file_ops {
	/* Move up to uio->resid bytes; return bytes moved or -errno. */
	ssize_t (*read)(struct file *f, struct uio *uio, uint64_t *off);
	ssize_t (*write)(struct file *f, struct uio *uio, uint64_t *off);
	/* NULL for files without a position (pipes, ttys): -ESPIPE. */
	int64_t (*lseek)(struct file *f, int64_t off, int whence);
	/* Current readiness: POLLIN | POLLOUT | POLLERR | POLLHUP. */
	unsigned (*poll)(struct file *f);
	/* ioctl(2) on the file; NULL for files without any: -ENOTTY. */
	long (*ioctl)(struct file *f, unsigned cmd, uaddr_t arg);
	/* The last reference is gone: release priv. */
	void (*close)(struct file *f);
};

struct file {
	const struct file_ops *ops;	/* [i] */
	void *priv;			/* [i] the object behind it */
	int refs;			/* atomic */
	unsigned flags;			/* O_ACCMODE | O_NONBLOCK | ...; atomic */
	int owner;			/* F_SETOWN: pid, or -pgid; atomic */
	uint64_t offset;		/* for files with lseek */
	struct mutex pos_lock;		/* serialises offset updates */
};

/* A new file with one reference (inside a reservation: never NULL). */
struct file *file_alloc(const struct file_ops *ops, unsigned flags,
    void *priv);
void file_ref(struct file *f);
void file_unref(struct file *f);	/* the last one calls ops->close */

/* Set up a uio over n kernel-held iovecs; -EINVAL when they sum too large. */
int uio_init(struct uio *uio, struct iovec *iov, int n);
/* Move n bytes between kbuf and the uio's user buffers: 0 or -EFAULT. */
int uio_copyout(struct uio *uio, const void *kbuf, size_t n);
int uio_copyin(void *kbuf, size_t n, struct uio *uio);
/* A method's result after err: bytes moved if any, else err. */
ssize_t file_io_result(const struct uio *uio, int err);

struct fdtable;

struct fdtable *fdtable_create(void);
/* A copy for fork: every fd refers to the same file (one more reference). */
struct fdtable *fdtable_copy(struct fdtable *t);
void fdtable_ref(struct fdtable *t);
void fdtable_unref(struct fdtable *t);	/* the last one closes every fd */

/*
 * Put f in the lowest free fd >= minfd below limit (RLIMIT_NOFILE); the
 * table takes the caller's reference.  Returns the fd, or -EMFILE.
 */
int fd_alloc(struct fdtable *t, struct file *f, int minfd, unsigned limit,
    bool cloexec);
/* The file at fd with a new reference, or NULL (EBADF). */
struct file *fd_get(struct fdtable *t, int fd);
/* Remove fd and drop its reference: 0 or -EBADF. */
int fd_close(struct fdtable *t, int fd);
/*
 * dup2/dup3: make newfd refer to oldfd's file, closing what newfd held.
 * Returns newfd, -EBADF, or -EMFILE... as dup2(2) (newfd < limit).
 */
int fd_dup_to(struct fdtable *t, int oldfd, int newfd, unsigned limit,
    bool cloexec);
/* The close-on-exec bit: get (0/1 or -EBADF), set (0 or -EBADF). */
int fd_get_cloexec(struct fdtable *t, int fd);
int fd_set_cloexec(struct fdtable *t, int fd, bool on);
/* For exec: close every close-on-exec fd. */
void fdtable_close_on_exec(struct fdtable *t);
/* Open fds, for tests. */
int fdtable_count(struct fdtable *t);

/* The console as a file: the console tty (dev/tty.h). */
struct file *console_file_open(unsigned flags);

/*
 * A file's readiness may have changed: wake the threads in poll/select
 * (fs/poll.c) to look again.  Any context, no locks needed.
 */
void poll_notify(void);

/* A pipe's two ends (read end O_RDONLY, write end O_WRONLY, plus flags). */
void pipe_create(unsigned flags, struct file **rd, struct file **wr);
#define PIPE_SIZE	(64 * 1024)	/* bytes buffered, as Linux's default */
#define PIPE_BUF	4096		/* writes up to this size are atomic */

#endif
