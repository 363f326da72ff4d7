/*
 * Time: the wall clock and the time syscalls -- clock_gettime(2),
 * clock_getres(2), clock_settime(2), gettimeofday(2), settimeofday(2),
 * time(2), nanosleep(2), clock_nanosleep(2), getitimer(2), setitimer(2)
 * and alarm(2).  There is no vDSO, so C libraries call these directly.
 *
 * CLOCK_REALTIME is the platform's wall time at boot
 * (clock_boot_epoch_ns) plus clock_ns() plus an adjustment that setting
 * the clock changes; every other clock is clock_ns(), which never stops
 * while the machine runs, so MONOTONIC, MONOTONIC_RAW and BOOTTIME agree
 * (nothing slews, nothing suspends) and the COARSE ones are just as
 * fine-grained.  The CPU-time clocks read the accounts of
 * proc/proc_acct.c.
 *
 * Sleeps end early, with -EINTR and the time left, when a signal
 * arrives; Linux would restart them after a handler with SA_RESTART
 * (restart blocks), which we do not have.
 *
 * ITIMER_REAL sends SIGALRM from a kernel thread, "itimer", started by
 * the first setitimer/alarm, which sleeps until the earliest armed timer
 * (a process's expiry time is in struct proc, under proc_lock).
 * ITIMER_VIRTUAL and ITIMER_PROF count down where CPU time is charged
 * (proc/acct.c), which also sends their SIGVTALRM and SIGPROF; the
 * charges subtract without proc_lock, so the values and intervals are
 * read and written here atomically as well as under it.
 */
#include "contract/clock.h"
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "kern/time.h"
#include "lib/string.h"
#include "proc/acct.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "proc/waitq.h"
#include "sys/syscall.h"

#define ITIMER_REAL	0
#define ITIMER_VIRTUAL	1
#define ITIMER_PROF	2

/* settimeofday's timezone: only ever stored and returned, as on Linux. */
struct k_timezone {
	int32_t tz_minuteswest;
	int32_t tz_dsttime;
};

struct k_itimerval {
	struct k_timeval it_interval;
	struct k_timeval it_value;
};

/* Signed: setting the clock before the boot-time wall clock is allowed. */
static int64_t realtime_adjust_ns;		/* atomic */
static struct spinlock tz_lock = SPINLOCK_INIT("timezone");
static struct k_timezone sys_tz;		/* [tz_lock] */

/* The ITIMER_REAL daemon. */
static struct spinlock itimer_lock = SPINLOCK_INIT("itimer");
static struct waitq itimer_wq;			/* it sleeps here */
static bool itimer_started;			/* [itimer_lock] */
static bool itimer_kick;		/* [itimer_lock] a timer changed */

uint64_t
time_realtime_ns(void)
{
	int64_t adj = __atomic_load_n(&realtime_adjust_ns, __ATOMIC_RELAXED);
	int64_t t = (int64_t)(clock_boot_epoch_ns() + clock_ns()) + adj;

	return t < 0 ? 0 : (uint64_t)t;
}

uint64_t
time_realtime_to_mono(uint64_t realtime_ns)
{
	uint64_t now_rt = time_realtime_ns(), now = clock_ns();

	if (realtime_ns <= now_rt)
		return now;
	return time_add_sat(now, realtime_ns - now_rt);
}

static uint64_t
ts_to_ns(const struct k_timespec *ts)
{
	uint64_t s = (uint64_t)ts->tv_sec;

	if (s > (UINT64_MAX - (uint64_t)ts->tv_nsec) / NSEC_PER_SEC)
		return UINT64_MAX;
	return s * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

static struct k_timespec
ns_to_ts(uint64_t ns)
{
	struct k_timespec ts = { (int64_t)(ns / NSEC_PER_SEC),
	    (int64_t)(ns % NSEC_PER_SEC) };

	return ts;
}

static struct k_timeval
ns_to_tv(uint64_t ns)
{
	struct k_timeval tv = { (int64_t)(ns / NSEC_PER_SEC),
	    (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC) };

	return tv;
}

int
time_copyin_timespec(uaddr_t u, uint64_t *ns)
{
	struct k_timespec ts;

	if (copyin(&ts, u, sizeof(ts)) != 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 ||
	    (uint64_t)ts.tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	*ns = ts_to_ns(&ts);
	return 0;
}

static int
copyout_ns(uaddr_t u, uint64_t ns)
{
	struct k_timespec ts = ns_to_ts(ns);

	return copyout(u, &ts, sizeof(ts)) != 0 ? -EFAULT : 0;
}

/* The calling process's or thread's CPU time (proc/acct.h), ns. */
static uint64_t
cputime_read(int id)
{
	struct thread *t = curthread();
	uint64_t u, s;

	acct_charge_current();
	if (id == CLOCK_THREAD_CPUTIME_ID || t->proc == NULL)
		return t->utime_ns + t->stime_ns;
	acct_proc_times(t->proc, &u, &s);
	return u + s;
}

/* The reading of clock id now, or -EINVAL for a clock we do not have. */
static int
clock_read(int id, uint64_t *ns)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = clock_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = cputime_read(id);
		return 0;
	default:
		return -EINVAL;
	}
}

/* Make CLOCK_REALTIME read ns now.  The caller checked permission. */
static void
realtime_set(uint64_t ns)
{
	int64_t adj = (int64_t)ns -
	    (int64_t)(clock_boot_epoch_ns() + clock_ns());

	__atomic_store_n(&realtime_adjust_ns, adj, __ATOMIC_RELAXED);
}

/* CAP_SYS_TIME, which only root has here. */
static bool
may_set_time(void)
{
	struct proc *p = proc_current();
	bool root;

	if (p == NULL)
		return true;
	spin_lock(&proc_lock);
	root = p->cred.euid == 0;
	spin_unlock(&proc_lock);
	return root;
}

/*
 * Sleep until clock_ns() reaches deadline: 0, or -EINTR when a signal
 * is pending first.
 */
static int
sleep_until(uint64_t deadline)
{
	struct spinlock lk;
	struct waitq wq;
	int err = 0;

	spin_init(&lk, "sleep");
	waitq_init(&wq, "sleep");
	spin_lock(&lk);
	while (clock_ns() < deadline) {
		if (waitq_wait_deadline_intr(&wq, &lk, deadline) == -EINTR) {
			err = -EINTR;
			break;
		}
	}
	spin_unlock(&lk);
	return err;
}

/*
 * The common part of nanosleep and clock_nanosleep: sleep until the
 * clock_ns() deadline; on a signal, write the time left to rem (if not
 * 0) for a relative sleep and return -EINTR.
 */
static long
do_sleep(uint64_t deadline, bool relative, uaddr_t rem)
{
	uint64_t now;

	if (sleep_until(deadline) == 0)
		return 0;
	now = clock_ns();
	if (relative && rem != 0 &&
	    copyout_ns(rem, deadline > now ? deadline - now : 0) != 0)
		return -EFAULT;
	return -EINTR;
}

/* nanosleep(req, rem) */
long
sys_nanosleep(const struct syscall_args *a)
{
	uint64_t ns;
	int err;

	if ((err = time_copyin_timespec(a->a[0], &ns)) != 0)
		return err;
	return do_sleep(time_add_sat(clock_ns(), ns), true, a->a[1]);
}

/* clock_nanosleep(clockid, flags, req, rem) */
long
sys_clock_nanosleep(const struct syscall_args *a)
{
	int id = (int)a->a[0];
	bool abs = (a->a[1] & TIMER_ABSTIME) != 0;
	uint64_t ns, deadline;
	int err;

	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
		break;
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_THREAD_CPUTIME_ID:
		/* Linux: these clocks exist but cannot be slept on. */
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
	if ((err = time_copyin_timespec(a->a[2], &ns)) != 0)
		return err;
	if (!abs)
		deadline = time_add_sat(clock_ns(), ns);
	else if (id == CLOCK_REALTIME)
		deadline = time_realtime_to_mono(ns);
	else
		deadline = ns;
	return do_sleep(deadline, !abs, a->a[3]);
}

/* clock_gettime(clockid, tp) */
long
sys_clock_gettime(const struct syscall_args *a)
{
	uint64_t ns;
	int err;

	if ((err = clock_read((int)a->a[0], &ns)) != 0)
		return err;
	return copyout_ns(a->a[1], ns);
}

/* clock_getres(clockid, res): 1 ns for every clock; res may be NULL. */
long
sys_clock_getres(const struct syscall_args *a)
{
	uint64_t ns;
	int err;

	if ((err = clock_read((int)a->a[0], &ns)) != 0)
		return err;
	if (a->a[1] == 0)
		return 0;
	return copyout_ns(a->a[1], 1);
}

/*
 * clock_settime(clockid, tp): only CLOCK_REALTIME can be set.  Linux's
 * order: a clock without a setter is EINVAL before tp is read; the
 * CPU-time clocks check tp, then say EPERM to everyone.
 */
long
sys_clock_settime(const struct syscall_args *a)
{
	int id = (int)a->a[0];
	uint64_t ns;
	int err;

	if (id != CLOCK_REALTIME && id != CLOCK_PROCESS_CPUTIME_ID &&
	    id != CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if ((err = time_copyin_timespec(a->a[1], &ns)) != 0)
		return err;
	if (id != CLOCK_REALTIME || !may_set_time())
		return -EPERM;
	realtime_set(ns);
	return 0;
}

/* gettimeofday(tv, tz): either may be NULL. */
long
sys_gettimeofday(const struct syscall_args *a)
{
	struct k_timeval tv = ns_to_tv(time_realtime_ns());
	struct k_timezone tz;

	if (a->a[0] != 0 && copyout(a->a[0], &tv, sizeof(tv)) != 0)
		return -EFAULT;
	if (a->a[1] != 0) {
		spin_lock(&tz_lock);
		tz = sys_tz;
		spin_unlock(&tz_lock);
		if (copyout(a->a[1], &tz, sizeof(tz)) != 0)
			return -EFAULT;
	}
	return 0;
}

/*
 * settimeofday(tv, tz): either may be NULL; Linux's checks in its order
 * (a bad timezone is found only after the permission check).
 */
long
sys_settimeofday(const struct syscall_args *a)
{
	struct k_timeval tv;
	struct k_timezone tz;

	if (a->a[0] != 0) {
		if (copyin(&tv, a->a[0], sizeof(tv)) != 0)
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0 ||
		    (uint64_t)tv.tv_usec >= NSEC_PER_SEC / NSEC_PER_USEC)
			return -EINVAL;
	}
	if (a->a[1] != 0 && copyin(&tz, a->a[1], sizeof(tz)) != 0)
		return -EFAULT;
	if (!may_set_time())
		return -EPERM;
	if (a->a[1] != 0) {
		if (tz.tz_minuteswest < -15 * 60 || tz.tz_minuteswest > 15 * 60)
			return -EINVAL;
		spin_lock(&tz_lock);
		sys_tz = tz;
		spin_unlock(&tz_lock);
	}
	if (a->a[0] != 0)
		realtime_set((uint64_t)tv.tv_sec * NSEC_PER_SEC +
		    (uint64_t)tv.tv_usec * NSEC_PER_USEC);
	return 0;
}

/* time(tloc): seconds since the epoch, also stored at tloc unless NULL. */
long
sys_time(const struct syscall_args *a)
{
	int64_t t = (int64_t)(time_realtime_ns() / NSEC_PER_SEC);

	if (a->a[0] != 0 && copyout(a->a[0], &t, sizeof(t)) != 0)
		return -EFAULT;
	return (long)t;
}

/*
 * ITIMER_REAL.  The daemon sleeps until the earliest expiry over all
 * processes, sends SIGALRM to those due, and reloads or disarms them.
 */
static void
itimer_main(void *arg)
{
	struct list *it;
	uint64_t now, next;

	(void)arg;
	for (;;) {
		now = clock_ns();
		next = 0;
		spin_lock(&proc_lock);
		list_foreach(it, &all_procs) {
			struct proc *p = list_entry(it, struct proc, all_link);

			if (p->itimer_real_when == 0)
				continue;
			if (p->state != PROC_ALIVE || p->exiting) {
				p->itimer_real_when = 0;
				continue;
			}
			if (p->itimer_real_when <= now) {
				signal_send_proc(p, SIGALRM, NULL);
				/* Skip overruns: one signal per expiry seen. */
				p->itimer_real_when =
				    p->itimer_real_period == 0 ? 0 :
				    now + p->itimer_real_period;
			}
			if (p->itimer_real_when != 0 &&
			    (next == 0 || p->itimer_real_when < next))
				next = p->itimer_real_when;
		}
		spin_unlock(&proc_lock);
		spin_lock(&itimer_lock);
		while (!itimer_kick) {
			if (next == 0)
				waitq_wait(&itimer_wq, &itimer_lock);
			else if (waitq_wait_deadline(&itimer_wq, &itimer_lock,
			    next) == -ETIMEDOUT)
				break;
		}
		itimer_kick = false;
		spin_unlock(&itimer_lock);
	}
}

/* A process's ITIMER_REAL changed: the daemon looks again (started once). */
static void
itimer_changed(void)
{
	struct thread *t;
	bool start;

	spin_lock(&itimer_lock);
	start = !itimer_started;
	if (start) {
		itimer_started = true;
		waitq_init(&itimer_wq, "itimer");
	}
	itimer_kick = true;
	spin_unlock(&itimer_lock);
	if (!start) {
		waitq_wake_all(&itimer_wq);
		return;
	}
	t = thread_create("itimer", itimer_main, NULL);
	if (t == NULL) {
		/* No memory for its stack: the next setitimer tries again. */
		printk("itimer: cannot start the timer thread\n");
		spin_lock(&itimer_lock);
		itimer_started = false;
		spin_unlock(&itimer_lock);
		return;
	}
	thread_detach(t);
}

static bool
tv_valid(const struct k_timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 &&
	    (uint64_t)tv->tv_usec < NSEC_PER_SEC / NSEC_PER_USEC;
}

static uint64_t
tv_to_ns(const struct k_timeval *tv)
{
	uint64_t s = (uint64_t)tv->tv_sec;

	if (s > UINT64_MAX / NSEC_PER_SEC - 1)
		return UINT64_MAX / 2;
	return s * NSEC_PER_SEC + (uint64_t)tv->tv_usec * NSEC_PER_USEC;
}

/*
 * Read timer which of p into *old and, if set is not NULL, replace it.
 * proc_lock held.  Returns whether ITIMER_REAL changed.
 */
static bool
itimer_swap(struct proc *p, int which, struct k_itimerval *old,
    const struct k_itimerval *set)
{
	uint64_t now = clock_ns(), value, period;

	if (which == ITIMER_REAL) {
		value = p->itimer_real_when > now ? p->itimer_real_when - now :
		    0;
		/* Expired but not yet seen by the daemon: due now. */
		if (p->itimer_real_when != 0 && value == 0)
			value = 1000;
		period = p->itimer_real_period;
	} else {
		value = __atomic_load_n(&p->itimer_value[which - 1],
		    __ATOMIC_RELAXED);
		period = __atomic_load_n(&p->itimer_period[which - 1],
		    __ATOMIC_RELAXED);
	}
	old->it_value = ns_to_tv(value);
	old->it_interval = ns_to_tv(period);
	/* A live timer never reads 0 (that means "off"): round up to 1 us. */
	if (value != 0 && old->it_value.tv_sec == 0 &&
	    old->it_value.tv_usec == 0)
		old->it_value.tv_usec = 1;
	if (set == NULL)
		return false;
	value = tv_to_ns(&set->it_value);
	period = tv_to_ns(&set->it_interval);
	if (which == ITIMER_REAL) {
		p->itimer_real_when = value == 0 ? 0 : time_add_sat(now, value);
		p->itimer_real_period = p->itimer_real_when == 0 ? 0 : period;
		return true;
	}
	/* The interval first: a charge that sees the value expire reloads. */
	__atomic_store_n(&p->itimer_period[which - 1], value == 0 ? 0 : period,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&p->itimer_value[which - 1], value, __ATOMIC_RELAXED);
	return false;
}

/*
 * ITIMER_VIRTUAL and ITIMER_PROF expired for p (acct.c's sender, no
 * spinlock held): their signals.
 */
static void
itimer_cpu_fire(struct proc *p, unsigned expired)
{
	spin_lock(&proc_lock);
	if (expired & ACCT_ITIMER_VIRTUAL)
		signal_send_proc(p, SIGVTALRM, NULL);
	if (expired & ACCT_ITIMER_PROF)
		signal_send_proc(p, SIGPROF, NULL);
	spin_unlock(&proc_lock);
}

/* getitimer(which, curr) */
long
sys_getitimer(const struct syscall_args *a)
{
	struct proc *p = proc_current();
	int which = (int)a->a[0];
	struct k_itimerval cur;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	spin_lock(&proc_lock);
	itimer_swap(p, which, &cur, NULL);
	spin_unlock(&proc_lock);
	if (copyout(a->a[1], &cur, sizeof(cur)) != 0)
		return -EFAULT;
	return 0;
}

/* setitimer(which, new, old): a NULL new disarms, as Linux allows. */
long
sys_setitimer(const struct syscall_args *a)
{
	struct proc *p = proc_current();
	int which = (int)a->a[0];
	struct k_itimerval set, old;
	bool changed;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	memset(&set, 0, sizeof(set));
	if (a->a[1] != 0) {
		if (copyin(&set, a->a[1], sizeof(set)) != 0)
			return -EFAULT;
		if (!tv_valid(&set.it_value) || !tv_valid(&set.it_interval))
			return -EINVAL;
	}
	/* Before the timer is armed, so that its expiry finds the sender. */
	if (which != ITIMER_REAL)
		acct_set_itimer_fire(itimer_cpu_fire);
	spin_lock(&proc_lock);
	changed = itimer_swap(p, which, &old, &set);
	spin_unlock(&proc_lock);
	if (changed)
		itimer_changed();
	if (a->a[2] != 0 && copyout(a->a[2], &old, sizeof(old)) != 0)
		return -EFAULT;
	return 0;
}

/*
 * alarm(seconds): ITIMER_REAL once; returns the seconds the previous
 * alarm had left, rounded to nearest but never 0 for a live one (Linux's
 * alarm_setitimer).
 */
long
sys_alarm(const struct syscall_args *a)
{
	struct proc *p = proc_current();
	struct k_itimerval set, old;
	long left;

	memset(&set, 0, sizeof(set));
	set.it_value.tv_sec = (int64_t)(uint32_t)a->a[0];
	spin_lock(&proc_lock);
	itimer_swap(p, ITIMER_REAL, &old, &set);
	spin_unlock(&proc_lock);
	itimer_changed();
	left = (long)old.it_value.tv_sec;
	if ((left == 0 && old.it_value.tv_usec != 0) ||
	    old.it_value.tv_usec >= 500000)
		left++;
	return left;
}
