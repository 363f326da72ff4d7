/*
 * The scheduler.
 *
 * Each CPU has a run queue of RUNNABLE threads, guarded by its own
 * spinlock, and runs them round robin: a thread runs until it sleeps,
 * yields, exits, or its time slice (SCHED_SLICE_NS) ends.  The per-CPU
 * one-shot timer only sets need_resched; the switch itself happens at the
 * next preemption point (sched_preempt_point(), or the last spinlock
 * release with interrupts back on), so an interrupt never switches a
 * thread that is in the middle of something.  That is also all the
 * hosted bake can offer, so both bakes behave alike.  A thread that spins
 * without ever reaching a preemption point is the exception: on hardware
 * the platform calls sched_preempt_interrupt() as an interrupt returns to
 * a thread that had interrupts enabled, which means it held no spinlock
 * and was at a point as safe to switch at as any preemption point.
 *
 * Switching is direct, thread to thread: the outgoing thread takes its
 * CPU's run-queue lock, sets its own state (requeued, asleep or dead),
 * picks the next thread and switches to it, still holding the lock; the
 * incoming thread releases it in sched_finish_switch().  Holding the lock
 * across the switch is what keeps a thread from running on two CPUs at
 * once: a waker (sched_wakeup) or a stealer must take the run-queue lock
 * of the thread's CPU, so neither can touch the thread until its stack is
 * no longer in use.  A dead thread is handed to thread_reap() by the
 * incoming thread, on another stack, for the same reason.
 *
 * Every CPU has an idle thread, which is the CPU's boot stack: core_main()
 * and core_cpu_main() turn into the idle loop (sched_run_cpu).  Idle looks
 * at its own queue, then steals an unpinned thread from the busiest queue,
 * and only then halts in cpu_idle().  A CPU about to halt says so in
 * `idling`; wakers kick an idling target, and when they queue work behind a
 * busy CPU they kick an idling CPU so that it comes to steal.
 *
 * Address spaces follow threads: a thread with a pmap gets it loaded as
 * it is switched in; a kernel thread (pmap NULL) runs on whatever the CPU
 * had loaded, since it touches only the kernel half, which every pmap
 * shares.  That saves the TLB flush of two address-space changes when a
 * CPU goes from a process to idle and back.  The price is that a CPU may
 * keep a pmap loaded that no thread of its uses any more; the platform's
 * pmap_destroy() makes such CPUs let go of it.
 *
 * Per-CPU state is one array sized by cpu_count() at sched_init(); the
 * core has no fixed CPU maximum.
 *
 * Lock order: a wait queue's lock, then a run-queue lock; two run-queue
 * locks (stealing) in CPU order.
 */
#include "contract/clock.h"
#include "contract/context.h"
#include "contract/cpu.h"
#include "contract/pmap.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "proc/acct.h"
#include "proc/sched.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "sched_internal.h"

/* Per-CPU state.  [c] this CPU's run-queue lock; [o] only this CPU, interrupts off; [a] atomic. */
struct cpu_sched {
	struct spinlock lock;		/* the run-queue lock */
	struct list runq;		/* [c] RUNNABLE threads, FIFO */
	unsigned nready;		/* [c] length of runq; [a] for racy readers */
	struct thread *cur;		/* [c] the running thread */
	struct thread *prev;		/* [c] just switched away from, until finished */
	uint64_t slice_end;		/* [o] end of cur's slice; 0 while idle */
	uint64_t armed;			/* [o] deadline given to timer_arm(), 0 none */
	bool need_resched;		/* [a] the slice ended */
	bool idling;			/* [a] the idle loop is about to halt */
	uint64_t switches;		/* [a] context switches so far */
	struct thread idle;		/* the idle thread, on the boot stack */
} __attribute__((aligned(64)));

static struct cpu_sched *cpus;		/* [i] ncpus entries, from sched_init() */
static unsigned ncpus;
static bool sched_ready;		/* sched_init() done */
static unsigned pick_rotor;		/* [a] spreads ties in sched_pick_cpu() */

/* This CPU's state.  Interrupts disabled, or the answer may be stale. */
static struct cpu_sched *this_cpu(void)
{
	return &cpus[cpu_id()];
}

/* Lock this CPU's run queue (no migration can slip between the two). */
static struct cpu_sched *lock_this_cpu(void)
{
	struct cpu_sched *cs;

	intr_push();
	cs = this_cpu();
	spin_lock(&cs->lock);
	intr_pop();
	return cs;
}

/* Append t to cs's run queue.  Holds cs->lock. */
static void runq_push(struct cpu_sched *cs, struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	list_push_back(&cs->runq, &t->run_link);
	__atomic_store_n(&cs->nready, cs->nready + 1, __ATOMIC_RELAXED);
}

/* Remove t from cs's run queue.  Holds cs->lock. */
static void runq_remove(struct cpu_sched *cs, struct thread *t)
{
	list_remove(&t->run_link);
	__atomic_store_n(&cs->nready, cs->nready - 1, __ATOMIC_RELAXED);
}

/* The per-CPU array for n CPUs, zeroed and cache-line aligned. */
static struct cpu_sched *cpus_alloc(unsigned n)
{
	struct cpu_sched *a = kzalloc(n * sizeof(*a));

	if (a == NULL)
		panic("sched_init: no memory for %u CPUs", n);
	if ((uintptr_t)a % __alignof__(*a) != 0)
		panic("sched_init: misaligned per-CPU array %p", (void *)a);
	return a;
}

/*
 * Set up the run queues and idle threads of every CPU (boot CPU, once,
 * after the heap and before cpu_start(); interrupts disabled).
 */
void sched_init(void)
{
	struct cpu_sched *all;
	unsigned i;

	ncpus = cpu_count();
	if (ncpus == 0)
		panic("sched_init: no CPUs");
	intr_nesting_init(ncpus);
	all = cpus_alloc(ncpus);
	for (i = 0; i < ncpus; i++) {
		struct cpu_sched *cs = &all[i];
		struct thread *idle = &cs->idle;

		spin_init(&cs->lock, "runq");
		list_init(&cs->runq);
		list_init(&idle->run_link);
		list_init(&idle->wait_link);
		idle->state = THREAD_RUNNING;
		idle->cpu = i;
		idle->pinned = true;
		ksnprintf(idle->name, sizeof(idle->name), "idle/%u", i);
		waitq_init(&idle->exited, "idle exit");
		cs->cur = idle;
	}
	waitq_deadlines_init(ncpus);
	__atomic_store_n(&cpus, all, __ATOMIC_RELEASE);
	__atomic_store_n(&sched_ready, true, __ATOMIC_RELEASE);
}

/* NULL before sched_init(): spinlocks count nothing until then. */
struct thread *curthread(void)
{
	unsigned long s;
	struct thread *t;

	if (__atomic_load_n(&cpus, __ATOMIC_ACQUIRE) == NULL)
		return NULL;
	s = intr_save();
	t = cpus[cpu_id()].cur;

	intr_restore(s);
	return t;
}

uint64_t sched_switches(unsigned cpu)
{
	return __atomic_load_n(&cpus[cpu].switches, __ATOMIC_RELAXED);
}

/*
 * Arm the timer for the earlier of the slice end and the first timed wait,
 * unless it is already armed at least that early (an early fire is just
 * re-armed).  This CPU, interrupts disabled.
 */
static void arm_timer(struct cpu_sched *cs)
{
	uint64_t want = cs->slice_end, wait = waitq_next_deadline();

	if (wait != 0 && (want == 0 || wait < want))
		want = wait;
	if (want != 0 && (cs->armed == 0 || want < cs->armed)) {
		cs->armed = want;
		timer_arm(want);
	}
}

void sched_timer_update(void)
{
	arm_timer(this_cpu());
}

/* The slice timer or a timed wait is due (interrupts disabled). */
void core_timer_interrupt(void)
{
	struct cpu_sched *cs = this_cpu();
	uint64_t now = clock_ns();

	cs->armed = 0;
	waitq_expire_deadlines(now);
	if (cs->slice_end != 0 && now >= cs->slice_end) {
		__atomic_store_n(&cs->need_resched, true, __ATOMIC_RELAXED);
		/* A fresh slice, in case nothing else wants the CPU. */
		cs->slice_end = now + SCHED_SLICE_NS;
	}
	arm_timer(cs);
}

/* A kick only ends cpu_idle(); the idle loop then looks for work. */
void core_cpu_kicked(void)
{
}

/*
 * Tell the CPUs that cs gained a runnable thread t: kick cs if it is
 * about to halt; if it is busy and t may migrate, kick some idling CPU to
 * come and steal.  Holds cs->lock.
 */
static void notify(struct cpu_sched *cs, struct thread *t)
{
	unsigned target = (unsigned)(cs - cpus), me = cpu_id(), i;

	if (__atomic_load_n(&cs->idling, __ATOMIC_SEQ_CST)) {
		if (target != me)
			cpu_kick(target);
		return;
	}
	if (t->pinned)
		return;
	for (i = 0; i < ncpus; i++) {
		if (i != target && i != me &&
		    __atomic_load_n(&cpus[i].idling, __ATOMIC_SEQ_CST)) {
			cpu_kick(i);
			return;
		}
	}
}

/*
 * Switch from the current thread to the next one of this CPU (or to its
 * idle thread).  The caller holds cs->lock, its only spinlock, and has
 * already given the current thread its new state (and queued it if
 * RUNNABLE).  Returns when the current thread runs again, possibly on
 * another CPU, with the lock released and interrupts as they were before
 * the caller took it.
 */
static void sched_switch(struct cpu_sched *cs)
{
	struct thread *prev = cs->cur, *next;
	struct list *l;
	uint64_t now = clock_ns();
	bool saved;

	if (prev->spinlocks_held != 1)
		panic("sched_switch: %s holds %d spinlocks", prev->name,
		    prev->spinlocks_held);
	l = list_pop_front(&cs->runq);
	if (l != NULL) {
		__atomic_store_n(&cs->nready, cs->nready - 1, __ATOMIC_RELAXED);
		next = list_entry(l, struct thread, run_link);
	} else {
		next = &cs->idle;
	}
	__atomic_store_n(&cs->need_resched, false, __ATOMIC_RELAXED);
	/* Every switch, even back to prev, is a CPU-time charge point. */
	acct_switch_out(prev, now);
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		spin_unlock(&cs->lock);
		return;
	}
	if (prev != &cs->idle)
		acct_count_switch(prev);
	next->state = THREAD_RUNNING;
	cs->cur = next;
	cs->prev = prev;
	cs->slice_end = next == &cs->idle ? 0 : now + SCHED_SLICE_NS;
	acct_switch_in(next, now);
	arm_timer(cs);
	if (next->pmap != NULL)
		pmap_activate(next->pmap);
	__atomic_store_n(&cs->switches, cs->switches + 1, __ATOMIC_RELAXED);
	saved = intr_saved_state();
	context_switch(&prev->ctx, &next->ctx);
	/* Back in prev, on whichever CPU resumed it. */
	intr_set_saved_state(saved);
	sched_finish_switch();
}

void sched_finish_switch(void)
{
	struct cpu_sched *cs = this_cpu();
	struct thread *prev = cs->prev;

	cs->prev = NULL;
	if (prev == NULL || prev->state != THREAD_DEAD) {
		spin_unlock(&cs->lock);
		return;
	}
	/* Reap with interrupts still off: nothing may preempt us first. */
	intr_push();
	spin_unlock(&cs->lock);
	thread_reap(prev);
	intr_pop();
}

void thread_yield(void)
{
	struct cpu_sched *cs = lock_this_cpu();
	struct thread *t = cs->cur;

	__atomic_store_n(&cs->need_resched, false, __ATOMIC_RELAXED);
	if (t == &cs->idle || cs->nready == 0) {
		spin_unlock(&cs->lock);
		return;
	}
	runq_push(cs, t);
	sched_switch(cs);
}

void sched_preempt_point(void)
{
	struct cpu_sched *cs;
	unsigned long s;
	bool want;

	if (!__atomic_load_n(&sched_ready, __ATOMIC_ACQUIRE))
		return;
	cpu_poll();
	if (!intr_enabled())
		return;
	s = intr_save();
	cs = this_cpu();
	want = __atomic_load_n(&cs->need_resched, __ATOMIC_RELAXED) &&
	    cs->cur != &cs->idle;
	intr_restore(s);
	if (want)
		thread_yield();
}

void sched_preempt_interrupt(void)
{
	struct cpu_sched *cs;
	struct thread *t;

	if (!__atomic_load_n(&sched_ready, __ATOMIC_ACQUIRE))
		return;
	cs = this_cpu();
	t = cs->cur;
	if (t == &cs->idle ||
	    !__atomic_load_n(&cs->need_resched, __ATOMIC_RELAXED))
		return;
	/* Interrupts were on, so these hold; a bug elsewhere must not spread. */
	if (t->spinlocks_held != 0 || intr_depth() != 0)
		return;
	thread_yield();
}

void sched_sleep(struct spinlock *held)
{
	struct cpu_sched *cs = lock_this_cpu();
	struct thread *t = cs->cur;

	if (t == &cs->idle)
		panic("sched_sleep: the idle thread cannot sleep");
	t->state = THREAD_SLEEPING;
	spin_unlock(held);
	sched_switch(cs);
}

/* Caller holds the lock that t slept under (see sched_sleep). */
void sched_wakeup(struct thread *t)
{
	struct cpu_sched *cs = &cpus[t->cpu];

	spin_lock(&cs->lock);
	if (t->state == THREAD_SLEEPING) {
		runq_push(cs, t);
		notify(cs, t);
	}
	spin_unlock(&cs->lock);
}

/* End the calling thread: it never runs again; thread_reap() disposes of it. */
void thread_exit(void)
{
	struct thread *t = curthread();
	struct cpu_sched *cs;

	if (t->spinlocks_held != 0)
		panic("thread_exit: %s holds a spinlock", t->name);
	cs = lock_this_cpu();
	if (t == &cs->idle)
		panic("thread_exit: the idle thread cannot exit");
	t->state = THREAD_DEAD;
	sched_switch(cs);
	panic("thread_exit: %s ran again", t->name);
}

void sched_add_new(struct thread *t, unsigned cpu)
{
	struct cpu_sched *cs = &cpus[cpu];

	spin_lock(&cs->lock);
	t->cpu = cpu;
	runq_push(cs, t);
	notify(cs, t);
	spin_unlock(&cs->lock);
}

/* Threads waiting or running on cs, as seen without its lock. */
static unsigned load_of(struct cpu_sched *cs)
{
	return __atomic_load_n(&cs->nready, __ATOMIC_RELAXED) +
	    (__atomic_load_n(&cs->idling, __ATOMIC_RELAXED) ? 0 : 1);
}

unsigned sched_pick_cpu(void)
{
	unsigned start, i, c, best, best_load = ~0u;

	start = __atomic_fetch_add(&pick_rotor, 1, __ATOMIC_RELAXED) % ncpus;
	best = start;
	for (i = 0; i < ncpus; i++) {
		c = (start + i) % ncpus;
		if (load_of(&cpus[c]) < best_load) {
			best_load = load_of(&cpus[c]);
			best = c;
		}
	}
	return best;
}

/* The first unpinned thread on cs's queue, or NULL.  Holds cs->lock. */
static struct thread *first_unpinned(struct cpu_sched *cs)
{
	struct list *it;

	list_foreach(it, &cs->runq) {
		struct thread *t = list_entry(it, struct thread, run_link);

		if (!t->pinned)
			return t;
	}
	return NULL;
}

/*
 * Idle CPU cs takes one unpinned thread from the longest other run queue.
 * Returns whether it did.  Interrupts disabled, no lock held.
 */
static bool steal(struct cpu_sched *cs)
{
	struct cpu_sched *victim = NULL, *first, *second;
	struct thread *t;
	unsigned i, most = 0, n;

	for (i = 0; i < ncpus; i++) {
		n = __atomic_load_n(&cpus[i].nready, __ATOMIC_RELAXED);
		if (&cpus[i] != cs && n > most) {
			most = n;
			victim = &cpus[i];
		}
	}
	if (victim == NULL)
		return false;
	first = victim < cs ? victim : cs;
	second = victim < cs ? cs : victim;
	spin_lock(&first->lock);
	spin_lock(&second->lock);
	t = first_unpinned(victim);
	if (t != NULL) {
		runq_remove(victim, t);
		t->cpu = (unsigned)(cs - cpus);
		runq_push(cs, t);
	}
	spin_unlock(&second->lock);
	spin_unlock(&first->lock);
	return t != NULL;
}

/*
 * Idle: run the next queued thread if there is one and come back when
 * the queue is empty again.  Returns whether anything ran.  Interrupts
 * disabled.
 */
static bool run_queued(struct cpu_sched *cs)
{
	spin_lock(&cs->lock);
	if (cs->nready == 0) {
		spin_unlock(&cs->lock);
		return false;
	}
	__atomic_store_n(&cs->idling, false, __ATOMIC_SEQ_CST);
	cs->idle.state = THREAD_RUNNABLE;
	sched_switch(cs);
	return true;
}

/*
 * The idle loop.  `idling` is raised before the queue is checked and the
 * queue is checked under its lock, so a waker that queues after our check
 * sees the flag and kicks, and cpu_idle() keeps that kick pending.
 */
void sched_run_cpu(void)
{
	struct cpu_sched *cs;

	intr_disable();
	cs = this_cpu();
	for (;;) {
		__atomic_store_n(&cs->idling, true, __ATOMIC_SEQ_CST);
		if (run_queued(cs) || steal(cs))
			continue;
		cpu_idle();
	}
}
