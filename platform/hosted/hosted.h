/*
 * The hosted bake's own interface, for its main program and for tests:
 * boot the core inside this Linux process.
 *
 * Virtual CPUs are pthreads; physical memory is one mmap'd arena; the clock
 * is CLOCK_MONOTONIC; timer "interrupts" are flags raised by a host timer
 * thread and delivered at the core's preemption points (see
 * contract/cpu.h).  A boot happens at most once per process (Check runs each
 * test case in its own forked child).
 */
#ifndef HOSTED_H
#define HOSTED_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The most virtual CPUs one boot may have: the size of the hosted
 * platform's own per-vCPU tables (the core itself has no such limit).
 */
#define HOSTED_CPU_MAX	64

struct hosted_config {
	unsigned ncpus;		/* virtual CPUs, 1..HOSTED_CPU_MAX (1 when 0) */
	size_t mem_bytes;	/* size of the physical arena (default 64 MiB when 0) */
	const char *cmdline;	/* boot_cmdline(); "" when NULL */
	bool quiet;		/* do not echo the console to stderr */
	bool deterministic;	/* one vCPU, virtual clock, no host timer */
};

/*
 * Deterministic mode, for fuzzing and for reproducing failures: a single
 * vCPU and no host timer thread, so nothing outside the kernel's own
 * execution decides what happens when.  Time is virtual: each clock_ns()
 * call advances it by a microsecond, and an idle CPU jumps it to the next
 * timer deadline; timer events are delivered at the usual delivery points
 * once virtual time passes the deadline.  Two runs of the same workload
 * then switch threads at the same points and print the same output.
 */

/*
 * Boot the core with cfg and run fn(arg) as the first kernel thread.
 * When fn returns, stop every virtual CPU and return fn's value here, in
 * the host thread that called hosted_boot().  platform_poweroff(status)
 * inside the kernel ends the boot the same way, returning status.
 */
int hosted_boot(const struct hosted_config *cfg, int (*fn)(void *), void *arg);

/*
 * Set up only the physical arena (no CPUs, no scheduler), so the page
 * allocator can be tested on its own: physmem_ranges() then reports
 * [arena base, + mem_bytes), and cpu_id() is 0 on the calling thread.
 */
void hosted_physmem_init(size_t mem_bytes);

/*
 * Everything the console printed since boot (for tests that check output),
 * NUL-terminated; valid until the console prints again.
 */
const char *hosted_console_log(void);

#endif
