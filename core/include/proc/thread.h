/*
 * Kernel threads.  Every thread has a kernel stack, a saved context, and a
 * home CPU whose run queue holds it while runnable.  Later, user processes
 * are threads plus an address space and file table; the scheduler does not
 * care.
 *
 * Field locking: [c] the home CPU's run-queue lock; [w] the wait queue's
 * lock; [i] immutable after creation; [t] only the thread itself; [j] the
 * join lock in thread.c.
 *
 * Placement: thread_create() puts a thread on the least loaded CPU, and
 * idle CPUs may steal it later; thread_create_on() pins it to one CPU for
 * its whole life (per-CPU work, tests that need a known CPU).
 */
#ifndef PROC_THREAD_H
#define PROC_THREAD_H

#include "contract/context.h"
#include "kern/types.h"
#include "lib/list.h"
#include "mm/reserve.h"
#include "proc/acct_counts.h"
#include "proc/signal_state.h"
#include "proc/waitq.h"

struct pmap;
struct proc;
struct uctx;
struct vmspace;

enum thread_state {
	THREAD_RUNNABLE,	/* on a run queue */
	THREAD_RUNNING,		/* on a CPU */
	THREAD_SLEEPING,	/* on a wait queue */
	THREAD_DEAD,		/* exited, waiting to be reaped */
};

struct thread {
	struct context ctx;		/* [c] saved registers while not running */
	enum thread_state state;	/* [c] */
	unsigned cpu;			/* [c] home CPU */
	struct list run_link;		/* [c] on the run queue */
	struct list wait_link;		/* [w] on a wait queue */
	struct waitq *waiting_on;	/* [w] the queue slept on, or NULL */
	bool woken;			/* [w] set by the waker */
	bool pinned;			/* [i] never migrates from cpu */
	struct pmap *pmap;		/* [t] loaded when switched in; NULL: keep */
	void *stack;			/* [i] */
	size_t stack_size;		/* [i] */
	void (*fn)(void *);		/* [i] */
	void *arg;			/* [i] */
	uint64_t id;			/* [i] */
	char name[24];			/* [i] */
	struct reservation res;		/* [t] heap reservation */
	struct vmspace *vmspace;	/* [t] user address space (vm/vm.h), or NULL */
	struct proc *proc;		/* [t] user process (proc/proc.h), or NULL */
	struct uctx *uctx;		/* [t] user registers (contract/uctx.h) */
	int tid;			/* [t] Linux thread id; 0: kernel thread */
	uaddr_t clear_child_tid;	/* [t] set_tid_address(2) */
	uaddr_t robust_list;		/* [t] set_robust_list(2) (proc/futex.c) */
	struct list proc_link;		/* proc_lock: in proc->threads */
	struct thread_sig sig;		/* proc_lock (proc/signal.h) */
	int spinlocks_held;		/* [t] for checks: no sleeping with one */
	struct waitq exited;		/* joiners wait here */
	bool exit_done;			/* [j] off its CPU for good: may be freed */
	bool detached;			/* [j] free on exit without join */
	/* CPU time (proc_acct.c): charged by the thread itself. */
	uint64_t utime_ns, stime_ns;	/* [t] atomic stores, read by others */
	struct acct_counts counts;	/* [t] atomic stores, read by others */
	uint64_t acct_stamp;		/* [t] clock_ns() of the last charge */
	bool acct_user;			/* [t] in user mode since acct_stamp */
};

/*
 * Kernel stacks are context_stack_size() bytes (contract/context.h): 16
 * KiB on hardware, more in the hosted bake, whose sanitizers grow frames.
 */

/* Create a runnable thread running fn(arg); NULL when memory is exhausted. */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg);

/* As thread_create(), but pinned to CPU cpu. */
struct thread *thread_create_on(unsigned cpu, const char *name,
    void (*fn)(void *), void *arg);

/* The thread running on this CPU (the idle thread when none is). */
struct thread *curthread(void);

/* End the calling thread.  Returning from fn does the same. */
__noreturn void thread_exit(void);

/* Wait for t to exit and free it.  Each thread is joined once. */
void thread_join(struct thread *t);

/* Let t be freed when it exits; it must not be joined. */
void thread_detach(struct thread *t);

/* Sleep for at least ns nanoseconds. */
void thread_sleep_ns(uint64_t ns);

/*
 * Give the calling thread the address space pm and load it now; the
 * scheduler loads it again whenever the thread is switched in.  NULL makes
 * it a kernel thread again and loads no user space (pmap_activate(NULL)).
 * A kernel thread (pmap NULL) runs on whatever address space its CPU had
 * loaded: it uses only the kernel half, which every pmap shares.
 */
void thread_set_pmap(struct pmap *pm);

#endif
