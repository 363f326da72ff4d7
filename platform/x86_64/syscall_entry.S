/*
 * The way into the kernel by the syscall instruction, and the ways back
 * to user mode.
 *
 * syscall leaves the user rip in rcx and rflags in r11, loads CS/SS from
 * STAR and masks rflags with FMASK (interrupts, direction, trap and
 * alignment-check flags off), but switches no stack.  So the stub swaps
 * in the kernel GS base, parks the user rsp in the per-CPU area, and
 * pushes the user registers straight into the running thread's struct
 * uctx (PC_USER_FRAME points just past its register frame), in the
 * layout of a trap frame, so the core sees one register file however the
 * thread entered.  Then it moves to the thread's kernel stack, enables
 * interrupts and calls uctx_syscall(), which dispatches and decides how
 * to return (with interrupts off again).
 *
 * sysretq is the fast way back, but it trusts rcx and r11: a
 * non-canonical rcx makes Intel CPUs raise #GP in ring 0 on the user's
 * stack (CVE-2012-0217), and sysret cannot restore rcx and r11 that
 * differ from rip and rflags (after execve, or a future sigreturn).
 * uctx_syscall() allows it only when neither is the case; otherwise the
 * return goes through iretq, which restores every register.
 *
 * Between the swapgs and sysretq/iretq the CPU is in ring 0 with the
 * user's GS base; interrupts are off, and the NMI and machine check
 * entries decide by the GS base MSR, not the saved CS (trap_entry.S).
 */
#include "memlayout.h"
#include "trapframe_asm.h"
#include "uctx_md.h"

	.text

	.globl	syscall_entry
	.type	syscall_entry, @function
	.balign	16
syscall_entry:
	swapgs
	movq	%rsp, %gs:PC_USER_RSP
	movq	%gs:PC_USER_FRAME, %rsp
	pushq	$SEL_UDATA		/* ss */
	pushq	%gs:PC_USER_RSP		/* rsp */
	pushq	%r11			/* rflags */
	pushq	$SEL_UCODE		/* cs */
	pushq	%rcx			/* rip */
	pushq	$0			/* error */
	pushq	$VEC_SYSCALL		/* vector */
	PUSH_GPRS
	movq	%rsp, %rbx		/* the uctx, kept across the call */
	movq	%gs:PC_USER_KSTACK, %rsp
	xorl	%ebp, %ebp		/* ends kernel backtraces here */
	cld
	sti
	movq	%rbx, %rdi
	call	uctx_syscall		/* returns with interrupts off */
	movq	%rbx, %rsp
	testb	%al, %al
	jz	iret_frame
	POP_GPRS
	addq	$16, %rsp		/* vector, error */
	popq	%rcx			/* rip */
	addq	$8, %rsp		/* cs */
	popq	%r11			/* rflags */
	popq	%rsp			/* the user's stack, from here on */
	swapgs
	sysretq
	.size	syscall_entry, . - syscall_entry

/*
 * __noreturn void uctx_iret(struct trapframe *tf): restore every register
 * from tf (a uctx's frame: kernel memory, mapped everywhere) and iretq to
 * the user mode it describes.  Interrupts are off.
 */
	.globl	uctx_iret
	.type	uctx_iret, @function
uctx_iret:
	movq	%rdi, %rsp
iret_frame:
	POP_GPRS
	addq	$16, %rsp		/* vector, error */
	swapgs
	iretq
	.size	uctx_iret, . - uctx_iret

	.section .note.GNU-stack, "", @progbits
