/*
 * Sleeping mutexes, for sections that may block (I/O, allocation that
 * waits for a reservation).  Not usable from interrupt context.
 */
#ifndef PROC_MUTEX_H
#define PROC_MUTEX_H

#include "kern/types.h"
#include "proc/waitq.h"

struct thread;

struct mutex {
	struct spinlock lock;	/* guards owner */
	struct thread *owner;	/* NULL when free */
	struct waitq wq;
	const char *name;
};

void mutex_init(struct mutex *m, const char *name);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_held(const struct mutex *m);	/* by the current thread */

#endif
