/*
 * The boot path: from the loader's 32-bit protected mode to 64-bit C.
 *
 * QEMU's -kernel loads a 64-bit ELF whose notes carry a Xen "PVH" entry
 * point (XEN_ELFNOTE_PHYS32_ENTRY): it copies each segment to its
 * physical address and enters pvh_entry in flat 32-bit protected mode,
 * paging off, interrupts off, with %ebx holding the physical address of an
 * hvm_start_info (command line, E820 memory map, ACPI RSDP).  QEMU refuses
 * 64-bit ELF images on its multiboot path, and PVH needs no a.out address
 * kludge: the ELF program headers say where everything goes.  A GRUB ISO
 * (multiboot2, which also loads ELF64 by physical address) can later add a
 * second entry beside this one that ends in the same x86_start().
 *
 * This file does the least that lets C run: zero .bss, check for long
 * mode, load the static boot page tables below, turn on PAE, EFER.LME
 * (and NXE when the CPU has NX), paging and write protection, and jump to
 * the higher-half kernel on the boot stack.  The boot page tables map the
 * first GiB of physical memory three times with 2 MiB pages: at 0 (the
 * identity map that the switch to paging runs through), at KERNEL_VMA (the
 * image, linked for -mcmodel=kernel) and at DIRECT_MAP_BASE (the start of
 * the direct map, so C can read the start info and build the rest).
 * x86_start() then builds the real direct map and drops the identity map.
 *
 * The 32-bit code lives in .boot.text, linked at its physical address, so
 * its absolute references need no adjustment; references to the
 * higher-half image subtract KERNEL_VMA (PA()).
 */
#include "memlayout.h"

#define PA(x)		((x) - KERNEL_VMA)

#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PS		0x080

#define CR0_PE		0x00000001
#define CR0_WP		0x00010000
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xc0000080
#define EFER_LME	0x00000100
#define EFER_NXE	0x00000800
#define CPUID_EXT_LM	(1 << 29)
#define CPUID_EXT_NX	(1 << 20)

#define XEN_ELFNOTE_PHYS32_ENTRY 18

/*
 * The PVH entry note.  QEMU rounds the name size up to the note segment's
 * alignment, so this must stay in a 4-aligned note segment of its own
 * (kernel.ld discards the other note sections).
 */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4				/* name size */
	.long 8				/* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_entry
	.balign 4

	.section .boot.text, "ax"
	.code32
	.globl pvh_entry
pvh_entry:
	cli
	cld
	movl	%ebx, %ebp		/* hvm_start_info, for x86_start() */

	/* Zero .bss (the loader should have; cheap to be sure). */
	movl	$PA(__bss_start), %edi
	movl	$PA(__bss_end), %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb

	/* Long mode is required; remember NX for EFER. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	testl	$CPUID_EXT_LM, %edx
	jz	no_long_mode
	movl	%edx, %esi

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4

	movl	$PA(boot_pml4), %eax
	movl	%eax, %cr3

	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	testl	$CPUID_EXT_NX, %esi
	jz	1f
	orl	$EFER_NXE, %eax
1:	wrmsr

	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP | CR0_PE), %eax
	movl	%eax, %cr0

	lgdt	boot_gdt_desc
	ljmp	$SEL_KCODE, $start64

/* Say why on COM1 (unconfigured, which QEMU does not mind) and stop. */
no_long_mode:
	movl	$no_long_mode_msg, %esi
	movw	$0x3f8, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	hlt
	jmp	2b

	.code64
start64:
	movl	$SEL_KDATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movabsq	$boot_stack_top, %rsp
	movl	%ebp, %edi		/* zero-extends: the start info's address */
	xorl	%ebp, %ebp		/* the frame-pointer chain ends here */
	movabsq	$x86_start, %rax
	call	*%rax
	ud2

no_long_mode_msg:
	.asciz	"biscotti: this CPU has no long mode (x86-64); halting\r\n"

/* Just enough GDT to reach 64-bit code; gdt.c loads the real one. */
	.balign 8
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* SEL_KCODE: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* SEL_KDATA: data, DPL 0 */
boot_gdt_end:
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

/*
 * The boot page tables.  boot_pml4 stays the kernel's own top level (and
 * the template of every address space's kernel half); boot_pdpt_kernel's
 * last entry receives the device-register window (mmio.c).
 */
	.data
	.balign 4096
	.globl boot_pml4, boot_pdpt_direct, boot_pdpt_kernel, boot_pd
boot_pml4:
	.quad	PA(boot_pdpt_low) + (PTE_P | PTE_W)
	.fill	255, 8, 0
	.quad	PA(boot_pdpt_direct) + (PTE_P | PTE_W)
	.fill	254, 8, 0
	.quad	PA(boot_pdpt_kernel) + (PTE_P | PTE_W)
boot_pdpt_low:
	.quad	PA(boot_pd) + (PTE_P | PTE_W)
	.fill	511, 8, 0
boot_pdpt_direct:
	.quad	PA(boot_pd) + (PTE_P | PTE_W)
	.fill	511, 8, 0
boot_pdpt_kernel:
	.fill	510, 8, 0
	.quad	PA(boot_pd) + (PTE_P | PTE_W)
	.quad	0
boot_pd:
	.set	i, 0
	.rept	512
	.quad	(i << 21) + (PTE_P | PTE_W | PTE_PS)
	.set	i, i + 1
	.endr

	.bss
	.balign 4096
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
