/*
 * Per-CPU areas and the segment tables that live in them.
 *
 * Long mode ignores segment bases and limits, but still wants a GDT: code
 * and data descriptors for ring 0 and ring 3, and a TSS holding the stack
 * pointers the CPU switches to on entry from user mode (rsp[0]) and for
 * the double fault (IST1, so a kernel stack overflow can still be
 * reported).  The descriptor order is the one syscall/sysret dictate:
 * STAR[47:32] = SEL_KCODE gives kernel CS and SS (+8); STAR[63:48] =
 * SEL_UCODE32 gives user CS (+16) and SS (+8).  Each CPU has its own GDT
 * because a TSS descriptor is marked busy when loaded.
 */
#include "contract/cpu.h"
#include "cpufunc.h"
#include "lib/string.h"
#include "memlayout.h"
#include "percpu.h"

#define DESC_KCODE	0x00af9a000000ffffull	/* 64-bit, DPL 0 */
#define DESC_KDATA	0x00cf92000000ffffull
#define DESC_UCODE32	0x00cffa000000ffffull	/* 32-bit, DPL 3 */
#define DESC_UDATA	0x00cff2000000ffffull
#define DESC_UCODE	0x00affa000000ffffull	/* 64-bit, DPL 3 */
#define DESC_TSS_TYPE	0x89ull			/* present, available 64-bit TSS */

static struct percpu boot_cpu;

/* The two GDT slots of a 64-bit TSS descriptor for tss. */
static void gdt_set_tss(uint64_t *slot, struct tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffff) | (base & 0xffffff) << 16 |
	    DESC_TSS_TYPE << 40 | ((limit >> 16) & 0xf) << 48 |
	    ((base >> 24) & 0xff) << 56;
	slot[1] = base >> 32;
}

/* Load pc's GDT and TSS and reload every segment register. */
static void gdt_load(struct percpu *pc)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(pc->gdt) - 1,
	    (uint64_t)pc->gdt };

	__asm__ volatile(
	    "lgdt %0\n\t"
	    "pushq %1\n\t"
	    "leaq 1f(%%rip), %%rax\n\t"
	    "pushq %%rax\n\t"
	    "lretq\n"
	    "1:\n\t"
	    "movl %2, %%eax\n\t"
	    "movl %%eax, %%ds\n\t"
	    "movl %%eax, %%es\n\t"
	    "movl %%eax, %%ss\n\t"
	    "xorl %%eax, %%eax\n\t"
	    "movl %%eax, %%fs\n\t"
	    "movl %%eax, %%gs\n\t"
	    "movw %3, %%ax\n\t"
	    "ltr %%ax"
	    : : "m"(gdtr), "i"((uint64_t)SEL_KCODE), "i"(SEL_KDATA),
	      "i"(SEL_TSS) : "rax", "memory");
}

/* Fill in pc for CPU id and make it this CPU's (GDT, TSS, GS base). */
static void percpu_setup(struct percpu *pc, unsigned id)
{
	memset(pc, 0, sizeof(*pc));
	pc->self = pc;
	pc->id = id;
	pc->gdt[SEL_KCODE / 8] = DESC_KCODE;
	pc->gdt[SEL_KDATA / 8] = DESC_KDATA;
	pc->gdt[SEL_UCODE32 / 8] = DESC_UCODE32;
	pc->gdt[SEL_UDATA / 8] = DESC_UDATA;
	pc->gdt[SEL_UCODE / 8] = DESC_UCODE;
	gdt_set_tss(&pc->gdt[SEL_TSS / 8], &pc->tss);
	pc->tss.ist[IST_DOUBLE_FAULT - 1] =
	    (uint64_t)(pc->ist_stack + sizeof(pc->ist_stack));
	pc->tss.iomap_base = sizeof(pc->tss);
	gdt_load(pc);
	/* After the segment loads, which reset the GS base. */
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* The boot CPU's area; the very first thing x86_start() does. */
void percpu_init_boot(void)
{
	percpu_setup(&boot_cpu, 0);
}
