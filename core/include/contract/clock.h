/*
 * Contract: time.
 *
 * clock_ns() is a monotonic clock in nanoseconds since boot, consistent
 * across CPUs.  Each CPU has one one-shot timer: timer_arm() sets its
 * deadline, replacing the previous one; when clock_ns() reaches the
 * deadline the platform calls core_timer_interrupt() on that CPU (with
 * interrupts disabled), once.  A deadline in the past fires promptly.
 */
#ifndef CONTRACT_CLOCK_H
#define CONTRACT_CLOCK_H

#include "kern/types.h"

uint64_t clock_ns(void);

/* Arm this CPU's timer for absolute time deadline_ns; 0 disarms it. */
void timer_arm(uint64_t deadline_ns);

/*
 * The wall-clock time (nanoseconds since the Unix epoch, UTC) at which
 * clock_ns() read 0, as well as the platform can tell: the host's
 * CLOCK_REALTIME in the hosted bake, the CMOS real-time clock on a PC.
 * The core adds clock_ns() to it for CLOCK_REALTIME (kern/time.h).
 */
uint64_t clock_boot_epoch_ns(void);

#endif
