/*
 * The general-register half of struct trapframe (trap.h), pushed and
 * popped in one place for every entry path (trap_entry.S, syscall_entry.S):
 * the order here is the struct's field order read backwards, so the two
 * must change together.  Assembler only.
 */
#ifndef X86_TRAPFRAME_ASM_H
#define X86_TRAPFRAME_ASM_H

#ifdef __ASSEMBLER__
	.macro	PUSH_GPRS
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	.endm

	.macro	POP_GPRS
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	.endm
#endif

#endif
