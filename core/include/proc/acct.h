/*
 * CPU-time accounting (proc/acct.c; the calls that report it are in
 * proc_acct.c): each thread's user and system time, charged at the
 * syscall boundary and at every context switch (which the 10 ms slice
 * timer forces even when nothing else runs), and summed into its
 * process.  The charges also run the process's ITIMER_VIRTUAL and
 * ITIMER_PROF down and send SIGVTALRM / SIGPROF when they expire.
 */
#ifndef PROC_ACCT_H
#define PROC_ACCT_H

#include "kern/types.h"
#include "proc/acct_counts.h"

struct proc;
struct thread;

/*
 * The current thread enters the kernel from a syscall / returns to user.
 * No spinlock held: an expired CPU timer's signal is sent here.
 */
void acct_syscall_enter(void);
void acct_syscall_exit(void);

/*
 * The scheduler switches from prev (the current thread) at now, holding
 * its run-queue lock: a CPU timer that expires here fires at prev's next
 * charge that holds no lock.
 */
void acct_switch_out(struct thread *prev, uint64_t now);
/* ... and next starts running at now. */
void acct_switch_in(struct thread *next, uint64_t now);

/* A new user thread is about to enter user mode for the first time. */
void acct_thread_start(struct thread *t);

/*
 * Charge the current thread up to now; call before reading its or its
 * process's totals, and by an exiting thread before it leaves its
 * process (afterwards nothing more is charged to the process).  No
 * spinlock held: it may send SIGVTALRM / SIGPROF.
 */
void acct_charge_current(void);

/*
 * The CPU-time interval timers' expiry: acct.c counts them down and
 * calls the sender with the process and the timers that expired, no
 * spinlock held.  kern/time.c installs it before it arms the first
 * such timer, so that this half, which every kernel links through the
 * scheduler, pulls in no signal code.
 */
#define ACCT_ITIMER_VIRTUAL	1u	/* SIGVTALRM due */
#define ACCT_ITIMER_PROF	2u	/* SIGPROF due */
typedef void acct_itimer_fire_fn(struct proc *p, unsigned expired);
void acct_set_itimer_fire(acct_itimer_fire_fn *fn);

/* A process's own CPU time (its threads, live and exited), ns. */
void acct_proc_times(const struct proc *p, uint64_t *utime, uint64_t *stime);

/* Linux's struct rusage (x86-64, 144 bytes): times, maxrss and counts. */
#define RUSAGE_SIZE	144
void acct_rusage(void *buf, uint64_t utime, uint64_t stime,
    uint64_t maxrss_kb, const struct acct_counts *c);

/* Count a resolved page fault for the current thread and its process. */
void acct_minflt(void);
/*
 * Count prev's switch away from its CPU: voluntary when it sleeps,
 * involuntary when it is still runnable (preempted, or yielding).
 * Scheduler context, run-queue lock held.
 */
void acct_count_switch(struct thread *prev);
/* a += b, field by field. */
void acct_counts_add(struct acct_counts *a, const struct acct_counts *b);
/* A snapshot of c, read with atomic loads. */
struct acct_counts acct_counts_read(const struct acct_counts *c);

/*
 * Fold the peak resident set of p's current address space into
 * p->maxrss_kb: before exec replaces it and before exit drops it.  Its
 * value now, the peak so far, in KiB.  Takes proc_lock.
 */
uint64_t acct_rss_sample(struct proc *p);

#endif
