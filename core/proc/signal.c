/*
 * Linux signals.
 *
 * State.  A process has one table of dispositions (struct ksigaction per
 * signal) and a pending set for signals sent to the process as a whole
 * (kill); each thread has its blocked mask, its own pending set (tkill,
 * tgkill, synchronous faults), the mask rt_sigsuspend will restore, and
 * its alternate signal stack.  A pending classic signal (1..31) keeps
 * one ksiginfo: a second one sent while the first pends is merged into
 * it.  Real-time signals (SIGRTMIN = 32 .. 64) queue: every instance
 * sent is an entry (struct sigqueue, on the process's or the thread's
 * list, in sending order) with its own siginfo, and the pending bit
 * stays set while any entry of that signal remains.  Entries are
 * counted against the target's RLIMIT_SIGPENDING (per process here;
 * Linux counts per user): past it, a sigqueue or tkill fails with
 * EAGAIN, and a kill still sets the bit but loses the siginfo, which
 * then reads as SI_USER from pid 0, as on Linux.  Everything is guarded by
 * proc_lock, so sending to a pid and finding it are one critical
 * section; masks and pending sets are also stored atomically so the
 * lock-free "anything deliverable?" tests stay cheap.
 *
 * Sending.  A signal whose disposition is "ignore" (SIG_IGN, or SIG_DFL
 * with an ignoring default) and that is not blocked is dropped at once,
 * as Linux does; otherwise its bit is set and every thread that could
 * take it is woken from an interruptible wait (waitq_wait_intr).  SIGKILL
 * marks the process exiting at once, so no thread can hold it off.
 *
 * Delivery happens only on the way back to user mode: the platform calls
 * signal_deliver() after each syscall and after exceptions and
 * interrupts taken in user mode.  It picks the lowest deliverable signal
 * (thread-directed first), applies its default action or asks the
 * platform to build Linux's signal frame (uctx_signal_frame), and
 * decides the fate of an interrupted syscall: a blocking call that saw a
 * signal returns -ERESTARTSYS (or -ERESTARTNOHAND), which becomes EINTR
 * when a handler runs without SA_RESTART, and otherwise re-runs the call
 * (uctx_restart_syscall rewinds the instruction pointer).
 *
 * Default actions: terminate; terminate with the core bit (0x80) in the
 * wait status for the "core" signals (no core file is written); ignore;
 * stop and continue.  A stop (SIGSTOP, or SIGTSTP/SIGTTIN/SIGTTOU left at
 * SIG_DFL) marks the whole process stopped, tells the parent (SIGCHLD
 * with CLD_STOPPED unless SA_NOCLDSTOP, and a status for WUNTRACED) and
 * parks each thread in signal_deliver on its way to user mode.  SIGCONT
 * acts when sent, as on Linux: it resumes the process (CLD_CONTINUED,
 * WCONTINUED) and discards pending stops, and its handler, if any, runs
 * later like any other.  SIGKILL and exit_group end a stopped process.
 *
 * A child's end sends its exit signal (SIGCHLD) to the parent; when the
 * parent ignores SIGCHLD or set SA_NOCLDWAIT, the child is reaped at
 * once instead of becoming a zombie (proc_finish), as POSIX asks.
 *
 * Synchronous faults (core_user_fault) are thread-directed and, as
 * Linux's force_sig does, unblock and reset to SIG_DFL a signal the
 * thread blocked or ignored, so a fault can never loop forever.
 */
#include "contract/clock.h"
#include "contract/cpu.h"
#include "contract/entry.h"
#include "contract/uctx.h"
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/thread.h"
#include "sys/syscall.h"
#include "vm/vm.h"

#define SIG_BLOCK	0
#define SIG_UNBLOCK	1
#define SIG_SETMASK	2

/* sizeof(sigset_t) as the kernel knows it: 64 signals. */
#define KSIGSET_SIZE	8

#define SIG_ALL		(~0ull)

/* One queued real-time signal. */
struct sigqueue {
	struct list link;		/* in a proc_sig or thread_sig queue */
	int signo;
	struct ksiginfo info;
};

/* A pending set: a process's (shared) or a thread's own. */
struct pendset {
	uint64_t *pending;
	struct ksiginfo *info;
	struct list *queue;
};

static struct pendset
proc_pend(struct proc *p)
{
	return (struct pendset){ &p->sig.pending, p->sig.info,
	    &p->sig.queue };
}

static struct pendset
thread_pend(struct thread *t)
{
	return (struct pendset){ &t->sig.pending, t->sig.info,
	    &t->sig.queue };
}

enum sig_default { DEF_TERM, DEF_CORE, DEF_IGN, DEF_STOP, DEF_CONT };

static enum sig_default
default_action(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS:
	case SIGFPE: case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return DEF_CORE;
	case SIGCHLD: case SIGURG: case SIGWINCH:
		return DEF_IGN;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return DEF_STOP;
	case SIGCONT:
		return DEF_CONT;
	default:
		return DEF_TERM;
	}
}

static void
store64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* Does the disposition of sig in p ignore it?  proc_lock held. */
static bool
sig_ignored(const struct proc *p, int sig)
{
	uaddr_t h = p->sig.act[sig - 1].handler;

	if (sig == SIGKILL || sig == SIGSTOP)
		return false;
	if (h == SIG_IGN)
		return true;
	return h == SIG_DFL && (default_action(sig) == DEF_IGN ||
	    default_action(sig) == DEF_CONT);
}

/*
 * Make t notice a signal: wake it from an interruptible wait, or, when it
 * runs on another CPU (perhaps in user mode, where it would not look
 * before its next syscall), interrupt that CPU: the way back to user
 * mode from the interrupt delivers.  A stale view of t's state costs at
 * most a spurious kick; a thread about to return to user mode on its own
 * sees the pending bit, which was stored first.
 */
static void
notify(struct thread *t)
{
	waitq_interrupt(t);
	if (t != curthread() && __atomic_load_n(&t->state, __ATOMIC_SEQ_CST)
	    == THREAD_RUNNING)
		cpu_kick(__atomic_load_n(&t->cpu, __ATOMIC_RELAXED));
}

void
signal_wake_all(struct proc *p)
{
	struct list *it;

	list_foreach(it, &p->threads)
		notify(list_entry(it, struct thread, proc_link));
	/* Stopped threads too: an exiting process runs to its end. */
	waitq_wake_all(&p->sig.stop_wq);
}

static void
fill_info(struct ksiginfo *dst, const struct ksiginfo *info)
{
	if (info != NULL)
		*dst = *info;
	else
		*dst = (struct ksiginfo){ .code = SI_KERNEL };
}

/*
 * Make sig pending in set s of process p: a classic signal merges with
 * one already pending, a real-time one queues an entry.  -EAGAIN when
 * p's RLIMIT_SIGPENDING is used up and the sender (sigqueue, tkill)
 * must hear of it; a kill (SI_USER) or the kernel just loses the
 * siginfo.  proc_lock held.
 */
static int
pend(struct proc *p, struct pendset s, int sig, const struct ksiginfo *info)
{
	struct sigqueue *q = NULL;

	if (sig < SIGRTMIN) {
		if (!(*s.pending & SIGBIT(sig)))
			fill_info(&s.info[sig - 1], info);
	} else {
		if ((uint64_t)p->sig.nqueued < p->rlim[RLIMIT_SIGPENDING].cur)
			q = kmalloc(sizeof(*q));
		if (q != NULL) {
			q->signo = sig;
			fill_info(&q->info, info);
			list_push_back(s.queue, &q->link);
			p->sig.nqueued++;
		} else if (info != NULL && info->code != SI_USER)
			return -EAGAIN;
	}
	store64(s.pending, *s.pending | SIGBIT(sig));
	return 0;
}

/* Take pending signal sig off set s, siginfo into *info.  proc_lock held. */
static void
unpend(struct proc *p, struct pendset s, int sig, struct ksiginfo *info)
{
	struct sigqueue *q, *found = NULL;
	struct list *it;
	bool more = false;

	if (sig < SIGRTMIN) {
		*info = s.info[sig - 1];
		store64(s.pending, *s.pending & ~SIGBIT(sig));
		return;
	}
	list_foreach(it, s.queue) {
		q = list_entry(it, struct sigqueue, link);
		if (q->signo != sig)
			continue;
		if (found != NULL) {
			more = true;
			break;
		}
		found = q;
	}
	if (found != NULL) {
		*info = found->info;
		list_remove(&found->link);
		kfree(found);
		p->sig.nqueued--;
	} else {
		/* Sent while the queue was full: the siginfo was lost. */
		*info = (struct ksiginfo){ .code = SI_USER };
	}
	if (!more)
		store64(s.pending, *s.pending & ~SIGBIT(sig));
}

/* Discard the signals of mask pending in set s.  proc_lock held. */
static void
flush(struct proc *p, struct pendset s, uint64_t mask)
{
	struct list *it, *tmp;
	struct sigqueue *q;

	list_foreach_safe(it, tmp, s.queue) {
		q = list_entry(it, struct sigqueue, link);
		if (SIGBIT(q->signo) & mask) {
			list_remove(&q->link);
			kfree(q);
			p->sig.nqueued--;
		}
	}
	store64(s.pending, *s.pending & ~mask);
}

/* Discard the signals of mask pending anywhere in p.  proc_lock held. */
static void
flush_all(struct proc *p, uint64_t mask)
{
	struct list *it;

	flush(p, proc_pend(p), mask);
	list_foreach(it, &p->threads)
		flush(p, thread_pend(list_entry(it, struct thread, proc_link)),
		    mask);
}

/* The kill(2)-style siginfo of the caller. */
static struct ksiginfo
user_info(int code)
{
	struct proc *self = proc_current();

	return (struct ksiginfo){ .code = code, .pid = self->pid,
	    .uid = self->cred.uid };
}

/* SIGKILL: the process ends, whatever its threads are doing. */
static void
kill_now(struct proc *p)
{
	if (!p->exiting) {
		p->wstatus = W_SIGNALED(SIGKILL);
		__atomic_store_n(&p->exiting, true, __ATOMIC_SEQ_CST);
	}
	signal_wake_all(p);
}

/* Tell p's parent that p stopped or continued (CLD_*).  proc_lock held. */
static void
notify_parent_stop(struct proc *p, int code, int sig)
{
	struct ksiginfo info = { .code = code, .pid = p->pid,
	    .uid = p->cred.uid, .status = sig };
	struct proc *pp = p->parent;

	if (pp == NULL)
		return;
	waitq_wake_all(&pp->child_wq);
	if (!(pp->sig.act[SIGCHLD - 1].flags & SA_NOCLDSTOP))
		signal_send_proc(pp, SIGCHLD, &info);
}

/*
 * What sending does at once, as on Linux: SIGCONT resumes a stopped
 * process and drops pending stop signals; a stop signal drops a pending
 * SIGCONT.  proc_lock held.
 */
static void
job_control_send(struct proc *p, int sig)
{
	const uint64_t stops = SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) |
	    SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU);
	uint64_t drop;

	if (sig == SIGCONT)
		drop = stops;
	else if (SIGBIT(sig) & stops)
		drop = SIGBIT(SIGCONT);
	else
		return;
	flush_all(p, drop);
	if (sig == SIGCONT && p->sig.stopped) {
		p->sig.stopped = false;
		p->sig.wait_report = W_CONTINUED;
		waitq_wake_all(&p->sig.stop_wq);
		notify_parent_stop(p, CLD_CONTINUED, SIGCONT);
	}
}

/* signal_send_proc(), and -EAGAIN when a queue is full (see pend). */
static int
send_proc(struct proc *p, int sig, const struct ksiginfo *info)
{
	struct list *it;
	struct thread *t;
	int r;

	if (p->state != PROC_ALIVE || p->exiting)
		return 0;
	if (sig == SIGKILL) {
		kill_now(p);
		return 0;
	}
	job_control_send(p, sig);
	if (sig_ignored(p, sig)) {
		/* Dropped unless some thread blocks it (it may unblock later). */
		bool blocked = false;

		list_foreach(it, &p->threads) {
			t = list_entry(it, struct thread, proc_link);
			blocked |= ((t->sig.mask | t->sig.real_blocked) &
			    SIGBIT(sig)) != 0;
		}
		if (!blocked)
			return 0;
	}
	if ((r = pend(p, proc_pend(p), sig, info)) != 0)
		return r;
	list_foreach(it, &p->threads) {
		t = list_entry(it, struct thread, proc_link);
		if (!(t->sig.mask & SIGBIT(sig)))
			notify(t);
	}
	return 0;
}

void
signal_send_proc(struct proc *p, int sig, const struct ksiginfo *info)
{
	(void)send_proc(p, sig, info);
}

/* signal_send_thread(), and -EAGAIN when a queue is full (see pend). */
static int
send_thread(struct thread *t, int sig, const struct ksiginfo *info)
{
	struct proc *p = t->proc;
	int r;

	if (p == NULL || p->state != PROC_ALIVE || p->exiting)
		return 0;
	if (sig == SIGKILL) {
		kill_now(p);
		return 0;
	}
	job_control_send(p, sig);
	if (sig_ignored(p, sig) &&
	    !((t->sig.mask | t->sig.real_blocked) & SIGBIT(sig)))
		return 0;
	if ((r = pend(p, thread_pend(t), sig, info)) != 0)
		return r;
	if (!(t->sig.mask & SIGBIT(sig)))
		notify(t);
	return 0;
}

void
signal_send_thread(struct thread *t, int sig, const struct ksiginfo *info)
{
	(void)send_thread(t, sig, info);
}

void
signal_raise_pipe(void)
{
	struct ksiginfo info = user_info(SI_USER);

	spin_lock(&proc_lock);
	signal_send_thread(curthread(), SIGPIPE, &info);
	spin_unlock(&proc_lock);
}

bool
signal_child_exit(struct proc *c)
{
	struct ksiginfo info = { .pid = c->pid, .uid = c->cred.uid };
	struct ksigaction *chld;
	int st = c->wstatus;

	if (c->exit_signal <= 0 || c->exit_signal > NSIG || c->parent == NULL)
		return false;
	if ((st & 0x7f) != 0) {
		info.code = (st & W_COREDUMP) ? CLD_DUMPED : CLD_KILLED;
		info.status = st & 0x7f;
	} else {
		info.code = CLD_EXITED;
		info.status = (st >> 8) & 0xff;
	}
	signal_send_proc(c->parent, c->exit_signal, &info);
	chld = &c->parent->sig.act[SIGCHLD - 1];
	return c->exit_signal == SIGCHLD && (chld->handler == SIG_IGN ||
	    (chld->flags & SA_NOCLDWAIT));
}

void
signal_proc_init(struct proc *p)
{
	waitq_init(&p->sig.stop_wq, "stopped");
	list_init(&p->sig.queue);
}

void
signal_proc_free(struct proc *p)
{
	flush(p, proc_pend(p), SIG_ALL);
}

void
signal_thread_init(struct thread *t)
{
	list_init(&t->sig.queue);
}

void
signal_thread_exit(struct thread *t)
{
	flush(t->proc, thread_pend(t), SIG_ALL);
}

void
signal_fork(struct proc *child, const struct proc *parent)
{
	memcpy(child->sig.act, parent->sig.act, sizeof(child->sig.act));
	child->sig.pending = 0;
}

void
signal_exec(struct proc *p)
{
	struct thread *t = curthread();
	int i;

	spin_lock(&proc_lock);
	for (i = 0; i < NSIG; i++) {
		if (p->sig.act[i].handler != SIG_IGN)
			p->sig.act[i] = (struct ksigaction){ 0 };
	}
	t->sig.altstack = (struct kstack){ .flags = SS_DISABLE };
	spin_unlock(&proc_lock);
}

/*
 * Is addr inside a mapping of t's address space?  Then a SIGSEGV there
 * broke the mapping's protection (SEGV_ACCERR), else nothing was mapped
 * (SEGV_MAPERR), as Linux tells them apart.
 */
static bool
fault_in_region(struct thread *t, uaddr_t addr)
{
	struct vm_region_info ri;

	return t->vmspace != NULL && vmspace_region_at(t->vmspace, addr, &ri) &&
	    ri.start <= addr;
}

/*
 * A synchronous fault in the current thread: signo with si_addr addr.
 * Delivered on the way back to user mode; if blocked or ignored, the
 * disposition goes back to the default (death), as on Linux.
 */
void
core_user_fault(int signo, uaddr_t addr)
{
	struct thread *t = curthread();
	struct proc *p = t->proc;
	struct ksiginfo info = { .code = SI_KERNEL, .addr = addr };

	if (p == NULL)
		panic("core_user_fault: signal %d in a kernel thread", signo);
	if (signo == SIGSEGV)
		info.code = fault_in_region(t, addr) ? SEGV_ACCERR :
		    SEGV_MAPERR;
	else if (signo == SIGBUS)
		info.code = BUS_ADRERR;
	spin_lock(&proc_lock);
	if ((t->sig.mask & SIGBIT(signo)) ||
	    p->sig.act[signo - 1].handler == SIG_IGN) {
		p->sig.act[signo - 1].handler = SIG_DFL;
		store64(&t->sig.mask, t->sig.mask & ~SIGBIT(signo));
	}
	signal_send_thread(t, signo, &info);
	spin_unlock(&proc_lock);
}

/* The lowest deliverable signal in set, or 0. */
static int
first_signal(uint64_t set)
{
	return set == 0 ? 0 : __builtin_ctzll(set) + 1;
}

/* Take the next deliverable signal off t's sets.  proc_lock held. */
static int
dequeue(struct thread *t, struct proc *p, struct ksiginfo *info)
{
	uint64_t tset = t->sig.pending & ~t->sig.mask;
	uint64_t pset = p->sig.pending & ~t->sig.mask;
	int sig;

	/* Synchronous faults are thread-directed: they come first. */
	if ((sig = first_signal(tset)) != 0)
		unpend(p, thread_pend(t), sig, info);
	else if ((sig = first_signal(pset)) != 0)
		unpend(p, proc_pend(p), sig, info);
	return sig;
}

/* Is the user stack pointer sp on the alternate stack? */
static bool
on_altstack(const struct kstack *ss, uaddr_t sp)
{
	return ss->size != 0 && !(ss->flags & SS_DISABLE) &&
	    sp > ss->sp && sp - ss->sp <= ss->size;
}

/*
 * A stop signal's default action: the whole process stops (each thread
 * parks in signal_deliver on its way to user mode) and the parent hears
 * of it.  proc_lock held.
 */
static void
stop_process(struct proc *p, int sig)
{
	if (p->sig.stopped || p->exiting)
		return;
	__atomic_store_n(&p->sig.stopped, true, __ATOMIC_SEQ_CST);
	p->sig.wait_report = W_STOPCODE(sig);
	signal_wake_all(p);
	notify_parent_stop(p, CLD_STOPPED, sig);
}

void
signal_deliver(struct uctx *u, long nr)
{
	struct thread *t = curthread();
	struct proc *p = t->proc;
	struct sigframe_req req;
	struct ksigaction *act;
	long ret = 0;
	bool restart = false;
	int sig, status;

	if (p == NULL)
		return;
	if (nr >= 0 && nr != SYS_rt_sigreturn) {
		ret = uctx_retval(u);
		restart = ret == -ERESTARTSYS || ret == -ERESTARTNOHAND;
	}
	for (;;) {
		proc_exit_point();
		if (__atomic_load_n(&p->sig.stopped, __ATOMIC_SEQ_CST)) {
			spin_lock(&proc_lock);
			while (p->sig.stopped && !proc_thread_doomed(p, t))
				waitq_wait(&p->sig.stop_wq, &proc_lock);
			spin_unlock(&proc_lock);
			continue;
		}
		if (!signal_pending_thread(t))
			break;
		spin_lock(&proc_lock);
		sig = dequeue(t, p, &req.info);
		if (sig == 0) {
			spin_unlock(&proc_lock);
			continue;
		}
		act = &p->sig.act[sig - 1];
		if (act->handler == SIG_IGN) {
			spin_unlock(&proc_lock);
			continue;
		}
		if (act->handler == SIG_DFL) {
			switch (default_action(sig)) {
			case DEF_IGN:
			case DEF_CONT:
				spin_unlock(&proc_lock);
				continue;
			case DEF_STOP:
				stop_process(p, sig);
				spin_unlock(&proc_lock);
				continue;
			case DEF_CORE:
				status = W_SIGNALED(sig) | W_COREDUMP;
				break;
			default:
				status = W_SIGNALED(sig);
				break;
			}
			spin_unlock(&proc_lock);
			proc_exit_group(status);
		}
		req.signo = sig;
		req.act = *act;
		req.oldmask = t->sig.restore_mask ? t->sig.saved_mask :
		    t->sig.mask;
		t->sig.restore_mask = false;
		req.altstack = t->sig.altstack;
		req.on_altstack = on_altstack(&t->sig.altstack,
		    uctx_stack_pointer(u));
		store64(&t->sig.mask, (t->sig.mask | act->mask |
		    (act->flags & SA_NODEFER ? 0 : SIGBIT(sig))) &
		    ~SIG_UNBLOCKABLE);
		if (act->flags & SA_RESETHAND)
			*act = (struct ksigaction){ 0 };
		spin_unlock(&proc_lock);
		if (restart) {
			if (ret == -ERESTARTSYS && (req.act.flags & SA_RESTART))
				uctx_restart_syscall(u, nr);
			else
				uctx_set_retval(u, -EINTR);
			restart = false;
		}
		if (uctx_signal_frame(u, &req) != 0) {
			/* No room for the frame: Linux's force_sigsegv. */
			proc_exit_group(W_SIGNALED(SIGSEGV) | W_COREDUMP);
		}
	}
	if (restart)
		uctx_restart_syscall(u, nr);
	if (t->sig.restore_mask) {
		spin_lock(&proc_lock);
		store64(&t->sig.mask, t->sig.saved_mask);
		t->sig.restore_mask = false;
		spin_unlock(&proc_lock);
	}
}

/* rt_sigaction(2) */
long
sys_rt_sigaction(const struct syscall_args *a)
{
	int sig = (int)a->a[0];
	struct ksigaction act, old;
	struct proc *p = proc_current();

	if (a->a[3] != KSIGSET_SIZE || sig < 1 || sig > NSIG)
		return -EINVAL;
	if (a->a[1] != 0) {
		if (copyin(&act, a->a[1], sizeof(act)) != 0)
			return -EFAULT;
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		act.mask &= ~SIG_UNBLOCKABLE;
	}
	spin_lock(&proc_lock);
	old = p->sig.act[sig - 1];
	if (a->a[1] != 0) {
		p->sig.act[sig - 1] = act;
		/* Setting "ignore" discards what is pending (POSIX). */
		if (sig_ignored(p, sig))
			flush_all(p, SIGBIT(sig));
	}
	spin_unlock(&proc_lock);
	if (a->a[2] != 0 && copyout(a->a[2], &old, sizeof(old)) != 0)
		return -EFAULT;
	return 0;
}

/* rt_sigprocmask(2) */
long
sys_rt_sigprocmask(const struct syscall_args *a)
{
	struct thread *t = curthread();
	int how = (int)a->a[0];
	uint64_t set = 0, old;

	if (a->a[3] != KSIGSET_SIZE)
		return -EINVAL;
	if (a->a[1] != 0) {
		if (copyin(&set, a->a[1], sizeof(set)) != 0)
			return -EFAULT;
		if (how != SIG_BLOCK && how != SIG_UNBLOCK &&
		    how != SIG_SETMASK)
			return -EINVAL;
	}
	spin_lock(&proc_lock);
	old = t->sig.mask;
	if (a->a[1] != 0) {
		if (how == SIG_BLOCK)
			set |= old;
		else if (how == SIG_UNBLOCK)
			set = old & ~set;
		store64(&t->sig.mask, set & ~SIG_UNBLOCKABLE);
	}
	spin_unlock(&proc_lock);
	if (a->a[2] != 0 && copyout(a->a[2], &old, sizeof(old)) != 0)
		return -EFAULT;
	return 0;
}

/* rt_sigpending(2): pending (to the thread or process) and blocked. */
long
sys_rt_sigpending(const struct syscall_args *a)
{
	struct thread *t = curthread();
	uint64_t set;

	if (a->a[1] > KSIGSET_SIZE)
		return -EINVAL;
	spin_lock(&proc_lock);
	set = (t->sig.pending | t->proc->sig.pending) & t->sig.mask;
	spin_unlock(&proc_lock);
	if (copyout(a->a[0], &set, a->a[1]) != 0)
		return -EFAULT;
	return 0;
}

/*
 * As Linux, the signal number is checked only once a target is found:
 * kill(no such pid, 99) is ESRCH, kill(self, 99) EINVAL.
 */
static bool
valid_signal(int sig)
{
	return sig >= 0 && sig <= NSIG;
}

/* kill(2) */
long
sys_kill(const struct syscall_args *a)
{
	int pid = (int)a->a[0], sig = (int)a->a[1];
	struct ksiginfo info = user_info(SI_USER);
	struct proc *self = proc_current(), *q;
	struct list *it;
	int pgid, found = 0;

	if (pid == INT32_MIN)
		return -ESRCH;
	spin_lock(&proc_lock);
	if (pid > 0) {
		/* A zombie still exists (0, no effect); a tid names its process. */
		q = proc_find(pid);
		if (q != NULL) {
			found = 1;
			if (sig != 0 && valid_signal(sig))
				signal_send_proc(q, sig, &info);
		}
	} else {
		pgid = pid == 0 ? self->pgid : -pid;
		list_foreach(it, &all_procs) {
			q = list_entry(it, struct proc, all_link);
			if (pid == -1 ? (q->pid == 1 || q == self) :
			    q->pgid != pgid)
				continue;
			found++;
			if (sig != 0 && valid_signal(sig))
				signal_send_proc(q, sig, &info);
		}
	}
	spin_unlock(&proc_lock);
	if (found == 0)
		return -ESRCH;
	return valid_signal(sig) ? 0 : -EINVAL;
}

/* The thread with tid in process tgid (any process when tgid < 0). */
static struct thread *
find_thread(int tgid, int tid)
{
	struct proc *p = proc_find(tid);
	struct list *it;
	struct thread *t;

	if (p == NULL || (tgid >= 0 && p->pid != tgid))
		return NULL;
	list_foreach(it, &p->threads) {
		t = list_entry(it, struct thread, proc_link);
		if (t->tid == tid)
			return t;
	}
	return NULL;
}

/*
 * Send sig with info to thread tid of tgid (any process when tgid < 0):
 * ESRCH, EINVAL for a bad signal, EAGAIN for a full queue.
 */
static long
thread_send(int tgid, int tid, int sig, const struct ksiginfo *info)
{
	struct thread *t;
	long r = 0;

	spin_lock(&proc_lock);
	t = find_thread(tgid, tid);
	if (t == NULL)
		r = -ESRCH;
	else if (!valid_signal(sig))
		r = -EINVAL;
	else if (sig != 0)
		r = send_thread(t, sig, info);
	spin_unlock(&proc_lock);
	return r;
}

/* tkill(2) */
long
sys_tkill(const struct syscall_args *a)
{
	struct ksiginfo info = user_info(SI_TKILL);

	if ((int)a->a[0] <= 0)
		return -EINVAL;
	return thread_send(-1, (int)a->a[0], (int)a->a[1], &info);
}

/* tgkill(2) */
long
sys_tgkill(const struct syscall_args *a)
{
	struct ksiginfo info = user_info(SI_TKILL);

	if ((int)a->a[0] <= 0 || (int)a->a[1] <= 0)
		return -EINVAL;
	return thread_send((int)a->a[0], (int)a->a[1], (int)a->a[2], &info);
}

/*
 * The siginfo a rt_sigqueueinfo caller supplies.  Only the kernel may
 * claim kernel codes (>= 0) or SI_TKILL, except to signal the calling
 * thread itself (Linux compares target with the caller's tid): EPERM.
 */
static int
queued_info(uaddr_t uinfo, int target, struct ksiginfo *info)
{
	int32_t w[32];

	if (copyin(w, uinfo, sizeof(w)) != 0)
		return -EFAULT;
	if ((w[2] >= 0 || w[2] == SI_TKILL) && target != curthread()->tid)
		return -EPERM;
	*info = (struct ksiginfo){ .code = w[2], .pid = w[4],
	    .uid = (uint32_t)w[5] };
	memcpy(&info->value, &w[6], sizeof(info->value));
	return 0;
}

/* rt_sigqueueinfo(2): tgid, sig, uinfo. */
long
sys_rt_sigqueueinfo(const struct syscall_args *a)
{
	int tgid = (int)a->a[0], sig = (int)a->a[1];
	struct ksiginfo info;
	struct proc *q;
	int r;

	if ((r = queued_info(a->a[2], tgid, &info)) != 0)
		return r;
	spin_lock(&proc_lock);
	q = tgid > 0 ? proc_find(tgid) : NULL;
	if (q == NULL || q->pid != tgid)
		r = -ESRCH;
	else if (!valid_signal(sig))
		r = -EINVAL;
	else if (sig != 0)
		r = send_proc(q, sig, &info);
	spin_unlock(&proc_lock);
	return r;
}

/* rt_tgsigqueueinfo(2): tgid, tid, sig, uinfo. */
long
sys_rt_tgsigqueueinfo(const struct syscall_args *a)
{
	int tgid = (int)a->a[0], tid = (int)a->a[1], sig = (int)a->a[2];
	struct ksiginfo info;
	int r;

	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	if ((r = queued_info(a->a[3], tid, &info)) != 0)
		return r;
	return thread_send(tgid, tid, sig, &info);
}

/* sigaltstack(2) */
long
sys_sigaltstack(const struct syscall_args *a)
{
	struct thread *t = curthread();
	struct kstack ss, old;
	bool on;

	if (a->a[0] != 0 && copyin(&ss, a->a[0], sizeof(ss)) != 0)
		return -EFAULT;
	spin_lock(&proc_lock);
	old = t->sig.altstack;
	spin_unlock(&proc_lock);
	on = on_altstack(&old, uctx_stack_pointer(t->uctx));
	if (old.size == 0)
		old.flags = SS_DISABLE;
	else if (on)
		old.flags = SS_ONSTACK;
	old.pad = 0;
	if (a->a[0] != 0) {
		if (on)
			return -EPERM;
		if (ss.flags != 0 && ss.flags != SS_DISABLE &&
		    ss.flags != SS_ONSTACK)
			return -EINVAL;
		if (ss.flags == SS_DISABLE)
			ss = (struct kstack){ .flags = SS_DISABLE };
		else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			ss.flags = 0;
		}
		spin_lock(&proc_lock);
		t->sig.altstack = ss;
		spin_unlock(&proc_lock);
	}
	if (a->a[1] != 0 && copyout(a->a[1], &old, sizeof(old)) != 0)
		return -EFAULT;
	return 0;
}

/* rt_sigreturn(2): the frame's registers, mask and alt stack come back. */
long
sys_rt_sigreturn(const struct syscall_args *a)
{
	struct thread *t = curthread();
	uint64_t mask;
	long rax;

	(void)a;
	if (uctx_sigreturn(t->uctx, &mask, &rax) != 0) {
		core_user_fault(SIGSEGV, 0);
		return uctx_retval(t->uctx);
	}
	spin_lock(&proc_lock);
	store64(&t->sig.mask, mask & ~SIG_UNBLOCKABLE);
	spin_unlock(&proc_lock);
	return rax;
}

/*
 * Sleep with mask installed until a signal is deliverable.  The old mask
 * comes back once the handler's frame holds it (signal_deliver).
 */
static long
suspend_with(uint64_t mask, struct waitq *wq)
{
	struct thread *t = curthread();
	struct spinlock lk;

	spin_lock(&proc_lock);
	t->sig.saved_mask = t->sig.mask;
	t->sig.restore_mask = true;
	store64(&t->sig.mask, mask & ~SIG_UNBLOCKABLE);
	spin_unlock(&proc_lock);
	spin_init(&lk, "sigsuspend");
	spin_lock(&lk);
	while (waitq_wait_intr(wq, &lk) == 0)
		;
	spin_unlock(&lk);
	return -ERESTARTNOHAND;
}

/* pause(2): sleep until a handler runs (or the process ends). */
long
sys_pause(const struct syscall_args *a)
{
	struct waitq wq;
	struct spinlock lk;

	(void)a;
	waitq_init(&wq, "pause");
	spin_init(&lk, "pause");
	spin_lock(&lk);
	while (waitq_wait_intr(&wq, &lk) == 0)
		;
	spin_unlock(&lk);
	return -ERESTARTNOHAND;
}

/* rt_sigsuspend(2) */
long
sys_rt_sigsuspend(const struct syscall_args *a)
{
	struct waitq wq;
	uint64_t mask;

	if (a->a[1] != KSIGSET_SIZE)
		return -EINVAL;
	if (copyin(&mask, a->a[0], sizeof(mask)) != 0)
		return -EFAULT;
	waitq_init(&wq, "sigsuspend");
	return suspend_with(mask, &wq);
}

/* Linux's siginfo_t, 128 bytes, for rt_sigtimedwait and signal frames. */
void
signal_siginfo(void *buf, int signo, const struct ksiginfo *info)
{
	int32_t w[32];

	memset(w, 0, sizeof(w));
	w[0] = signo;
	w[2] = info->code;
	if (info->addr != 0 || signo == SIGSEGV || signo == SIGBUS ||
	    signo == SIGILL || signo == SIGFPE || signo == SIGTRAP) {
		/* si_addr, for the faults. */
		memcpy(&w[4], &info->addr, sizeof(info->addr));
	} else {
		w[4] = info->pid;
		w[5] = (int32_t)info->uid;
		if (signo == SIGCHLD)
			w[6] = info->status;
		else
			memcpy(&w[6], &info->value, sizeof(info->value));
	}
	memcpy(buf, w, sizeof(w));
}

/* Take one signal of set off t's pending sets, or 0.  proc_lock held. */
static int
take_from(struct thread *t, uint64_t set, struct ksiginfo *info)
{
	struct proc *p = t->proc;
	int sig;

	if ((sig = first_signal(t->sig.pending & set)) != 0)
		unpend(p, thread_pend(t), sig, info);
	else if ((sig = first_signal(p->sig.pending & set)) != 0)
		unpend(p, proc_pend(p), sig, info);
	return sig;
}

/* rt_sigtimedwait(2): set, info, timeout, sigsetsize. */
long
sys_rt_sigtimedwait(const struct syscall_args *a)
{
	struct thread *t = curthread();
	struct ksiginfo info;
	struct waitq wq;
	struct spinlock lk;
	uint64_t set, deadline = 0, oldmask;
	int64_t ts[2];
	char si[128];
	int sig, r = 0;

	if (a->a[3] != KSIGSET_SIZE)
		return -EINVAL;
	if (copyin(&set, a->a[0], sizeof(set)) != 0)
		return -EFAULT;
	set &= ~SIG_UNBLOCKABLE;
	if (a->a[2] != 0) {
		if (copyin(ts, a->a[2], sizeof(ts)) != 0)
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
			return -EINVAL;
		deadline = clock_ns() + (uint64_t)ts[0] * 1000000000ull +
		    (uint64_t)ts[1];
	}
	waitq_init(&wq, "sigtimedwait");
	spin_init(&lk, "sigtimedwait");
	/* Unblock the set while waiting, so that its signals wake us. */
	spin_lock(&proc_lock);
	oldmask = t->sig.mask;
	sig = take_from(t, set, &info);
	if (sig == 0) {
		/*
		 * Senders still see the real mask (Linux's real_blocked), so
		 * a blocked signal whose action is to ignore it, SIGCHLD's
		 * default, still pends for us rather than being dropped.
		 */
		t->sig.real_blocked = oldmask;
		store64(&t->sig.mask, t->sig.mask & ~set);
	}
	spin_unlock(&proc_lock);
	while (sig == 0) {
		spin_lock(&lk);
		if (a->a[2] != 0)
			r = waitq_wait_deadline_intr(&wq, &lk, deadline);
		else
			r = waitq_wait_intr(&wq, &lk);
		spin_unlock(&lk);
		spin_lock(&proc_lock);
		sig = take_from(t, set, &info);
		if (sig != 0 || r != 0) {
			store64(&t->sig.mask, oldmask);
			t->sig.real_blocked = 0;
		}
		spin_unlock(&proc_lock);
		if (sig == 0 && r == -ETIMEDOUT)
			return -EAGAIN;
		if (sig == 0 && r == -EINTR)
			return -EINTR;
	}
	if (a->a[1] != 0) {
		signal_siginfo(si, sig, &info);
		if (copyout(a->a[1], si, sizeof(si)) != 0)
			return -EFAULT;
	}
	return sig;
}
