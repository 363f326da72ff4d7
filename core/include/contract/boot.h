/*
 * Contract: what the boot loader (or the host's command line) passed in.
 */
#ifndef CONTRACT_BOOT_H
#define CONTRACT_BOOT_H

#include "kern/types.h"

/* The kernel command line, words separated by spaces; never NULL. */
const char *boot_cmdline(void);

/*
 * Power off, reporting status where the platform can (hosted: the process
 * exit status; QEMU: isa-debug-exit).  Other CPUs are stopped.
 */
__noreturn void platform_poweroff(int status);

/*
 * Restart the machine (reboot(2)).  The hosted bake has no machine to
 * restart: it powers off with status 0, as a booted-once process must.
 */
__noreturn void platform_reboot(void);

#endif
