/*
 * Spinlocks.  Taking one disables interrupts on this CPU (nested, as in
 * xv6's push_off/pop_off) so an interrupt handler on the same CPU can
 * never deadlock against its own thread; the last release restores the
 * state saved by the first acquire.  Never sleep holding one.
 */
#ifndef PROC_SPINLOCK_H
#define PROC_SPINLOCK_H

#include "kern/types.h"

struct spinlock {
	volatile unsigned locked;	/* 0 free, 1 held; atomic builtins */
	int cpu;			/* holder's CPU, -1 when free (for spin_held) */
	const char *name;
};

#define SPINLOCK_INIT(n)	{ 0, -1, (n) }

void spin_init(struct spinlock *l, const char *name);
void spin_lock(struct spinlock *l);
bool spin_trylock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
/* True when this CPU holds l (for KASSERTs). */
bool spin_held(const struct spinlock *l);

/*
 * Nested interrupt disabling, shared by spinlocks and the scheduler.  The
 * pop that ends the outermost push re-enables interrupts if they were on
 * before it, and is then a preemption point (sched_preempt_point()).
 */
void intr_push(void);
void intr_pop(void);

/*
 * For the scheduler: the interrupt state this CPU's outermost intr_push()
 * saved.  It belongs to the running thread, so a context switch carries it
 * across (as xv6's sched() does with intena).
 */
bool intr_saved_state(void);
void intr_set_saved_state(bool enabled);

/*
 * How many intr_push() calls this CPU has not popped yet: 0 means no
 * spinlock is held and nothing asked for interrupts to stay off, which is
 * what makes a thread safe to preempt from an interrupt.
 */
int intr_depth(void);

#endif
