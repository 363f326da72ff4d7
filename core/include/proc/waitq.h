/*
 * Wait queues: the one way a thread sleeps until something happens.
 * The pattern is a condition variable:
 *
 *	spin_lock(&obj->lock);
 *	while (!condition)
 *		waitq_wait(&obj->wq, &obj->lock);
 *	spin_unlock(&obj->lock);
 *
 * and the waker changes the condition under obj->lock, then calls
 * waitq_wake_one() or waitq_wake_all().  The queue has its own lock, so
 * wakers need not hold obj->lock, and no wakeup is lost between the test
 * and the sleep.
 */
#ifndef PROC_WAITQ_H
#define PROC_WAITQ_H

#include "kern/types.h"
#include "lib/list.h"
#include "proc/spinlock.h"

struct waitq {
	struct spinlock lock;
	struct list waiters;	/* of struct thread, by wait_link */
};

void waitq_init(struct waitq *wq, const char *name);

/*
 * Atomically release lk (held by the caller), sleep until woken, then
 * re-acquire lk.  Wakeups may be spurious: callers re-test their condition.
 */
void waitq_wait(struct waitq *wq, struct spinlock *lk);

/*
 * As waitq_wait(), but give up at absolute clock_ns() time deadline_ns.
 * Return 0 when woken, -ETIMEDOUT when the deadline passed first.
 */
int waitq_wait_deadline(struct waitq *wq, struct spinlock *lk,
    uint64_t deadline_ns);

/* Wake one waiter (FIFO) or all; return how many were woken. */
int waitq_wake_one(struct waitq *wq);
int waitq_wake_all(struct waitq *wq);

#endif
