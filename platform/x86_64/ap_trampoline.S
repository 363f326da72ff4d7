/*
 * The other CPUs' first instructions: from real mode to the kernel's C.
 *
 * A CPU woken by INIT and a startup IPI begins in 16-bit real mode at
 * CS:IP = (SMP_TRAMPOLINE_PA >> 4):0, with paging off and caches possibly
 * disabled.  smp.c copies the bytes between ap_trampoline and
 * ap_trampoline_end to SMP_TRAMPOLINE_PA (smp.h) and fills in the
 * parameters at the end before each start-up, so this code runs at that
 * physical address, not where it is linked: every absolute address in it
 * is SMP_TRAMPOLINE_PA plus an offset from ap_trampoline (TADDR), and it
 * lives in .rodata because it is only ever copied.
 *
 * The steps: note that the CPU started (so smp.c need not send a second
 * startup IPI), load a small GDT, turn on protected mode, then in 32-bit
 * code PAE, the boot CPU's EFER (long mode, NX, whatever else it has on),
 * the temporary page tables (smp.h) and paging, far jump to 64-bit code
 * (still at low addresses, which the temporary tables identity-map), take
 * the stack and the argument smp.c left, and call the C entry in the
 * higher half, which switches to the kernel's own page tables at once.
 */
#include "smp.h"

#define TADDR(x)	(SMP_TRAMPOLINE_PA + (x) - ap_trampoline)

#define CR0_PE		0x00000001
#define CR0_ET		0x00000010
#define CR0_NE		0x00000020
#define CR0_WP		0x00010000
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xc0000080

	.section .rodata
	.balign 16
	.globl	ap_trampoline, ap_trampoline_end
	.globl	ap_tramp_started, ap_tramp_efer, ap_tramp_stack
	.globl	ap_tramp_entry, ap_tramp_arg

	.code16
ap_trampoline:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	movb	$1, ap_tramp_started - ap_trampoline
	lgdtl	tramp_gdt_desc - ap_trampoline
	movl	$(CR0_PE | CR0_ET | CR0_NE), %eax	/* caches on (CD, NW clear) */
	movl	%eax, %cr0
	ljmpl	$SMP_SEL_CODE32, $TADDR(tramp32)

	.code32
tramp32:
	movl	$SMP_SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$SMP_PML4_PA, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	movl	TADDR(ap_tramp_efer), %eax
	xorl	%edx, %edx
	wrmsr
	movl	$(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE), %eax
	movl	%eax, %cr0
	ljmpl	$SMP_SEL_CODE64, $TADDR(tramp64)

	.code64
tramp64:
	xorl	%eax, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movq	TADDR(ap_tramp_stack), %rsp
	movq	TADDR(ap_tramp_arg), %rdi
	movq	TADDR(ap_tramp_entry), %rax
	xorl	%ebp, %ebp		/* the frame-pointer chain ends here */
	call	*%rax
	ud2

/* Flat 32-bit code and data, and 64-bit code; the C entry loads the real GDT. */
	.balign 8
tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* SMP_SEL_CODE32 */
	.quad	0x00cf92000000ffff	/* SMP_SEL_DATA */
	.quad	0x00af9a000000ffff	/* SMP_SEL_CODE64 */
tramp_gdt_end:
tramp_gdt_desc:
	.word	tramp_gdt_end - tramp_gdt - 1
	.long	TADDR(tramp_gdt)

/* Parameters, written by smp.c into the low copy before each start-up. */
	.balign 8
ap_tramp_stack:
	.quad	0			/* top of the CPU's first stack */
ap_tramp_entry:
	.quad	0			/* C entry, called with ap_tramp_arg */
ap_tramp_arg:
	.quad	0
ap_tramp_efer:
	.long	0			/* low half of the boot CPU's EFER */
ap_tramp_started:
	.byte	0			/* set by the CPU as it starts */
	.balign 8
ap_trampoline_end:

	.section .note.GNU-stack, "", @progbits
