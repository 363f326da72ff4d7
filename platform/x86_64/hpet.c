/*
 * The HPET (IA-PC HPET specification 1.0a), used only as a reference
 * clock to calibrate the TSC and the local APIC timer at boot (clock.c).
 * The ACPI "HPET" table gives the register block's address; the general
 * capabilities register gives the main counter's period in femtoseconds.
 * No comparator is used, so no HPET interrupt is ever raised; only the
 * main counter is started, and it is left running (nothing else reads
 * it, and stopping it would gain nothing).
 */
#include "acpi.h"
#include "kern/printk.h"
#include "x86.h"

#define HPET_REGS_LEN	0x400
#define HPET_CAP	0x000	/* general capabilities and id */
#define HPET_CONFIG	0x010	/* general configuration */
#define HPET_COUNTER	0x0f0	/* main counter value */

#define CONFIG_ENABLE	0x1ull	/* the main counter runs */
#define CAP_PERIOD_SHIFT 32	/* counter period in fs, bits 63:32 */
#define PERIOD_MAX_FS	100000000ull	/* the spec's limit: 100 ns */
#define HPET_MOVE_POLLS	1000000

static volatile uint64_t *hpet_regs;
static uint64_t hpet_period;		/* fs per counter tick */

/* Register at byte offset off. */
static volatile uint64_t *hpet_reg(unsigned off)
{
	return &hpet_regs[off / sizeof(uint64_t)];
}

/*
 * True once the main counter is seen to change.  At the spec's slowest
 * 10 MHz it ticks every 100 ns, far less than the polls allowed here, so
 * a counter still standing after them is broken, and calibrating against
 * it would wait forever.
 */
static bool hpet_moves(void)
{
	uint32_t first = hpet_count();
	int i;

	for (i = 0; i < HPET_MOVE_POLLS; i++)
		if (hpet_count() != first)
			return true;
	return false;
}

/*
 * Map the HPET named by ACPI and start its main counter; false when there
 * is none or its capabilities make no sense (period 0, above the spec's
 * 100 ns, or all ones from a missing device).
 */
bool hpet_init(void)
{
	uint64_t cap;

	if (acpi.hpet_addr == 0)
		return false;
	hpet_regs = (volatile uint64_t *)mmio_map(acpi.hpet_addr,
	    HPET_REGS_LEN);
	cap = *hpet_reg(HPET_CAP);
	hpet_period = cap >> CAP_PERIOD_SHIFT;
	if (hpet_period == 0 || hpet_period > PERIOD_MAX_FS) {
		printk("hpet: bad period %lu fs at %#lx, not used\n",
		    hpet_period, acpi.hpet_addr);
		hpet_regs = NULL;
		return false;
	}
	*hpet_reg(HPET_CONFIG) |= CONFIG_ENABLE;
	if (!hpet_moves()) {
		printk("hpet: counter at %#lx does not count, not used\n",
		    acpi.hpet_addr);
		hpet_regs = NULL;
		return false;
	}
	return true;
}

/*
 * The main counter's low 32 bits: a 32-bit counter has no more, and
 * differences taken modulo 2^32 stay right across a wrap as long as the
 * interval is shorter than one (minutes at the spec's 10 MHz minimum).
 */
uint32_t hpet_count(void)
{
	return (uint32_t)*hpet_reg(HPET_COUNTER);
}

/* Nanoseconds that ticks of the main counter last. */
uint64_t hpet_ticks_to_ns(uint64_t ticks)
{
	return ticks * hpet_period / 1000000;
}

/* Counter ticks in ns nanoseconds (rounded down). */
uint64_t hpet_ns_to_ticks(uint64_t ns)
{
	return ns * 1000000 / hpet_period;
}
