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
 */
#include "contract/clock.h"
#include "proc/acct.h"
#include "proc/proc.h"
#include "proc/thread.h"

/* Add the time since t's last charge to its current mode.  t runs here. */
static void
charge(struct thread *t, uint64_t now)
{
	uint64_t d = t->acct_stamp != 0 && now > t->acct_stamp ?
	    now - t->acct_stamp : 0;
	struct proc *p = t->uctx != NULL ? t->proc : NULL;

	t->acct_stamp = now;
	if (d == 0)
		return;
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
}

void
acct_syscall_enter(void)
{
	struct thread *t = curthread();

	charge(t, clock_ns());
	t->acct_user = false;
}

void
acct_syscall_exit(void)
{
	struct thread *t = curthread();

	charge(t, clock_ns());
	t->acct_user = t->uctx != NULL;
}

void
acct_switch_out(struct thread *prev, uint64_t now)
{
	charge(prev, now);
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
	charge(curthread(), clock_ns());
}

void
acct_proc_times(const struct proc *p, uint64_t *utime, uint64_t *stime)
{
	*utime = __atomic_load_n(&p->utime_ns, __ATOMIC_RELAXED);
	*stime = __atomic_load_n(&p->stime_ns, __ATOMIC_RELAXED);
}
