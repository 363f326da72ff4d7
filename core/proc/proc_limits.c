/*
 * Resource limits and usage, and the scheduler's user face:
 * getrlimit, setrlimit, prlimit64, sched_yield, sched_getaffinity
 * (getrusage is with the accounting, in proc_acct.c).
 *
 * Limits live in struct proc (shared by its threads, inherited by
 * children) and are stored and enforced as Linux stores them; only
 * RLIMIT_NOFILE is enforced so far (by the fd table), and its ceiling is
 * NR_OPEN rather than Linux's nr_open of 1048576.
 */
#include "contract/cpu.h"
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/thread.h"
#include "sys/syscall.h"

/*
 * Replace (new != NULL) and/or return (old != NULL) limit res of the
 * process pid (0: the caller).  Linux's checks: EINVAL for a bad resource
 * or soft > hard, EPERM to raise the hard limit without being root or to
 * push RLIMIT_NOFILE past the ceiling, ESRCH for no such process.
 */
static long
do_prlimit(int pid, unsigned res, const struct rlimit64 *new,
    struct rlimit64 *old)
{
	struct proc *p;
	long r = 0;

	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	if (new != NULL && new->cur > new->max)
		return -EINVAL;
	if (new != NULL && res == RLIMIT_NOFILE && new->max > NR_OPEN)
		return -EPERM;
	spin_lock(&proc_lock);
	p = pid == 0 ? proc_current() : proc_find(pid);
	if (p == NULL)
		r = -ESRCH;
	else if (new != NULL && new->max > p->rlim[res].max &&
	    proc_current()->cred.euid != 0)
		r = -EPERM;
	else {
		if (old != NULL)
			*old = p->rlim[res];
		if (new != NULL)
			p->rlim[res] = *new;
	}
	spin_unlock(&proc_lock);
	return r;
}

/*
 * The most fds p may have open: RLIMIT_NOFILE's soft value, capped at
 * NR_OPEN.  Every call that installs an fd passes this to fd_alloc().
 */
unsigned
proc_nofile_limit(struct proc *p)
{
	uint64_t lim;

	spin_lock(&proc_lock);
	lim = p->rlim[RLIMIT_NOFILE].cur;
	spin_unlock(&proc_lock);
	return (unsigned)MIN(lim, (uint64_t)NR_OPEN);
}

/* prlimit64(2): pid, resource, new (may be NULL), old (may be NULL). */
long
sys_prlimit64(const struct syscall_args *a)
{
	struct rlimit64 new, old;
	long r;

	if (a->a[2] != 0 && copyin(&new, a->a[2], sizeof(new)) != 0)
		return -EFAULT;
	r = do_prlimit((int)a->a[0], (unsigned)a->a[1],
	    a->a[2] != 0 ? &new : NULL, a->a[3] != 0 ? &old : NULL);
	if (r == 0 && a->a[3] != 0 && copyout(a->a[3], &old, sizeof(old)) != 0)
		return -EFAULT;
	return r;
}

/* getrlimit(2): x86-64's struct rlimit is the same two 64-bit words. */
long
sys_getrlimit(const struct syscall_args *a)
{
	struct rlimit64 old;
	long r = do_prlimit(0, (unsigned)a->a[0], NULL, &old);

	if (r == 0 && copyout(a->a[1], &old, sizeof(old)) != 0)
		return -EFAULT;
	return r;
}

long
sys_setrlimit(const struct syscall_args *a)
{
	struct rlimit64 new;

	if (copyin(&new, a->a[1], sizeof(new)) != 0)
		return -EFAULT;
	return do_prlimit(0, (unsigned)a->a[0], &new, NULL);
}

long
sys_sched_yield(const struct syscall_args *a)
{
	(void)a;
	thread_yield();
	return 0;
}

/*
 * sched_getaffinity(2): every thread may run on every CPU.  As Linux,
 * len must hold nr_cpu_ids bits and be a multiple of a long; the result
 * is the bytes written, the mask rounded up to whole longs.
 */
long
sys_sched_getaffinity(const struct syscall_args *a)
{
	unsigned ncpu = cpu_count(), i;
	size_t len = (size_t)(uint32_t)a->a[1];
	size_t size = (ncpu + 63) / 64 * sizeof(uint64_t);
	uint64_t word;
	int pid = (int)a->a[0];
	bool found;

	if (len * 8 < ncpu || (len & (sizeof(uint64_t) - 1)) != 0)
		return -EINVAL;
	spin_lock(&proc_lock);
	found = pid == 0 || (pid > 0 && proc_find(pid) != NULL);
	spin_unlock(&proc_lock);
	if (!found)
		return -ESRCH;
	for (i = 0; i < size / sizeof(word); i++) {
		word = ncpu >= (i + 1) * 64 ? ~0ULL :
		    ((1ULL << (ncpu - i * 64)) - 1);
		if (copyout(a->a[2] + i * sizeof(word), &word,
		    sizeof(word)) != 0)
			return -EFAULT;
	}
	return (long)size;
}
