/*
 * CPUs and interrupt state (contract/cpu.h): features, interrupt flag,
 * idling, kicks, stopping everything after a panic.  Starting the other
 * CPUs and counting them is smp.c's.
 *
 * cpu_id() reads the per-CPU area through GS (percpu.h).  A kick is a
 * real IPI on VEC_KICK to the target's local APIC (to itself, a self
 * IPI), which calls core_cpu_kicked() there; each CPU counts the kicks it
 * took, which lets the IPI self-test see them arrive.
 *
 * cpu_idle() relies on sti's one-instruction shadow: in "sti; hlt" no
 * interrupt can arrive between the two, so an interrupt (or kick) that
 * became pending after the caller's last look at its run queue wakes the
 * hlt instead of being taken before it and lost.
 *
 * cpu_halt_all() stops the other CPUs with an NMI, which no cli can hold
 * off: each of them, finding `halting` set in its NMI handler, halts for
 * good without a word, so the panic message is the last thing on the
 * console.  The panicking CPU waits (briefly, boundedly) for them to say
 * they stopped, then powers off (panic=poweroff) or halts.
 *
 * cpu_relax() is called by every spin loop of the core, also with
 * interrupts off; it answers a TLB shootdown addressed to this CPU
 * (tlb.c), so a CPU spinning on a lock held by a CPU that waits for its
 * shootdown acknowledgement cannot deadlock the two.
 */
#include "contract/boot.h"
#include "contract/clock.h"
#include "contract/cpu.h"
#include "contract/entry.h"
#include "cpufunc.h"
#include "kern/cmdline.h"
#include "kern/printk.h"
#include "percpu.h"
#include "trap.h"
#include "x86.h"

#define CPUID7_EBX_SMEP	(1u << 7)
#define CPUID7_EBX_SMAP	(1u << 20)
#define HALT_WAIT_NS	1000000000ull	/* for the other CPUs to stop */

bool cpu_has_smap;

static bool halting;			/* [a] cpu_halt_all() has begun */
static unsigned halted;			/* [a] CPUs stopped by its NMI */

static void kick_intr(struct trapframe *tf);

/*
 * Boot CPU: turn on SMEP and SMAP where the CPU has them; take the kick
 * vector.  The other CPUs copy the boot CPU's CR4 as they start (smp.c).
 */
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

/* VEC_KICK: the core asked for this CPU's attention. */
static void kick_intr(struct trapframe *tf)
{
	struct percpu *pc = this_cpu();

	__atomic_store_n(&pc->kicks, pc->kicks + 1, __ATOMIC_RELEASE);
	core_cpu_kicked();
}

/* Send CPU id a kick IPI; to this CPU it arrives once interrupts are on. */
void cpu_kick(unsigned id)
{
	struct percpu *target = percpu_of(id);
	unsigned long s;

	if (target == NULL)
		panic("cpu_kick: no cpu %u", id);
	s = intr_save();
	if (id == cpu_id())
		lapic_send_self(VEC_KICK);
	else
		lapic_send_ipi(target->apic_id, VEC_KICK);
	intr_restore(s);
}

/* Kick IPIs CPU id has taken so far. */
uint64_t cpu_kicks(unsigned id)
{
	struct percpu *pc = percpu_of(id);

	return pc == NULL ? 0 : __atomic_load_n(&pc->kicks, __ATOMIC_ACQUIRE);
}

/* Halt this CPU for good, interrupts off (an NMI would only come back here). */
static __noreturn void halt_forever(void)
{
	for (;;) {
		cli();
		hlt();
	}
}

/*
 * From the NMI handler: when cpu_halt_all() is under way this NMI is its
 * stop order, so count this CPU stopped and halt without a word.
 * Otherwise return, and the NMI is reported as before.
 */
void cpu_nmi_check_halt(void)
{
	if (!__atomic_load_n(&halting, __ATOMIC_ACQUIRE))
		return;
	__atomic_fetch_add(&halted, 1, __ATOMIC_ACQ_REL);
	halt_forever();
}

/*
 * Stop the other online CPUs and wait, at most HALT_WAIT_NS, until they
 * say so; then say how many did (the last thing they could have printed
 * is before this line).  Before any other CPU is online there is no one
 * to stop (and the clock may not be running yet).
 */
static void stop_others(void)
{
	unsigned others = smp_cpus_online() - 1, n;
	uint64_t start;

	if (others == 0)
		return;
	lapic_send_nmi_all_but_self();
	start = clock_ns();
	while ((n = __atomic_load_n(&halted, __ATOMIC_ACQUIRE)) < others &&
	    clock_ns() - start < HALT_WAIT_NS)
		__asm__ volatile("pause");
	if (n == others)
		printk("cpu %u: stopped %u other cpu%s\n", cpu_id(), n,
		    n == 1 ? "" : "s");
	else
		printk("cpu %u: only %u of %u other cpus stopped\n",
		    cpu_id(), n, others);
}

/*
 * Stop every CPU.  With "panic=poweroff" on the command line power off
 * with status PANIC_POWEROFF_STATUS instead of halting, so tests see a
 * panic at once.  Only the first caller does that: a second call (from
 * platform_poweroff() on a machine without isa-debug-exit, or another
 * CPU) just halts.
 */
__noreturn void cpu_halt_all(void)
{
	cli();
	if (__atomic_exchange_n(&halting, true, __ATOMIC_ACQ_REL))
		halt_forever();
	stop_others();
	backtrace_halt();
	if (cmdline_has("panic=poweroff"))
		platform_poweroff(PANIC_POWEROFF_STATUS);
	halt_forever();
}

/*
 * Spin-loop hint; also answers a TLB shootdown this CPU owes, which
 * cannot wait for interrupts to come back on (see the top of the file).
 */
void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
	if (__atomic_load_n(&this_cpu()->tlb_pending, __ATOMIC_ACQUIRE))
		tlb_service();
}
