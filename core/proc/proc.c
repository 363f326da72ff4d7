/*
 * Processes: creation of init, the pid space, exit, and the process tree.
 *
 * The model is Linux's, reduced to what its syscalls show.  A process is
 * a struct proc (proc/proc.h) with one or more user threads; threads are
 * ordinary kernel threads with `proc` and `uctx` set, so the scheduler
 * knows nothing of processes.  Pids and tids share one number space: a
 * process's pid is its first thread's tid.  Numbers go up to PID_MAX and
 * then wrap to PID_WRAP (Linux keeps the low 300 for daemons), skipping
 * any still used as a pid, tid, process group or session.
 *
 * Exit.  A thread leaves through proc_thread_exit(): it clears and wakes
 * its clear_child_tid word (CLONE_CHILD_CLEARTID, set_tid_address),
 * drops its address space and user context, and leaves the thread list.
 * The last thread out finishes the process (proc_finish): the fd table
 * and address space go, the children move to init, the process becomes
 * a zombie and its parent's waiters wake.  exit_group, and faults that
 * kill, mark the process exiting; the other threads end when they next
 * pass syscall_dispatch(), the one boundary every user thread crosses.
 * A thread blocked in the kernel (a pipe read) ends only when it wakes:
 * interruptible sleeps come with signals.
 *
 * Wait.  wait4/waitid (proc_wait.c) scan the caller's children under
 * proc_lock and sleep on its child_wq; exits wake it.  A reaped zombie's
 * struct proc is freed by the reaper, which is why an exiting thread
 * touches its proc no more once it has marked it a zombie.
 *
 * init.  proc_init() makes the calling kernel thread pid 1; when init
 * ends, the machine powers off with init's exit code (or 128 + the
 * signal that killed it, as a shell reports it): that is how a QEMU test
 * reports its result.
 *
 * Locking: proc_lock guards the tree, the pid counter and every [p]
 * field (proc.h); it is a spinlock, so nothing under it sleeps or
 * touches user memory.  The vmspace and fd table have their own locks
 * and are never taken under proc_lock.
 */
#include "contract/boot.h"
#include "contract/clock.h"
#include "contract/entry.h"
#include "contract/uctx.h"
#include "contract/usercopy.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/reserve.h"
#include "proc/acct.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/thread.h"
#include "vm/vm.h"

#define PID_MAX		32768	/* Linux's default pid_max */
#define PID_WRAP	300	/* RESERVED_PIDS */

struct spinlock proc_lock = SPINLOCK_INIT("proc");
struct list all_procs = LIST_INIT(all_procs);	/* [p] */
static int next_pid = 1;				/* [p] */
static struct proc *initproc;				/* [p] pid 1 */

/* The default limits, as Linux 6.1 gives init (INIT_RLIMITS). */
static const struct rlimit64 default_rlim[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_FSIZE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_DATA] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_STACK] = { 8 << 20, RLIM_INFINITY },
	[RLIMIT_CORE] = { 0, RLIM_INFINITY },
	[RLIMIT_RSS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NPROC] = { 4096, 4096 },
	[RLIMIT_NOFILE] = { 1024, NR_OPEN },
	[RLIMIT_MEMLOCK] = { 8 << 20, 8 << 20 },
	[RLIMIT_AS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_LOCKS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_SIGPENDING] = { 4096, 4096 },
	[RLIMIT_MSGQUEUE] = { 819200, 819200 },
	[RLIMIT_NICE] = { 0, 0 },
	[RLIMIT_RTPRIO] = { 0, 0 },
	[RLIMIT_RTTIME] = { RLIM_INFINITY, RLIM_INFINITY },
};

struct proc *
proc_current(void)
{
	struct thread *t = curthread();

	return t != NULL ? t->proc : NULL;
}

int
proc_current_tid(void)
{
	struct thread *t = curthread();

	return t != NULL ? t->tid : 0;
}

/* Is n in use as a pid, tid, process group or session?  proc_lock held. */
static bool
pid_in_use(int n)
{
	struct list *it, *jt;
	struct proc *q;

	list_foreach(it, &all_procs) {
		q = list_entry(it, struct proc, all_link);
		if (q->pid == n || q->pgid == n || q->sid == n)
			return true;
		list_foreach(jt, &q->threads)
			if (list_entry(jt, struct thread, proc_link)->tid == n)
				return true;
	}
	return false;
}

/* A fresh pid or tid, or -EAGAIN when all are taken.  proc_lock held. */
int
pid_alloc(void)
{
	int tries, n;

	for (tries = 0; tries < PID_MAX; tries++) {
		n = next_pid++;
		if (next_pid >= PID_MAX)
			next_pid = PID_WRAP;
		if (!pid_in_use(n))
			return n;
	}
	return -EAGAIN;
}

/*
 * A new process that inherits parent's identity (or init's defaults when
 * parent is NULL): credentials, limits, group, session, name.  It has no
 * pid, threads, memory or files yet, and is in no list.
 */
struct proc *
proc_alloc(struct proc *parent)
{
	struct proc *p = kzalloc(sizeof(*p));	/* in a reservation */

	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->all_link);
	list_init(&p->threads);
	waitq_init(&p->child_wq, "wait4");
	waitq_init(&p->vfork_wq, "vfork");
	waitq_init(&p->exec_wq, "de_thread");
	signal_proc_init(p);
	p->exit_signal = SIGCHLD;
	p->start_ns = clock_ns();
	if (parent == NULL) {
		memcpy(p->rlim, default_rlim, sizeof(p->rlim));
		strlcpy(p->name, "init", sizeof(p->name));
		return p;
	}
	spin_lock(&proc_lock);
	p->cred = parent->cred;
	memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
	p->pgid = parent->pgid;
	p->sid = parent->sid;
	memcpy(p->name, parent->name, sizeof(p->name));
	signal_fork(p, parent);
	spin_unlock(&proc_lock);
	return p;
}

/* Free a process that is in no list (a reaped zombie, a failed fork). */
void
proc_free(struct proc *p)
{
	signal_proc_free(p);
	kfree(p);
}

/* Enter p in the process list and its parent's children.  proc_lock held. */
void
proc_link(struct proc *p)
{
	list_push_back(&all_procs, &p->all_link);
	if (p->parent != NULL)
		list_push_back(&p->parent->children, &p->sibling);
}

/* Undo proc_link().  proc_lock held. */
void
proc_unlink(struct proc *p)
{
	list_remove(&p->all_link);
	list_remove(&p->sibling);
}

/* The process with pid n, or whose thread has tid n; proc_lock held. */
struct proc *
proc_find(int n)
{
	struct list *it, *jt;
	struct proc *q;

	list_foreach(it, &all_procs) {
		q = list_entry(it, struct proc, all_link);
		if (q->pid == n)
			return q;
		list_foreach(jt, &q->threads)
			if (list_entry(jt, struct thread, proc_link)->tid == n)
				return q;
	}
	return NULL;
}

/* Does any process have process group pgid (in session sid, if >= 0)? */
bool
proc_group_exists(int pgid, int sid)
{
	struct list *it;
	struct proc *q;

	list_foreach(it, &all_procs) {
		q = list_entry(it, struct proc, all_link);
		if (q->pgid == pgid && (sid < 0 || q->sid == sid))
			return true;
	}
	return false;
}

int
proc_count(void)
{
	struct list *it;
	int n = 0;

	spin_lock(&proc_lock);
	list_foreach(it, &all_procs)
		n++;
	spin_unlock(&proc_lock);
	return n;
}

/*
 * Make the calling kernel thread a thread of p with tid and user context
 * u, running in p's address space.  The caller counted it in nthreads.
 */
void
proc_attach_thread(struct proc *p, struct uctx *u, int tid)
{
	struct thread *t = curthread();

	t->proc = p;
	t->uctx = u;
	t->tid = tid;
	acct_thread_start(t);
	signal_thread_init(t);
	spin_lock(&proc_lock);
	list_push_back(&p->threads, &t->proc_link);
	spin_unlock(&proc_lock);
	vmspace_switch(p->vmspace);
}

/* The console on fds 0 (read), 1 and 2 (write), as a tty would be. */
static void
init_stdio(struct fdtable *fdt)
{
	static const unsigned mode[3] = { O_RDONLY, O_WRONLY, O_WRONLY };
	int fd;

	for (fd = 0; fd < 3; fd++)
		fd_alloc(fdt, console_file_open(mode[fd]), fd,
		    NR_OPEN, false);
}

int
proc_init(struct uctx *u)
{
	struct proc *p;

	reserve_begin(16384, "proc_init");	/* measured: 2208 + root fs */
	p = proc_alloc(NULL);
	p->vmspace = vmspace_create();
	if (p->vmspace == NULL) {
		proc_free(p);
		reserve_end();
		return -ENOMEM;
	}
	p->fdt = fdtable_create();
	init_stdio(p->fdt);
	vfs_proc_init(p, NULL);
	spin_lock(&proc_lock);
	p->pid = pid_alloc();
	p->pgid = p->sid = p->pid;
	p->nthreads = 1;
	initproc = p;
	proc_link(p);
	spin_unlock(&proc_lock);
	reserve_end();
	proc_attach_thread(p, u, p->pid);
	return 0;
}
