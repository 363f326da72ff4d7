/*
 * Per-CPU state, reached through the GS base: %gs:0 holds the area's own
 * address, so this_cpu() is one load and cpu_id() one more, with no table
 * indexed by an APIC id.  Each CPU has its own GDT (its TSS descriptor
 * differs), TSS and double-fault stack.  While a CPU runs kernel code its
 * GS base is this area; on entry from user mode the trap and syscall
 * paths swapgs so user code never sees it.
 *
 * The boot CPU's area is static; the other CPUs' come with SMP.
 */
#ifndef X86_PERCPU_H
#define X86_PERCPU_H

#include "kern/types.h"

struct pmap;

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
#define IST_DOUBLE_FAULT 1		/* IST slot of the #DF (and NMI) stack */

struct percpu {
	struct percpu *self;		/* must stay first: %gs:0 */
	unsigned id;			/* cpu_id() */
	unsigned apic_id;		/* local APIC id, for IPIs */
	struct pmap *pmap;		/* the active user address space, or NULL */
	uint64_t timer_deadline;	/* clock_ns() of the armed timer; 0 = none */
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
	uint8_t ist_stack[IST_STACK_SIZE] __attribute__((aligned(16)));
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

#endif
