/*
 * The other half of the contract: core functions that platforms call.
 */
#ifndef CONTRACT_ENTRY_H
#define CONTRACT_ENTRY_H

#include "kern/types.h"

/*
 * Boot CPU, after the platform set up the console, the clock and the
 * physical memory map, with interrupts disabled.  Initialises the core,
 * prints the banner, starts the other CPUs' schedulers and runs
 * first(arg) in a kernel thread.  Never returns.
 */
__noreturn void core_main(void (*first)(void *), void *arg);

/* Each other CPU once it can run kernel code: joins the scheduler. */
__noreturn void core_cpu_main(void);

/* This CPU's one-shot timer expired (interrupts disabled). */
void core_timer_interrupt(void);

/* Another CPU called cpu_kick() on this CPU (interrupts disabled). */
void core_cpu_kicked(void);

/* Bytes typed on the console (interrupt context). */
void console_input(const char *buf, size_t len);

/*
 * A user access at va of kind access (PROT_R, PROT_W or PROT_X) faulted
 * in the current address space.  Return 0 when the page is now mapped
 * with that access (retry), or a negative errno (-EFAULT) when it cannot
 * be.  Called with interrupts enabled, in thread context.  Outside a
 * syscall it may wait for memory; -ENOMEM then means the process is being
 * killed (the OOM victim): the platform sends no signal of its own, the
 * pending SIGKILL ends the process on the way out.
 */
int vm_fault(uaddr_t va, unsigned access);

/*
 * A user-mode fault that vm_fault() could not resolve, or another
 * exception in user mode: deliver signo (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGTRAP) for address addr to the current thread, on the way back to user
 * mode.  Until signal handlers exist the process dies of the signal, as it
 * would with the default action.  Called in thread context, interrupts on.
 */
void core_user_fault(int signo, uaddr_t addr);

#endif
