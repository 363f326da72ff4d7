/*
 * Device interrupt vectors: who owns which IDT vector, and a handler
 * with an argument for each.
 *
 * Devices that interrupt through the I/O APIC or by MSI/MSI-X name an
 * IDT vector in the message they send; the local APIC then raises it.
 * The vectors between the legacy PIC's (0x20..0x2f, which trap.c
 * acknowledges at the PIC) and the system ones at 0xe0 and up (timer,
 * IPIs, APIC error, spurious; trap.h) are handed out here, one per
 * interrupt source, lowest first.  The upper four bits of a vector are
 * its priority class, which nothing here uses yet.
 *
 * trap.c's handlers take only the trap frame, so every vector given out
 * here points at intr_vector_dispatch(), which looks the vector up in a
 * table of (function, argument) pairs.  A driver's handler runs with
 * interrupts off, after the local APIC's EOI (trap.c).
 *
 * Allocation is a lock-free bitmap (an atomic fetch-or claims a bit), so
 * it works during boot, before any lock or heap exists, and from any
 * CPU.  A vector's handler is filled in before the vector is handed to
 * trap.c; a freed vector's handler is cleared before its bit, and trap.c
 * keeps pointing at the dispatcher, which ignores a vector with none.
 */
#include "kern/errno.h"
#include "kern/printk.h"
#include "trap.h"
#include "x86.h"

#define WORD_BITS	64

static uint64_t used[NVECTORS / WORD_BITS];	/* one bit per vector */
static struct {
	void (*fn)(void *arg);
	void *arg;
} table[NVECTORS];

/* Trap.c calls this for every allocated vector. */
static void intr_vector_dispatch(struct trapframe *tf)
{
	unsigned vec = (unsigned)tf->vector;
	void (*fn)(void *) = __atomic_load_n(&table[vec].fn, __ATOMIC_ACQUIRE);

	if (fn != NULL)
		fn(table[vec].arg);
}

/*
 * Claim a free device vector and attach fn(arg) to it.  Returns the
 * vector, or -ENOSPC when all are taken.  Nothing raises the vector
 * until the caller programs a source (I/O APIC entry, MSI) with it.
 */
int intr_vector_alloc(void (*fn)(void *arg), void *arg)
{
	unsigned vec;
	uint64_t bit, old;

	for (vec = VEC_DEVICE_FIRST; vec <= VEC_DEVICE_LAST; vec++) {
		bit = 1ull << (vec % WORD_BITS);
		old = __atomic_fetch_or(&used[vec / WORD_BITS], bit,
		    __ATOMIC_ACQ_REL);
		if (old & bit)
			continue;
		table[vec].arg = arg;
		__atomic_store_n(&table[vec].fn, fn, __ATOMIC_RELEASE);
		intr_set_handler(vec, intr_vector_dispatch);
		return (int)vec;
	}
	return -ENOSPC;
}

/*
 * Give vec back.  The caller has already silenced its source (masked
 * the I/O APIC entry, disabled MSI), so no new interrupt can name it.
 */
void intr_vector_free(unsigned vec)
{
	if (vec < VEC_DEVICE_FIRST || vec > VEC_DEVICE_LAST)
		panic("intr_vector_free: %u is not a device vector", vec);
	__atomic_store_n(&table[vec].fn, NULL, __ATOMIC_RELEASE);
	table[vec].arg = NULL;
	__atomic_fetch_and(&used[vec / WORD_BITS], ~(1ull << (vec % WORD_BITS)),
	    __ATOMIC_ACQ_REL);
}
