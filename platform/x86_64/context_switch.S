/*
 * The one kernel stack switch of both bakes (the hosted bake runs on
 * x86-64 hosts only, so it links this file too).
 *
 * void context_switch_stack(uintptr_t *save_sp, uintptr_t new_sp)
 *	Push the SysV callee-saved registers on the current stack, store the
 *	stack pointer in *save_sp, load new_sp, pop the same registers from
 *	the new stack and return into whatever called it there.  Everything
 *	caller-saved is, by the ABI, already dead at the call.
 *
 * A suspended stack, from the saved stack pointer upwards:
 *	r15, r14, r13, r12, rbx, rbp, return address
 * so a new context is seven words laid out by context_init(): any
 * registers, rbp = 0 (ends frame-pointer backtraces), and a return
 * address of context_stack_entry, which calls r12 with r13 as its only
 * argument on a 16-byte aligned stack.  That function must not return.
 */
	.text

	.globl	context_switch_stack
	.type	context_switch_stack, @function
context_switch_stack:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	context_switch_stack, . - context_switch_stack

	.globl	context_stack_entry
	.type	context_stack_entry, @function
context_stack_entry:
	movq	%r13, %rdi
	andq	$-16, %rsp
	call	*%r12
	ud2
	.size	context_stack_entry, . - context_stack_entry

	.section .note.GNU-stack, "", @progbits
