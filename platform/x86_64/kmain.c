/*
 * The x86_64 kernel's C entry and first thread.
 *
 * boot.S arrives in x86_start() on the boot stack, in long mode, with
 * interrupts off and the boot page tables.  It brings up what the core's
 * contract promises before core_main(): per-CPU state (GS) and segments,
 * the console, trap handling, the loader's information, the direct map,
 * device registers, CPU features, the interrupt controllers, and the
 * calibrated clock; then it hands over to core_main() for good.
 *
 * kernel_first_thread() is what runs once the scheduler is up.  There is
 * no init program yet, so it only runs the self-test the command line
 * names (test=boot and others, selftest.c), which powers off, and
 * otherwise idles, so `make run` shows the banner and stays up.
 */
#include "acpi.h"
#include "contract/entry.h"
#include "kern/printk.h"
#include "percpu.h"
#include "proc/thread.h"
#include "trap.h"
#include "uctx_md.h"
#include "x86.h"

#define SECOND_NS	1000000000ull

__noreturn void x86_start(uint32_t magic, uint32_t info_pa);

/* The first thread: a self-test if asked, else sleep forever. */
static void kernel_first_thread(void *arg)
{
	pci_init();
	bootdisk_init();
	selftest_run_from_cmdline();
	printk("no init yet; halting\n");
	for (;;)
		thread_sleep_ns(60 * SECOND_NS);
}

/* From boot.S: set up the platform, then become the core. */
__noreturn void x86_start(uint32_t magic, uint32_t info_pa)
{
	percpu_init_boot();
	serial_init();
	trap_init();
	bootinfo_parse(magic, info_pa);
	physmem_init();
	mmio_init();
	acpi_init();
	cpu_init();
	uctx_init_boot();
	pic_init();
	ioapic_init();
	lapic_init();
	clock_init();
	smp_init();
	serial_enable_input();
	core_main(kernel_first_thread, NULL);
}
