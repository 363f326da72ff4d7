/*
 * CPU-time accounting (proc/acct.c; the calls that report it are in
 * proc_acct.c): each thread's user and system time, charged at the
 * syscall boundary and at every context switch (which the 10 ms slice
 * timer forces even when nothing else runs), and summed into its
 * process.
 */
#ifndef PROC_ACCT_H
#define PROC_ACCT_H

#include "kern/types.h"

struct proc;
struct thread;

/* The current thread enters the kernel from a syscall / returns to user. */
void acct_syscall_enter(void);
void acct_syscall_exit(void);

/* The scheduler switches from prev (the current thread) at now. */
void acct_switch_out(struct thread *prev, uint64_t now);
/* ... and next starts running at now. */
void acct_switch_in(struct thread *next, uint64_t now);

/* A new user thread is about to enter user mode for the first time. */
void acct_thread_start(struct thread *t);

/*
 * Charge the current thread up to now; call before reading its or its
 * process's totals, and by an exiting thread before it leaves its
 * process (afterwards nothing more is charged to the process).
 */
void acct_charge_current(void);

/* A process's own CPU time (its threads, live and exited), ns. */
void acct_proc_times(const struct proc *p, uint64_t *utime, uint64_t *stime);

/* Linux's struct rusage (x86-64, 144 bytes) with the times and maxrss. */
#define RUSAGE_SIZE	144
void acct_rusage(void *buf, uint64_t utime, uint64_t stime,
    uint64_t maxrss_kb);

/*
 * Fold the peak resident set of p's current address space into
 * p->maxrss_kb: before exec replaces it and before exit drops it.  Its
 * value now, the peak so far, in KiB.  Takes proc_lock.
 */
uint64_t acct_rss_sample(struct proc *p);

#endif
