/*
 * Read-only views of processes, for /proc (fs/procfs.c).
 *
 * Everything about a process that /proc shows is copied out under
 * proc_lock in one go (proc_info_get), so a line of /proc/PID/stat is
 * one consistent snapshot and procfs never holds a struct proc, which
 * a reaper may free at any moment.  The address space and fd table are
 * handed over with references of their own, taken under proc_lock
 * while a thread is left: proc_finish() drops the process's references
 * only after its last thread has left the list under the same lock, so
 * a reference taken before that keeps the object alive.  A zombie
 * shows neither.
 *
 * Thread states are [c] fields of other CPUs' run queues; they are read
 * with relaxed atomic loads, since /proc reports a moment that has
 * passed by the time anyone reads it anyway.
 */
#include "contract/usercopy.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "dev/tty.h"
#include "lib/string.h"
#include "proc/acct.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "vm/vm.h"

/* R (running or runnable), S (asleep), T (stopped) or Z; proc_lock held. */
static char
state_of(struct proc *p)
{
	struct list *it;
	enum thread_state st;

	if (p->state == PROC_ZOMBIE || p->nthreads == 0)
		return 'Z';
	if (p->sig.stopped)
		return 'T';
	list_foreach(it, &p->threads) {
		st = __atomic_load_n(&list_entry(it, struct thread,
		    proc_link)->state, __ATOMIC_RELAXED);
		if (st == THREAD_RUNNING || st == THREAD_RUNNABLE)
			return 'R';
	}
	return 'S';
}

/* The signal sets /proc/PID/status shows; proc_lock held. */
static void
signals_of(struct proc *p, struct proc_info *pi)
{
	struct list *it;
	struct thread *t;
	int i;

	pi->sig_pending = p->sig.pending;
	list_foreach(it, &p->threads) {
		t = list_entry(it, struct thread, proc_link);
		/* The leader's mask stands for the process, as Linux shows. */
		if (it == p->threads.next)
			pi->sig_blocked = t->sig.mask;
		pi->sig_pending |= t->sig.pending;
	}
	for (i = 0; i < SIGNAL_COUNT; i++) {
		if (p->sig.act[i].handler == SIG_IGN)
			pi->sig_ignored |= 1ull << i;
		else if (p->sig.act[i].handler != SIG_DFL)
			pi->sig_caught |= 1ull << i;
	}
}

int
proc_info_get(int pid, struct proc_info *pi)
{
	struct proc *p;

	memset(pi, 0, sizeof(*pi));
	spin_lock(&proc_lock);
	if ((p = proc_find(pid)) == NULL || p->pid != pid) {
		spin_unlock(&proc_lock);
		return -ESRCH;
	}
	pi->pid = pi->tid = p->pid;
	pi->ppid = p->parent != NULL ? p->parent->pid : 0;
	pi->pgid = p->pgid;
	pi->sid = p->sid;
	pi->tty_nr = tty_ctty_of(p, &pi->tpgid);
	pi->nthreads = p->nthreads;
	pi->state = state_of(p);
	memcpy(pi->name, p->name, sizeof(pi->name));
	pi->cred = p->cred;
	pi->utime_ns = __atomic_load_n(&p->utime_ns, __ATOMIC_RELAXED);
	pi->stime_ns = __atomic_load_n(&p->stime_ns, __ATOMIC_RELAXED);
	pi->cutime_ns = p->cutime_ns;
	pi->cstime_ns = p->cstime_ns;
	pi->start_ns = p->start_ns;
	pi->counts = acct_counts_read(&p->counts);
	pi->ccounts = p->ccounts;
	signals_of(p, pi);
	pi->arg_start = p->arg_start;
	pi->arg_end = p->arg_end;
	pi->rlim_nofile = p->rlim[RLIMIT_NOFILE].cur;
	pi->umask = __atomic_load_n(&p->umask, __ATOMIC_RELAXED);
	if (p->state == PROC_ALIVE && p->nthreads > 0) {
		vmspace_ref(p->vmspace);
		pi->vmspace = p->vmspace;
		fdtable_ref(p->fdt);
		pi->fdt = p->fdt;
	}
	spin_unlock(&proc_lock);
	return 0;
}

void
proc_info_put(struct proc_info *pi)
{
	if (pi->vmspace != NULL)
		vmspace_unref(pi->vmspace);
	if (pi->fdt != NULL)
		fdtable_unref(pi->fdt);
	pi->vmspace = NULL;
	pi->fdt = NULL;
}

bool
proc_exists(int pid)
{
	struct proc *p;
	bool r;

	spin_lock(&proc_lock);
	p = proc_find(pid);
	r = p != NULL && p->pid == pid;
	spin_unlock(&proc_lock);
	return r;
}

/*
 * Keep the max smallest numbers above after, sorted, in v (n held so
 * far): insertion into a sorted prefix, as the lists are short.
 */
static int
keep_smallest(int *v, int n, int max, int after, int x)
{
	int i;

	if (x <= after)
		return n;
	for (i = n; i > 0 && v[i - 1] > x; i--)
		if (i < max)
			v[i] = v[i - 1];
	if (i < max) {
		v[i] = x;
		if (n < max)
			n++;
	}
	return n;
}

int
proc_pids(int after, int *pids, int max)
{
	struct list *it;
	int n = 0;

	spin_lock(&proc_lock);
	list_foreach(it, &all_procs)
		n = keep_smallest(pids, n, max, after,
		    list_entry(it, struct proc, all_link)->pid);
	spin_unlock(&proc_lock);
	return n;
}

int
proc_tids(int pid, int after, int *tids, int max)
{
	struct list *it;
	struct proc *p;
	int n = 0;

	spin_lock(&proc_lock);
	p = proc_find(pid);
	if (p != NULL && p->pid == pid)
		list_foreach(it, &p->threads)
			n = keep_smallest(tids, n, max, after,
			    list_entry(it, struct thread, proc_link)->tid);
	spin_unlock(&proc_lock);
	return n;
}

bool
proc_has_thread(int pid, int tid)
{
	struct proc *p;
	bool r;

	spin_lock(&proc_lock);
	p = proc_find(tid);
	r = p != NULL && p->pid == pid && p->state == PROC_ALIVE;
	spin_unlock(&proc_lock);
	return r;
}

/*
 * Borrow vs as the calling thread's address space for the copy, as the
 * ELF loader does, so faults resolve in vs through vm_fault().
 */
int
proc_read_mem(struct vmspace *vs, uaddr_t addr, void *kbuf, size_t n)
{
	struct thread *t = curthread();
	struct vmspace *old = t->vmspace;
	int err;

	if (old == vs)
		return copyin(kbuf, addr, n) != 0 ? -EFAULT : 0;
	if (old != NULL)
		vmspace_ref(old);
	vmspace_switch(vs);
	err = copyin(kbuf, addr, n) != 0 ? -EFAULT : 0;
	vmspace_switch(old);
	if (old != NULL)
		vmspace_unref(old);
	return err;
}

/* p is alive with a thread left, so its fd table and address space are. */
static bool
alive_locked(struct proc *p)
{
	return p != NULL && p->state == PROC_ALIVE && p->nthreads > 0;
}

struct fdtable *
proc_fdtable_get(int pid)
{
	struct fdtable *t = NULL;
	struct proc *p;

	spin_lock(&proc_lock);
	p = proc_find(pid);
	if (alive_locked(p) && p->pid == pid) {
		t = p->fdt;
		fdtable_ref(t);
	}
	spin_unlock(&proc_lock);
	return t;
}

struct dentry *
proc_dentry_get(int pid, int which)
{
	struct dentry *d = NULL;
	struct proc *p;

	spin_lock(&proc_lock);
	p = proc_find(pid);
	if (p != NULL && p->pid == pid) {
		/* Set and cleared under vfs_lock, which the caller holds. */
		d = which == PROC_CWD ? p->cwd : which == PROC_ROOT ?
		    p->root : p->exe;
		if (d != NULL)
			vfs_dget(d);
	}
	spin_unlock(&proc_lock);
	return d;
}
