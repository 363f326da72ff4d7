/*
 * ACPI tables, read once at boot (acpi.c): the MADT (CPUs, I/O APICs,
 * interrupt source overrides), the MCFG (PCIe ECAM windows) and the HPET.
 * The root pointer comes from the loader (PVH start_info or a multiboot2
 * tag), else from the BIOS areas.  Everything is copied out into memory
 * that stays valid for the life of the kernel; counts have no fixed
 * small maximum (arrays are sized from the tables).
 */
#ifndef X86_ACPI_H
#define X86_ACPI_H

#include "kern/types.h"

struct acpi_cpu {
	uint32_t apic_id;		/* local APIC (or x2APIC) id */
	uint32_t acpi_uid;		/* processor UID */
};

struct acpi_ioapic {
	uint32_t id;
	paddr_t addr;			/* register window */
	uint32_t gsi_base;		/* first global system interrupt */
};

/* An ISA IRQ routed to another GSI or with other polarity/trigger. */
struct acpi_irq_override {
	uint8_t irq;			/* ISA IRQ (source) */
	uint32_t gsi;
	uint16_t flags;			/* MPS INTI flags: polarity bits 0-1, trigger bits 2-3 */
};

struct acpi_mcfg {
	paddr_t base;			/* ECAM base for bus 0 of this segment */
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

struct acpi_info {
	paddr_t lapic_addr;		/* local APIC MMIO base */
	struct acpi_cpu *cpus;		/* enabled CPUs, boot CPU included */
	unsigned ncpus;
	struct acpi_ioapic *ioapics;
	unsigned nioapics;
	struct acpi_irq_override *overrides;
	unsigned noverrides;
	struct acpi_mcfg *mcfg;		/* PCIe ECAM windows (none on i440fx "pc") */
	unsigned nmcfg;
	paddr_t hpet_addr;		/* 0 when there is no HPET table */
	bool legacy_pics;		/* MADT says 8259s are present (PCAT_COMPAT) */
};

/*
 * Find and parse the tables (after physmem_init(): tables are read through
 * the direct map).  Without ACPI (no RSDP found) the machine is treated as
 * one CPU with no I/O APIC; a table with a bad checksum is ignored with a
 * warning.
 */
void acpi_init(void);

/* The parsed tables. */
extern struct acpi_info acpi;

/* The GSI that ISA irq is wired to, and its MPS flags (0 = bus default). */
uint32_t acpi_isa_gsi(uint8_t irq, uint16_t *flags);

/*
 * Parse the tables under the RSDP at physical address rsdp (0: none)
 * into the zeroed *out, with arrays from alloc (zeroed memory that lives
 * as long as out).  acpi_init() uses it; tests feed it broken tables.
 */
void acpi_parse(paddr_t rsdp, struct acpi_info *out, void *(*alloc)(size_t n));

#endif
