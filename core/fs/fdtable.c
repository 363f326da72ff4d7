/*
 * File descriptor tables, and the syscalls that edit them: close, dup,
 * dup2, dup3, fcntl.
 *
 * A table is a flat array of file pointers plus a close-on-exec bitmap,
 * grown to the next power of two (at least 64 slots) when an fd beyond
 * it is wanted, never beyond RLIMIT_NOFILE's ceiling NR_OPEN: growing
 * to 4096 fds costs 32 KiB, which bounds the reservation of every call
 * that may allocate an fd (syscalls.def).  Growth allocates the new
 * arrays before taking the lock, so the mutex is only held for copying.
 *
 * Files are unreferenced after the table's lock is dropped: closing a
 * pipe end wakes its peers and may free memory, none of which needs the
 * table.
 */
#include "fs/file.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "proc/spinlock.h"
#include "sys/syscall.h"

#define FDT_MIN	64

struct fdtable {
	struct mutex lock;
	int refs;		/* atomic: threads' processes sharing it */
	int cap;		/* [lock] slots */
	struct file **fd;	/* [lock] cap entries */
	uint64_t *cloexec;	/* [lock] cap bits */
};

/* fcntl(2) commands. */
#define F_DUPFD		0
#define F_GETFD		1
#define F_SETFD		2
#define F_GETFL		3
#define F_SETFL		4
#define F_SETOWN	8
#define F_GETOWN	9
#define F_DUPFD_CLOEXEC	1030
#define FD_CLOEXEC	1

/* Flags F_SETFL may change; the rest of its argument is ignored. */
#define SETFL_MASK	(O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

/* Bytes of the close-on-exec bitmap for cap slots. */
static size_t
bitmap_bytes(int cap)
{
	return (size_t)(cap + 63) / 64 * sizeof(uint64_t);
}

static bool
cloexec_test(const struct fdtable *t, int fd)
{
	return (t->cloexec[fd / 64] >> (fd % 64)) & 1;
}

static void
cloexec_put(struct fdtable *t, int fd, bool on)
{
	uint64_t bit = (uint64_t)1 << (fd % 64);

	if (on)
		t->cloexec[fd / 64] |= bit;
	else
		t->cloexec[fd / 64] &= ~bit;
}

/*
 * An empty table of cap slots.  Callers (fork, proc_init) run inside a
 * reservation, where allocation does not fail.
 */
static struct fdtable *
fdtable_alloc(int cap)
{
	struct fdtable *t = kzalloc(sizeof(*t));

	t->fd = kzalloc(sizeof(*t->fd) * (size_t)cap);
	t->cloexec = kzalloc(bitmap_bytes(cap));
	mutex_init(&t->lock, "fdtable");
	t->refs = 1;
	t->cap = cap;
	return t;
}

struct fdtable *
fdtable_create(void)
{
	return fdtable_alloc(FDT_MIN);
}

/* fork: same files, one more reference each, same close-on-exec bits. */
struct fdtable *
fdtable_copy(struct fdtable *t)
{
	struct fdtable *c;
	int i, cap;

	mutex_lock(&t->lock);
	cap = t->cap;
	mutex_unlock(&t->lock);
	/* Allocate unlocked; the table can only have grown meanwhile. */
	for (;;) {
		c = fdtable_alloc(cap);
		mutex_lock(&t->lock);
		if (t->cap == cap)
			break;
		cap = t->cap;
		mutex_unlock(&t->lock);
		fdtable_unref(c);
	}
	for (i = 0; i < cap; i++) {
		c->fd[i] = t->fd[i];
		if (c->fd[i] != NULL)
			file_ref(c->fd[i]);
	}
	memcpy(c->cloexec, t->cloexec, bitmap_bytes(cap));
	mutex_unlock(&t->lock);
	return c;
}

void
fdtable_ref(struct fdtable *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

/* Drop a reference; the last one closes every fd and frees the table. */
void
fdtable_unref(struct fdtable *t)
{
	int i;

	if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (i = 0; i < t->cap; i++)
		if (t->fd[i] != NULL)
			file_unref(t->fd[i]);
	kfree(t->fd);
	kfree(t->cloexec);
	kfree(t);
}

/*
 * Make room for fd `need`: grow t (locked on entry and on return) to
 * hold it.  The lock is dropped while allocating.
 */
static void
fdtable_grow(struct fdtable *t, int need)
{
	struct file **fd;
	uint64_t *bits;
	int cap = t->cap;

	while (cap <= need)
		cap *= 2;
	mutex_unlock(&t->lock);
	fd = kzalloc(sizeof(*fd) * (size_t)cap);
	bits = kzalloc(bitmap_bytes(cap));
	mutex_lock(&t->lock);
	if (t->cap >= cap) {
		/* Someone else grew it meanwhile. */
		kfree(fd);
		kfree(bits);
		return;
	}
	memcpy(fd, t->fd, sizeof(*fd) * (size_t)t->cap);
	memcpy(bits, t->cloexec, bitmap_bytes(t->cap));
	kfree(t->fd);
	kfree(t->cloexec);
	t->fd = fd;
	t->cloexec = bits;
	t->cap = cap;
}

/* Lowest free fd >= minfd below limit, the table grown to hold it; or -1. */
static int
fd_find_free(struct fdtable *t, int minfd, int limit)
{
	int fd;

	for (fd = minfd; fd < limit; fd++) {
		if (fd >= t->cap)
			fdtable_grow(t, fd);
		if (t->fd[fd] == NULL)
			return fd;
	}
	return -1;
}

/* The most fds a process may hold: its RLIMIT_NOFILE, within NR_OPEN. */
static int
nofile_limit(unsigned limit)
{
	return (int)MIN(limit, (unsigned)NR_OPEN);
}

int
fd_alloc(struct fdtable *t, struct file *f, int minfd, unsigned limit,
    bool cloexec)
{
	int fd;

	mutex_lock(&t->lock);
	fd = fd_find_free(t, minfd, nofile_limit(limit));
	if (fd >= 0) {
		t->fd[fd] = f;
		cloexec_put(t, fd, cloexec);
	}
	mutex_unlock(&t->lock);
	return fd >= 0 ? fd : -EMFILE;
}

struct file *
fd_get(struct fdtable *t, int fd)
{
	struct file *f = NULL;

	mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap && t->fd[fd] != NULL) {
		f = t->fd[fd];
		file_ref(f);
	}
	mutex_unlock(&t->lock);
	return f;
}

int
fd_close(struct fdtable *t, int fd)
{
	struct file *f = NULL;

	mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap) {
		f = t->fd[fd];
		t->fd[fd] = NULL;
		cloexec_put(t, fd, false);
	}
	mutex_unlock(&t->lock);
	if (f == NULL)
		return -EBADF;
	file_unref(f);
	return 0;
}

int
fd_dup_to(struct fdtable *t, int oldfd, int newfd, unsigned limit,
    bool cloexec)
{
	struct file *f, *old;

	if (newfd < 0 || newfd >= nofile_limit(limit))
		return -EBADF;
	mutex_lock(&t->lock);
	if (oldfd < 0 || oldfd >= t->cap || t->fd[oldfd] == NULL) {
		mutex_unlock(&t->lock);
		return -EBADF;
	}
	if (newfd >= t->cap)
		fdtable_grow(t, newfd);
	/* The lock may have been dropped: look again. */
	f = oldfd < t->cap ? t->fd[oldfd] : NULL;
	if (f == NULL) {
		mutex_unlock(&t->lock);
		return -EBADF;
	}
	file_ref(f);
	old = t->fd[newfd];
	t->fd[newfd] = f;
	cloexec_put(t, newfd, cloexec);
	mutex_unlock(&t->lock);
	if (old != NULL)
		file_unref(old);
	return newfd;
}

int
fd_get_cloexec(struct fdtable *t, int fd)
{
	int r = -EBADF;

	mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap && t->fd[fd] != NULL)
		r = cloexec_test(t, fd);
	mutex_unlock(&t->lock);
	return r;
}

int
fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
	int r = -EBADF;

	mutex_lock(&t->lock);
	if (fd >= 0 && fd < t->cap && t->fd[fd] != NULL) {
		cloexec_put(t, fd, on);
		r = 0;
	}
	mutex_unlock(&t->lock);
	return r;
}

/* exec: close each close-on-exec fd, one at a time, outside the lock. */
void
fdtable_close_on_exec(struct fdtable *t)
{
	int fd;

	mutex_lock(&t->lock);
	for (fd = 0; fd < t->cap; fd++) {
		if (t->fd[fd] == NULL || !cloexec_test(t, fd))
			continue;
		mutex_unlock(&t->lock);
		fd_close(t, fd);
		mutex_lock(&t->lock);
	}
	mutex_unlock(&t->lock);
}

int
fdtable_count(struct fdtable *t)
{
	int fd, n = 0;

	mutex_lock(&t->lock);
	for (fd = 0; fd < t->cap; fd++)
		if (t->fd[fd] != NULL)
			n++;
	mutex_unlock(&t->lock);
	return n;
}

long
sys_close(const struct syscall_args *a)
{
	return fd_close(proc_current()->fdt, (int)a->a[0]);
}

/* dup(2): lowest free fd, close-on-exec clear. */
long
sys_dup(const struct syscall_args *a)
{
	struct proc *p = proc_current();
	struct file *f = fd_get(p->fdt, (int)a->a[0]);
	int fd;

	if (f == NULL)
		return -EBADF;
	fd = fd_alloc(p->fdt, f, 0, proc_nofile_limit(p), false);
	if (fd < 0)
		file_unref(f);
	return fd;
}

/* dup2(2): oldfd == newfd just checks oldfd. */
long
sys_dup2(const struct syscall_args *a)
{
	struct proc *p = proc_current();
	int oldfd = (int)a->a[0], newfd = (int)a->a[1];
	struct file *f;

	if (oldfd == newfd) {
		f = fd_get(p->fdt, oldfd);
		if (f == NULL)
			return -EBADF;
		file_unref(f);
		return newfd;
	}
	return fd_dup_to(p->fdt, oldfd, newfd, proc_nofile_limit(p), false);
}

/* dup3(2): only O_CLOEXEC; the same fd twice is EINVAL. */
long
sys_dup3(const struct syscall_args *a)
{
	struct proc *p = proc_current();
	int oldfd = (int)a->a[0], newfd = (int)a->a[1];
	unsigned flags = (unsigned)a->a[2];

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	return fd_dup_to(p->fdt, oldfd, newfd, proc_nofile_limit(p),
	    (flags & O_CLOEXEC) != 0);
}

/* F_DUPFD and F_DUPFD_CLOEXEC: the lowest free fd >= arg. */
static long
fcntl_dupfd(struct proc *p, struct file *f, uint64_t arg, bool cloexec)
{
	unsigned limit = proc_nofile_limit(p);
	int fd;

	if (arg >= limit)
		return -EINVAL;
	file_ref(f);
	fd = fd_alloc(p->fdt, f, (int)arg, limit, cloexec);
	if (fd < 0)
		file_unref(f);
	return fd;
}

/* F_SETFL: only the changeable flags move; the access mode stays. */
static long
fcntl_setfl(struct file *f, unsigned arg)
{
	unsigned old, new;

	old = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
	do {
		new = (old & ~SETFL_MASK) | (arg & SETFL_MASK);
	} while (!__atomic_compare_exchange_n(&f->flags, &old, new, false,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return 0;
}

/* F_SETOWN: a live process (pid > 0) or process group (-pgid), or 0. */
static long
fcntl_setown(struct file *f, int who)
{
	bool found = true;

	spin_lock(&proc_lock);
	if (who > 0)
		found = proc_find(who) != NULL;
	else if (who < 0)
		found = who != INT32_MIN && proc_group_exists(-who, -1);
	spin_unlock(&proc_lock);
	if (!found)
		return -ESRCH;
	__atomic_store_n(&f->owner, who, __ATOMIC_RELAXED);
	return 0;
}

/* fcntl(2): descriptor and status flags; locks and the rest are EINVAL. */
long
sys_fcntl(const struct syscall_args *a)
{
	struct proc *p = proc_current();
	int fd = (int)a->a[0], cmd = (int)a->a[1];
	struct file *f = fd_get(p->fdt, fd);
	long r;

	if (f == NULL)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		r = fcntl_dupfd(p, f, a->a[2], cmd == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		r = fd_get_cloexec(p->fdt, fd);
		break;
	case F_SETFD:
		r = fd_set_cloexec(p->fdt, fd, (a->a[2] & FD_CLOEXEC) != 0);
		break;
	case F_GETFL:
		r = __atomic_load_n(&f->flags, __ATOMIC_RELAXED);
		break;
	case F_SETFL:
		r = fcntl_setfl(f, (unsigned)a->a[2]);
		break;
	/*
	 * The owner SIGIO and SIGURG would go to.  Nothing raises those yet
	 * (O_ASYNC is kept but inert), but servers such as nginx set an
	 * owner on their channels and give up when the call fails.
	 */
	case F_SETOWN:
		r = fcntl_setown(f, (int)a->a[2]);
		break;
	case F_GETOWN:
		r = __atomic_load_n(&f->owner, __ATOMIC_RELAXED);
		break;
	default:
		r = -EINVAL;
		break;
	}
	file_unref(f);
	return r;
}
