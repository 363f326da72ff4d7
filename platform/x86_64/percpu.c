/*
 * Per-CPU areas and the segment tables that live in them.
 *
 * The boot CPU's area is a static variable; every other CPU's is a page
 * block allocated when cpu_start() brings it up, and a table sized by
 * cpu_count() (allocated with the first of them) finds it by number.
 *
 * Long mode ignores segment bases and limits, but still wants a GDT: code
 * and data descriptors for ring 0 and ring 3, and a TSS holding the stack
 * pointers the CPU switches to on entry from user mode (rsp[0]) and the
 * interrupt stacks (IST): the double fault's, so a kernel stack overflow
 * can still be reported, the NMI's, which may strike anywhere, even on a
 * stack in the middle of a switch, and the machine check's.  The descriptor order is the one syscall/sysret dictate:
 * STAR[47:32] = SEL_KCODE gives kernel CS and SS (+8); STAR[63:48] =
 * SEL_UCODE32 gives user CS (+16) and SS (+8).  Each CPU has its own GDT
 * because a TSS descriptor is marked busy when loaded.
 */
#include "contract/cpu.h"
#include "contract/physmem.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "memlayout.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "percpu.h"

#define DESC_KCODE	0x00af9a000000ffffull	/* 64-bit, DPL 0 */
#define DESC_KDATA	0x00cf92000000ffffull
#define DESC_UCODE32	0x00cffa000000ffffull	/* 32-bit, DPL 3 */
#define DESC_UDATA	0x00cff2000000ffffull
#define DESC_UCODE	0x00affa000000ffffull	/* 64-bit, DPL 3 */
#define DESC_TSS_TYPE	0x89ull			/* present, available 64-bit TSS */

static struct percpu boot_cpu;
static struct percpu **others;		/* [i] cpu_count() entries; [0] unused */

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

/* Fill in the zeroed area pc for CPU id: descriptors, TSS, IST stacks. */
static void percpu_fill(struct percpu *pc, unsigned id, unsigned apic_id)
{
	int i;

	pc->self = pc;
	pc->id = id;
	pc->apic_id = apic_id;
	pc->gdt[SEL_KCODE / 8] = DESC_KCODE;
	pc->gdt[SEL_KDATA / 8] = DESC_KDATA;
	pc->gdt[SEL_UCODE32 / 8] = DESC_UCODE32;
	pc->gdt[SEL_UDATA / 8] = DESC_UDATA;
	pc->gdt[SEL_UCODE / 8] = DESC_UCODE;
	gdt_set_tss(&pc->gdt[SEL_TSS / 8], &pc->tss);
	for (i = 0; i < IST_COUNT; i++)
		pc->tss.ist[i] = (uint64_t)(pc->ist_stack[i] + IST_STACK_SIZE);
	pc->tss.iomap_base = sizeof(pc->tss);
}

/* Make pc this CPU's (GDT, TSS, GS base). */
void percpu_load(struct percpu *pc)
{
	gdt_load(pc);
	/* After the segment loads, which reset the GS base. */
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* The boot CPU's area; the very first thing x86_start() does. */
void percpu_init_boot(void)
{
	memset(&boot_cpu, 0, sizeof(boot_cpu));
	percpu_fill(&boot_cpu, 0, 0);
	percpu_load(&boot_cpu);
	boot_cpu.online = true;
}

/* The page order of a block holding one struct percpu. */
static unsigned percpu_order(void)
{
	unsigned order = 0;

	while ((PAGE_SIZE << order) < sizeof(struct percpu))
		order++;
	return order;
}

/* A zeroed area for CPU id, recorded in the table (boot CPU only). */
struct percpu *percpu_alloc(unsigned id, unsigned apic_id)
{
	struct percpu *pc;
	paddr_t pa;

	if (id == 0 || id >= cpu_count())
		panic("percpu_alloc: bad cpu %u", id);
	if (others == NULL) {
		others = kzalloc(cpu_count() * sizeof(*others));
		if (others == NULL)
			panic("percpu_alloc: no memory for %u CPUs",
			    cpu_count());
	}
	pa = page_alloc(percpu_order(), PAGE_ZERO);
	if (pa == 0)
		panic("percpu_alloc: no memory for cpu %u", id);
	pc = phys_to_virt(pa);
	percpu_fill(pc, id, apic_id);
	__atomic_store_n(&others[id], pc, __ATOMIC_RELEASE);
	return pc;
}

/* Any CPU's area by number: the boot CPU's, or one percpu_alloc() made. */
struct percpu *percpu_of(unsigned id)
{
	if (id == 0)
		return &boot_cpu;
	if (others == NULL || id >= cpu_count())
		return NULL;
	return __atomic_load_n(&others[id], __ATOMIC_ACQUIRE);
}
