/*
 * The local APIC, in xAPIC or x2APIC mode.
 *
 * Every CPU has one: it takes interrupts for its CPU (timer, IPIs, the I/O
 * APIC's and MSI messages) and sends IPIs to the others.  Two register
 * interfaces exist.  xAPIC maps the registers as memory at the base the
 * APIC base MSR names (0xfee00000 unless firmware moved it; one window
 * serves every CPU, each sees its own APIC there), ids are 8 bits, and an
 * IPI is two writes (destination, then command) after waiting for the
 * previous one to leave.  x2APIC puts the same registers in MSRs 0x800 +
 * offset / 16, widens ids to 32 bits and makes the interrupt command one
 * 64-bit MSR write that needs no waiting.  The kernel uses x2APIC when
 * CPUID.1:ECX[21] says the CPU has it (so machines with APIC ids above
 * 255 work) and xAPIC otherwise; the boot CPU decides and every CPU
 * follows.  (QEMU's software emulation up to 7.2 offers only xAPIC.)
 *
 * Each CPU's APIC is set up alike: the spurious vector and software
 * enable; LINT0 as ExtINT on the boot CPU only, so the legacy PIC's lines
 * arrive there until an I/O APIC takes over, masked on the others; LINT1
 * as NMI; an error vector; and the timer (clock.c), either one-shot
 * counting at the bus clock / 16 or, where CPUID.1:ECX[24] says so, in
 * TSC-deadline mode, where it fires when the TSC reaches a value written
 * to an MSR.
 */
#include "contract/cpu.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "percpu.h"
#include "trap.h"
#include "x86.h"

#define APIC_BASE_ENABLE	(1ul << 11)
#define APIC_BASE_X2APIC	(1ul << 10)
#define APIC_BASE_ADDR_MASK	0x000ffffffffff000ul

#define CPUID1_ECX_X2APIC	(1u << 21)
#define CPUID1_ECX_TSC_DEADLINE	(1u << 24)

#define MSR_X2APIC_BASE		0x800	/* + register offset / 16 */
#define MSR_TSC_DEADLINE	0x6e0

/* Register offsets (xAPIC); x2APIC has the same registers in MSRs. */
#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_ESR	0x280
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERROR	0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3e0

#define SVR_ENABLE	0x100
#define LVT_MASKED	0x10000
#define LVT_EXTINT	0x700
#define LVT_NMI		0x400
#define LVT_TSC_DEADLINE 0x40000	/* timer mode 10b */
#define TIMER_DIV_16	0x3

/* Interrupt command: delivery mode, level, shorthand (SDM vol. 3 10.6.1). */
#define ICR_FIXED	0x000
#define ICR_NMI		0x400
#define ICR_INIT	0x500
#define ICR_STARTUP	0x600
#define ICR_PENDING	0x1000		/* xAPIC only: not yet sent */
#define ICR_ASSERT	0x4000
#define ICR_SELF	0x40000
#define ICR_ALL_BUT_SELF 0xc0000

static volatile uint32_t *lapic;	/* xAPIC register window */
static bool x2apic;			/* [i] every CPU uses x2APIC */
static bool tsc_deadline;		/* [i] every CPU's timer is TSC-deadline */

/* Read the 32-bit register at byte offset reg. */
static uint32_t lapic_read(unsigned reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + reg / 16);
	return lapic[reg / 4];
}

/*
 * Write register reg.  The xAPIC window is uncached, and x86 keeps
 * uncached stores in program order, so no read-back is needed to order
 * one write before the next (Linux does none either); leaving it out
 * also halves the APIC accesses of every interrupt (EOI).
 */
static void lapic_write(unsigned reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + reg / 16, v);
	else
		lapic[reg / 4] = v;
}

/* APIC errors are reported, not fatal: they mean a lost IPI at worst. */
static void lapic_error_intr(struct trapframe *tf)
{
	uint32_t esr;

	lapic_write(LAPIC_ESR, 0);
	esr = lapic_read(LAPIC_ESR);
	printk("lapic: error status %#x on cpu %u\n", esr, cpu_id());
}

/* Spurious interrupts need no EOI and no action. */
static void lapic_spurious_intr(struct trapframe *tf)
{
}

/*
 * Turn this CPU's APIC on in the chosen mode.  Going to x2APIC passes
 * through xAPIC-enabled: the SDM forbids the jump from disabled.
 */
static void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

	wrmsr(MSR_APIC_BASE, base);
	if (x2apic)
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);
}

/*
 * Program this CPU's local vector table and timer.  boot: this is the
 * boot CPU, which alone takes the legacy PIC's ExtINT on LINT0.
 */
static void lapic_setup(bool boot)
{
	lapic_enable();
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, boot ? LVT_EXTINT : LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	lapic_write(LAPIC_LVT_ERROR, VEC_APIC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);	/* one-shot, stopped */
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_eoi();
	this_cpu()->apic_id = lapic_id();
}

/*
 * The boot CPU: choose the mode, map the xAPIC window, take the APIC's
 * own vectors and set up its APIC.  The timer stays stopped.
 */
void lapic_init(void)
{
	uint32_t a, b, c, d;
	uint64_t base = rdmsr(MSR_APIC_BASE);

	cpuid(1, 0, &a, &b, &c, &d);
	x2apic = (c & CPUID1_ECX_X2APIC) != 0 || (base & APIC_BASE_X2APIC);
	if (!x2apic)
		lapic = mmio_map(base & APIC_BASE_ADDR_MASK, 4096);
	intr_set_handler(VEC_APIC_ERROR, lapic_error_intr);
	intr_set_handler(VEC_SPURIOUS, lapic_spurious_intr);
	lapic_setup(true);
	printk("lapic: %s mode, boot cpu apic id %u\n",
	    x2apic ? "x2APIC" : "xAPIC", this_cpu()->apic_id);
}

/* Another CPU, coming online: its APIC the way the boot CPU's is. */
void lapic_init_ap(void)
{
	lapic_setup(false);
	if (tsc_deadline)
		lapic_timer_use_tsc_deadline();
}

/* True in x2APIC mode (32-bit APIC ids can be addressed). */
bool lapic_x2apic(void)
{
	return x2apic;
}

/* This CPU's local APIC id. */
unsigned lapic_id(void)
{
	if (x2apic)
		return lapic_read(LAPIC_ID);
	return lapic_read(LAPIC_ID) >> 24;
}

/* Signal the end of the interrupt being serviced. */
void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* Count down from count at the bus clock / 16; interrupt at zero. */
void lapic_timer_start(uint32_t count)
{
	lapic_write(LAPIC_TIMER_INIT, count);
}

/* Ticks left before the timer fires. */
uint32_t lapic_timer_count(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

/* True when the CPU's APIC timer has a TSC-deadline mode. */
bool lapic_has_tsc_deadline(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return (c & CPUID1_ECX_TSC_DEADLINE) != 0;
}

/*
 * Switch this CPU's timer to TSC-deadline mode (clock.c decides, on the
 * boot CPU; the others follow in lapic_init_ap()).  The SDM asks for a
 * fence between the mode change and the first deadline write.
 */
void lapic_timer_use_tsc_deadline(void)
{
	tsc_deadline = true;
	lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
	__asm__ volatile("mfence" : : : "memory");
}

/* TSC-deadline mode: interrupt when the TSC reaches tsc; 0 disarms. */
void lapic_timer_deadline(uint64_t tsc)
{
	wrmsr(MSR_TSC_DEADLINE, tsc);
}

/*
 * Send one interrupt command: low word cmd (mode, vector, shorthand) to
 * apic_id (ignored with a shorthand).  Interrupts stay off meanwhile so a
 * handler's IPI cannot slip between the xAPIC's two writes.
 */
static void lapic_icr(unsigned apic_id, uint32_t cmd)
{
	unsigned long s = intr_save();

	if (x2apic) {
		/* WRMSR to the x2APIC does not order earlier stores (SDM). */
		__asm__ volatile("mfence" : : : "memory");
		wrmsr(MSR_X2APIC_BASE + LAPIC_ICR_LO / 16,
		    (uint64_t)apic_id << 32 | cmd);
	} else {
		while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
			__asm__ volatile("pause");
		lapic_write(LAPIC_ICR_HI, apic_id << 24);
		lapic_write(LAPIC_ICR_LO, cmd);
	}
	intr_restore(s);
}

/* A fixed-delivery IPI with vector to the CPU whose APIC id is apic_id. */
void lapic_send_ipi(unsigned apic_id, unsigned vector)
{
	lapic_icr(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

/* vector to this CPU; it arrives once interrupts are on. */
void lapic_send_self(unsigned vector)
{
	lapic_icr(0, ICR_FIXED | ICR_ASSERT | ICR_SELF | vector);
}

/* An NMI to every CPU but this one (cpu_halt_all). */
void lapic_send_nmi_all_but_self(void)
{
	lapic_icr(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}

/* INIT to apic_id: the CPU resets and waits for a startup IPI. */
void lapic_send_init(unsigned apic_id)
{
	lapic_icr(apic_id, ICR_INIT | ICR_ASSERT);
}

/* Startup IPI: apic_id starts in real mode at physical page_pa (< 1 MiB). */
void lapic_send_startup(unsigned apic_id, paddr_t page_pa)
{
	lapic_icr(apic_id, ICR_STARTUP | ICR_ASSERT | (uint32_t)(page_pa >> 12));
}
