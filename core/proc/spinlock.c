/*
 * Spinlocks and nested interrupt disabling.
 *
 * A spinlock disables interrupts on its CPU for as long as it is held:
 * otherwise an interrupt handler that takes the same lock on the same CPU
 * would spin forever against the thread it interrupted.  Disabling nests
 * (intr_push/intr_pop, xv6's push_off/pop_off): the first push saves the
 * CPU's interrupt state, the last pop restores it.
 *
 * The lock word is a test-and-test-and-set: one atomic exchange to take
 * it, plain loads (with cpu_relax) while it is busy, so waiting CPUs spin
 * in their own caches.  The holder's CPU is recorded for spin_held() and
 * for the checks that catch a recursive acquire (a certain deadlock) or a
 * release by a CPU that does not hold the lock.  Each thread counts the
 * spinlocks it holds, so sleeping with one held can be caught.
 */
#include "contract/cpu.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "proc/sched.h"
#include "proc/spinlock.h"
#include "proc/thread.h"
#include "sched_internal.h"

/*
 * Per-CPU interrupt nesting; touched only by its CPU with interrupts off.
 * Spinlocks work before the heap does (the page allocator takes them), so
 * the boot CPU starts on a static entry; sched_init() moves every CPU to
 * an array sized by cpu_count() (intr_nesting_init()).
 */
struct intr_nesting {
	int depth;		/* intr_push() calls not yet popped */
	bool saved;		/* interrupts were on before the outermost push */
} __attribute__((aligned(64)));

static struct intr_nesting boot_nesting;
static struct intr_nesting *nesting = &boot_nesting;	/* [i] once set up */

/*
 * Give each of the ncpus CPUs its own nesting state, carrying over the
 * boot CPU's.  Boot CPU, before any other CPU starts, interrupts off.
 */
void intr_nesting_init(unsigned ncpus)
{
	struct intr_nesting *n = kzalloc(ncpus * sizeof(*n));

	if (n == NULL)
		panic("intr_nesting_init: no memory for %u CPUs", ncpus);
	if ((uintptr_t)n % __alignof__(*n) != 0)
		panic("intr_nesting_init: misaligned array %p", (void *)n);
	n[0] = boot_nesting;
	__atomic_store_n(&nesting, n, __ATOMIC_RELEASE);
}

void spin_init(struct spinlock *l, const char *name)
{
	l->locked = 0;
	l->cpu = -1;
	l->name = name;
}

/* Count a lock taken (+1) or released (-1) by the running thread, if any. */
static void count_held(int delta)
{
	struct thread *t = curthread();

	if (t != NULL)
		t->spinlocks_held += delta;
}

/* Spin until l is ours; interrupts stay disabled until the matching unlock. */
void spin_lock(struct spinlock *l)
{
	intr_push();
	if (spin_held(l))
		panic("spin_lock: %s already held by this CPU", l->name);
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0)
			cpu_relax();
	}
	l->cpu = (int)cpu_id();
	count_held(1);
}

/* Take l if it is free; never spins. */
bool spin_trylock(struct spinlock *l)
{
	intr_push();
	if (spin_held(l))
		panic("spin_trylock: %s already held by this CPU", l->name);
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) != 0) {
		intr_pop();
		return false;
	}
	l->cpu = (int)cpu_id();
	count_held(1);
	return true;
}

void spin_unlock(struct spinlock *l)
{
	if (!spin_held(l))
		panic("spin_unlock: %s not held by this CPU", l->name);
	l->cpu = -1;
	count_held(-1);
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	intr_pop();
}

/* Meaningful with interrupts disabled (else the CPU may change under us). */
bool spin_held(const struct spinlock *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0 &&
	    l->cpu == (int)cpu_id();
}

void intr_push(void)
{
	bool was = intr_save() != 0;
	struct intr_nesting *n = &nesting[cpu_id()];

	if (n->depth++ == 0)
		n->saved = was;
}

/*
 * Undo one intr_push().  The outermost pop restores interrupts and gives
 * the scheduler its chance to preempt, now that no spinlock is held.
 */
void intr_pop(void)
{
	struct intr_nesting *n;

	if (intr_enabled())
		panic("intr_pop: interrupts enabled");
	n = &nesting[cpu_id()];
	if (n->depth < 1)
		panic("intr_pop: not pushed");
	if (--n->depth == 0 && n->saved) {
		intr_enable();
		sched_preempt_point();
	}
}

/* Interrupts are disabled, or the answer may belong to another CPU. */
int intr_depth(void)
{
	return nesting[cpu_id()].depth;
}

/* Interrupts are disabled (the caller holds a run queue lock). */
bool intr_saved_state(void)
{
	return nesting[cpu_id()].saved;
}

void intr_set_saved_state(bool enabled)
{
	nesting[cpu_id()].saved = enabled;
}
