/*
 * epoll(7): epoll_create, epoll_create1, epoll_ctl, epoll_wait,
 * epoll_pwait and epoll_pwait2.
 *
 * An epoll instance is a file whose priv is a list of items, one per
 * (file, fd) pair added, each holding a reference to its file.  Waiting
 * reuses poll's machinery (fs/poll.h): epoll_wait scans the items with
 * their files' poll methods and sleeps on the global generation that
 * poll_notify() bumps, so a file needs nothing epoll-specific to be
 * watched.  Scans are linear in the items, as poll(2) is in its fds;
 * items reported are moved to the back of the list so that a small
 * maxevents still reaches every ready item in turn.
 *
 * Edge triggering (EPOLLET) needs to know whether a file had an event
 * since the item was last reported.  Sockets and eventfds count their
 * events (socket.events, eventfd_events), so for them an edge is exact:
 * an item is reported again only after new data, room or a hangup.
 * Other files (pipes, ttys) have no count of their own; for them the
 * global generation stands in, so an edge-triggered item on a pipe may
 * be reported again after an unrelated change anywhere (a spurious
 * wakeup, which edge-triggered programs must tolerate anyway), but never
 * misses an event.  A per-file event count in struct file would make
 * every file exact; that is the known limitation, noted in
 * docs/syscalls.md.
 *
 * EPOLLONESHOT disables an item once reported until EPOLL_CTL_MOD;
 * EPOLLEXCLUSIVE is accepted (every waiter wakes; Linux wakes one or
 * more); EPOLLWAKEUP is ignored.
 *
 * Closing.  Linux drops an item when its file description is closed.
 * Here items hold references, so a file whose only references are epoll
 * items (counted in `holds`) has no fd or other user left: a scan finds
 * that (refs == holds) and drops the item, and with it the file.  Until
 * the next scan of that instance, the file stays open.
 *
 * Nesting: an epoll file may watch another; adding one that would
 * close a cycle, or nest more than EP_MAX_NESTS deep, is ELOOP, and an
 * instance cannot watch itself (EINVAL), as on Linux.
 */
#include "contract/usercopy.h"
#include "fs/eventfd.h"
#include "fs/file.h"
#include "fs/poll.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "lib/list.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "net/socket.h"
#include "proc/mutex.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "sys/syscall.h"

#define EPOLLIN		0x001u
#define EPOLLPRI	0x002u
#define EPOLLOUT	0x004u
#define EPOLLERR	0x008u
#define EPOLLHUP	0x010u
#define EPOLLRDNORM	0x040u
#define EPOLLRDBAND	0x080u
#define EPOLLWRNORM	0x100u
#define EPOLLWRBAND	0x200u
#define EPOLLMSG	0x400u
#define EPOLLRDHUP	0x2000u
#define EPOLLEXCLUSIVE	(1u << 28)
#define EPOLLWAKEUP	(1u << 29)
#define EPOLLONESHOT	(1u << 30)
#define EPOLLET		(1u << 31)
/* The only bits EPOLLEXCLUSIVE may come with (Linux's). */
#define EXCLUSIVE_OK	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | \
	EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

#define EPOLL_CTL_ADD	1
#define EPOLL_CTL_DEL	2
#define EPOLL_CTL_MOD	3
#define EPOLL_CLOEXEC	O_CLOEXEC

#define EP_MAX_NESTS	4	/* as Linux */
#define EP_BATCH	1024	/* most events one wait returns */
#define NSEC		1000000000ull

/* struct epoll_event: packed on x86-64. */
struct kevent {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

struct epitem {
	struct list link;	/* [ep lock] */
	struct file *file;	/* [i] referenced */
	int fd;			/* [i] */
	uint32_t events;	/* [ep lock] asked for, flags included */
	uint64_t data;		/* [ep lock] */
	bool disabled;		/* [ep lock] a oneshot item that fired */
	bool reported;		/* [ep lock] edge: reported at `seen` */
	uint64_t seen;		/* [ep lock] the event count then */
};

struct eventpoll {
	struct mutex lock;
	struct list items;	/* [lock] of struct epitem */
};

/*
 * How many epoll items hold each watched file: a small hash of
 * (file, count) under holds_lock.
 */
#define HOLDS_BUCKETS	64
struct hold {
	struct hold *next;
	struct file *file;
	int count;
};
static struct spinlock holds_lock = SPINLOCK_INIT("epoll holds");
static struct hold *holds[HOLDS_BUCKETS];	/* [holds_lock] */
/* Serialises adding epoll files to epoll files (the loop check). */
static struct mutex nest_lock = {
	SPINLOCK_INIT("epoll nest"), NULL,
	{ SPINLOCK_INIT("epoll nest"), LIST_INIT(nest_lock.wq.waiters) },
	"epoll nest"
};

static const struct file_ops epoll_ops;

static struct hold **
hold_slot(struct file *f)
{
	struct hold **h = &holds[((uintptr_t)f >> 6) % HOLDS_BUCKETS];

	while (*h != NULL && (*h)->file != f)
		h = &(*h)->next;
	return h;
}

/* One more item holds f; spare is a new entry to use if needed. */
static void
hold_add(struct file *f, struct hold *spare)
{
	struct hold **h;

	spin_lock(&holds_lock);
	h = hold_slot(f);
	if (*h == NULL) {
		spare->file = f;
		spare->count = 0;
		spare->next = NULL;
		*h = spare;
		spare = NULL;
	}
	(*h)->count++;
	spin_unlock(&holds_lock);
	kfree(spare);
}

static void
hold_drop(struct file *f)
{
	struct hold **h, *gone = NULL;

	spin_lock(&holds_lock);
	h = hold_slot(f);
	if (*h != NULL && --(*h)->count == 0) {
		gone = *h;
		*h = gone->next;
	}
	spin_unlock(&holds_lock);
	kfree(gone);
}

/* Is every reference to f an epoll item's (no fd, no one else)? */
static bool
only_held(struct file *f)
{
	struct hold **h;
	bool only;

	spin_lock(&holds_lock);
	h = hold_slot(f);
	only = *h != NULL &&
	    __atomic_load_n(&f->refs, __ATOMIC_ACQUIRE) <= (*h)->count;
	spin_unlock(&holds_lock);
	return only;
}

/* f's count of events for edges (see the essay). */
static uint64_t
file_events(struct file *f)
{
	struct socket *so = socket_of(f);
	uint64_t n;

	if (so != NULL)
		return __atomic_load_n(&so->events, __ATOMIC_ACQUIRE);
	if (eventfd_events(f, &n))
		return n;
	return poll_generation();
}

static struct epitem *
find_item(struct eventpoll *ep, struct file *f, int fd)
{
	struct epitem *it;
	struct list *l;

	list_foreach(l, &ep->items) {
		it = list_entry(l, struct epitem, link);
		if (it->file == f && it->fd == fd)
			return it;
	}
	return NULL;
}

/*
 * The events item `it` reports now (0: none), and its event count in
 * *seen.  [ep lock]
 */
static uint32_t
item_ready(struct epitem *it, uint64_t *seen)
{
	uint32_t m;

	if (it->disabled)
		return 0;
	*seen = file_events(it->file);
	m = poll_file(it->file) & (it->events | EPOLLERR | EPOLLHUP);
	m &= ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP);
	if (m != 0 && (it->events & EPOLLET) && it->reported &&
	    it->seen == *seen)
		return 0;
	return m;
}

/* Remove an item ([ep lock]); the caller drops the file after. */
static struct file *
item_remove(struct epitem *it)
{
	struct file *f = it->file;

	list_remove(&it->link);
	kfree(it);
	return f;
}

static void
drop_file(struct file *f)
{
	hold_drop(f);
	file_unref(f);
}

/* epoll_wait's scan: up to max ready items into out. */
struct epscan {
	struct eventpoll *ep;
	struct kevent *out;
	int max;
};

static long
ep_scan(void *arg)
{
	struct epscan *s = arg;
	struct eventpoll *ep = s->ep;
	struct list *l, *next, done;
	struct epitem *it;
	struct file *gone[16];
	int n = 0, ngone = 0, i;
	uint64_t seen;
	uint32_t m;

	list_init(&done);
	mutex_lock(&ep->lock);
	list_foreach_safe(l, next, &ep->items) {
		it = list_entry(l, struct epitem, link);
		if (ngone < (int)ARRAY_SIZE(gone) && only_held(it->file)) {
			gone[ngone++] = item_remove(it);
			continue;
		}
		if (n == s->max || (m = item_ready(it, &seen)) == 0)
			continue;
		s->out[n].events = m;
		s->out[n].data = it->data;
		n++;
		it->reported = true;
		it->seen = seen;
		if (it->events & EPOLLONESHOT)
			it->disabled = true;
		list_remove(&it->link);
		list_push_back(&done, &it->link);
	}
	while (!list_empty(&done))
		list_push_back(&ep->items, list_pop_front(&done));
	mutex_unlock(&ep->lock);
	for (i = 0; i < ngone; i++)
		drop_file(gone[i]);
	return n;
}

/* An epoll file is readable when a wait would report something. */
static unsigned
epoll_poll(struct file *f)
{
	struct eventpoll *ep = f->priv;
	struct epitem *it;
	struct list *l;
	uint64_t seen;
	unsigned m = 0;

	mutex_lock(&ep->lock);
	list_foreach(l, &ep->items) {
		it = list_entry(l, struct epitem, link);
		if (item_ready(it, &seen) != 0) {
			m = POLLIN;
			break;
		}
	}
	mutex_unlock(&ep->lock);
	return m;
}

static void
epoll_close(struct file *f)
{
	struct eventpoll *ep = f->priv;
	struct epitem *it;

	while (!list_empty(&ep->items)) {
		it = list_entry(list_pop_front(&ep->items), struct epitem,
		    link);
		drop_file(it->file);
		kfree(it);
	}
	kfree(ep);
}

static const struct file_ops epoll_ops = {
	.poll = epoll_poll,
	.close = epoll_close,
};

static long
do_create(unsigned flags)
{
	struct proc *p = proc_current();
	struct eventpoll *ep;
	struct file *f;
	int fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	ep = kzalloc(sizeof(*ep));
	mutex_init(&ep->lock, "epoll");
	list_init(&ep->items);
	f = file_alloc(&epoll_ops, O_RDWR, ep);
	fd = fd_alloc(p->fdt, f, 0, proc_nofile_limit(p), (flags & EPOLL_CLOEXEC) != 0);
	if (fd < 0)
		file_unref(f);
	return fd;
}

long
sys_epoll_create(const struct syscall_args *a)
{
	if ((int)a->a[0] <= 0)
		return -EINVAL;
	return do_create(0);
}

long
sys_epoll_create1(const struct syscall_args *a)
{
	return do_create((unsigned)a->a[0]);
}

/*
 * Would watching epoll file `sub` from `top` close a loop or nest too
 * deep?  Walks sub's epoll items (nest_lock held, one instance locked
 * at a time).
 */
static bool
ep_loops(struct file *top, struct file *sub, int depth)
{
	struct eventpoll *ep = sub->priv;
	struct file *kids[32];
	struct epitem *it;
	struct list *l;
	int n = 0, i;
	bool loop = false;

	if (sub == top || depth > EP_MAX_NESTS)
		return true;
	mutex_lock(&ep->lock);
	list_foreach(l, &ep->items) {
		it = list_entry(l, struct epitem, link);
		if (it->file->ops != &epoll_ops)
			continue;
		if (n == (int)ARRAY_SIZE(kids)) {
			loop = true;	/* too wide to check: refuse */
			break;
		}
		file_ref(it->file);
		kids[n++] = it->file;
	}
	mutex_unlock(&ep->lock);
	for (i = 0; i < n; i++) {
		if (!loop)
			loop = ep_loops(top, kids[i], depth + 1);
		file_unref(kids[i]);
	}
	return loop;
}

/* Files epoll cannot watch: regular files and directories (EPERM). */
static bool
pollable(struct file *f)
{
	struct dentry *d = vfs_file_dentry(f);
	uint32_t mode;

	if (d == NULL)
		return true;
	vfs_lock();
	mode = d->inode->mode;
	vfs_unlock();
	return !S_ISREG(mode) && !S_ISDIR(mode);
}

static int
ctl_add(struct eventpoll *ep, struct file *epf, struct file *tf, int fd,
    const struct kevent *ev)
{
	struct epitem *it = kzalloc(sizeof(*it));
	struct hold *spare = kzalloc(sizeof(*spare));
	bool nested = tf->ops == &epoll_ops;
	int err = 0;

	if (nested) {
		mutex_lock(&nest_lock);
		if (ep_loops(epf, tf, 1))
			err = -ELOOP;
	}
	mutex_lock(&ep->lock);
	if (err == 0 && find_item(ep, tf, fd) != NULL)
		err = -EEXIST;
	if (err == 0) {
		file_ref(tf);
		hold_add(tf, spare);
		spare = NULL;
		it->file = tf;
		it->fd = fd;
		it->events = (ev->events & ~EPOLLWAKEUP) | EPOLLERR | EPOLLHUP;
		it->data = ev->data;
		list_push_back(&ep->items, &it->link);
		it = NULL;
	}
	mutex_unlock(&ep->lock);
	if (nested)
		mutex_unlock(&nest_lock);
	kfree(it);
	kfree(spare);
	if (err == 0)
		poll_rescan();	/* waiters look at the new item */
	return err;
}

static int
ctl(struct eventpoll *ep, struct file *epf, int op, struct file *tf, int fd,
    const struct kevent *ev)
{
	struct file *gone = NULL;
	struct epitem *it;
	int err = 0;

	if (op == EPOLL_CTL_ADD)
		return ctl_add(ep, epf, tf, fd, ev);
	mutex_lock(&ep->lock);
	it = find_item(ep, tf, fd);
	if (it == NULL)
		err = -ENOENT;
	else if (op == EPOLL_CTL_DEL)
		gone = item_remove(it);
	else if (it->events & EPOLLEXCLUSIVE)
		err = -EINVAL;
	else {
		it->events = (ev->events & ~EPOLLWAKEUP) | EPOLLERR | EPOLLHUP;
		it->data = ev->data;
		it->disabled = false;
		it->reported = false;	/* ready now: report it again */
	}
	mutex_unlock(&ep->lock);
	if (gone != NULL)
		drop_file(gone);
	if (err == 0 && op == EPOLL_CTL_MOD)
		poll_rescan();
	return err;
}

/* epoll_ctl(2), with Linux's checks in Linux's order. */
long
sys_epoll_ctl(const struct syscall_args *a)
{
	struct fdtable *fdt = proc_current()->fdt;
	int op = (int)a->a[1], fd = (int)a->a[2];
	bool has_event = op != EPOLL_CTL_DEL;
	struct file *epf, *tf;
	struct kevent ev = { 0, 0 };
	long r = 0;

	if (has_event && copyin(&ev, a->a[3], sizeof(ev)) != 0)
		return -EFAULT;
	if ((epf = fd_get(fdt, (int)a->a[0])) == NULL)
		return -EBADF;
	if ((tf = fd_get(fdt, fd)) == NULL) {
		file_unref(epf);
		return -EBADF;
	}
	if (!pollable(tf))
		r = -EPERM;
	else if (epf == tf || epf->ops != &epoll_ops)
		r = -EINVAL;
	else if (has_event && (ev.events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || (op == EPOLL_CTL_ADD &&
	    (tf->ops == &epoll_ops || (ev.events & ~EXCLUSIVE_OK)))))
		r = -EINVAL;
	else if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_DEL &&
	    op != EPOLL_CTL_MOD)
		r = -EINVAL;
	else
		r = ctl(epf->priv, epf, op, tf, fd, &ev);
	file_unref(tf);
	file_unref(epf);
	return r;
}

/*
 * The waits after their timeouts are deadlines: check, scan and sleep,
 * copy the events out.  A signal ends the wait with EINTR, never a
 * restart, as Linux's epoll_wait.
 */
static long
do_wait(int epfd, uaddr_t uev, int max, uint64_t deadline, uaddr_t umask,
    size_t masksize)
{
	struct epscan s;
	struct file *f;
	long r;

	if (max <= 0 || (size_t)max > (size_t)INT32_MAX / sizeof(struct kevent))
		return -EINVAL;
	if ((f = fd_get(proc_current()->fdt, epfd)) == NULL)
		return -EBADF;
	if (f->ops != &epoll_ops) {
		file_unref(f);
		return -EINVAL;
	}
	if (umask != 0 && (r = poll_swap_sigmask(umask, masksize)) != 0) {
		file_unref(f);
		return r;
	}
	s.ep = f->priv;
	s.max = MIN(max, EP_BATCH);
	s.out = kmalloc(sizeof(struct kevent) * (size_t)s.max);
	r = poll_wait(ep_scan, &s, deadline);
	if (umask != 0)
		poll_restore_sigmask(r);
	if (r == -ERESTARTNOHAND)
		r = -EINTR;
	if (r > 0 && copyout(uev, s.out, sizeof(struct kevent) * (size_t)r))
		r = -EFAULT;
	kfree(s.out);
	file_unref(f);
	return r;
}

static uint64_t
ms_deadline(int ms)
{
	if (ms < 0)
		return POLL_FOREVER;
	if (ms == 0)
		return 0;
	return poll_deadline_after((uint64_t)ms * 1000000ull);
}

long
sys_epoll_wait(const struct syscall_args *a)
{
	return do_wait((int)a->a[0], a->a[1], (int)a->a[2],
	    ms_deadline((int)a->a[3]), 0, 0);
}

long
sys_epoll_pwait(const struct syscall_args *a)
{
	return do_wait((int)a->a[0], a->a[1], (int)a->a[2],
	    ms_deadline((int)a->a[3]), a->a[4], (size_t)a->a[5]);
}

/* epoll_pwait2(2): a timespec (NULL: forever) instead of ms. */
long
sys_epoll_pwait2(const struct syscall_args *a)
{
	struct { int64_t sec, nsec; } ts;
	uint64_t deadline = POLL_FOREVER;

	if (a->a[3] != 0) {
		if (copyin(&ts, a->a[3], sizeof(ts)) != 0)
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC)
			return -EINVAL;
		if (ts.sec == 0 && ts.nsec == 0)
			deadline = 0;
		else if ((uint64_t)ts.sec < POLL_FOREVER / NSEC)
			deadline = poll_deadline_after((uint64_t)ts.sec * NSEC +
			    (uint64_t)ts.nsec);
	}
	return do_wait((int)a->a[0], a->a[1], (int)a->a[2], deadline,
	    a->a[4], (size_t)a->a[5]);
}
