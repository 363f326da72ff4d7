/*
 * Interrupt and exception entry: one small stub per vector pushes a zero
 * error code where the CPU pushes none, then the vector number, and joins
 * trap_common, which saves the general registers as a struct trapframe
 * (trap.h), calls trap_dispatch(frame) and unwinds with iretq.
 *
 * Entry from user mode swaps in the kernel's GS base (swapgs) and exit to
 * user mode swaps it back; kernel-mode entries leave GS alone.  The
 * direction flag is cleared for C.  The stack is 16-byte aligned at the
 * call: the CPU aligns it before pushing its 5-word frame, and the stub
 * and trap_common push 17 more words.
 */
#include "trapframe_asm.h"

/* Where the CPU's saved CS sits before the registers: vector, error, rip, cs. */
#define FRAME_CS	24

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || \
	(n) == 21 || (n) == 29 || (n) == 30)

	.text
	.balign 16
trap_common:
	testb	$3, FRAME_CS(%rsp)
	jz	1f
	swapgs
1:	PUSH_GPRS
	cld
	movq	%rsp, %rdi
	call	trap_dispatch
	POP_GPRS
	testb	$3, FRAME_CS(%rsp)
	jz	2f
	swapgs
2:	addq	$16, %rsp		/* vector and error code */
	iretq

/*
 * The NMI and the machine check can also strike in ring 0 between a
 * swapgs and the sysretq/iretq after it (syscall_entry.S), where the saved
 * CS says kernel but GS holds the user's base.  They decide by the GS
 * base MSR instead, as Linux's paranoid entry does: kernel addresses are
 * negative, so a non-negative base is the user's and gets swapped (and
 * swapped back on the way out, which rbx remembers across the call).
 */
trap_paranoid:
	PUSH_GPRS
	cld
	movl	$0xc0000101, %ecx	/* MSR_GS_BASE */
	rdmsr
	xorl	%ebx, %ebx
	testl	%edx, %edx
	js	1f
	swapgs
	movl	$1, %ebx
1:	movq	%rsp, %rdi
	call	trap_dispatch
	testl	%ebx, %ebx
	jz	2f
	swapgs
2:	POP_GPRS
	addq	$16, %rsp		/* vector and error code */
	iretq

	.macro	VECTOR n
	.balign 16
vector\n:
	.if !HAS_ERROR(\n)
	pushq	$0
	.endif
	pushq	$\n
	.if (\n) == 2 || (\n) == 18
	jmp	trap_paranoid
	.else
	jmp	trap_common
	.endif
	.endm

/* Stubs named vector0x00 .. vector0xff. */
	.irp	hi, 0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f
	.irp	lo, 0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f
	VECTOR	0x\hi\lo
	.endr
	.endr

/* trap_vectors[i]: the entry stub of vector i, for the IDT. */
	.section .rodata
	.balign 8
	.globl	trap_vectors
trap_vectors:
	.irp	hi, 0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f
	.irp	lo, 0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f
	.quad	vector0x\hi\lo
	.endr
	.endr

	.section .note.GNU-stack, "", @progbits
