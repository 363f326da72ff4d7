/*
 * The boot paths: from a loader's 32-bit protected mode to 64-bit C.
 *
 * Two loaders can start the kernel, and both load the same ELF image by
 * its program headers' physical addresses (kernel.ld):
 *
 *  - QEMU's -kernel (the fast path for tests) reads the Xen "PVH" note
 *    (XEN_ELFNOTE_PHYS32_ENTRY) and enters pvh_entry with %ebx holding
 *    the physical address of an hvm_start_info (command line, E820
 *    memory map, modules, ACPI RSDP).  QEMU refuses 64-bit ELF images on
 *    its multiboot path, and PVH needs no address kludge.
 *  - GRUB (the ISO that real PCs boot, BIOS or UEFI) finds the multiboot2
 *    header below, in the first 32 KiB of the file, and enters mb2_entry
 *    (named by the header's entry-address tag) with %eax = 0x36d76289
 *    and %ebx holding the physical address of the multiboot2 information
 *    structure (a list of tags: command line, modules, memory map, ACPI).
 *
 * Both arrive in flat 32-bit protected mode with paging and interrupts
 * off and no usable stack, and both join boot32, which passes on the pair
 * (which loader, its information's address) to x86_start(), where
 * bootinfo.c tells the two apart.
 *
 * boot32 does the least that lets C run: zero .bss, check for long mode,
 * load the static boot page tables below, turn on PAE, EFER.LME (and NXE
 * when the CPU has NX), paging and write protection, and jump to the
 * higher-half kernel on the boot stack.  The boot page tables map
 * physical memory with 2 MiB pages: the first GiB at 0 (the identity map
 * that the switch to paging runs through) and at KERNEL_VMA (the image,
 * linked for -mcmodel=kernel), and the first 4 GiB at DIRECT_MAP_BASE
 * (the start of the direct map, so C can read whatever the loader left
 * below 4 GiB).  Everything is writable and executable until kmap.c
 * replaces these mappings with the kernel's real ones (W^X).
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

#define MB2_HEADER_MAGIC	0xe85250d6
#define MB2_ARCH_I386		0
#define MB2_TAG_END		0
#define MB2_TAG_INFO_REQUEST	1
#define MB2_TAG_ENTRY		3
/* Information tags we ask for (bootinfo.c reads them). */
#define MB2_INFO_CMDLINE	1
#define MB2_INFO_LOADER_NAME	2
#define MB2_INFO_MODULE		3
#define MB2_INFO_MMAP		6
#define MB2_INFO_ACPI_OLD	14
#define MB2_INFO_ACPI_NEW	15

/*
 * The multiboot2 header: 8-aligned, first in the file (kernel.ld), with
 * the tags GRUB needs for an ELF image: what information we want and
 * where to enter.  No address tag: GRUB loads ELF segments by their
 * physical addresses, as QEMU does.
 */
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long	MB2_HEADER_MAGIC
	.long	MB2_ARCH_I386
	.long	mb2_header_end - mb2_header
	.long	0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + \
		    (mb2_header_end - mb2_header))
	.balign 8
mb2_info_request:
	.short	MB2_TAG_INFO_REQUEST, 0
	.long	mb2_info_request_end - mb2_info_request
	.long	MB2_INFO_CMDLINE, MB2_INFO_LOADER_NAME, MB2_INFO_MODULE
	.long	MB2_INFO_MMAP, MB2_INFO_ACPI_OLD, MB2_INFO_ACPI_NEW
mb2_info_request_end:
	.balign 8
	.short	MB2_TAG_ENTRY, 0
	.long	12
	.long	mb2_entry
	.balign 8
	.short	MB2_TAG_END, 0
	.long	8
mb2_header_end:

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
/* QEMU's PVH entry: %ebx = hvm_start_info; no magic in a register. */
	.globl pvh_entry
pvh_entry:
	cli
	cld
	movl	%ebx, %ebp
	movl	$BOOT_MAGIC_PVH, %esi
	jmp	boot32

/* GRUB's multiboot2 entry: %eax = BOOT_MAGIC_MB2, %ebx = information. */
	.globl mb2_entry
mb2_entry:
	cli
	cld
	movl	%ebx, %ebp
	movl	%eax, %esi
	jmp	boot32

/*
 * Common 32-bit path.  %ebp holds the loader's information address and
 * %esi its magic; from here on %ebp and %edi keep them for x86_start().
 */
boot32:
	/* Zero .bss (the loaders should have; cheap to be sure). */
	movl	$PA(__bss_start), %edi
	movl	$PA(__bss_end), %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	movl	%esi, %edi

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
	movl	%edi, %edi		/* the loader's magic, zero-extended */
	movl	%ebp, %esi		/* its information's address */
	xorl	%ebp, %ebp		/* the frame-pointer chain ends here */
	movabsq	$x86_start, %rax
	call	*%rax
	ud2

no_long_mode_msg:
	.asciz	"biscotti: this CPU has no long mode (x86-64); halting\r\n"

/* Just enough GDT to reach 64-bit code; percpu.c loads the real one. */
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
 * the template of every address space's kernel half), and
 * boot_pdpt_direct and boot_pdpt_kernel stay its kernel-half PDPTs:
 * kmap.c rewrites their entries, and boot_pdpt_kernel's last entry
 * receives the device-register window (mmio.c).  boot_pd (four page
 * directories, the first 4 GiB) serves only until then.
 */
	.data
	.balign 4096
	.globl boot_pml4, boot_pdpt_direct, boot_pdpt_kernel
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
	.quad	PA(boot_pd) + 0x1000 + (PTE_P | PTE_W)
	.quad	PA(boot_pd) + 0x2000 + (PTE_P | PTE_W)
	.quad	PA(boot_pd) + 0x3000 + (PTE_P | PTE_W)
	.fill	508, 8, 0
boot_pdpt_kernel:
	.fill	510, 8, 0
	.quad	PA(boot_pd) + (PTE_P | PTE_W)
	.quad	0
boot_pd:
	.set	i, 0
	.rept	2048
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
