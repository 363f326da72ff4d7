/*
 * Traps: the IDT, and what happens to each vector.
 *
 * Every vector has an interrupt gate (interrupts stay off in handlers),
 * and every gate leads through trap_entry.S to trap_dispatch().
 *
 * Exceptions in kernel mode are bugs, with one exception: a page fault
 * on a user address inside a user-copy routine, which usercopy.c turns
 * into vm_fault() or -EFAULT.  Everything else prints the vector, error
 * code, RIP, CR2 and all registers straight to the console (no printk
 * lock to trip over) and panics.  The double fault, the NMI and the
 * machine check each run on their own stack (IST, percpu.h), so a kernel
 * stack overflow is reported rather than reset and an NMI never lands on
 * a stack that is half switched.  An NMI is how a panicking CPU stops the
 * others (cpu_halt_all()); any other NMI is reported and survived.
 * Exceptions in user mode are uctx.c's: page faults go to vm_fault(), and
 * what it cannot resolve, like every other exception, becomes a signal
 * through core_user_fault().
 *
 * Interrupts: local APIC vectors are acknowledged (EOI) first, legacy PIC
 * IRQs at the PIC, then the handler runs.  Threads are switched at the
 * core's preemption points, the ones the hosted bake has too (see
 * proc/sched.h), with one addition that only hardware can offer: when the
 * interrupt came while a thread ran with interrupts enabled (so it held
 * no spinlock), the return path offers the CPU to the scheduler
 * (sched_preempt_interrupt()), which switches if the time slice is over.
 * That is what takes the CPU from a thread that spins without calling
 * anything.
 */
#include "contract/console.h"
#include "contract/cpu.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "memlayout.h"
#include "percpu.h"
#include "proc/sched.h"
#include "trap.h"
#include "uctx_md.h"
#include "x86.h"

#define GATE_INTR	0x8e	/* present, DPL 0, 64-bit interrupt gate */

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

extern const uint64_t trap_vectors[NVECTORS];

static struct idt_gate idt[NVECTORS] __attribute__((aligned(16)));
static intr_handler_t handlers[NVECTORS];

static const char *const exception_names[NEXCEPTIONS] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved 15", "x87 error", "alignment check",
	"machine check", "SIMD error", "virtualisation", "control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "hypervisor injection",
	"VMM communication", "security", "reserved 31",
};

/* Point vector vec's gate at fn, on IST stack ist (0: the current one). */
static void idt_set(unsigned vec, uint64_t fn, unsigned ist)
{
	struct idt_gate *g = &idt[vec];

	g->offset_lo = fn & 0xffff;
	g->selector = SEL_KCODE;
	g->ist = (uint8_t)ist;
	g->type = GATE_INTR;
	g->offset_mid = (fn >> 16) & 0xffff;
	g->offset_hi = (uint32_t)(fn >> 32);
	g->reserved = 0;
}

/* Load the IDT on this CPU. */
static void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* Fill the IDT with every vector's stub and load it. */
void trap_init(void)
{
	unsigned vec;

	for (vec = 0; vec < NVECTORS; vec++)
		idt_set(vec, trap_vectors[vec], 0);
	idt_set(T_DOUBLE_FAULT, trap_vectors[T_DOUBLE_FAULT], IST_DOUBLE_FAULT);
	idt_set(T_NMI, trap_vectors[T_NMI], IST_NMI);
	idt_set(T_MACHINE_CHECK, trap_vectors[T_MACHINE_CHECK],
	    IST_MACHINE_CHECK);
	idt_load();
}

/* Another CPU coming online: the same table (smp.c). */
void trap_init_ap(void)
{
	idt_load();
}

/* Attach fn to vector vec (boot time, or with vec not yet unmasked). */
void intr_set_handler(unsigned vec, intr_handler_t fn)
{
	if (vec < NEXCEPTIONS || vec >= NVECTORS)
		panic("intr_set_handler: bad vector %u", vec);
	handlers[vec] = fn;
}

/* Format and write one line to the console, bypassing printk. */
static void report(const char *fmt, ...) __printflike(1, 2);
static void report(const char *fmt, ...)
{
	char line[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	console_write(line, (size_t)n);
}

/* Print everything known about tf; cr2 matters for page faults. */
static void trap_report(const struct trapframe *tf, uint64_t cr2)
{
	report("\ntrap %lu (%s) on cpu %u in %s mode, error %#lx\n",
	    tf->vector, exception_names[tf->vector], cpu_id(),
	    (tf->cs & 3) ? "user" : "kernel", tf->error);
	report("  rip %016lx  cs %04lx  rflags %016lx  cr2 %016lx\n",
	    tf->rip, tf->cs, tf->rflags, cr2);
	report("  rsp %016lx  ss %04lx   cr3 %016lx\n",
	    tf->rsp, tf->ss, rcr3());
	report("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n",
	    tf->rax, tf->rbx, tf->rcx, tf->rdx);
	report("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n",
	    tf->rsi, tf->rdi, tf->rbp, tf->r8);
	report("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n",
	    tf->r9, tf->r10, tf->r11, tf->r12);
	report("  r13 %016lx  r14 %016lx  r15 %016lx\n",
	    tf->r13, tf->r14, tf->r15);
}

/* An exception nobody handles: report it and stop. */
static __noreturn void trap_fatal(const struct trapframe *tf, uint64_t cr2)
{
	trap_report(tf, cr2);
	backtrace_print(tf->rbp, tf->rip);
	panic("trap: %s at %#lx", exception_names[tf->vector], tf->rip);
}

/*
 * Vectors 0..31: a user-mode exception becomes a page-in or a signal
 * (uctx.c); recover a user-copy fault, note an NMI, else die.
 */
static void exception(struct trapframe *tf)
{
	uint64_t cr2 = rcr2();

	if ((tf->cs & 3) && tf->vector != T_NMI &&
	    tf->vector != T_DOUBLE_FAULT && tf->vector != T_MACHINE_CHECK) {
		uctx_exception(tf, cr2);
		return;
	}
	if (tf->vector == T_PAGE_FAULT && !(tf->cs & 3) &&
	    usercopy_fault(tf, cr2))
		return;
	if (tf->vector == T_NMI) {
		cpu_nmi_check_halt();
		report("\nNMI on cpu %u at %#lx; continuing\n", cpu_id(),
		    tf->rip);
		return;
	}
	trap_fatal(tf, cr2);
}

/* Vectors 32..255: acknowledge, then run the handler. */
static void interrupt(struct trapframe *tf)
{
	unsigned vec = (unsigned)tf->vector;
	intr_handler_t fn = handlers[vec];

	if (vec >= IRQ_PIC_BASE && vec < IRQ_PIC_BASE + 16) {
		if (!pic_eoi(vec - IRQ_PIC_BASE))
			return;
	} else if (vec != VEC_SPURIOUS) {
		lapic_eoi();
	}
	if (fn != NULL)
		fn(tf);
	else
		report("trap: unexpected interrupt %u on cpu %u\n", vec,
		    cpu_id());
	/* A thread interrupted with interrupts on holds no spinlock. */
	if (tf->rflags & RFLAGS_IF)
		sched_preempt_interrupt();
	/* Back to user mode: signals sent meanwhile are due. */
	if (tf->cs & 3)
		uctx_interrupt_exit(tf);
}

/* Every vector arrives here, interrupts disabled. */
void trap_dispatch(struct trapframe *tf)
{
	/* A trap inside a user copy inherits its SMAP override: drop it. */
	if (cpu_has_smap)
		__asm__ volatile("clac" : : : "memory");
	if (tf->vector < NEXCEPTIONS)
		exception(tf);
	else
		interrupt(tf);
}
