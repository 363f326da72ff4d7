/*
 * The x86_64 kernel's virtual memory layout.  Included by C, assembler and
 * (by hand: keep kernel.ld in step) the linker script.  docs/boot.md has
 * the same table with the permissions of each part.
 *
 *   0x0000000000000000 .. 0x00007fffffffffff  user (PML4 0..255, per pmap)
 *   0xffff800000000000 .. +512 GiB            direct map of physical memory
 *                                             (PML4 256: RAM and ACPI areas,
 *                                             read/write, never executable)
 *   0xffffffff80000000 + KERNEL_LOAD_PA ..    kernel image (PML4 511, PDPT
 *                                             510): text in 2 MiB pages,
 *                                             rodata, data and bss in 4 KiB
 *                                             pages, each with its own rights
 *   0xffffffffc0000000 .. +2 MiB              device registers, uncached
 *                                             (PML4 511, PDPT 511)
 *
 * Every kernel-half PML4 entry the kernel uses (256 and 511) exists from
 * boot on, so new address spaces can share the kernel half by copying
 * those entries once: the kernel never adds a PML4 entry later.
 */
#ifndef X86_MEMLAYOUT_H
#define X86_MEMLAYOUT_H

#define KERNEL_VMA		0xffffffff80000000	/* virtual address of physical 0 in the image map */
#define KERNEL_LOAD_PA		0x200000		/* where the loader puts the image: 2 MiB, so text gets large pages */
#define KERNEL_IMAGE_MAX	0x40000000		/* the image ends below 1 GiB physical (kernel.ld checks) */

#define DIRECT_MAP_BASE		0xffff800000000000
#define DIRECT_MAP_SIZE		0x8000000000		/* one PML4 entry: 512 GiB */
#define BOOT_MAP_SIZE		0x100000000		/* what boot.S direct-maps: the first 4 GiB, where loaders put their data */

#define MMIO_BASE		0xffffffffc0000000
#define MMIO_SIZE		0x200000		/* one page table's worth */

/* GDT selectors; the order is what syscall/sysret require (see percpu.c). */
#define SEL_KCODE		0x08
#define SEL_KDATA		0x10
#define SEL_UCODE32		0x1b
#define SEL_UDATA		0x23
#define SEL_UCODE		0x2b
#define SEL_TSS			0x30

/* Boot CPU stack size (the first thread's, until the scheduler runs). */
#define BOOT_STACK_SIZE		0x4000

/*
 * The loader hand-off: boot.S calls x86_start(magic, info) with one of
 * these saying which loader ran and what the physical address info is.
 */
#define BOOT_MAGIC_PVH		0x336ec578	/* info: a Xen hvm_start_info (its own magic) */
#define BOOT_MAGIC_MB2		0x36d76289	/* info: a multiboot2 information structure */

#endif
