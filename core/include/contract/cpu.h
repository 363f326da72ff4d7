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

/* The most CPUs any platform starts: the size of the core's per-CPU arrays. */
#define CPU_MAX		64

/* The calling CPU's number.  Stable while interrupts are disabled. */
unsigned cpu_id(void);

/* Number of CPUs the platform started (or will start). */
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

/* A hint inside spin loops (pause). */
void cpu_relax(void);

#endif
