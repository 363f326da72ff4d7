/*
 * Traps and interrupts: the saved register frame, the vector map, and
 * how drivers attach interrupt handlers.
 *
 * Vector map:
 *   0x00..0x1f  CPU exceptions
 *   0x20..0x2f  legacy 8259 PIC IRQs 0..15, only on machines without an
 *               I/O APIC (then only the serial port's is unmasked; through
 *               the local APIC's LINT0 in ExtINT mode)
 *   0x30..0xdf  device interrupts (I/O APIC entries, MSI, MSI-X), handed
 *               out by intr_vector_alloc() (devintr.c)
 *   0xf0        local APIC timer (clock.c)
 *   0xf1        kick (cpu_kick())
 *   0xf2        TLB shootdown (tlb.c)
 *   0xfe        local APIC error
 *   0xff        local APIC spurious
 */
#ifndef X86_TRAP_H
#define X86_TRAP_H

#include "kern/types.h"

#define T_DIVIDE	0
#define T_DEBUG		1
#define T_NMI		2
#define T_BREAKPOINT	3
#define T_DOUBLE_FAULT	8
#define T_GPF		13
#define T_PAGE_FAULT	14
#define T_MACHINE_CHECK	18

#define NEXCEPTIONS	32
#define IRQ_PIC_BASE	0x20
#define VEC_DEVICE_FIRST 0x30
#define VEC_DEVICE_LAST	0xdf
#define VEC_TIMER	0xf0
#define VEC_KICK	0xf1
#define VEC_TLB		0xf2
#define VEC_APIC_ERROR	0xfe
#define VEC_SPURIOUS	0xff
#define NVECTORS	256

/* Page-fault error code bits. */
#define PF_PRESENT	0x01
#define PF_WRITE	0x02
#define PF_USER		0x04
#define PF_INSTR	0x10

/*
 * What trap_entry.S saves, lowest address first: the general registers,
 * the vector and error code (0 when the CPU pushes none), then the CPU's
 * own frame.
 */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*intr_handler_t)(struct trapframe *tf);

/* Build and load the IDT (boot CPU; other CPUs load the same table). */
void trap_init(void);
void trap_init_ap(void);

/*
 * Route interrupt vector vec (not an exception) to fn, called with
 * interrupts disabled, after the interrupt was acknowledged (local APIC
 * EOI, or the PIC's for legacy IRQs).
 */
void intr_set_handler(unsigned vec, intr_handler_t fn);

/* From trap_entry.S: every vector lands here. */
void trap_dispatch(struct trapframe *tf);

/*
 * A kernel-mode page fault at va: if it hit a user-copy instruction,
 * resolve it (retry or make the copy fail) and return true.  usercopy.c.
 */
bool usercopy_fault(struct trapframe *tf, uintptr_t va);

#endif
