/*
 * The OOM killer (proc/oom.h): the last step of the shortage policy in
 * reserve_begin() (mm/reserve.c), taken when evicting caches freed
 * nothing and a reservation still cannot be met.
 *
 * Choice.  The victim is the live process with the largest footprint --
 * its private (resident, anonymous or copied) pages plus an estimate of
 * its page tables, vmspace_footprint() -- since ending it returns the
 * most memory.  init (pid 1) is never chosen: its end powers the machine
 * off.  Kernel threads have no process and are never candidates.  A
 * process already exiting is no candidate either: it is freeing its
 * memory anyway.
 *
 * One victim at a time.  The killer sends SIGKILL and remembers the
 * victim until its last thread has dropped the address space
 * (oom_proc_released() from proc_finish()).  Until then another
 * shortage does not kill a second process: it waits for the first,
 * since the memory it wants is on its way back.  Killing on every
 * shortage would empty the machine while the first victim unwinds.
 *
 * No deadlock.  A victim's threads must reach their exit points without
 * waiting for memory: reserve_begin() grants a dying process's threads
 * their bounds from the emergency margin instead of waiting, and a
 * user page fault in a dying process fails at once (the SIGKILL then
 * ends it) rather than reclaiming.  Waiters for the victim re-check
 * every so often and return when their own process is the one dying.
 *
 * Locking: victim is written under proc_lock (chosen and killed in one
 * critical section, so it cannot have exited in between) and read
 * atomically; oom_wq's sleepers use oom_lock.
 */
#include "contract/clock.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/reserve.h"
#include "proc/oom.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "proc/waitq.h"
#include "vm/vm.h"

static struct proc *victim;		/* [proc_lock] writes; atomic reads */
static uint64_t kills;			/* atomic */
static struct spinlock oom_lock = SPINLOCK_INIT("oom");
static struct waitq oom_wq = {
	.lock = SPINLOCK_INIT("oom waitq"),
	.waiters = LIST_INIT(oom_wq.waiters),
};

/* The live process with the largest footprint but init.  proc_lock held. */
static struct proc *
choose_victim(size_t *pages)
{
	struct proc *p, *best = NULL;
	struct list *it;
	size_t n, most = 0;

	list_foreach(it, &all_procs) {
		p = list_entry(it, struct proc, all_link);
		if (p->pid == 1 || p->state != PROC_ALIVE || p->exiting ||
		    p->nthreads == 0 || p->vmspace == NULL)
			continue;
		n = vmspace_footprint(p->vmspace);
		if (best == NULL || n > most) {
			best = p;
			most = n;
		}
	}
	*pages = most;
	return best;
}

bool
oom_kill(void)
{
	struct ksiginfo info = { .code = SI_KERNEL };
	struct proc *p;
	size_t pages;
	char name[16];
	int pid;

	spin_lock(&proc_lock);
	if (victim != NULL) {
		spin_unlock(&proc_lock);
		return true;
	}
	p = choose_victim(&pages);
	if (p == NULL) {
		spin_unlock(&proc_lock);
		return false;
	}
	__atomic_store_n(&victim, p, __ATOMIC_SEQ_CST);
	signal_send_proc(p, SIGKILL, &info);
	pid = p->pid;
	memcpy(name, p->name, sizeof(name));
	spin_unlock(&proc_lock);
	__atomic_add_fetch(&kills, 1, __ATOMIC_RELAXED);
	printk("oom: out of memory: killed process %d (%s), %zu pages\n",
	    pid, name, pages);
	return true;
}

bool
oom_current_doomed(void)
{
	struct thread *t = curthread();

	return t != NULL && t->proc != NULL && proc_thread_doomed(t->proc, t);
}

void
oom_wait_victim(uint64_t timeout_ns)
{
	uint64_t deadline = clock_ns() + timeout_ns;

	spin_lock(&oom_lock);
	while (__atomic_load_n(&victim, __ATOMIC_SEQ_CST) != NULL &&
	    !oom_current_doomed() && clock_ns() < deadline)
		waitq_wait_deadline(&oom_wq, &oom_lock, deadline);
	spin_unlock(&oom_lock);
}

void
oom_proc_released(struct proc *p)
{
	if (__atomic_load_n(&victim, __ATOMIC_SEQ_CST) != p)
		return;
	spin_lock(&proc_lock);
	if (victim == p)
		__atomic_store_n(&victim, NULL, __ATOMIC_SEQ_CST);
	spin_unlock(&proc_lock);
	spin_lock(&oom_lock);
	waitq_wake_all(&oom_wq);
	spin_unlock(&oom_lock);
	reserve_wake();
}

uint64_t
oom_kill_count(void)
{
	return __atomic_load_n(&kills, __ATOMIC_RELAXED);
}
