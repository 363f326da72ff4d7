/*
 * The local APIC, in xAPIC (memory-mapped) mode.
 *
 * Its registers sit at the physical base named by the APIC base MSR
 * (0xfee00000 unless firmware moved it), mapped uncached in the device
 * window.  The boot CPU's APIC is set up with: the spurious vector and
 * software enable; LINT0 as ExtINT, so the legacy PIC's few unmasked
 * lines still arrive; LINT1 as NMI; an error vector; and the timer in
 * one-shot mode, divide by 16, which clock.c programs.  x2APIC (MSR access,
 * 32-bit ids) comes with SMP and ACPI.
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

/* Register offsets. */
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
#define TIMER_DIV_16	0x3
#define ICR_PENDING	0x1000
#define ICR_SELF	0x40000		/* destination shorthand: self */

static volatile uint32_t *lapic;

/* Read the 32-bit register at byte offset reg. */
static uint32_t lapic_read(unsigned reg)
{
	return lapic[reg / 4];
}

/* Write register reg, then read back so the write has reached the APIC. */
static void lapic_write(unsigned reg, uint32_t v)
{
	lapic[reg / 4] = v;
	(void)lapic[LAPIC_ID / 4];	/* wait for the write to land */
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

/* Map and enable this CPU's local APIC; the timer stays stopped. */
void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if (base & APIC_BASE_X2APIC)
		panic("lapic_init: firmware left the APIC in x2APIC mode");
	wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = mmio_map(base & APIC_BASE_ADDR_MASK, 4096);
	this_cpu()->apic_id = lapic_id();

	intr_set_handler(VEC_APIC_ERROR, lapic_error_intr);
	intr_set_handler(VEC_SPURIOUS, lapic_spurious_intr);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	lapic_write(LAPIC_LVT_ERROR, VEC_APIC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);	/* one-shot */
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_eoi();
}

/* This CPU's local APIC id. */
unsigned lapic_id(void)
{
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

/* Send a fixed-delivery IPI to apic_id, or to this CPU when self. */
void lapic_send_ipi(unsigned apic_id, unsigned vector, bool self)
{
	unsigned long s = intr_save();

	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
	if (self) {
		lapic_write(LAPIC_ICR_LO, ICR_SELF | vector);
	} else {
		lapic_write(LAPIC_ICR_HI, apic_id << 24);
		lapic_write(LAPIC_ICR_LO, vector);
	}
	intr_restore(s);
}
