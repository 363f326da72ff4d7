/*
 * CPU-time accounting: the charging (proc/acct.h).  The calls that
 * report the totals are in proc_acct.c; this half has no dependencies
 * beyond the clock and the current thread, because the scheduler and the
 * syscall boundary, which every kernel links, call it.
 *
 * A thread carries a timestamp and the mode it has been in since: the
 * time between two charges goes to user time or system time.  Charges
 * happen where the mode changes -- entry to and return from a syscall
 * (syscall_dispatch) -- and at every context switch, which the 10 ms
 * slice timer forces even when the CPU has nothing else to run, so a
 * thread spinning in user mode is charged at least every slice.  Time in
 * the kernel for an interrupt or a page fault taken in user mode counts
 * as user time (we charge only at the syscall boundary), a small error
 * that Linux's tick sampling also makes in its own way.
 *
 * Each charge is added to the thread's totals and, atomically, to its
 * process's (threads of a process run on several CPUs at once), so the
 * process totals count live and exited threads without a walk.  Once a
 * thread has left its process (proc_thread_exit drops its user context
 * first), charges stop reaching the process, which may be freed.
 *
 * The CPU-time interval timers (setitimer(2)) count down here too:
 * ITIMER_VIRTUAL by the process's user time, ITIMER_PROF by its user and
 * system time, each charge subtracted from p->itimer_value[] with an
 * atomic compare-and-swap (charges of several threads race; setitimer
 * stores under proc_lock, atomically, so the two mix safely).  On expiry
 * the timer reloads from its interval (0: off) and SIGVTALRM / SIGPROF
 * goes to the process, through the sender kern/time.c installs before
 * it arms one (acct_set_itimer_fire: signals stay out of this half,
 * which every kernel links through the scheduler).  Sending needs
 * proc_lock, which the scheduler's charge (acct_switch_out, under a
 * run-queue lock, which ranks after proc_lock) cannot take: there an
 * expired timer is parked at ITIMER_DUE and fires at the thread's next
 * charge that holds no lock -- syscall entry or exit, or a CPU-clock
 * read.  So a thread spinning in user mode without syscalls gets its
 * signal at its next syscall, where Linux's tick would interrupt it.
 */
#include "contract/clock.h"
#include "proc/acct.h"
#include "proc/proc.h"
#include "proc/thread.h"

/* p->itimer_value[] indices (ITIMER_VIRTUAL - 1, ITIMER_PROF - 1). */
#define IT_VIRT		0
#define IT_PROF		1

/*
 * An expired timer whose signal is still owed (charged where no lock
 * may be taken).  1 ns: a timer that really has 1 ns left fires that
 * much early, which nobody can tell.
 */
#define ITIMER_DUE	1

static acct_itimer_fire_fn *itimer_fire;	/* [a] set by time.c */

/*
 * Count timer i of p down by d ns.  True when it expired and may fire
 * now (fire: the caller can send the signal), after reloading it.
 */
static bool
itimer_count(struct proc *p, int i, uint64_t d, bool fire)
{
	uint64_t old = __atomic_load_n(&p->itimer_value[i], __ATOMIC_RELAXED);
	uint64_t period, left;

	do {
		if (old == 0)
			return false;
		left = old > d ? old - d : 0;
		if (left == 0 || (left == ITIMER_DUE && fire)) {
			period = __atomic_load_n(&p->itimer_period[i],
			    __ATOMIC_RELAXED);
			left = fire ? period : ITIMER_DUE;
		}
	} while (!__atomic_compare_exchange_n(&p->itimer_value[i], &old, left,
	    false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return fire && (old <= d || old - d == ITIMER_DUE);
}

/*
 * Add the time since t's last charge to its current mode, and count p's
 * CPU timers down.  t runs here.  Returns the timers that expired and
 * fire now (ACCT_ITIMER_*); with fire false, none.
 */
static unsigned
charge(struct thread *t, uint64_t now, bool fire)
{
	uint64_t d = t->acct_stamp != 0 && now > t->acct_stamp ?
	    now - t->acct_stamp : 0;
	struct proc *p = t->uctx != NULL ? t->proc : NULL;
	unsigned expired = 0;

	t->acct_stamp = now;
	if (d == 0)
		return 0;
	if (t->acct_user) {
		__atomic_store_n(&t->utime_ns, t->utime_ns + d,
		    __ATOMIC_RELAXED);
		if (p != NULL)
			__atomic_fetch_add(&p->utime_ns, d, __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&t->stime_ns, t->stime_ns + d,
		    __ATOMIC_RELAXED);
		if (p != NULL)
			__atomic_fetch_add(&p->stime_ns, d, __ATOMIC_RELAXED);
	}
	if (p == NULL)
		return 0;
	if (t->acct_user && itimer_count(p, IT_VIRT, d, fire))
		expired |= ACCT_ITIMER_VIRTUAL;
	if (itimer_count(p, IT_PROF, d, fire))
		expired |= ACCT_ITIMER_PROF;
	return expired;
}

/*
 * Charge the current thread and send what its process's timers owe.  No
 * spinlock held.
 */
static void
charge_and_fire(struct thread *t)
{
	unsigned expired = charge(t, clock_ns(), true);
	acct_itimer_fire_fn *fn;

	if (expired == 0)
		return;
	/* Armed only after the sender was installed: never NULL here. */
	fn = __atomic_load_n(&itimer_fire, __ATOMIC_ACQUIRE);
	/* Charged with a user context, so t->proc is still ours. */
	if (fn != NULL)
		fn(t->proc, expired);
}

void
acct_set_itimer_fire(acct_itimer_fire_fn *fn)
{
	__atomic_store_n(&itimer_fire, fn, __ATOMIC_RELEASE);
}

void
acct_syscall_enter(void)
{
	struct thread *t = curthread();

	charge_and_fire(t);
	t->acct_user = false;
}

void
acct_syscall_exit(void)
{
	struct thread *t = curthread();

	charge_and_fire(t);
	t->acct_user = t->uctx != NULL;
}

void
acct_switch_out(struct thread *prev, uint64_t now)
{
	/* A run-queue lock is held: expired timers wait (ITIMER_DUE). */
	(void)charge(prev, now, false);
}

/* One more of the counter at byte offset off, in t and in its process. */
static void
count(struct thread *t, size_t off)
{
	uint64_t *tc = (uint64_t *)((char *)&t->counts + off);

	__atomic_store_n(tc, *tc + 1, __ATOMIC_RELAXED);
	if (t->proc != NULL)
		__atomic_fetch_add((uint64_t *)((char *)&t->proc->counts + off),
		    1, __ATOMIC_RELAXED);
}

void
acct_minflt(void)
{
	count(curthread(), offsetof(struct acct_counts, minflt));
}

void
acct_count_switch(struct thread *prev)
{
	if (prev->state == THREAD_SLEEPING)
		count(prev, offsetof(struct acct_counts, nvcsw));
	else if (prev->state == THREAD_RUNNABLE)
		count(prev, offsetof(struct acct_counts, nivcsw));
}

void
acct_counts_add(struct acct_counts *a, const struct acct_counts *b)
{
	a->minflt += b->minflt;
	a->nvcsw += b->nvcsw;
	a->nivcsw += b->nivcsw;
}

struct acct_counts
acct_counts_read(const struct acct_counts *c)
{
	struct acct_counts r;

	r.minflt = __atomic_load_n(&c->minflt, __ATOMIC_RELAXED);
	r.nvcsw = __atomic_load_n(&c->nvcsw, __ATOMIC_RELAXED);
	r.nivcsw = __atomic_load_n(&c->nivcsw, __ATOMIC_RELAXED);
	return r;
}

void
acct_switch_in(struct thread *next, uint64_t now)
{
	next->acct_stamp = now;
}

void
acct_thread_start(struct thread *t)
{
	t->acct_user = true;
}

void
acct_charge_current(void)
{
	charge_and_fire(curthread());
}

void
acct_proc_times(const struct proc *p, uint64_t *utime, uint64_t *stime)
{
	*utime = __atomic_load_n(&p->utime_ns, __ATOMIC_RELAXED);
	*stime = __atomic_load_n(&p->stime_ns, __ATOMIC_RELAXED);
}
