/*
 * Where the other CPUs' start-up code lives in low memory (smp.c,
 * ap_trampoline.S); included by both.
 *
 * A startup IPI starts a CPU in real mode at a page-aligned physical
 * address below 1 MiB.  Four pages there, inside the first MiB that
 * physmem.c keeps from the page allocator, hold the trampoline and the
 * three page tables it switches to long mode on: a PML4 whose kernel half
 * is the kernel's, and an identity map of the first 2 MiB (one PDPT, one
 * page directory with a 2 MiB page), through which the trampoline runs
 * while paging comes on.
 */
#ifndef X86_SMP_H
#define X86_SMP_H

#define SMP_TRAMPOLINE_PA	0x8000		/* the code page; the SIPI vector is 0x08 */
#define SMP_PML4_PA		0x9000
#define SMP_PDPT_PA		0xa000
#define SMP_PD_PA		0xb000
#define SMP_LOW_END		0xc000		/* end of the four pages */

/* The trampoline's own GDT selectors. */
#define SMP_SEL_CODE32		0x08
#define SMP_SEL_DATA		0x10
#define SMP_SEL_CODE64		0x18

#endif
