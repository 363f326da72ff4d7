/*
 * What the files of core/proc tell each other and nobody else: the
 * scheduler's hooks for thread creation and exit, and the wait queues'
 * per-CPU deadline lists, which the timer interrupt drives.
 */
#ifndef PROC_SCHED_INTERNAL_H
#define PROC_SCHED_INTERNAL_H

#include "kern/types.h"

struct thread;

/* Set up the per-CPU deadline lists of timed waits (sched_init calls it). */
void waitq_deadlines_init(unsigned ncpus);

/* Move interrupt nesting to per-CPU entries for ncpus CPUs (sched_init). */
void intr_nesting_init(unsigned ncpus);

/*
 * First thing a thread does after being switched to for the first time,
 * and the last step of every switch: release the run-queue lock held
 * across the switch and dispose of the thread switched away from if it
 * died.
 */
void sched_finish_switch(void);

/* Put a new thread (state irrelevant) on CPU cpu's run queue. */
void sched_add_new(struct thread *t, unsigned cpu);

/* The least loaded CPU, for a new unpinned thread. */
unsigned sched_pick_cpu(void);

/* Re-arm this CPU's timer for its earliest need.  Interrupts disabled. */
void sched_timer_update(void);

/*
 * A thread died and is off its CPU for good (sched.c calls this, on
 * another thread's stack): free it if detached, else let joiners free it.
 */
void thread_reap(struct thread *t);

/* Earliest timed wait on this CPU's list, 0 when none. Interrupts disabled. */
uint64_t waitq_next_deadline(void);

/* Time out every timed wait on this CPU's list due by now (timer interrupt). */
void waitq_expire_deadlines(uint64_t now);

#endif
