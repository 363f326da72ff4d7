/*
 * The scheduler: one run queue per CPU, round robin within it, with a
 * time slice enforced by the per-CPU one-shot timer.  The timer interrupt
 * only marks the CPU as needing a reschedule; the switch happens at the
 * next preemption point (interrupts re-enabled, sched_preempt_point(),
 * spinlock release with no locks held), which is where hardware and the
 * hosted bake behave the same.  On hardware the return from an interrupt
 * that found interrupts enabled is one more (sched_preempt_interrupt()),
 * so a thread may lose its CPU, and migrate, anywhere it runs with
 * interrupts on: per-CPU data is only stable with interrupts off, as
 * contract/cpu.h says of cpu_id().  Idle CPUs steal runnable threads from
 * busy ones before halting in cpu_idle().
 */
#ifndef PROC_SCHED_H
#define PROC_SCHED_H

#include "kern/types.h"

struct thread;

#define SCHED_SLICE_NS	(10 * 1000 * 1000)	/* 10 ms */

/* Set up per-CPU run queues and idle threads (boot CPU, before cpu_start). */
void sched_init(void);

/* Enter the scheduler on this CPU; never returns. */
__noreturn void sched_run_cpu(void);

/*
 * Give up the CPU to another runnable thread, if any.  (Not sched_yield:
 * the hosted bake links the host's libc, whose sched_yield() the sanitizer
 * runtime calls, and the kernel's must not replace it.)
 */
void thread_yield(void);

/* Yield if this CPU's slice expired; call where it is safe to switch. */
void sched_preempt_point(void);

/*
 * For the platform's interrupt return path: the interrupt came while the
 * current thread ran with interrupts enabled (so it held no spinlock);
 * yield now if this CPU's slice expired.  Called with interrupts disabled,
 * on the interrupted thread's stack, after the interrupt was acknowledged;
 * returns, interrupts still disabled, once the thread runs again (maybe
 * on another CPU, if it may migrate).  This is what preempts a thread
 * that spins without calling anything.
 */
void sched_preempt_interrupt(void);

/*
 * Block the current thread: the caller has queued it where a waker will
 * find it, under the spinlock `held` (its only spinlock), which wakers
 * must take before sched_wakeup().  sched_sleep marks the thread
 * THREAD_SLEEPING and releases `held` once that is safe, then switches.
 * (Used by wait queues; not for general use.)
 */
struct spinlock;
void sched_sleep(struct spinlock *held);

/* Make a sleeping thread runnable on its home CPU and kick that CPU. */
void sched_wakeup(struct thread *t);

/* Statistics for tests and /proc later. */
uint64_t sched_switches(unsigned cpu);

#endif
