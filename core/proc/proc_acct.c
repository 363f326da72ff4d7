/*
 * CPU time reported: getrusage(2) and times(2) (the CPU-time clocks are
 * in kern/time.c, wait4's rusage in proc_wait.c).  The accounts
 * themselves are kept by acct.c.  A reaped child's totals, with its own
 * reaped children's, go to the parent's cutime/cstime (proc_wait.c), as
 * Linux's wait does.
 *
 * ru_maxrss is the peak of private pages held (vmspace_rss_peak),
 * carried across exec in maxrss_kb as Linux keeps it in the signal
 * struct.  Of the counters, minflt (every resolved fault: nothing here
 * waits for I/O, so majflt is 0), nvcsw and nivcsw are kept (acct.c);
 * the others are 0, as most are on Linux too.
 */
#include "contract/clock.h"
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "kern/time.h"
#include "lib/string.h"
#include "proc/acct.h"
#include "proc/proc.h"
#include "proc/thread.h"
#include "sys/syscall.h"
#include "vm/vm.h"

#define RUSAGE_SELF	0
#define RUSAGE_CHILDREN	(-1)
#define RUSAGE_THREAD	1

#define USER_HZ		100	/* clock_t ticks, as Linux reports */

static void
ns_to_timeval(int64_t *tv, uint64_t ns)
{
	tv[0] = (int64_t)(ns / NSEC_PER_SEC);
	tv[1] = (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC);
}

/* struct rusage's longs after the two timevals, by index into w[]. */
#define RU_MAXRSS	4
#define RU_MINFLT	8
#define RU_NVCSW	16
#define RU_NIVCSW	17

void
acct_rusage(void *buf, uint64_t utime, uint64_t stime, uint64_t maxrss_kb,
    const struct acct_counts *c)
{
	int64_t w[RUSAGE_SIZE / 8];

	memset(w, 0, sizeof(w));
	ns_to_timeval(&w[0], utime);
	ns_to_timeval(&w[2], stime);
	w[RU_MAXRSS] = (int64_t)maxrss_kb;
	w[RU_MINFLT] = (int64_t)c->minflt;
	w[RU_NVCSW] = (int64_t)c->nvcsw;
	w[RU_NIVCSW] = (int64_t)c->nivcsw;
	memcpy(buf, w, sizeof(w));
}

uint64_t
acct_rss_sample(struct proc *p)
{
	uint64_t kb = 0, r;

	if (p->vmspace != NULL)
		kb = (uint64_t)vmspace_rss_peak(p->vmspace) * (PAGE_SIZE / 1024);
	spin_lock(&proc_lock);
	p->maxrss_kb = MAX(p->maxrss_kb, kb);
	r = p->maxrss_kb;
	spin_unlock(&proc_lock);
	return r;
}

/* getrusage(2): RUSAGE_SELF, RUSAGE_CHILDREN, RUSAGE_THREAD. */
long
sys_getrusage(const struct syscall_args *a)
{
	struct thread *t = curthread();
	struct proc *p = t->proc;
	int who = (int)a->a[0];
	char ru[RUSAGE_SIZE];
	struct acct_counts c;
	uint64_t u, s, rss;

	acct_charge_current();
	switch (who) {
	case RUSAGE_SELF:
		acct_proc_times(p, &u, &s);
		rss = acct_rss_sample(p);
		c = acct_counts_read(&p->counts);
		break;
	case RUSAGE_THREAD:
		/* As Linux: the thread's times, the address space's peak. */
		u = t->utime_ns;
		s = t->stime_ns;
		rss = acct_rss_sample(p);
		c = t->counts;
		break;
	case RUSAGE_CHILDREN:
		spin_lock(&proc_lock);
		u = p->cutime_ns;
		s = p->cstime_ns;
		rss = p->cmaxrss_kb;
		c = p->ccounts;
		spin_unlock(&proc_lock);
		break;
	default:
		return -EINVAL;
	}
	acct_rusage(ru, u, s, rss, &c);
	if (copyout(a->a[1], ru, sizeof(ru)) != 0)
		return -EFAULT;
	return 0;
}

static int64_t
ns_to_clock_t(uint64_t ns)
{
	return (int64_t)(ns / (NSEC_PER_SEC / USER_HZ));
}

/*
 * times(2): the process's and its reaped children's times in clock
 * ticks (USER_HZ), and the ticks since an arbitrary point (boot).  buf
 * may be NULL.
 */
long
sys_times(const struct syscall_args *a)
{
	struct proc *p = proc_current();
	int64_t tms[4];
	uint64_t u, s;

	acct_charge_current();
	acct_proc_times(p, &u, &s);
	tms[0] = ns_to_clock_t(u);
	tms[1] = ns_to_clock_t(s);
	spin_lock(&proc_lock);
	tms[2] = ns_to_clock_t(p->cutime_ns);
	tms[3] = ns_to_clock_t(p->cstime_ns);
	spin_unlock(&proc_lock);
	if (a->a[0] != 0 && copyout(a->a[0], tms, sizeof(tms)) != 0)
		return -EFAULT;
	return (long)ns_to_clock_t(clock_ns());
}
