/*
 * The x86_64 platform's internal interfaces, one section per file.  The
 * core sees none of this: it reaches the platform only through
 * core/include/contract.
 */
#ifndef X86_X86_H
#define X86_X86_H

#include "kern/types.h"
#include "contract/physmem.h"

/* bootinfo.c: what the loader told us, copied out of its memory. */
#define BOOT_CMDLINE_MAX	1024
#define BOOT_MMAP_MAX		128
#define BOOT_MODULES_MAX	16

/* E820 memory types. */
#define BOOT_MEM_RAM		1
#define BOOT_MEM_RESERVED	2
#define BOOT_MEM_ACPI		3
#define BOOT_MEM_NVS		4
#define BOOT_MEM_UNUSABLE	5

struct boot_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct bootinfo {
	char cmdline[BOOT_CMDLINE_MAX];
	struct boot_mmap_entry mmap[BOOT_MMAP_MAX];	/* sorted by base */
	int nmmap;
	struct phys_range modules[BOOT_MODULES_MAX];	/* loader modules (initrd) */
	int nmodules;
	paddr_t rsdp;			/* ACPI root pointer, 0 if unknown */
	char loader[64];		/* the loader's name, "" if it gave none */
};

extern struct bootinfo bootinfo;

/*
 * Copy what the loader left at physical address info into bootinfo;
 * magic (BOOT_MAGIC_PVH or BOOT_MAGIC_MB2, memlayout.h) says which
 * loader it was.
 */
void bootinfo_parse(uint32_t magic, paddr_t info);

/* physmem.c */
/*
 * Switch to the kernel's own page tables (kmap.c): the direct map over
 * all RAM and ACPI memory, the image with W^X rights, no identity map.
 * Needs bootinfo.
 */
void physmem_init(void);
/* A zeroed page for boot-time page tables, before the page allocator. */
paddr_t boot_page_alloc(void);
/* True when [pa, pa + len) lies inside one E820 RAM entry. */
bool physmem_is_ram(paddr_t pa, uint64_t len);
/* True once the CPU supports and the kernel enabled no-execute pages. */
extern bool nx_enabled;
/* Physical address of the kernel's own PML4 (the kernel half's template). */
paddr_t kernel_pml4_pa(void);

/* kmap.c: the kernel half's page tables, with W^X permissions. */
/* Build the direct map and the image map; drop the identity map. */
void kmap_init(void);
/*
 * The leaf entry mapping kernel address va (0: unmapped), with the W and
 * NX bits of all levels folded in; *size (if not NULL) gets its page size.
 */
uint64_t kmap_lookup(uintptr_t va, size_t *size);
/* Check the kernel's page permissions (test=wx); returns the problems found. */
int kmap_check(void);
/* test=wx: kmap_check() finds nothing.  test=textwrite: writing text faults. */
void selftest_wx(void);
void selftest_textwrite(void);

/* backtrace.c: symbolized frame-pointer backtraces. */
/*
 * Print the call chain of a trapped context: rip first, then the return
 * addresses along the frame-pointer chain from rbp, as
 * "  #N 0xADDR function+0xOFF".  Used by fatal reports, so a later
 * backtrace_halt() on the way down stays quiet.
 */
void backtrace_print(uintptr_t rbp, uintptr_t rip);
/* The caller's call chain, once per boot, unless a report printed one. */
void backtrace_halt(void);
/* Name the function holding kernel text address pc; NULL if none. */
const char *ksym_lookup(uintptr_t pc, uintptr_t *offset);
/* test=panic: a deliberate panic, to show its backtrace. */
void selftest_panic(void);

/* mmio.c: uncached mappings of device registers. */
void mmio_init(void);
volatile void *mmio_map(paddr_t pa, size_t len);

/* cpu.c */
/* Kick IPIs CPU id has taken (the IPI self-test counts them). */
uint64_t cpu_kicks(unsigned id);
/* NMI handler: if cpu_halt_all() is under way, stop here for good. */
void cpu_nmi_check_halt(void);
/* CPUID features the kernel uses, probed by cpu_features_init(). */
extern bool cpu_has_smap;
/* platform_poweroff() status after a panic with "panic=poweroff". */
#define PANIC_POWEROFF_STATUS	2
/* Probe and enable CPU features (SMEP, SMAP); take the kick vector. */
void cpu_init(void);

/* serial.c: the 16550 console on COM1. */
void serial_init(void);
void serial_enable_input(void);

/* pic.c: the legacy 8259 pair, remapped to IRQ_PIC_BASE and masked. */
void pic_init(void);
void pic_unmask(unsigned irq);
/* Acknowledge irq; false when it was spurious (no EOI was due). */
bool pic_eoi(unsigned irq);
/* Mask all lines for good (an I/O APIC took over); ioapic.c calls it. */
void pic_disable(void);

/* ioapic.c: I/O APIC routing of GSIs (ISA IRQs through MADT overrides). */
#define IOAPIC_LEVEL		0x1	/* level-triggered (else edge) */
#define IOAPIC_ACTIVE_LOW	0x2	/* active low (else high) */
void ioapic_init(void);
bool ioapic_present(void);
int ioapic_route(uint32_t gsi, unsigned vec, unsigned apic_id, unsigned flags);
int ioapic_route_isa(unsigned irq, unsigned vec, unsigned apic_id);
unsigned ioapic_flags_from_mps(uint16_t mps, bool isa);
int ioapic_mask(uint32_t gsi, bool masked);
bool ioapic_rte(uint32_t gsi, uint64_t *rte);

/* devintr.c: device interrupt vectors with (function, argument) handlers. */
int intr_vector_alloc(void (*fn)(void *arg), void *arg);
void intr_vector_free(unsigned vec);

/* pci.c: find PCI devices and bind drivers (drivers/pci.h); first thread. */
void pci_init(void);

/* pit.c: the 8254 timer's channel 2, for calibration. */
#define PIT_HZ			1193182u
void pit_oneshot_start(uint16_t ticks);
bool pit_oneshot_done(void);

/* hpet.c: the HPET's main counter, for calibration. */
bool hpet_init(void);			/* map and start it; false: none */
uint32_t hpet_count(void);		/* the counter's low 32 bits */
uint64_t hpet_ticks_to_ns(uint64_t ticks);
uint64_t hpet_ns_to_ticks(uint64_t ns);

/* lapic.c: the local APIC, in xAPIC or x2APIC mode. */
void lapic_init(void);			/* boot CPU */
void lapic_init_ap(void);		/* each other CPU */
bool lapic_x2apic(void);
unsigned lapic_id(void);
void lapic_eoi(void);
void lapic_timer_start(uint32_t count);	/* one-shot; 0 stops it */
uint32_t lapic_timer_count(void);	/* ticks left */
bool lapic_has_tsc_deadline(void);
void lapic_timer_use_tsc_deadline(void);
void lapic_timer_deadline(uint64_t tsc);	/* TSC-deadline mode; 0 disarms */
void lapic_send_ipi(unsigned apic_id, unsigned vector);
void lapic_send_self(unsigned vector);
void lapic_send_nmi_all_but_self(void);
void lapic_send_init(unsigned apic_id);
void lapic_send_startup(unsigned apic_id, paddr_t page_pa);

/* clock.c */
void clock_init(void);			/* boot CPU: calibrate */
void clock_init_ap(void);		/* each other CPU: its timer */
uint64_t clock_tsc_hz(void);		/* 0 until clock_init() */

/* smp.c: the other CPUs (cpu_count(), cpu_start() are the contract's). */
/* Count the CPUs from ACPI (after acpi_init(), lapic_init()). */
void smp_init(void);
/* CPUs online so far, the boot CPU included. */
unsigned smp_cpus_online(void);

/* tlb.c: TLB shootdown for pmap.c; tlb_service() answers on a target. */
struct pmap;
#define TLB_FLUSH_MAX_PAGES	32	/* beyond: reload CR3 instead */
struct tlb_batch {
	struct pmap *pm;
	uaddr_t va[TLB_FLUSH_MAX_PAGES];
	unsigned n;			/* pages in va[] */
	bool all;			/* flush every user translation */
};
void tlb_batch_add(struct tlb_batch *b, uaddr_t va);
/* Invalidate b's pages in pm wherever it is loaded; wait for every CPU. */
void tlb_shootdown(const struct tlb_batch *b, const unsigned long *cpus);
/* Make every CPU that has pm loaded (and is not running it) let go of it. */
void tlb_unload(struct pmap *pm, const unsigned long *cpus);
void tlb_service(void);
void tlb_init(void);

/* selftest.c: in-kernel tests chosen by test= on the command line. */
void selftest_run_from_cmdline(void);

/* selftest_smp.c: test=smp, ipi, preempt, shootdown, nmi (selftest.c runs them). */
void selftest_smp(void);
void selftest_ipi(void);
void selftest_preempt(void);
void selftest_shootdown(void);
void selftest_nmi(void);

/* selftest_pci.c: test=acpi, pci, msi, msix (selftest.c runs them). */
void selftest_acpi(void);
void selftest_pci(void);
void selftest_msi(void);
void selftest_msix(void);

/* selftest_user.c: test=user runs the boot module as init (never returns). */
void selftest_user(void);

/* bootdisk.c: the second boot module, if any, as RAM disk ram0. */
void bootdisk_init(void);

/* usercopy.c: what resolves copy faults; vm_fault() but for self-tests. */
extern int (*usercopy_vm_fault)(uaddr_t va, unsigned access);

#endif
