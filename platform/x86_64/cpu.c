/*
 * CPUs and interrupt state (contract/cpu.h), for one CPU for now.
 *
 * cpu_id() reads the per-CPU area through GS, so it stays right when
 * SMP arrives; cpu_count() is 1 and cpu_start() is never called.  A kick
 * is a real IPI (to itself, for now) on VEC_KICK, so "call
 * core_cpu_kicked() soon" holds however the core uses it.
 *
 * cpu_idle() relies on sti's one-instruction shadow: in "sti; hlt" no
 * interrupt can arrive between the two, so an interrupt (or kick) that
 * became pending after the caller's last look at its run queue wakes the
 * hlt instead of being taken before it and lost.
 */
#include "contract/boot.h"
#include "contract/cpu.h"
#include "contract/entry.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "percpu.h"
#include "trap.h"
#include "x86.h"

#define CPUID7_EBX_SMEP	(1u << 7)
#define CPUID7_EBX_SMAP	(1u << 20)

bool cpu_has_smap;

static void kick_intr(struct trapframe *tf);

/* Turn on SMEP and SMAP where the CPU has them; take the kick vector. */
void cpu_init(void)
{
	uint32_t a, b = 0, c, d, max;
	uint64_t cr4 = rcr4();

	intr_set_handler(VEC_KICK, kick_intr);
	cpuid(0, 0, &max, &a, &c, &d);
	if (max >= 7)
		cpuid(7, 0, &a, &b, &c, &d);
	if (b & CPUID7_EBX_SMEP)
		cr4 |= CR4_SMEP;
	if (b & CPUID7_EBX_SMAP) {
		cr4 |= CR4_SMAP;
		cpu_has_smap = true;
	}
	lcr4(cr4);
	printk("cpu0: NX %s, SMEP %s, SMAP %s\n", nx_enabled ? "on" : "off",
	    (cr4 & CR4_SMEP) ? "on" : "off", cpu_has_smap ? "on" : "off");
}

/* This CPU's number, from its per-CPU area. */
unsigned cpu_id(void)
{
	unsigned id;

	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(id)
	    : "i"(offsetof(struct percpu, id)));
	return id;
}

/* One CPU until SMP starts the others. */
unsigned cpu_count(void)
{
	return 1;
}

/* Disable interrupts; return RFLAGS.IF as it was. */
unsigned long intr_save(void)
{
	unsigned long flags = read_rflags();

	cli();
	return flags & RFLAGS_IF;
}

/*
 * Re-enable interrupts if state says they were on (a pending one is taken
 * now).
 */
void intr_restore(unsigned long state)
{
	if (state & RFLAGS_IF)
		sti();
}

/* Interrupts on. */
void intr_enable(void)
{
	sti();
}

/* Interrupts off. */
void intr_disable(void)
{
	cli();
}

/* Whether interrupts are on (RFLAGS.IF). */
bool intr_enabled(void)
{
	return (read_rflags() & RFLAGS_IF) != 0;
}

/* Wait for an interrupt; entered and left with interrupts disabled. */
void cpu_idle(void)
{
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

/* Hardware delivers interrupts by itself: nothing to poll. */
void cpu_poll(void)
{
}

/* Never called: cpu_count() is 1. */
void cpu_start(unsigned id)
{
	panic("cpu_start: cpu %u requested, but this kernel runs one CPU", id);
}

/* VEC_KICK: the core asked for this CPU's attention. */
static void kick_intr(struct trapframe *tf)
{
	core_cpu_kicked();
}

/* Send CPU id a kick IPI; to this CPU it arrives once interrupts are on. */
void cpu_kick(unsigned id)
{
	if (id >= cpu_count())
		panic("cpu_kick: no cpu %u", id);
	lapic_send_ipi(this_cpu()->apic_id, VEC_KICK, id == cpu_id());
}

/*
 * With "panic=poweroff" on the command line a panic powers the machine
 * off with status PANIC_POWEROFF_STATUS instead, so tests see it at once.
 */
__noreturn void cpu_halt_all(void)
{
	if (boot_option("panic=poweroff"))
		platform_poweroff(PANIC_POWEROFF_STATUS);
	for (;;) {
		cli();
		hlt();
	}
}

/* Spin-loop hint. */
void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}
