/*
 * Waiting for readiness on many files: poll(2), ppoll(2), select(2) and
 * pselect6(2).
 *
 * A file reports its readiness through its poll method (fs/file.h).  A
 * thread cannot sleep on several wait queues at once (it has one
 * wait_link), so instead of registering with each file's queues a poller
 * sleeps on one queue, poll_wq, and every file whose readiness may have
 * changed calls poll_notify(), which bumps a generation count and wakes
 * the pollers.  A poller reads the generation, scans its files, and
 * sleeps only if the generation is still the one it read before the
 * scan, all under poll_lock, so a change that lands between the scan and
 * the sleep is never lost.  Wakeups wake every poller, which then
 * rescans: more work than Linux's per-file tables when many threads
 * poll, but no allocation per file and nothing a file must undo at
 * close.  epoll (fs/epoll.c) waits the same way; when only the set it
 * watches changes (epoll_ctl), poll_rescan() wakes the waiters through
 * a second count, so that the generation keeps counting file events
 * alone (edge-triggered epoll reads it).
 *
 * Errors and results are Linux's: nfds above RLIMIT_NOFILE is EINVAL, a
 * bad fd is POLLNVAL (poll) or EBADF (select), POLLERR and POLLHUP are
 * reported whether asked for or not, a signal ends the wait with
 * ERESTARTNOHAND (EINTR after a handler, a silent restart otherwise),
 * select and pselect6 write back the time left, ppoll and pselect6 swap
 * the signal mask for the wait and restore it after (after the handler
 * when one runs, through the sigsuspend machinery).
 */
#include "contract/clock.h"
#include "contract/usercopy.h"
#include "fs/file.h"
#include "fs/poll.h"
#include "kern/errno.h"
#include "kern/time.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "proc/waitq.h"
#include "sys/syscall.h"

#define POLLPRI		0x002u
#define POLLNVAL	0x020u
#define POLLRDNORM	0x040u
#define POLLRDBAND	0x080u
#define POLLWRNORM	0x100u
#define POLLWRBAND	0x200u

/* select's sets, as Linux's core_sys_select maps them to poll bits. */
#define SEL_IN		(POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define SEL_OUT		(POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define SEL_EX		(POLLPRI)

#define NSEC		1000000000ull
#define KSIGSET_SIZE	8	/* sigset_t as the kernel sees it */
#define FOREVER		POLL_FOREVER

static struct spinlock poll_lock = SPINLOCK_INIT("poll");
static uint64_t poll_gen;	/* [poll_lock] bumped by every notify */
static uint64_t poll_kicks;	/* [poll_lock] bumped by poll_rescan */
static struct waitq poll_wq = {
	SPINLOCK_INIT("pollers"), LIST_INIT(poll_wq.waiters)
};

uint64_t
poll_generation(void)
{
	uint64_t gen;

	spin_lock(&poll_lock);
	gen = poll_gen;
	spin_unlock(&poll_lock);
	return gen;
}

void
poll_rescan(void)
{
	spin_lock(&poll_lock);
	poll_kicks++;
	spin_unlock(&poll_lock);
	waitq_wake_all(&poll_wq);
}

void
poll_notify(void)
{
	spin_lock(&poll_lock);
	poll_gen++;
	spin_unlock(&poll_lock);
	waitq_wake_all(&poll_wq);
}

/* struct pollfd as user memory holds it. */
struct kpollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

unsigned
poll_file(struct file *f)
{
	unsigned m = f->ops->poll != NULL ? f->ops->poll(f) : POLLIN | POLLOUT;

	if (m & POLLIN)
		m |= POLLRDNORM;
	if (m & POLLOUT)
		m |= POLLWRNORM;
	return m;
}

/* One fd's readiness in poll bits, or POLLNVAL for a closed fd. */
static unsigned
fd_readiness(int fd)
{
	struct file *f = fd_get(proc_current()->fdt, fd);
	unsigned m;

	if (f == NULL)
		return POLLNVAL;
	m = poll_file(f);
	file_unref(f);
	return m;
}

/* The waiter behind poll, select and epoll_wait (fs/poll.h). */
long
poll_wait(scan_fn scan, void *arg, uint64_t deadline)
{
	uint64_t gen, kicks;
	long n;
	int r;

	for (;;) {
		spin_lock(&poll_lock);
		gen = poll_gen;
		kicks = poll_kicks;
		spin_unlock(&poll_lock);
		if ((n = scan(arg)) != 0)
			return n;
		if (deadline == 0 || clock_ns() >= deadline)
			return 0;
		if (signal_pending())
			return -ERESTARTNOHAND;
		spin_lock(&poll_lock);
		r = 0;
		if (poll_gen == gen && poll_kicks == kicks) {
			if (deadline == FOREVER)
				r = waitq_wait_intr(&poll_wq, &poll_lock);
			else
				r = waitq_wait_deadline_intr(&poll_wq,
				    &poll_lock, deadline);
		}
		spin_unlock(&poll_lock);
		if (r == -EINTR)
			return -ERESTARTNOHAND;
		/* -ETIMEDOUT: one last scan above, then 0. */
	}
}

uint64_t
poll_deadline_after(uint64_t ns)
{
	uint64_t now = clock_ns();

	return ns >= FOREVER - now ? FOREVER : now + ns;
}

/* poll's scan: the pollfd array, revents filled in. */
struct pollscan {
	struct kpollfd *fds;
	size_t n;
};

static long
poll_scan(void *arg)
{
	struct pollscan *ps = arg;
	long ready = 0;
	unsigned m;
	size_t i;

	for (i = 0; i < ps->n; i++) {
		ps->fds[i].revents = 0;
		if (ps->fds[i].fd < 0)
			continue;
		m = fd_readiness(ps->fds[i].fd);
		m &= (unsigned)(uint16_t)ps->fds[i].events | POLLERR |
		    POLLHUP | POLLNVAL;
		ps->fds[i].revents = (int16_t)m;
		if (m != 0)
			ready++;
	}
	return ready;
}

/* poll and ppoll after their timeouts are deadlines. */
static long
do_poll(uaddr_t ufds, uint64_t nfds, uint64_t deadline)
{
	struct pollscan ps;
	size_t bytes, i;
	long r;

	if (nfds > proc_nofile_limit(proc_current()))
		return -EINVAL;
	ps.n = (size_t)nfds;
	bytes = ps.n * sizeof(struct kpollfd);
	ps.fds = kmalloc(bytes > 0 ? bytes : 1);
	if (copyin(ps.fds, ufds, bytes) != 0) {
		kfree(ps.fds);
		return -EFAULT;
	}
	r = poll_wait(poll_scan, &ps, deadline);
	if (r >= 0) {
		/* Only revents goes back, as Linux writes only it. */
		for (i = 0; i < ps.n; i++)
			if (copyout(ufds + i * sizeof(struct kpollfd) +
			    offsetof(struct kpollfd, revents),
			    &ps.fds[i].revents, sizeof(int16_t)) != 0) {
				r = -EFAULT;
				break;
			}
	}
	kfree(ps.fds);
	return r;
}

/* poll(2): the timeout in ms, negative for none. */
long
sys_poll(const struct syscall_args *a)
{
	int ms = (int)a->a[2];
	uint64_t deadline;

	if (ms < 0)
		deadline = FOREVER;
	else if (ms == 0)
		deadline = 0;
	else
		deadline = poll_deadline_after((uint64_t)ms * 1000000ull);
	return do_poll(a->a[0], a->a[1], deadline);
}

struct ktimespec {
	int64_t sec, nsec;
};

/*
 * A user timespec (NULL: FOREVER) as a deadline: 0 or -EFAULT/-EINVAL.
 * A zero timeout is a single scan.
 */
static int
timespec_deadline(uaddr_t uts, uint64_t *deadline)
{
	struct ktimespec ts;

	if (uts == 0) {
		*deadline = FOREVER;
		return 0;
	}
	if (copyin(&ts, uts, sizeof(ts)) != 0)
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC)
		return -EINVAL;
	if (ts.sec == 0 && ts.nsec == 0)
		*deadline = 0;
	else if ((uint64_t)ts.sec >= FOREVER / NSEC)
		*deadline = FOREVER;
	else
		*deadline = poll_deadline_after((uint64_t)ts.sec * NSEC +
		    (uint64_t)ts.nsec);
	return 0;
}

/*
 * Install the sigmask at umask (size must be the kernel's) for the wait;
 * the old one is saved for restore_sigmask().  0, -EINVAL or -EFAULT.
 */
int
poll_swap_sigmask(uaddr_t umask, size_t size)
{
	struct thread *t = curthread();
	uint64_t mask;

	if (size != KSIGSET_SIZE)
		return -EINVAL;
	if (copyin(&mask, umask, sizeof(mask)) != 0)
		return -EFAULT;
	spin_lock(&proc_lock);
	t->sig.saved_mask = t->sig.mask;
	t->sig.restore_mask = true;
	__atomic_store_n(&t->sig.mask, mask & ~SIG_UNBLOCKABLE,
	    __ATOMIC_SEQ_CST);
	spin_unlock(&proc_lock);
	return 0;
}

/*
 * After the wait: when a signal interrupted it, the delivery restores the
 * old mask once the handler's frame holds it (as sigsuspend); otherwise
 * put it back now.
 */
void
poll_restore_sigmask(long r)
{
	struct thread *t = curthread();

	if (r == -ERESTARTNOHAND)
		return;
	spin_lock(&proc_lock);
	if (t->sig.restore_mask) {
		__atomic_store_n(&t->sig.mask, t->sig.saved_mask,
		    __ATOMIC_SEQ_CST);
		t->sig.restore_mask = false;
	}
	spin_unlock(&proc_lock);
}

/* ppoll(2): fds, nfds, timespec, sigmask, sigsetsize. */
long
sys_ppoll(const struct syscall_args *a)
{
	uint64_t deadline;
	long r;

	if ((r = timespec_deadline(a->a[2], &deadline)) != 0)
		return r;
	if (a->a[3] != 0 && (r = poll_swap_sigmask(a->a[3], a->a[4])) != 0)
		return r;
	r = do_poll(a->a[0], a->a[1], deadline);
	if (a->a[3] != 0)
		poll_restore_sigmask(r);
	return r;
}

/* select's three sets in, and the ready bits out, n fds wide. */
struct selscan {
	int n;
	uint64_t *in[3];	/* readfds, writefds, exceptfds (NULL: none) */
	uint64_t *out[3];
};

static const unsigned sel_bits[3] = { SEL_IN, SEL_OUT, SEL_EX };

static long
select_scan(void *arg)
{
	struct selscan *ss = arg;
	size_t words = ((size_t)ss->n + 63) / 64;
	uint64_t bit, any;
	long ready = 0;
	unsigned m;
	int fd, k;

	for (k = 0; k < 3; k++)
		if (ss->out[k] != NULL)
			memset(ss->out[k], 0, words * sizeof(uint64_t));
	for (fd = 0; fd < ss->n; fd++) {
		bit = 1ull << (fd % 64);
		any = 0;
		for (k = 0; k < 3; k++)
			if (ss->in[k] != NULL)
				any |= ss->in[k][fd / 64] & bit;
		if (any == 0)
			continue;
		/* A set bit for a closed fd: EBADF, as Linux. */
		if ((m = fd_readiness(fd)) & POLLNVAL)
			return -EBADF;
		for (k = 0; k < 3; k++)
			if (ss->in[k] != NULL &&
			    (ss->in[k][fd / 64] & bit) != 0 &&
			    (m & sel_bits[k]) != 0) {
				ss->out[k][fd / 64] |= bit;
				ready++;
			}
	}
	return ready;
}

/*
 * select and pselect6 after their timeouts are deadlines: copy the sets
 * in, wait, and copy the ready sets back over them (on success only).
 */
static long
do_select(int n, uaddr_t uset[3], uint64_t deadline)
{
	struct selscan ss;
	size_t bytes;
	long r = 0;
	int k;

	if (n < 0)
		return -EINVAL;
	/* Bits past the most fds a process can have name no file. */
	ss.n = (int)MIN((unsigned)n, proc_nofile_limit(proc_current()));
	bytes = ((size_t)ss.n + 63) / 64 * sizeof(uint64_t);
	for (k = 0; k < 3; k++) {
		ss.in[k] = ss.out[k] = NULL;
		if (uset[k] == 0)
			continue;
		ss.in[k] = kmalloc(bytes > 0 ? bytes : 1);
		ss.out[k] = kmalloc(bytes > 0 ? bytes : 1);
		if (copyin(ss.in[k], uset[k], bytes) != 0)
			r = -EFAULT;
	}
	/* The bits past n in the last word are not asked for. */
	if (r == 0 && ss.n % 64 != 0)
		for (k = 0; k < 3; k++)
			if (ss.in[k] != NULL)
				ss.in[k][ss.n / 64] &=
				    (1ull << (ss.n % 64)) - 1;
	if (r == 0)
		r = poll_wait(select_scan, &ss, deadline);
	for (k = 0; k < 3 && r >= 0; k++)
		if (uset[k] != 0 && copyout(uset[k], ss.out[k], bytes) != 0)
			r = -EFAULT;
	for (k = 0; k < 3; k++) {
		kfree(ss.in[k]);
		kfree(ss.out[k]);
	}
	return r;
}

/* The time left before deadline, in ns (0 once past). */
static uint64_t
time_left(uint64_t deadline)
{
	uint64_t now = clock_ns();

	return deadline > now ? deadline - now : 0;
}

struct ktimeval {
	int64_t sec, usec;
};

/* select(2): nfds, readfds, writefds, exceptfds, struct timeval *. */
long
sys_select(const struct syscall_args *a)
{
	uaddr_t uset[3] = { a->a[1], a->a[2], a->a[3] };
	uaddr_t utv = a->a[4];
	struct ktimeval tv;
	uint64_t deadline = FOREVER, left;
	long r;

	if (utv != 0) {
		if (copyin(&tv, utv, sizeof(tv)) != 0)
			return -EFAULT;
		if (tv.sec < 0 || tv.usec < 0 || tv.usec >= 1000000)
			return -EINVAL;
		if (tv.sec == 0 && tv.usec == 0)
			deadline = 0;
		else if ((uint64_t)tv.sec < FOREVER / NSEC)
			deadline = poll_deadline_after((uint64_t)tv.sec * NSEC +
			    (uint64_t)tv.usec * 1000);
	}
	r = do_select((int)a->a[0], uset, deadline);
	/* Linux writes back the time left, even when interrupted. */
	if (utv != 0 && deadline != 0 && deadline != FOREVER) {
		left = time_left(deadline);
		tv.sec = (int64_t)(left / NSEC);
		tv.usec = (int64_t)(left % NSEC / 1000);
		if (copyout(utv, &tv, sizeof(tv)) != 0 && r == -ERESTARTNOHAND)
			r = -EINTR;
	}
	return r;
}

/*
 * pselect6(2): as select with a timespec, and a sixth argument pointing
 * at { const sigset_t *mask; size_t size; } (the kernel's own ABI).
 */
long
sys_pselect6(const struct syscall_args *a)
{
	uaddr_t uset[3] = { a->a[1], a->a[2], a->a[3] };
	uaddr_t uts = a->a[4];
	struct ktimespec ts;
	uint64_t deadline, left, sig[2] = { 0, 0 };
	long r;

	if ((r = timespec_deadline(uts, &deadline)) != 0)
		return r;
	if (a->a[5] != 0 && copyin(sig, a->a[5], sizeof(sig)) != 0)
		return -EFAULT;
	if (sig[0] != 0 && (r = poll_swap_sigmask(sig[0], sig[1])) != 0)
		return r;
	r = do_select((int)a->a[0], uset, deadline);
	if (sig[0] != 0)
		poll_restore_sigmask(r);
	if (uts != 0 && deadline != 0 && deadline != FOREVER) {
		left = time_left(deadline);
		ts.sec = (int64_t)(left / NSEC);
		ts.nsec = (int64_t)(left % NSEC);
		if (copyout(uts, &ts, sizeof(ts)) != 0 && r == -ERESTARTNOHAND)
			r = -EINTR;
	}
	return r;
}
