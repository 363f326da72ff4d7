/*
 * Time: clock_ns() from the TSC, timer_arm() on each CPU's local APIC
 * timer.
 *
 * Both clocks run at frequencies nobody tells us, so at boot they are
 * measured together for 50 ms against a reference of known rate: the
 * HPET's main counter when ACPI lists an HPET (its period is in its
 * capabilities register), else the PIT, whose 1.193182 MHz is fixed.
 * The TSC and the APIC timer's count are noted at the interval's start
 * and end, and scaled.  (Under QEMU's emulation a poll of the PIT takes
 * tens of microseconds, which leaves an error of about 0.05%; an HPET
 * read is a plain memory access, bracketed by TSC reads on both sides,
 * so its error is smaller still.  The "clock:" boot line names the
 * reference used.)
 *
 * The TSC is assumed invariant (constant rate, never stopping in halt),
 * as on every CPU of the last fifteen years and under QEMU, where TCG's
 * TSC follows the host's clock.  Conversions are fixed-point, a 32.32
 * multiplier per clock, computed once, with 128-bit products so no
 * division happens after boot.
 *
 * The APIC timer is one-shot and counts at most 2^32 ticks (a minute or
 * so), and the calibration is not exact, so its interrupt may come before
 * the deadline: then the handler re-arms for the rest, and calls
 * core_timer_interrupt() only once clock_ns() has reached the deadline,
 * as the contract promises.  Where CPUID says the APIC timer has a
 * TSC-deadline mode, the timer instead fires when the TSC reaches a value
 * written to an MSR: no 32-bit limit and no second clock to convert to,
 * only the deadline turned back into TSC ticks (rounded up, and the
 * handler's check stays for the last nanosecond of rounding).
 *
 * SMP: there is one clock for all CPUs.  clock_ns() on any CPU uses the
 * boot CPU's calibration and TSC origin, which is right because the TSCs
 * of all CPUs count together: they start from the same reset and run at
 * the same invariant rate on one package, and under QEMU every virtual
 * CPU's TSC is derived from the same host clock.  (A machine whose
 * firmware left the TSCs apart would need them synchronised at start-up;
 * we do not try.)  The APIC timers of all CPUs count the same bus clock,
 * so the boot CPU's measurement serves them too; each CPU only programs
 * its own.
 */
#include "contract/clock.h"
#include "contract/cpu.h"
#include "contract/entry.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "percpu.h"
#include "trap.h"
#include "x86.h"

#define NS_PER_SEC		1000000000ull
#define CALIBRATE_NS		50000000ull	/* 50 ms */
#define CALIBRATE_PIT_TICKS	(PIT_HZ / 20)	/* 50 ms */

static uint64_t tsc_at_boot;
static uint64_t ns_per_tsc_32;		/* ns per TSC tick, 32.32 fixed point */
static uint64_t tsc_per_ns_32;		/* TSC ticks per ns, 32.32 */
static uint64_t apic_ticks_per_ns_32;	/* APIC ticks per ns, 32.32 */
static uint64_t tsc_hz, apic_hz;
static bool use_tsc_deadline;		/* [i] every CPU's timer is TSC-deadline */
static const char *clock_reference;	/* [i] what calibrated them */

/* (v * mult) >> 32 without overflow. */
static uint64_t mul_32_32(uint64_t v, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)v * mult) >> 32);
}

/* The TSC's measured rate; 0 before clock_init() (the console asks). */
uint64_t clock_tsc_hz(void)
{
	return __atomic_load_n(&tsc_hz, __ATOMIC_RELAXED);
}

/* Nanoseconds since clock_init(). */
uint64_t clock_ns(void)
{
	return mul_32_32(rdtsc() - tsc_at_boot, ns_per_tsc_32);
}

/* TSC ticks from from0/from1 to to0/to1: between the midpoints. */
static uint64_t tsc_between(uint64_t from0, uint64_t from1, uint64_t to0,
    uint64_t to1)
{
	return (to0 + (to1 - to0) / 2) - (from0 + (from1 - from0) / 2);
}

/*
 * Measure against the PIT.  Each poll of the PIT is an I/O access, slow
 * under emulation, so the moment the count ran out is taken as the
 * midpoint between the TSC readings before the last poll that saw it
 * running and the one that saw it done.  Returns the ns measured.
 */
static uint64_t calibrate_pit(uint64_t *tsc_ticks, uint32_t *apic_left)
{
	uint64_t tsc0, before, now;

	lapic_timer_start(0xffffffff);
	pit_oneshot_start(CALIBRATE_PIT_TICKS);
	tsc0 = now = rdtsc();
	do {
		before = now;
		now = rdtsc();
	} while (!pit_oneshot_done());
	*apic_left = lapic_timer_count();
	*tsc_ticks = tsc_between(tsc0, tsc0, before, now);
	return (uint64_t)CALIBRATE_PIT_TICKS * NS_PER_SEC / PIT_HZ;
}

/*
 * Read the HPET's main counter between two TSC reads, *t0 and *t1.  Under
 * emulation the virtual CPU can be descheduled between any two
 * instructions, and a pause inside the bracket would put half its length
 * into the calibration, so the caller looks at the bracket's width.
 */
static uint32_t hpet_bracketed(uint64_t *t0, uint64_t *t1)
{
	uint32_t c;

	*t0 = rdtsc();
	c = hpet_count();
	*t1 = rdtsc();
	return c;
}

/*
 * Measure against the HPET's main counter over CALIBRATE_NS, counting
 * the TSC between the midpoints of the brackets around the first and
 * last counter reads.  The first read is the narrowest of a few tries;
 * the last is the first poll past the interval whose bracket is no
 * wider than four times that (or any, once twice the interval passed),
 * so a host that deschedules the virtual CPU mid-read, which made the
 * rate come out 40% low on a loaded machine, no longer skews it.
 * Returns the ns the counter measured.
 */
static uint64_t calibrate_hpet(uint64_t *tsc_ticks, uint32_t *apic_left)
{
	uint64_t s0, s1, a0, a1, e0, e1, narrow;
	uint32_t start, c, ticks, want = (uint32_t)hpet_ns_to_ticks(CALIBRATE_NS);
	int i;

	lapic_timer_start(0xffffffff);
	start = hpet_bracketed(&s0, &s1);
	for (i = 0; i < 8; i++) {
		c = hpet_bracketed(&a0, &a1);
		if (a1 - a0 < s1 - s0) {
			start = c;
			s0 = a0;
			s1 = a1;
		}
	}
	narrow = s1 - s0;
	do {
		ticks = hpet_bracketed(&e0, &e1) - start;
	} while (ticks < want || (e1 - e0 > 4 * narrow && ticks < 2 * want));
	*apic_left = lapic_timer_count();
	*tsc_ticks = tsc_between(s0, s1, e0, e1);
	return hpet_ticks_to_ns(ticks);
}

/*
 * Measure the TSC and APIC timer rates against the HPET if there is one,
 * else the PIT; clock_reference names the one used.
 */
static void clock_calibrate(void)
{
	uint64_t ns, tsc_ticks;
	uint32_t apic_left;

	if (hpet_init()) {
		clock_reference = "HPET";
		ns = calibrate_hpet(&tsc_ticks, &apic_left);
	} else {
		clock_reference = "PIT";
		ns = calibrate_pit(&tsc_ticks, &apic_left);
	}
	lapic_timer_start(0);
	tsc_hz = tsc_ticks * NS_PER_SEC / ns;
	apic_hz = (uint64_t)(0xffffffffu - apic_left) * NS_PER_SEC / ns;
	if (tsc_hz == 0 || apic_hz == 0)
		panic("clock_calibrate: TSC %lu Hz, APIC timer %lu Hz",
		    tsc_hz, apic_hz);
}

/* TSC-deadline: the first TSC value at which clock_ns() >= deadline. */
static void timer_program_tsc(uint64_t deadline)
{
	lapic_timer_deadline(tsc_at_boot + mul_32_32(deadline, tsc_per_ns_32) +
	    1);
}

/* Program this CPU's APIC timer for deadline; interrupts disabled. */
static void timer_program(uint64_t deadline)
{
	uint64_t now, ticks = 0;

	if (use_tsc_deadline) {
		timer_program_tsc(deadline);
		return;
	}
	now = clock_ns();

	if (deadline > now)
		ticks = mul_32_32(deadline - now, apic_ticks_per_ns_32);
	if (ticks == 0)
		ticks = 1;		/* past or imminent: fire promptly */
	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu;	/* the rest on the next interrupt */
	lapic_timer_start((uint32_t)ticks);
}

/* Arm this CPU's one-shot timer for deadline_ns; 0 disarms. */
void timer_arm(uint64_t deadline_ns)
{
	unsigned long s = intr_save();

	this_cpu()->timer_deadline = deadline_ns;
	if (deadline_ns == 0 && use_tsc_deadline)
		lapic_timer_deadline(0);
	else if (deadline_ns == 0)
		lapic_timer_start(0);
	else
		timer_program(deadline_ns);
	intr_restore(s);
}

/* VEC_TIMER: call the core once the deadline has really passed. */
static void timer_intr(struct trapframe *tf)
{
	struct percpu *pc = this_cpu();
	uint64_t deadline = pc->timer_deadline;

	if (deadline == 0)
		return;			/* disarmed after it fired */
	if (clock_ns() < deadline) {
		timer_program(deadline);
		return;
	}
	pc->timer_deadline = 0;
	core_timer_interrupt();
}

/*
 * Boot CPU: calibrate, start the clock at 0, choose the timer mode and
 * take the timer vector.
 */
void clock_init(void)
{
	clock_calibrate();
	ns_per_tsc_32 = (NS_PER_SEC << 32) / tsc_hz;
	tsc_per_ns_32 = (tsc_hz << 32) / NS_PER_SEC;
	apic_ticks_per_ns_32 = (apic_hz << 32) / NS_PER_SEC;
	if (apic_ticks_per_ns_32 == 0)
		apic_ticks_per_ns_32 = 1;
	tsc_at_boot = rdtsc();
	use_tsc_deadline = lapic_has_tsc_deadline();
	if (use_tsc_deadline)
		lapic_timer_use_tsc_deadline();
	intr_set_handler(VEC_TIMER, timer_intr);
	printk("clock: TSC %lu.%03lu MHz, APIC timer %lu.%03lu MHz, %s, "
	    "calibrated by the %s\n",
	    tsc_hz / 1000000, tsc_hz / 1000 % 1000,
	    apic_hz / 1000000, apic_hz / 1000 % 1000,
	    use_tsc_deadline ? "TSC-deadline timer" : "one-shot timer",
	    clock_reference);
}

/*
 * Another CPU: nothing to measure (see the top of the file); its APIC
 * timer mode was set by lapic_init_ap().  Start with no deadline.
 */
void clock_init_ap(void)
{
	this_cpu()->timer_deadline = 0;
}
