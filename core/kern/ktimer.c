/*
 * Kernel timers (see kern/ktimer.h for the interface).
 *
 * Pending timers sit in one red-black tree ordered by deadline, ties in
 * arming order (the tree keeps equal keys in insertion order, and seq
 * breaks them anyway).  One kernel thread, "softclock", sleeps on a wait
 * queue until the earliest deadline (a timed wait, so the platform's
 * per-CPU deadline list wakes it), takes each expired timer off the
 * tree and calls it with ktimer_lock dropped, inside a reservation of
 * KTIMER_RESERVE bytes so the callback can allocate without failure
 * paths.
 *
 * Arming and cancelling take ktimer_lock, a spinlock (which saves and
 * disables interrupts), and wake softclock only when the earliest
 * deadline moved earlier, so they are safe from interrupt handlers.
 *
 * `running` names the timer whose callback softclock is executing;
 * ktimer_cancel_sync() sleeps on done_wq until it is another, so the
 * owner may free the timer's object afterwards.  A callback that re-arms
 * its own timer is pending again while still running: cancel_sync marks
 * sync_wanted, and softclock disarms the timer as the callback ends,
 * before it could run again (it touches the timer after the callback
 * only then: a callback may free its own timer).
 *
 * Locking: ktimer_lock guards the tree, every armed timer's deadline,
 * seq, node and state, and `running`.
 */
#include "contract/clock.h"
#include "kern/ktimer.h"
#include "kern/printk.h"
#include "mm/reserve.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "proc/waitq.h"

#define KT_IDLE		0
#define KT_PENDING	1

static struct spinlock ktimer_lock = SPINLOCK_INIT("ktimer");
static struct rb_tree pending = RB_TREE_INIT;
static uint64_t next_seq;
static struct ktimer *running;		/* the callback softclock is in */
static bool sync_wanted;		/* cancel_sync waits for `running` */
static struct waitq softclock_wq;	/* softclock sleeps here */
static struct waitq done_wq;		/* cancel_sync waits for `running` */
static bool started;

static int
ktimer_cmp(const struct rb_node *a, const struct rb_node *b)
{
	const struct ktimer *x = rb_entry(a, struct ktimer, node);
	const struct ktimer *y = rb_entry(b, struct ktimer, node);

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : 0;
}

void
ktimer_init(struct ktimer *t, void (*fn)(void *arg), void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->deadline = 0;
	t->seq = 0;
	rb_node_init(&t->node);
	t->state = KT_IDLE;
}

/* Take t off the tree if it is there (ktimer_lock held): was it? */
static bool
ktimer_unlink(struct ktimer *t)
{
	if (t->state != KT_PENDING)
		return false;
	rb_remove(&pending, &t->node);
	t->state = KT_IDLE;
	return true;
}

void
ktimer_arm(struct ktimer *t, uint64_t deadline)
{
	struct rb_node *first;
	bool wake;

	spin_lock(&ktimer_lock);
	ktimer_unlink(t);
	t->deadline = deadline;
	t->seq = next_seq++;
	t->state = KT_PENDING;
	rb_insert(&pending, &t->node, ktimer_cmp);
	first = rb_first(&pending);
	wake = first == &t->node;
	spin_unlock(&ktimer_lock);
	/* softclock may be sleeping until a later deadline. */
	if (wake)
		waitq_wake_all(&softclock_wq);
}

bool
ktimer_cancel(struct ktimer *t)
{
	bool was;

	spin_lock(&ktimer_lock);
	was = ktimer_unlink(t);
	spin_unlock(&ktimer_lock);
	return was;
}

void
ktimer_cancel_sync(struct ktimer *t)
{
	spin_lock(&ktimer_lock);
	for (;;) {
		ktimer_unlink(t);
		if (running != t)
			break;
		/*
		 * softclock disarms t as the callback ends, so a re-arm
		 * from the callback cannot run it again before we look.
		 */
		sync_wanted = true;
		waitq_wait(&done_wq, &ktimer_lock);
	}
	spin_unlock(&ktimer_lock);
}

bool
ktimer_pending(const struct ktimer *t)
{
	return __atomic_load_n(&t->state, __ATOMIC_RELAXED) == KT_PENDING;
}

/* The softclock thread: run expired timers in deadline order, forever. */
static void
softclock(void *unused)
{
	struct rb_node *n;
	struct ktimer *t;
	void (*fn)(void *);
	void *arg;
	uint64_t now;

	(void)unused;
	spin_lock(&ktimer_lock);
	for (;;) {
		n = rb_first(&pending);
		if (n == NULL) {
			waitq_wait(&softclock_wq, &ktimer_lock);
			continue;
		}
		t = rb_entry(n, struct ktimer, node);
		now = clock_ns();
		if (t->deadline > now) {
			waitq_wait_deadline(&softclock_wq, &ktimer_lock,
			    t->deadline);
			continue;
		}
		ktimer_unlink(t);
		running = t;
		fn = t->fn;
		arg = t->arg;
		spin_unlock(&ktimer_lock);

		reserve_begin(KTIMER_RESERVE, "ktimer");
		fn(arg);
		reserve_end();

		spin_lock(&ktimer_lock);
		/* t may be freed by now unless a cancel_sync keeps it. */
		if (sync_wanted) {
			ktimer_unlink(running);
			sync_wanted = false;
		}
		running = NULL;
		waitq_wake_all(&done_wq);
	}
}

void
ktimer_start(void)
{
	struct thread *th;

	if (started)
		return;
	started = true;
	waitq_init(&softclock_wq, "softclock");
	waitq_init(&done_wq, "ktimer-done");
	th = thread_create("softclock", softclock, NULL);
	if (th == NULL)
		panic("ktimer_start: no memory for softclock");
	thread_detach(th);
}
