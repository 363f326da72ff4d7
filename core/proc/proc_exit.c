/*
 * Leaving: exit(2), exit_group(2), death by a fault, and the last
 * thread's teardown of its process (see the essay atop proc.c).
 */
#include "contract/boot.h"
#include "contract/entry.h"
#include "contract/uctx.h"
#include "contract/usercopy.h"
#include "dev/tty.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/printk.h"
#include "mm/reserve.h"
#include "proc/acct.h"
#include "proc/futex.h"
#include "proc/oom.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/thread.h"
#include "sys/syscall.h"
#include "vm/vm.h"

/* What init's end reports to the platform: a shell-style exit code. */
static int
poweroff_status(int wstatus)
{
	if ((wstatus & 0x7f) != 0)
		return 128 + (wstatus & 0x7f);
	return (wstatus >> 8) & 0xff;
}

/*
 * Give p's children to init; zombies among them wake init's waiters.
 * proc_lock held.  (init itself has nobody to give them to: poweroff.)
 */
static void
reparent_children(struct proc *p, struct proc *init)
{
	struct list *it, *tmp;
	struct proc *c;
	bool zombies = false;

	list_foreach_safe(it, tmp, &p->children) {
		c = list_entry(it, struct proc, sibling);
		list_remove(&c->sibling);
		c->parent = init;
		/* As Linux's reparent_leader: a clone's odd exit signal
		 * (SIGTRAP...) would kill init; adoptees report with SIGCHLD. */
		c->exit_signal = SIGCHLD;
		list_push_back(&init->children, &c->sibling);
		zombies |= c->state == PROC_ZOMBIE;
	}
	if (zombies)
		waitq_wake_all(&init->child_wq);
}

/*
 * The last thread of p is leaving: release the fd table and the address
 * space, hand the children to init and become a zombie for the parent.
 * After the zombie is published p may be freed at any moment.
 */
static void
proc_finish(struct proc *p)
{
	struct proc *init, *parent;
	int status;
	bool reap;

	acct_rss_sample(p);
	fdtable_unref(p->fdt);
	vfs_proc_release(p);
	vmspace_unref(p->vmspace);
	oom_proc_released(p);	/* an OOM victim's memory is back */
	spin_lock(&proc_lock);
	init = proc_find(1);
	if (p == init || init == NULL) {
		status = p->wstatus;
		spin_unlock(&proc_lock);
		platform_poweroff(poweroff_status(status));
	}
	reparent_children(p, init);
	/* A session leader's exit hangs up its terminal (SIGHUP to fg). */
	tty_session_leader_exit(p);
	p->vfork_done = true;
	waitq_wake_all(&p->vfork_wq);
	p->state = PROC_ZOMBIE;
	parent = p->parent;
	/* A parent ignoring SIGCHLD (or SA_NOCLDWAIT) leaves no zombie. */
	reap = signal_child_exit(p);
	if (reap)
		proc_unlink(p);
	waitq_wake_all(&parent->child_wq);
	spin_unlock(&proc_lock);
	if (reap)
		proc_free(p);
}

/*
 * CLONE_CHILD_CLEARTID: zero the thread's tid word and wake one futex
 * waiter on it, so pthread_join sees the thread gone.  As on Linux, a
 * word we cannot write gets no wake.
 */
static void
clear_child_tid(struct thread *t)
{
	uint32_t zero = 0;

	if (t->clear_child_tid != 0 &&
	    copyout(t->clear_child_tid, &zero, sizeof(zero)) == 0)
		futex_wake_addr(t->clear_child_tid, 1);
}

void
proc_thread_exit(void)
{
	struct thread *t = curthread();
	struct proc *p = t->proc;
	bool last;

	if (reserve_active())
		reserve_end();
	clear_child_tid(t);
	/* The last charge the process sees: it may be freed once we leave. */
	acct_charge_current();
	vmspace_switch(NULL);
	uctx_free(t->uctx);
	t->uctx = NULL;
	spin_lock(&proc_lock);
	list_remove(&t->proc_link);
	signal_thread_exit(t);
	last = --p->nthreads == 0;
	if (p->exec_thread != NULL && p->nthreads == 1)
		waitq_wake_all(&p->exec_wq);
	if (last && !p->exiting) {
		/* exit(2) of the last thread: status 0, as Linux. */
		p->exiting = true;
		p->wstatus = 0;
	}
	spin_unlock(&proc_lock);
	if (last)
		proc_finish(p);
	thread_exit();
}

void
proc_exit_group(int wstatus)
{
	struct proc *p = proc_current();

	spin_lock(&proc_lock);
	if (!p->exiting) {
		p->exiting = true;
		p->wstatus = wstatus;
	}
	/* Threads asleep in interruptible waits must see the exit. */
	signal_wake_all(p);
	spin_unlock(&proc_lock);
	proc_thread_exit();
}

void
proc_exit_point(void)
{
	struct proc *p = proc_current();

	if (p != NULL && proc_thread_doomed(p, curthread()))
		proc_thread_exit();
}

/* exit(2): this thread only. */
long
sys_exit(const struct syscall_args *a)
{
	struct proc *p = proc_current();

	/* The status counts when this is the last thread. */
	spin_lock(&proc_lock);
	if (p->nthreads == 1 && !p->exiting) {
		p->exiting = true;
		p->wstatus = W_EXITCODE((int)a->a[0]);
	}
	spin_unlock(&proc_lock);
	proc_thread_exit();
}

/* exit_group(2): every thread of the process. */
long
sys_exit_group(const struct syscall_args *a)
{
	proc_exit_group(W_EXITCODE((int)a->a[0]));
}

/*
 * Linux's de_thread.  Mark the caller as the thread exec keeps: every
 * other thread is now doomed (proc_thread_doomed), is woken from
 * interruptible sleeps or kicked out of user mode like a SIGKILL
 * victim, and ends at its next exit point, dropping its own pending
 * signals.  The caller waits for the last to go, then takes the
 * leader's tid, which is the pid.
 *
 * Two threads exec'ing at once: the second to get here is doomed by the
 * first and ends at once.  Unlike Linux it does not unwind first, so the
 * image it had loaded is not freed; the race is rare and harmless
 * otherwise.  A process being killed (exiting) still finishes the exec,
 * and its threads end as they would; the caller ends on its way out.
 */
void
proc_exec_kill_threads(struct proc *p)
{
	struct thread *t = curthread();

	spin_lock(&proc_lock);
	if (p->exec_thread != NULL && p->exec_thread != t) {
		spin_unlock(&proc_lock);
		proc_thread_exit();
	}
	__atomic_store_n(&p->exec_thread, t, __ATOMIC_SEQ_CST);
	signal_wake_all(p);
	while (p->nthreads > 1)
		waitq_wait(&p->exec_wq, &proc_lock);
	__atomic_store_n(&p->exec_thread, NULL, __ATOMIC_SEQ_CST);
	t->tid = p->pid;
	spin_unlock(&proc_lock);
	/* getrusage's maxrss outlives the image, as on Linux. */
	acct_rss_sample(p);
	/* The old image's thread bookkeeping goes with it (exec_mm_release). */
	t->clear_child_tid = 0;
	t->robust_list = 0;
}

void
proc_exec_commit(struct proc *p)
{
	fdtable_close_on_exec(p->fdt);
	signal_exec(p);
	spin_lock(&proc_lock);
	p->did_exec = true;
	p->vfork_done = true;
	spin_unlock(&proc_lock);
	waitq_wake_all(&p->vfork_wq);
}
