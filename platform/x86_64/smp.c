/*
 * Starting the other CPUs.
 *
 * Which CPUs exist comes from ACPI's MADT (acpi.cpus: every enabled
 * processor, the boot CPU among them).  smp_init(), before core_main(),
 * numbers them: the boot CPU is 0, the others follow in table order, so
 * cpu_count() is known before the core sizes its per-CPU arrays.  There
 * is no fixed maximum; a CPU whose APIC id the chosen APIC mode cannot
 * address (above 254 without x2APIC) is left out with a warning.
 *
 * core_main() then calls cpu_start(id) for each other CPU, with the page
 * allocator and the scheduler up.  cpu_start() allocates the CPU's
 * per-CPU area (GDT, TSS, interrupt stacks) and its first stack (which
 * becomes its idle thread's), writes the trampoline's parameters, and
 * wakes the CPU with the INIT-SIPI-SIPI sequence of the SDM (vol. 3,
 * 8.4.4.1): INIT, 10 ms, a startup IPI naming the trampoline's page, 200
 * us, and a second startup IPI only if the first did not take.  The CPU
 * runs ap_trampoline.S into long mode on temporary page tables and calls
 * ap_main() here, which loads the kernel's page tables and the boot CPU's
 * CR0, CR4 and PAT, its own GDT, TSS and GS base, the shared IDT, sets up
 * its local APIC and timer, prints "cpu N: online (apic id A)" and joins
 * the scheduler through core_cpu_main().  The boot CPU waits for that
 * line's flag before it starts the next CPU (the trampoline's parameters
 * are shared), and panics, naming the CPU, if it does not come within
 * AP_ONLINE_TIMEOUT_NS.
 *
 * The trampoline's low pages (smp.h) lie in the first MiB, which
 * physmem.c never gives the page allocator, so they need no reservation;
 * smp_init() only checks that the memory map calls them RAM.  The
 * temporary page tables copy the kernel half of the kernel's PML4, so the
 * trampoline can jump straight to kernel text, and add an identity map of
 * the first 2 MiB for the instructions that turn paging on.
 */
#include "acpi.h"
#include "contract/clock.h"
#include "contract/cpu.h"
#include "contract/entry.h"
#include "contract/physmem.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/page.h"
#include "percpu.h"
#include "smp.h"
#include "trap.h"
#include "uctx_md.h"
#include "x86.h"

#define MS_NS			1000000ull
#define AP_STACK_ORDER		2		/* 16 KiB: the idle thread's stack */
#define AP_ONLINE_TIMEOUT_NS	(10000 * MS_NS)	/* generous: TCG may be slow */
#define XAPIC_MAX_ID		254		/* 255 is the broadcast id */
#define EFER_LMA		(1ul << 10)	/* read-only: set by the CPU */
#define MSR_PAT			0x277

#define PTE_P			0x001ul
#define PTE_W			0x002ul
#define PTE_PS			0x080ul
#define KERNEL_HALF		256

/* The trampoline in the image, and its parameters (ap_trampoline.S). */
extern const char ap_trampoline[], ap_trampoline_end[];
extern const char ap_tramp_started[], ap_tramp_efer[], ap_tramp_stack[];
extern const char ap_tramp_entry[], ap_tramp_arg[];

static unsigned ncpus = 1;		/* [i] from smp_init() */
static unsigned nonline = 1;		/* [a] CPUs that reached ap_main() */
static unsigned boot_index;		/* [i] the boot CPU's entry in acpi.cpus */
static uint64_t ap_cr0, ap_cr4, ap_pat;	/* [i] the boot CPU's, for the others */

unsigned cpu_count(void)
{
	return ncpus;
}

/* CPUs online so far (the boot CPU included). */
unsigned smp_cpus_online(void)
{
	return __atomic_load_n(&nonline, __ATOMIC_ACQUIRE);
}

/* True when the kernel can send IPIs to APIC id apic_id. */
static bool addressable(uint32_t apic_id)
{
	return lapic_x2apic() || apic_id <= XAPIC_MAX_ID;
}

/*
 * The acpi.cpus entry of CPU id (1..ncpus-1): the id-th addressable
 * entry after leaving out the boot CPU's.  Boot time only, so a scan.
 */
static const struct acpi_cpu *acpi_cpu_of(unsigned id)
{
	unsigned i, n = 0;

	for (i = 0; i < acpi.ncpus; i++) {
		if (i == boot_index || !addressable(acpi.cpus[i].apic_id))
			continue;
		if (++n == id)
			return &acpi.cpus[i];
	}
	panic("acpi_cpu_of: no cpu %u", id);
}

/* True when [pa, end) lies inside one E820 RAM entry. */
static bool low_ram(paddr_t pa, paddr_t end)
{
	const struct boot_mmap_entry *e;
	int i;

	for (i = 0; i < bootinfo.nmmap; i++) {
		e = &bootinfo.mmap[i];
		if (e->type == BOOT_MEM_RAM && pa >= e->base &&
		    end <= e->base + e->len)
			return true;
	}
	return false;
}

/*
 * Count the CPUs from ACPI and fix cpu_count().  Boot CPU, after
 * acpi_init() and lapic_init() (which chose the APIC mode), before
 * core_main().  Without ACPI, or without RAM for the trampoline, the
 * kernel runs on the boot CPU alone.
 */
void smp_init(void)
{
	unsigned me = lapic_id(), i, n = 0;
	bool found = false;

	tlb_init();
	for (i = 0; i < acpi.ncpus; i++) {
		if (acpi.cpus[i].apic_id == me) {
			boot_index = i;
			found = true;
		} else if (addressable(acpi.cpus[i].apic_id)) {
			n++;
		} else {
			printk("smp: cpu with apic id %u needs x2APIC; "
			    "left out\n", acpi.cpus[i].apic_id);
		}
	}
	if (n > 0 && !found) {
		printk("smp: the boot cpu (apic id %u) is not in the MADT; "
		    "running on it alone\n", me);
		n = 0;
	}
	if (n > 0 && !low_ram(SMP_TRAMPOLINE_PA, SMP_LOW_END)) {
		printk("smp: no RAM at %#x for the start-up code; running on "
		    "one cpu\n", SMP_TRAMPOLINE_PA);
		n = 0;
	}
	ncpus = 1 + n;
	printk("cpu 0: online (apic id %u), %u cpu%s in all\n", me, ncpus,
	    ncpus == 1 ? "" : "s");
}

/*
 * Copy the trampoline and build its page tables in low memory.  The
 * kernel half of the PML4 is the kernel's own, final by now (the kernel
 * never adds a PML4 entry after boot, memlayout.h).
 */
static void trampoline_install(void)
{
	uint64_t *pml4 = phys_to_virt(SMP_PML4_PA);
	uint64_t *pdpt = phys_to_virt(SMP_PDPT_PA);
	uint64_t *pd = phys_to_virt(SMP_PD_PA);
	const uint64_t *kernel = phys_to_virt(kernel_pml4_pa());
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline);

	if (len > SMP_PML4_PA - SMP_TRAMPOLINE_PA)
		panic("trampoline_install: %zu bytes of code", len);
	memcpy(phys_to_virt(SMP_TRAMPOLINE_PA), ap_trampoline, len);
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	memset(pd, 0, PAGE_SIZE);
	pd[0] = 0 | PTE_P | PTE_W | PTE_PS;
	pdpt[0] = SMP_PD_PA | PTE_P | PTE_W;
	pml4[0] = SMP_PDPT_PA | PTE_P | PTE_W;
	memcpy(&pml4[KERNEL_HALF], &kernel[KERNEL_HALF],
	    (512 - KERNEL_HALF) * sizeof(uint64_t));
}

/* The low copy of the trampoline variable `sym`. */
static void *tramp_param(const char *sym)
{
	return (char *)phys_to_virt(SMP_TRAMPOLINE_PA) + (sym - ap_trampoline);
}

/* Busy-wait ns nanoseconds (interrupts may be off). */
static void delay_ns(uint64_t ns)
{
	uint64_t end = clock_ns() + ns;

	while (clock_ns() < end)
		cpu_relax();
}

/*
 * A started CPU's C entry, on its first stack, interrupts off.  Makes it
 * a kernel CPU like the boot CPU (see the top of the file), says so, and
 * joins the scheduler.
 */
static __noreturn void ap_main(void *arg)
{
	struct percpu *pc = arg;

	lcr3(kernel_pml4_pa());
	lcr0(ap_cr0);
	lcr4(ap_cr4);
	wrmsr(MSR_PAT, ap_pat);
	percpu_load(pc);
	trap_init_ap();
	uctx_init_ap();
	lapic_init_ap();
	clock_init_ap();
	printk("cpu %u: online (apic id %u)\n", pc->id, pc->apic_id);
	__atomic_fetch_add(&nonline, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&pc->online, true, __ATOMIC_RELEASE);
	core_cpu_main();
}

/* Fill in the trampoline's parameters for the CPU of pc on stack top. */
static void tramp_prepare(struct percpu *pc, void *stack_top)
{
	*(uint64_t *)tramp_param(ap_tramp_stack) = (uint64_t)stack_top;
	*(uint64_t *)tramp_param(ap_tramp_entry) = (uint64_t)ap_main;
	*(uint64_t *)tramp_param(ap_tramp_arg) = (uint64_t)pc;
	*(uint32_t *)tramp_param(ap_tramp_efer) =
	    (uint32_t)(rdmsr(MSR_EFER) & ~EFER_LMA);
	__atomic_store_n((volatile uint8_t *)tramp_param(ap_tramp_started), 0,
	    __ATOMIC_SEQ_CST);
}

/* INIT, then startup IPIs until the trampoline says it runs (SDM 8.4.4.1). */
static void wake(unsigned apic_id)
{
	volatile uint8_t *started = tramp_param(ap_tramp_started);
	int sipi;

	lapic_send_init(apic_id);
	delay_ns(10 * MS_NS);
	for (sipi = 0; sipi < 2 && !*started; sipi++) {
		lapic_send_startup(apic_id, SMP_TRAMPOLINE_PA);
		delay_ns(MS_NS / 5);
	}
}

/* Wait until pc's CPU is online, or panic after AP_ONLINE_TIMEOUT_NS. */
static void wait_online(struct percpu *pc)
{
	uint64_t start = clock_ns();

	while (!__atomic_load_n(&pc->online, __ATOMIC_ACQUIRE)) {
		if (clock_ns() - start > AP_ONLINE_TIMEOUT_NS)
			panic("cpu_start: cpu %u (apic id %u) did not come "
			    "online within %llu ms%s", pc->id, pc->apic_id,
			    AP_ONLINE_TIMEOUT_NS / MS_NS,
			    *(volatile uint8_t *)tramp_param(ap_tramp_started) ?
			    " (it ran the trampoline)" : "");
		cpu_relax();
	}
}

/*
 * Bring CPU id online (contract/cpu.h).  core_main() calls it once per
 * CPU, in order, on the boot CPU after sched_init(); returns once the CPU
 * runs its scheduler.
 */
void cpu_start(unsigned id)
{
	const struct acpi_cpu *ac;
	struct percpu *pc;
	paddr_t stack;

	if (id == 0 || id >= ncpus)
		panic("cpu_start: no cpu %u", id);
	if (id == 1) {
		trampoline_install();
		ap_cr0 = rcr0();
		ap_cr4 = rcr4();
		ap_pat = rdmsr(MSR_PAT);
	}
	ac = acpi_cpu_of(id);
	pc = percpu_alloc(id, ac->apic_id);
	stack = page_alloc(AP_STACK_ORDER, 0);
	if (stack == 0)
		panic("cpu_start: no memory for cpu %u's stack", id);
	tramp_prepare(pc, (char *)phys_to_virt(stack) +
	    (PAGE_SIZE << AP_STACK_ORDER));
	wake(ac->apic_id);
	wait_online(pc);
}
