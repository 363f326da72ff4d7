/*
 * Kernel threads: creation, exit, join and detach.
 *
 * A thread is a struct thread from the kernel heap plus a kernel stack of
 * whole pages.  Its first frame (context_init) enters thread_start(),
 * which finishes the switch that brought it in and calls fn(arg);
 * returning from fn is thread_exit().
 *
 * A thread cannot free its own stack: it is running on it.  So
 * thread_exit() only marks the thread dead and switches away; the thread
 * that runs next calls thread_reap() (sched_finish_switch), on its own
 * stack.  Reaping frees a detached thread at once, and otherwise marks it
 * exit_done and wakes its joiner, who frees it.  The join lock orders
 * detach, join and reap, which may run concurrently on different CPUs.
 */
#include "contract/clock.h"
#include "contract/context.h"
#include "contract/cpu.h"
#include "contract/physmem.h"
#include "contract/pmap.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "proc/sched.h"
#include "proc/thread.h"
#include "sched_internal.h"

static struct spinlock join_lock = SPINLOCK_INIT("join");
static uint64_t next_thread_id = 1;	/* [a] */

/* The page order of a kernel stack of at least context_stack_size() bytes. */
static unsigned stack_order(void)
{
	size_t want = context_stack_size();
	unsigned order = 0;

	while ((PAGE_SIZE << order) < want)
		order++;
	return order;
}

/* A new thread's first code, on its own stack. */
static void thread_start(void *arg)
{
	struct thread *t = arg;

	/* New threads start with interrupts on once the switch completes. */
	intr_set_saved_state(true);
	sched_finish_switch();
	t->fn(t->arg);
	thread_exit();
}

/* Allocate and set up a thread that has not been queued anywhere yet. */
static struct thread *thread_alloc(const char *name, void (*fn)(void *),
    void *arg)
{
	struct thread *t;
	paddr_t stack;

	t = kzalloc(sizeof(*t));
	if (t == NULL)
		return NULL;
	/* Zeroed for the reason km_slab_new() gives (core/mm/kmalloc.c). */
	stack = page_alloc(stack_order(), PAGE_ZERO);
	if (stack == 0) {
		kfree(t);
		return NULL;
	}
	t->stack = phys_to_virt(stack);
	t->stack_size = PAGE_SIZE << stack_order();
	t->fn = fn;
	t->arg = arg;
	t->id = __atomic_fetch_add(&next_thread_id, 1, __ATOMIC_RELAXED);
	ksnprintf(t->name, sizeof(t->name), "%s", name);
	list_init(&t->run_link);
	list_init(&t->wait_link);
	waitq_init(&t->exited, "thread exit");
	/* It inherits the run-queue lock held across its first switch. */
	t->spinlocks_held = 1;
	context_init(&t->ctx, t->stack, t->stack_size, thread_start, t);
	return t;
}

/* Return t's memory: its stack, platform context data and the struct. */
static void thread_free(struct thread *t)
{
	context_destroy(&t->ctx);
	page_free(virt_to_phys(t->stack), stack_order());
	kfree(t);
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = thread_alloc(name, fn, arg);

	if (t != NULL)
		sched_add_new(t, sched_pick_cpu());
	return t;
}

struct thread *thread_create_on(unsigned cpu, const char *name,
    void (*fn)(void *), void *arg)
{
	struct thread *t;

	if (cpu >= cpu_count())
		panic("thread_create_on: no CPU %u", cpu);
	t = thread_alloc(name, fn, arg);
	if (t != NULL) {
		t->pinned = true;
		sched_add_new(t, cpu);
	}
	return t;
}

/* Called by the scheduler once t is dead and off its CPU. */
void thread_reap(struct thread *t)
{
	bool free_now;

	spin_lock(&join_lock);
	free_now = t->detached;
	if (!free_now) {
		t->exit_done = true;
		waitq_wake_all(&t->exited);
	}
	spin_unlock(&join_lock);
	if (free_now)
		thread_free(t);
}

/* Thread context, no spinlock held. */
void thread_join(struct thread *t)
{
	if (t == curthread())
		panic("thread_join: %s joins itself", t->name);
	spin_lock(&join_lock);
	if (t->detached)
		panic("thread_join: %s is detached", t->name);
	while (!t->exit_done)
		waitq_wait(&t->exited, &join_lock);
	spin_unlock(&join_lock);
	thread_free(t);
}

void thread_detach(struct thread *t)
{
	bool free_now;

	spin_lock(&join_lock);
	if (t->detached)
		panic("thread_detach: %s detached twice", t->name);
	t->detached = true;
	free_now = t->exit_done;
	spin_unlock(&join_lock);
	if (free_now)
		thread_free(t);
}

/* Interrupts off: no switch may come between the field and the load. */
void thread_set_pmap(struct pmap *pm)
{
	unsigned long s = intr_save();

	curthread()->pmap = pm;
	pmap_activate(pm);
	intr_restore(s);
}

/* A private queue that nobody wakes: only the deadline ends the wait. */
void thread_sleep_ns(uint64_t ns)
{
	uint64_t deadline = clock_ns() + ns;
	struct spinlock lk;
	struct waitq wq;

	spin_init(&lk, "sleep");
	waitq_init(&wq, "sleep");
	spin_lock(&lk);
	while (waitq_wait_deadline(&wq, &lk, deadline) != -ETIMEDOUT)
		continue;
	spin_unlock(&lk);
}
