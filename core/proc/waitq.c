/*
 * Wait queues, and timed waits.
 *
 * A waiter queues itself under the wait queue's lock, releases its own
 * lock, and sleeps through sched_sleep(), which drops the queue lock only
 * once it holds its run-queue lock; a waker takes the queue lock, unlinks
 * the thread and calls sched_wakeup().  Whoever unlinks a thread is the
 * one that wakes it, so each wait ends exactly once.
 *
 * A timed wait also puts a `struct deadline` (on the waiter's stack) on
 * its CPU's list of deadlines, sorted by time; the timer interrupt of that
 * CPU expires the due ones.  Expiry cannot take the queue lock while
 * holding the list lock (the waiter takes them in the other order), so it
 * marks an entry FIRING, drops the list lock, then takes the queue lock
 * and unlinks and wakes the thread if it is still queued.  The waiter,
 * once awake, cancels its entry and waits for a FIRING expiry to reach
 * DONE before its stack frame, and the entry in it, goes away.
 *
 * Lock order: the caller's lock, the queue lock, a run-queue lock, a
 * deadline list lock (the scheduler reads the earliest deadline while
 * switching).
 */
#include "contract/clock.h"
#include "contract/cpu.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "proc/sched.h"
#include "proc/signal.h"
#include "proc/thread.h"
#include "proc/waitq.h"
#include "sched_internal.h"

enum deadline_state { DEADLINE_ARMED, DEADLINE_FIRING, DEADLINE_DONE };

/* A timed wait in progress.  [d] the list lock of its CPU; [w] the queue lock. */
struct deadline {
	struct list link;		/* [d] on deadline_lists[cpu] */
	uint64_t when;			/* [i] absolute clock_ns() */
	struct thread *t;		/* [i] the waiter */
	struct waitq *wq;		/* [i] the queue it waits on */
	unsigned cpu;			/* [i] whose list */
	int state;			/* [d] enum deadline_state; DONE is atomic */
	bool timed_out;			/* [w] expiry unlinked the waiter */
};

static struct deadline_list {
	struct spinlock lock;
	struct list pending;		/* by `when`, earliest first */
} __attribute__((aligned(64))) *deadline_lists;	/* [i] cpu_count() entries */

/* One list per CPU, from the heap (boot CPU, in sched_init()). */
void waitq_deadlines_init(unsigned ncpus)
{
	unsigned i;

	deadline_lists = kzalloc(ncpus * sizeof(*deadline_lists));
	if (deadline_lists == NULL)
		panic("waitq_deadlines_init: no memory for %u CPUs", ncpus);
	if ((uintptr_t)deadline_lists % __alignof__(*deadline_lists) != 0)
		panic("waitq_deadlines_init: misaligned array");
	for (i = 0; i < ncpus; i++) {
		spin_init(&deadline_lists[i].lock, "deadlines");
		list_init(&deadline_lists[i].pending);
	}
}

void waitq_init(struct waitq *wq, const char *name)
{
	spin_init(&wq->lock, name);
	list_init(&wq->waiters);
}

/* Queue the current thread on wq.  Holds wq->lock. */
static struct thread *enqueue_self(struct waitq *wq)
{
	struct thread *t = curthread();

	t->waiting_on = wq;
	t->woken = false;
	list_push_back(&wq->waiters, &t->wait_link);
	return t;
}

/* Unlink t from the queue it waits on and make it runnable.  Holds that queue's lock. */
static void wake_thread(struct thread *t)
{
	list_remove(&t->wait_link);
	t->waiting_on = NULL;
	t->woken = true;
	sched_wakeup(t);
}

/*
 * A signal sender may have read t->waiting_on and be about to lock that
 * queue (waitq_interrupt); wait until it has let go, since the queue may
 * be freed once this wait returns.
 */
static void interrupters_settle(struct thread *t)
{
	while (__atomic_load_n(&t->sig.interrupters, __ATOMIC_ACQUIRE) != 0)
		cpu_relax();
}

void waitq_wait(struct waitq *wq, struct spinlock *lk)
{
	if (lk == &wq->lock)
		panic("waitq_wait: %s: caller's lock is the queue's", lk->name);
	spin_lock(&wq->lock);
	enqueue_self(wq);
	spin_unlock(lk);
	sched_sleep(&wq->lock);
	interrupters_settle(curthread());
	spin_lock(lk);
}

/* Insert d into this CPU's deadline list and re-arm the timer.  Interrupts off. */
static void deadline_add(struct deadline *d)
{
	struct deadline_list *dl;
	struct list *it;

	d->cpu = cpu_id();
	d->state = DEADLINE_ARMED;
	dl = &deadline_lists[d->cpu];
	spin_lock(&dl->lock);
	list_foreach(it, &dl->pending) {
		if (list_entry(it, struct deadline, link)->when > d->when)
			break;
	}
	list_insert_between(&d->link, it->prev, it);
	spin_unlock(&dl->lock);
	sched_timer_update();
}

/* Take d off its list, or wait for its expiry to finish with it. */
static void deadline_cancel(struct deadline *d)
{
	struct deadline_list *dl = &deadline_lists[d->cpu];

	spin_lock(&dl->lock);
	if (d->state == DEADLINE_ARMED) {
		list_remove(&d->link);
		d->state = DEADLINE_DONE;
	}
	spin_unlock(&dl->lock);
	while (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) != DEADLINE_DONE)
		cpu_relax();
}

/* The timed wait; intr makes it interruptible (see waitq_wait_intr). */
static int wait_deadline(struct waitq *wq, struct spinlock *lk,
    uint64_t deadline_ns, bool intr)
{
	struct deadline d;

	if (lk == &wq->lock)
		panic("waitq_wait_deadline: %s: caller's lock is the queue's",
		    lk->name);
	if (clock_ns() >= deadline_ns)
		return -ETIMEDOUT;
	d.when = deadline_ns;
	d.wq = wq;
	d.timed_out = false;
	spin_lock(&wq->lock);
	d.t = enqueue_self(wq);
	if (intr) {
		__atomic_store_n(&d.t->sig.wait_intr, true, __ATOMIC_SEQ_CST);
		if (signal_pending_thread(d.t)) {
			list_remove(&d.t->wait_link);
			d.t->waiting_on = NULL;
			d.t->sig.wait_intr = false;
			spin_unlock(&wq->lock);
			return -EINTR;
		}
	}
	deadline_add(&d);
	spin_unlock(lk);
	sched_sleep(&wq->lock);
	interrupters_settle(d.t);
	deadline_cancel(&d);
	__atomic_store_n(&d.t->sig.wait_intr, false, __ATOMIC_RELAXED);
	spin_lock(lk);
	if (d.timed_out)
		return -ETIMEDOUT;
	return intr && signal_pending_thread(d.t) ? -EINTR : 0;
}

int waitq_wait_deadline(struct waitq *wq, struct spinlock *lk,
    uint64_t deadline_ns)
{
	return wait_deadline(wq, lk, deadline_ns, false);
}

int waitq_wait_deadline_intr(struct waitq *wq, struct spinlock *lk,
    uint64_t deadline_ns)
{
	return wait_deadline(wq, lk, deadline_ns, true);
}

uint64_t waitq_next_deadline(void)
{
	struct deadline_list *dl = &deadline_lists[cpu_id()];
	uint64_t when = 0;

	spin_lock(&dl->lock);
	if (!list_empty(&dl->pending))
		when = list_first_entry(&dl->pending, struct deadline, link)->when;
	spin_unlock(&dl->lock);
	return when;
}

/* Wake d's waiter if it still waits, as timed out.  No deadline lock held. */
static void deadline_fire(struct deadline *d)
{
	struct waitq *wq = d->wq;

	spin_lock(&wq->lock);
	if (d->t->waiting_on == wq) {
		d->timed_out = true;
		wake_thread(d->t);
	}
	spin_unlock(&wq->lock);
	/* The waiter may return, freeing d, as soon as this is seen. */
	__atomic_store_n(&d->state, DEADLINE_DONE, __ATOMIC_RELEASE);
}

void waitq_expire_deadlines(uint64_t now)
{
	struct deadline_list *dl = &deadline_lists[cpu_id()];
	struct deadline *d;

	spin_lock(&dl->lock);
	while ((d = list_first_entry(&dl->pending, struct deadline, link))
	    != NULL && d->when <= now) {
		list_remove(&d->link);
		d->state = DEADLINE_FIRING;
		spin_unlock(&dl->lock);
		deadline_fire(d);
		spin_lock(&dl->lock);
	}
	spin_unlock(&dl->lock);
}

int waitq_wake_one(struct waitq *wq)
{
	struct thread *t;
	int n = 0;

	spin_lock(&wq->lock);
	t = list_first_entry(&wq->waiters, struct thread, wait_link);
	if (t != NULL) {
		wake_thread(t);
		n = 1;
	}
	spin_unlock(&wq->lock);
	return n;
}

int waitq_wake_all(struct waitq *wq)
{
	struct thread *t;
	int n = 0;

	spin_lock(&wq->lock);
	while ((t = list_first_entry(&wq->waiters, struct thread, wait_link))
	    != NULL) {
		wake_thread(t);
		n++;
	}
	spin_unlock(&wq->lock);
	return n;
}

/*
 * Interruptible waits.  The sleeper queues itself, marks the wait
 * interruptible and only then tests for a signal; a sender makes the
 * signal pending and only then looks at the thread's queue (both with
 * sequentially consistent atomics), so one of them sees the other and
 * no signal is lost between the test and the sleep.
 */
int waitq_wait_intr(struct waitq *wq, struct spinlock *lk)
{
	struct thread *t;

	if (lk == &wq->lock)
		panic("waitq_wait_intr: %s: caller's lock is the queue's",
		    lk->name);
	spin_lock(&wq->lock);
	t = enqueue_self(wq);
	__atomic_store_n(&t->sig.wait_intr, true, __ATOMIC_SEQ_CST);
	if (signal_pending_thread(t)) {
		list_remove(&t->wait_link);
		t->waiting_on = NULL;
		t->sig.wait_intr = false;
		spin_unlock(&wq->lock);
		return -EINTR;
	}
	spin_unlock(lk);
	sched_sleep(&wq->lock);
	interrupters_settle(t);
	__atomic_store_n(&t->sig.wait_intr, false, __ATOMIC_RELAXED);
	spin_lock(lk);
	return signal_pending_thread(t) ? -EINTR : 0;
}

void waitq_interrupt(struct thread *t)
{
	struct waitq *wq;

	/* Announce ourselves first: the sleeper's queue stays alive till we leave. */
	__atomic_fetch_add(&t->sig.interrupters, 1, __ATOMIC_SEQ_CST);
	wq = __atomic_load_n(&t->waiting_on, __ATOMIC_SEQ_CST);
	if (wq != NULL) {
		spin_lock(&wq->lock);
		if (t->waiting_on == wq && t->sig.wait_intr)
			wake_thread(t);
		spin_unlock(&wq->lock);
	}
	__atomic_fetch_sub(&t->sig.interrupters, 1, __ATOMIC_RELEASE);
}
