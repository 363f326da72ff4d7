/*
 * The signal state a process and each thread carry (proc/signal.h has
 * the rest).  Apart, and free of Linux's macro names, because proc.h and
 * thread.h include it, and hosted test programs include those beside
 * the host C library's own <signal.h>.
 */
#ifndef PROC_SIGNAL_STATE_H
#define PROC_SIGNAL_STATE_H

#include "kern/types.h"
#include "lib/list.h"
#include "proc/waitq.h"

#define SIGNAL_COUNT	64
#define SIGNAL_RTMIN	32	/* signals from here on queue (signal.c) */

/* What a pending signal carries: the interesting fields of siginfo_t. */
struct ksiginfo {
	int32_t code;
	int32_t pid;
	uint32_t uid;
	int32_t status;
	uint64_t addr;
	uint64_t value;			/* si_value (sigqueue) */
};

/* Linux's struct sigaction as the kernel sees it (rt_sigaction). */
struct ksigaction {
	uaddr_t handler;
	uint64_t flags;
	uaddr_t restorer;
	uint64_t mask;
};

/* stack_t for sigaltstack(2): 24 bytes, as Linux lays it out. */
struct kstack {
	uaddr_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

/* A process's signal state, inside struct proc. */
struct proc_sig {
	struct ksigaction act[SIGNAL_COUNT];
	uint64_t pending;		/* sent to the process */
	struct ksiginfo info[SIGNAL_COUNT];	/* of a pending classic signal */
	struct list queue;		/* queued real-time signals (signal.c) */
	int nqueued;			/* here and in the threads' queues */
	/* Job control: a stop signal parks every thread on stop_wq. */
	bool stopped;
	int wait_report;		/* for WUNTRACED/WCONTINUED: 0 none */
	struct waitq stop_wq;
};

/* A thread's signal state, inside struct thread. */
struct thread_sig {
	uint64_t mask;			/* blocked */
	uint64_t pending;		/* sent to this thread */
	uint64_t saved_mask;		/* rt_sigsuspend's mask to restore */
	uint64_t real_blocked;		/* rt_sigtimedwait's own mask meanwhile */
	bool restore_mask;		/* saved_mask is live */
	struct ksiginfo info[SIGNAL_COUNT];
	struct list queue;		/* queued real-time signals */
	struct kstack altstack;		/* sigaltstack(2); size 0: none */
	/* Interruptible waits (waitq.c): [w] the queue's lock, atomics. */
	bool wait_intr;			/* sleeping in waitq_wait_intr() */
	int interrupters;		/* signal senders looking at waiting_on */
};

#endif
