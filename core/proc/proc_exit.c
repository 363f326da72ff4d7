/*
 * Leaving: exit(2), exit_group(2), death by a fault, and the last
 * thread's teardown of its process (see the essay atop proc.c).
 */
#include "contract/boot.h"
#include "contract/entry.h"
#include "contract/uctx.h"
#include "contract/usercopy.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/printk.h"
#include "mm/reserve.h"
#include "proc/futex.h"
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

	fdtable_unref(p->fdt);
	vfs_proc_release(p);
	vmspace_unref(p->vmspace);
	spin_lock(&proc_lock);
	init = proc_find(1);
	if (p == init || init == NULL) {
		status = p->wstatus;
		spin_unlock(&proc_lock);
		platform_poweroff(poweroff_status(status));
	}
	reparent_children(p, init);
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
	vmspace_switch(NULL);
	uctx_free(t->uctx);
	t->uctx = NULL;
	spin_lock(&proc_lock);
	list_remove(&t->proc_link);
	last = --p->nthreads == 0;
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

	if (p != NULL && __atomic_load_n(&p->exiting, __ATOMIC_RELAXED))
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
