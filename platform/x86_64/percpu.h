/*
 * Per-CPU state, reached through the GS base: %gs:0 holds the area's own
 * address, so this_cpu() is one load and cpu_id() one more, with no table
 * indexed by an APIC id.  Each CPU has its own GDT (its TSS descriptor
 * differs), TSS and interrupt stacks (double fault, NMI, machine check,
 * each on its own IST slot, so one can strike while another is being
 * handled).  While a CPU runs kernel code its GS base is this area; on
 * entry from user mode the trap and syscall paths swapgs so user code
 * never sees it.
 *
 * The boot CPU's area is static, because traps and the console need it
 * before there is any allocator; the others' come from the page
 * allocator when cpu_start() brings their CPU up (smp.c), and
 * percpu_of() finds any CPU's area by number.  There is no fixed maximum
 * number of CPUs.
 *
 * Field locking: [i] set before the CPU starts; [o] only this CPU, with
 * interrupts off; [a] atomic, any CPU.
 */
#ifndef X86_PERCPU_H
#define X86_PERCPU_H

#include "kern/types.h"

struct pmap;
struct uctx;

/* The 64-bit task state segment: stacks for privilege changes and ISTs. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];		/* stacks for entry from rings 0..2 */
	uint64_t reserved1;
	uint64_t ist[7];		/* interrupt stack table, IST1..IST7 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;		/* past the limit: no I/O bitmap */
} __attribute__((packed));

#define GDT_ENTRIES	8		/* null, 5 segments, 16-byte TSS */
#define IST_STACK_SIZE	4096

/* IST slots (1-based, as in the IDT gate); each has its own stack. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI		2
#define IST_MACHINE_CHECK 3
#define IST_COUNT	3

struct percpu {
	struct percpu *self;		/* [i] must stay first: %gs:0 */
	unsigned id;			/* [i] cpu_id() */
	unsigned apic_id;		/* [i] local APIC id, for IPIs */
	struct pmap *pmap;		/* [o] the loaded user address space, or NULL */
	uint64_t timer_deadline;	/* [o] clock_ns() of the armed timer; 0 = none */
	bool online;			/* [a] reached core_cpu_main() */
	bool tlb_pending;		/* [a] a shootdown awaits this CPU (tlb.c) */
	uint64_t kicks;			/* [a] kick IPIs taken (for tests) */
	/* User mode (uctx.c; offsets fixed for syscall_entry.S, uctx_md.h). */
	uint64_t user_kstack;		/* [o] entry stack of the running thread */
	uint64_t user_frame;		/* [o] end of its uctx's register frame */
	uint64_t user_rsp;		/* [o] scratch for the syscall stub */
	struct uctx *uctx;		/* [o] the running thread's uctx, or NULL */
	struct uctx **uctx_slot;	/* [o] the running context's uctx slot */
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
	uint8_t ist_stack[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));
};

/* The calling CPU's area. */
static inline struct percpu *this_cpu(void)
{
	struct percpu *pc;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(pc));
	return pc;
}

/* Set up the boot CPU's area: GDT, TSS, GS base. */
void percpu_init_boot(void);

/*
 * Allocate and fill in the area of CPU id (apic_id) from the page
 * allocator, and record it for percpu_of().  Boot CPU, in cpu_start().
 */
struct percpu *percpu_alloc(unsigned id, unsigned apic_id);

/* Make pc this CPU's: load its GDT and TSS, set the GS base. */
void percpu_load(struct percpu *pc);

/* CPU id's area, or NULL when that CPU has not been set up. */
struct percpu *percpu_of(unsigned id);

#endif
