/*
 * Contract: CPUs and interrupt state.
 *
 * A CPU is numbered 0 .. cpu_count()-1; CPU 0 boots.  "Interrupts" are the
 * platform's asynchronous events (timer expiry, device completion, kicks
 * from other CPUs).  On x86_64 they are real interrupts; on hosted they are
 * flags raised by host threads and delivered to the core only when the
 * virtual CPU has interrupts enabled and passes a delivery point
 * (intr_restore() re-enabling, intr_enable(), cpu_idle(), cpu_poll()).
 * Either way the core sees the same thing: an entry.h callback run on the
 * target CPU with interrupts disabled.
 */
#ifndef CONTRACT_CPU_H
#define CONTRACT_CPU_H

#include "kern/types.h"

/*
 * There is no fixed maximum: the core sizes its per-CPU arrays by
 * cpu_count() when it starts (sched_init()), so a platform must know its
 * CPU count before core_main() and never change it.
 */

/* The calling CPU's number.  Stable while interrupts are disabled. */
unsigned cpu_id(void);

/* Number of CPUs the platform started (or will start); fixed at boot. */
unsigned cpu_count(void);

/* Disable interrupts and return the previous state, for intr_restore(). */
unsigned long intr_save(void);
/* Restore a state returned by intr_save(); may deliver pending events. */
void intr_restore(unsigned long state);
void intr_enable(void);
void intr_disable(void);
bool intr_enabled(void);

/*
 * Wait for an interrupt.  Called by the idle loop with interrupts disabled;
 * returns with interrupts disabled after at least one event was delivered
 * (or spuriously).  Atomic with respect to a kick: a kick sent after the
 * caller last checked its run queue is never lost.
 */
void cpu_idle(void);

/* Deliver pending events now if interrupts are enabled (hosted preemption point; a no-op on hardware). */
void cpu_poll(void);

/*
 * Start CPU id (1 .. cpu_count()-1); it eventually calls core_cpu_main()
 * (entry.h).  Called once per CPU by core_main().
 */
void cpu_start(unsigned id);

/* Make CPU `id` call core_cpu_kicked() soon (an IPI on hardware). */
void cpu_kick(unsigned id);

/* Stop every CPU for good (after a panic).  Hosted: abort the process. */
__noreturn void cpu_halt_all(void);

/*
 * A hint inside spin loops (pause).  Every loop that waits for another CPU
 * calls it, also with interrupts disabled, so a platform may answer
 * cross-CPU requests there (x86_64 acknowledges TLB shootdowns): a CPU
 * spinning on a lock never holds up the lock's owner waiting for it.
 */
void cpu_relax(void);

#endif
