/*
 * The x86_64 user context (contract/uctx.h) as this platform lays it out,
 * and the per-CPU words the syscall entry stub reads.  Shared by C
 * (uctx.c, fpu.c, context.c, trap.c) and assembler (syscall_entry.S), so
 * the offsets are plain numbers here, checked against the structures by
 * _Static_assert in uctx.c.
 *
 * A struct uctx starts with a struct trapframe: the user registers in the
 * order a trap saves them.  While a thread is in the kernel through a
 * syscall or an exception, that frame holds its user registers; the
 * syscall stub pushes into it directly (the per-CPU PC_USER_FRAME points
 * just past its end), and a user-mode exception copies the trap's frame
 * in and back out, so the core (fork, exec, later signals) always edits
 * one place.  The FPU/SSE/AVX state lives in an XSAVE (or FXSAVE) area
 * right behind the structure, 64-byte aligned, sized at boot (fpu.c).
 */
#ifndef X86_UCTX_MD_H
#define X86_UCTX_MD_H

/* struct percpu offsets used by syscall_entry.S (checked in uctx.c). */
#define PC_USER_KSTACK	48	/* kernel stack top for entries from user mode */
#define PC_USER_FRAME	56	/* end of the running thread's uctx frame */
#define PC_USER_RSP	64	/* scratch: the user rsp during syscall entry */

/* The vector number a syscall leaves in its frame: no real vector. */
#define VEC_SYSCALL	0x100

#ifndef __ASSEMBLER__

#include "kern/types.h"
#include "trap.h"

struct uctx {
	struct trapframe tf;	/* user registers while in the kernel */
	uint64_t fs_base;	/* the thread pointer (arch_prctl, clone) */
	uint64_t gs_base;	/* user GS base: in KERNEL_GS_BASE while in the kernel */
	void *fpu;		/* XSAVE/FXSAVE area, 64-byte aligned, after this */
};

/* fpu.c: the user FPU/SSE/AVX state; the kernel itself never uses it. */
/* Probe XSAVE and the features; enable them on the boot CPU. */
void fpu_init(void);
/* Enable the same on another CPU (XCR0 is per CPU). */
void fpu_init_ap(void);
/* Bytes of a save area (64-byte aligned start required). */
size_t fpu_area_size(void);
/* Fill area with the state execve gives: FCW 0x37f, MXCSR 0x1f80, rest 0. */
void fpu_area_reset(void *area);
/* Save the CPU's registers into area / load them from it. */
void fpu_save(void *area);
void fpu_restore(const void *area);

/* uctx.c */
/* Syscall MSRs and FPU on the boot CPU / on each other CPU. */
void uctx_init_boot(void);
void uctx_init_ap(void);
/*
 * context.c's context_switch(): from and to are the contexts' uctx slots
 * (the word at the top of each kernel stack naming the thread's uctx,
 * NULL for contexts context_init() did not lay out).  Saves the outgoing
 * user FPU state and loads the incoming thread's FS/GS bases, FPU state
 * and kernel entry stack.
 */
void uctx_switch(struct uctx **from, struct uctx **to);
/* trap.c: exception vector tf->vector from user mode (interrupts off). */
void uctx_exception(struct trapframe *tf, uint64_t cr2);
/* trap.c: an interrupt from user mode is returning (interrupts off). */
void uctx_interrupt_exit(struct trapframe *tf);

/* syscall_entry.S */
void syscall_entry(void);
/* Return to user mode through iretq from frame tf (interrupts off). */
__noreturn void uctx_iret(struct trapframe *tf);

#endif
#endif
