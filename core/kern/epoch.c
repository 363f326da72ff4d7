/*
 * Epoch-based reclamation (kern/epoch.h).
 *
 * A global epoch number E only grows.  Readers count themselves into
 * one of two counters, active[E & 1]: epoch_enter() reads E, increments
 * active[E & 1], and reads E again; if E moved meanwhile it backs out
 * and retries, so a reader never stays counted under an epoch that is
 * no longer current when it starts reading.  E advances from e to e + 1
 * only when active[(e - 1) & 1] is zero, that is when every reader that
 * entered in epoch e - 1 has left (new readers count under e & 1).
 *
 * An object retired while E == e was unlinked before the retire, so the
 * only readers that can still reach it entered in epoch e - 1 or e.
 * Once E reaches e + 2, both advances have seen those counters empty,
 * and the object is freed.  All atomics are sequentially consistent:
 * the reader's increment and the writer's check of the same counter
 * order against each other (Dekker), and the costs are two atomic
 * read-modify-writes per section.
 *
 * Why not per-CPU state: a reader here may be preempted and resume on
 * another CPU, and a second reader may start on the first; per-CPU
 * slots would need preemption off for the whole section.  Two shared
 * counters keep sections preemptible at the price of a contended cache
 * line, which is fine at this kernel's scale.
 *
 * Retired objects wait on one list, oldest last, under a spinlock;
 * frees run with it dropped, at most EPOCH_BATCH per call, so a writer
 * that drives reclamation does bounded work.  Readers never block
 * writers: a reader that stays inside its section only delays frees.
 */
#include "kern/epoch.h"
#include "proc/sched.h"
#include "proc/spinlock.h"

#define EPOCH_BATCH	64

static uint64_t global_epoch = 2;	/* [a] starts above 1: e - 2 >= 0 */
static long active[2];			/* [a] readers per epoch parity */
static struct spinlock epoch_lock = SPINLOCK_INIT("epoch");
static struct epoch_entry *limbo;	/* [epoch_lock] newest first */
static size_t nlimbo;			/* [epoch_lock] */

epoch_token_t
epoch_enter(void)
{
	uint64_t e;

	for (;;) {
		e = __atomic_load_n(&global_epoch, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&active[e & 1], 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&global_epoch, __ATOMIC_SEQ_CST) == e)
			return e;
		__atomic_sub_fetch(&active[e & 1], 1, __ATOMIC_SEQ_CST);
	}
}

void
epoch_leave(epoch_token_t t)
{
	__atomic_sub_fetch(&active[t & 1], 1, __ATOMIC_SEQ_CST);
}

/* Advance E once if the readers of the epoch before it are gone. */
static bool
epoch_advance(void)
{
	uint64_t e = __atomic_load_n(&global_epoch, __ATOMIC_SEQ_CST);

	if (__atomic_load_n(&active[(e - 1) & 1], __ATOMIC_SEQ_CST) != 0)
		return false;
	/* Two callers may race: only one moves e to e + 1. */
	__atomic_compare_exchange_n(&global_epoch, &e, e + 1, false,
	    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return true;
}

void
epoch_retire(struct epoch_entry *e, void (*free)(struct epoch_entry *e))
{
	e->free = free;
	spin_lock(&epoch_lock);
	e->epoch = __atomic_load_n(&global_epoch, __ATOMIC_SEQ_CST);
	e->next = limbo;
	limbo = e;
	nlimbo++;
	spin_unlock(&epoch_lock);
}

size_t
epoch_poll(void)
{
	struct epoch_entry **pp, *e, *batch = NULL;
	uint64_t now;
	size_t n = 0;

	if (__atomic_load_n(&nlimbo, __ATOMIC_RELAXED) == 0)
		return 0;
	epoch_advance();
	epoch_advance();
	now = __atomic_load_n(&global_epoch, __ATOMIC_SEQ_CST);
	spin_lock(&epoch_lock);
	/* Newest first: everything past the first old enough one is too. */
	for (pp = &limbo; *pp != NULL && (*pp)->epoch + 2 > now;
	    pp = &(*pp)->next)
		continue;
	while (*pp != NULL && n < EPOCH_BATCH) {
		e = *pp;
		*pp = e->next;
		e->next = batch;
		batch = e;
		n++;
	}
	nlimbo -= n;
	spin_unlock(&epoch_lock);
	while ((e = batch) != NULL) {
		batch = e->next;
		e->free(e);
	}
	return n;
}

void
epoch_drain(void)
{
	while (epoch_pending() != 0)
		if (epoch_poll() == 0)
			thread_yield();
}

size_t
epoch_pending(void)
{
	return __atomic_load_n(&nlimbo, __ATOMIC_SEQ_CST);
}
