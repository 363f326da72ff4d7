/*
 * The boot contract (contract/boot.h): the loader's command line, and
 * power-off through QEMU's isa-debug-exit device.
 *
 * The run scripts give QEMU "-device isa-debug-exit,iobase=0xf4,
 * iosize=0x04"; a write of v to port 0xf4 ends QEMU with exit status
 * (v << 1) | 1, so status 0 exits 1 and every status stays odd, telling
 * a deliberate power-off from a QEMU failure.  On a machine without the
 * device the write does nothing and the CPU halts instead (ACPI
 * power-off comes with ACPI).
 */
#include "contract/boot.h"
#include "contract/cpu.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "x86.h"

#define DEBUG_EXIT_PORT	0xf4

/* The loader's command line, copied at boot; "" when none. */
const char *boot_cmdline(void)
{
	return bootinfo.cmdline;
}

/* Power off through isa-debug-exit, or halt where there is none. */
/*
 * Pulse the CPU reset line through the 8042 keyboard controller (what
 * PCs have answered since the AT); should that not take, an empty IDT
 * turns the next exception into a triple fault, which resets the CPU.
 */
__noreturn void platform_reboot(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	cli();
	outb(0x64, 0xfe);
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	cpu_halt_all();
}

__noreturn void platform_poweroff(int status)
{
	cli();
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	printk("poweroff: no isa-debug-exit device; halting\n");
	cpu_halt_all();
}
