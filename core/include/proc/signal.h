/*
 * Linux signals: the state a process and each of its threads keep, the
 * way signals are sent, and the way they reach user mode (signal.c has
 * the essay).
 *
 * Locking: every field here is guarded by proc_lock (proc/proc.h), the
 * lock that already guards the process tree, so sending a signal to a
 * pid and looking the pid up are one critical section.  The masks and
 * pending sets are also read without the lock, atomically, by the quick
 * "is anything deliverable?" tests on the way back to user mode and in
 * interruptible waits; they are written with atomic stores for that.
 */
#ifndef PROC_SIGNAL_H
#define PROC_SIGNAL_H

#include "kern/types.h"
#include "proc/signal_state.h"

struct proc;
struct spinlock;
struct thread;
struct uctx;
struct waitq;

#define NSIG		SIGNAL_COUNT

#define SIGHUP		1
#define SIGINT		2
#define SIGQUIT		3
#define SIGILL		4
#define SIGTRAP		5
#define SIGABRT		6
#define SIGBUS		7
#define SIGFPE		8
#define SIGKILL		9
#define SIGUSR1		10
#define SIGSEGV		11
#define SIGUSR2		12
#define SIGPIPE		13
#define SIGALRM		14
#define SIGTERM		15
#define SIGSTKFLT	16
#define SIGCHLD		17
#define SIGCONT		18
#define SIGSTOP		19
#define SIGTSTP		20
#define SIGTTIN		21
#define SIGTTOU		22
#define SIGURG		23
#define SIGXCPU		24
#define SIGXFSZ		25
#define SIGVTALRM	26
#define SIGPROF		27
#define SIGWINCH	28
#define SIGIO		29
#define SIGPWR		30
#define SIGSYS		31
#define SIGRTMIN	SIGNAL_RTMIN

#define SIG_DFL		0
#define SIG_IGN		1

#define SA_NOCLDSTOP	0x00000001u
#define SA_NOCLDWAIT	0x00000002u
#define SA_SIGINFO	0x00000004u
#define SA_RESTORER	0x04000000u
#define SA_ONSTACK	0x08000000u
#define SA_RESTART	0x10000000u
#define SA_NODEFER	0x40000000u
#define SA_RESETHAND	0x80000000u

#define SS_ONSTACK	1
#define SS_DISABLE	2
#define MINSIGSTKSZ	2048

/* si_code values. */
#define SI_USER		0
#define SI_KERNEL	0x80
#define SI_QUEUE	(-1)
#define SI_TKILL	(-6)
#define CLD_EXITED	1
#define CLD_KILLED	2
#define CLD_DUMPED	3
#define SEGV_MAPERR	1
#define SEGV_ACCERR	2
#define BUS_ADRERR	2

/*
 * Internal restart codes (never seen by user mode): a blocking call
 * interrupted by a signal returns one, and the way back to user mode
 * turns it into EINTR or re-runs the call, as Linux does.
 * ERESTARTSYS: restart when the handler has SA_RESTART (or none ran).
 * ERESTARTNOHAND: restart only when no handler ran.
 */
#define ERESTARTSYS	512
#define ERESTARTNOHAND	514

#define SIGBIT(sig)	(1ull << ((sig) - 1))
/* Signals that can be neither caught, blocked nor ignored. */
#define SIG_UNBLOCKABLE	(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/*
 * What the platform needs to build a signal frame (uctx_signal_frame in
 * contract/uctx.h): the handler and its flags, the siginfo, and the mask
 * the frame saves for rt_sigreturn to restore.
 */
struct sigframe_req {
	int signo;
	struct ksiginfo info;
	struct ksigaction act;
	uint64_t oldmask;
	struct kstack altstack;		/* the thread's, for uc_stack */
	bool on_altstack;		/* already running on it */
};

/*
 * Deliver what is pending for the current thread, on its way back to
 * user mode with registers u.  nr is the syscall just run (its result is
 * in u's result register), or -1 after an interrupt or exception.  May
 * end the process (default actions); may build signal frames.
 */
void signal_deliver(struct uctx *u, long nr);

/* True when the current thread has something deliverable (cheap). */
bool signal_pending(void);
/* The same for thread t: a deliverable signal or an exiting process. */
bool signal_pending_thread(struct thread *t);

/*
 * Sending.  signal_send_proc(): to process p (any thread not blocking
 * it takes it); signal_send_thread(): to thread t.  info may be NULL
 * (SI_KERNEL).  proc_lock held.
 */
void signal_send_proc(struct proc *p, int sig, const struct ksiginfo *info);
void signal_send_thread(struct thread *t, int sig,
    const struct ksiginfo *info);

/* A write found no reader: SIGPIPE to the calling thread. */
void signal_raise_pipe(void);

/*
 * A child p ended: its exit signal (SIGCHLD) to the parent.  True when
 * the parent wants no zombie (SIGCHLD ignored, or SA_NOCLDWAIT): reap p
 * now.  proc_lock held.
 */
bool signal_child_exit(struct proc *p);

/* Wake every interruptible sleeper of p (exit_group, SIGKILL).  proc_lock held. */
void signal_wake_all(struct proc *p);

/* Fill buf with Linux's 128-byte siginfo_t for signo and info. */
void signal_siginfo(void *buf, int signo, const struct ksiginfo *info);

/* A new process's signal state (proc_alloc), and its end (proc_free). */
void signal_proc_init(struct proc *p);
void signal_proc_free(struct proc *p);
/*
 * A thread joins its process (before it can be found), and leaves it
 * (its queued signals go).  The latter with proc_lock held.
 */
void signal_thread_init(struct thread *t);
void signal_thread_exit(struct thread *t);

/* wait_report values: stopped by sig, continued (as wait statuses). */
#define W_STOPCODE(sig)		(((sig) << 8) | 0x7f)
#define W_CONTINUED		0xffff
#define CLD_STOPPED		5
#define CLD_CONTINUED		6

/* fork: the child's handlers are the parent's, its pending sets empty. */
void signal_fork(struct proc *child, const struct proc *parent);
/* exec: caught signals go back to their defaults; the alt stack goes. */
void signal_exec(struct proc *p);

/*
 * Interruptible wait: as waitq_wait(), but give up with -EINTR when a
 * signal is pending for the calling thread (or its process is exiting),
 * before sleeping or once woken.  Callers usually turn -EINTR into
 * -ERESTARTSYS, so that SA_RESTART can re-run the call.  (waitq.c)
 */
int waitq_wait_intr(struct waitq *wq, struct spinlock *lk);
/* Both: -EINTR, -ETIMEDOUT at clock_ns() deadline_ns, or 0 when woken. */
int waitq_wait_deadline_intr(struct waitq *wq, struct spinlock *lk,
    uint64_t deadline_ns);
/* Wake t if it sleeps in waitq_wait_intr().  Any locks but queue locks. */
void waitq_interrupt(struct thread *t);

#endif
