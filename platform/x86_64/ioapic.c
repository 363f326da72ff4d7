/*
 * I/O APICs: where ISA and PCI interrupt lines become local APIC
 * messages.
 *
 * The MADT lists each I/O APIC with its register window and the first
 * global system interrupt (GSI) of its pins; pin p of an I/O APIC with
 * base b is GSI b + p.  Each pin has a 64-bit redirection entry (RTE):
 * vector, delivery mode (fixed), destination mode (physical: one APIC
 * id), polarity, trigger mode, mask, and the destination APIC id in the
 * top byte.  The registers are reached indirectly: write the register
 * number to IOREGSEL, then read or write IOWIN.  That pair must not be
 * interleaved, so one spinlock serialises all I/O APIC access (routing is
 * rare; nothing fast-path touches the I/O APIC).
 *
 * ioapic_init() masks every pin, so firmware leftovers cannot fire into
 * vectors we never set up, and when an I/O APIC exists it masks the
 * 8259 pair for good: from then on every legacy interrupt (the serial
 * port's IRQ 4 first) is routed here, to a vector from
 * intr_vector_alloc(), edge-triggered and active high as ISA lines are
 * unless the MADT's interrupt source override says otherwise (QEMU's
 * timer, IRQ 0, arrives on GSI 2).  PCI INTx lines are level-triggered
 * and active low; which GSI each one uses is in the DSDT's _PRT (AML),
 * which this kernel does not interpret, so PCI devices interrupt by MSI.
 *
 * The MADT identifies an I/O APIC by an 8-bit id, so there are at most
 * 256 of them: that bound sizes the static array.  Entries on the boot
 * CPU are the default; a route names any APIC id below 256 (xAPIC
 * physical destinations are 8 bits).
 */
#include "acpi.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "proc/spinlock.h"
#include "trap.h"
#include "x86.h"

#define IOAPIC_MAX	256		/* MADT I/O APIC ids are 8 bits */

#define IOREGSEL	0x00		/* byte offsets in the window */
#define IOWIN		0x10
#define IOAPIC_WINDOW	0x20

#define REG_ID		0x00
#define REG_VER		0x01
#define REG_RTE(pin)	(0x10 + 2 * (pin))

#define VER_MAX_RTE(v)	(((v) >> 16) & 0xff)	/* highest pin number */

#define RTE_DEST_PHYS	0ull		/* physical destination mode */
#define RTE_ACTIVE_LOW	(1ull << 13)
#define RTE_LEVEL	(1ull << 15)
#define RTE_MASKED	(1ull << 16)
#define RTE_DEST_SHIFT	56

/* MPS INTI flags (MADT overrides). */
#define MPS_POLARITY_MASK	0x3
#define MPS_POLARITY_HIGH	0x1
#define MPS_POLARITY_LOW	0x3
#define MPS_TRIGGER_MASK	0xc
#define MPS_TRIGGER_EDGE	0x4
#define MPS_TRIGGER_LEVEL	0xc

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	unsigned npins;
};

static struct ioapic ioapics[IOAPIC_MAX];
static unsigned nioapics;
static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");

/* Read register reg of a; ioapic_lock held. */
static uint32_t ioapic_read(const struct ioapic *a, unsigned reg)
{
	a->regs[IOREGSEL / 4] = reg;
	return a->regs[IOWIN / 4];
}

/* Write register reg of a; ioapic_lock held. */
static void ioapic_write(const struct ioapic *a, unsigned reg, uint32_t v)
{
	a->regs[IOREGSEL / 4] = reg;
	a->regs[IOWIN / 4] = v;
}

/* Write pin's RTE: the high half (destination) first, then the low half. */
static void rte_write(const struct ioapic *a, unsigned pin, uint64_t rte)
{
	ioapic_write(a, REG_RTE(pin) + 1, (uint32_t)(rte >> 32));
	ioapic_write(a, REG_RTE(pin), (uint32_t)rte);
}

/* Read pin's RTE. */
static uint64_t rte_read(const struct ioapic *a, unsigned pin)
{
	return (uint64_t)ioapic_read(a, REG_RTE(pin) + 1) << 32 |
	    ioapic_read(a, REG_RTE(pin));
}

/* The I/O APIC serving gsi, with *pin set; NULL when none does. */
static struct ioapic *ioapic_of(uint32_t gsi, unsigned *pin)
{
	unsigned i;

	for (i = 0; i < nioapics; i++) {
		if (gsi >= ioapics[i].gsi_base &&
		    gsi - ioapics[i].gsi_base < ioapics[i].npins) {
			*pin = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	}
	return NULL;
}

/* Map one I/O APIC and mask all its pins. */
static void ioapic_attach(const struct acpi_ioapic *m)
{
	struct ioapic *a = &ioapics[nioapics];
	unsigned pin;

	a->regs = (volatile uint32_t *)mmio_map(m->addr, IOAPIC_WINDOW);
	a->gsi_base = m->gsi_base;
	spin_lock(&ioapic_lock);
	a->npins = VER_MAX_RTE(ioapic_read(a, REG_VER)) + 1;
	for (pin = 0; pin < a->npins; pin++)
		rte_write(a, pin, RTE_MASKED);
	spin_unlock(&ioapic_lock);
	nioapics++;
}

/*
 * Map every I/O APIC the MADT lists and mask all their pins; if there is
 * one, retire the 8259s (pic_disable()).  After acpi_init() and pic_init().
 */
void ioapic_init(void)
{
	unsigned i;

	for (i = 0; i < acpi.nioapics; i++) {
		if (nioapics == IOAPIC_MAX) {
			printk("ioapic: more than %u I/O APICs; rest ignored\n",
			    IOAPIC_MAX);
			break;
		}
		ioapic_attach(&acpi.ioapics[i]);
	}
	if (nioapics > 0)
		pic_disable();
}

/* True when interrupts are routed through I/O APICs (not the 8259s). */
bool ioapic_present(void)
{
	return nioapics > 0;
}

/*
 * Send gsi to vector vec on the CPU with local APIC id apic_id, with the
 * trigger and polarity in flags (IOAPIC_LEVEL, IOAPIC_ACTIVE_LOW), and
 * unmask it.  Returns -ENOENT when no I/O APIC serves gsi, -EINVAL for a
 * vector outside the device range or an APIC id xAPIC cannot name.
 */
int ioapic_route(uint32_t gsi, unsigned vec, unsigned apic_id, unsigned flags)
{
	struct ioapic *a;
	unsigned pin;
	uint64_t rte;

	if (vec < VEC_DEVICE_FIRST || vec > VEC_DEVICE_LAST || apic_id > 0xff)
		return -EINVAL;
	if ((a = ioapic_of(gsi, &pin)) == NULL)
		return -ENOENT;
	rte = vec | RTE_DEST_PHYS | (uint64_t)apic_id << RTE_DEST_SHIFT;
	if (flags & IOAPIC_LEVEL)
		rte |= RTE_LEVEL;
	if (flags & IOAPIC_ACTIVE_LOW)
		rte |= RTE_ACTIVE_LOW;
	spin_lock(&ioapic_lock);
	rte_write(a, pin, rte);
	spin_unlock(&ioapic_lock);
	return 0;
}

/*
 * IOAPIC_* flags for an MPS INTI flags word: "conforms to the bus" (0)
 * means edge/active high on ISA and level/active low on PCI.
 */
unsigned ioapic_flags_from_mps(uint16_t mps, bool isa)
{
	unsigned flags = isa ? 0 : IOAPIC_LEVEL | IOAPIC_ACTIVE_LOW;

	if ((mps & MPS_POLARITY_MASK) == MPS_POLARITY_HIGH)
		flags &= ~IOAPIC_ACTIVE_LOW;
	else if ((mps & MPS_POLARITY_MASK) == MPS_POLARITY_LOW)
		flags |= IOAPIC_ACTIVE_LOW;
	if ((mps & MPS_TRIGGER_MASK) == MPS_TRIGGER_EDGE)
		flags &= ~IOAPIC_LEVEL;
	else if ((mps & MPS_TRIGGER_MASK) == MPS_TRIGGER_LEVEL)
		flags |= IOAPIC_LEVEL;
	return flags;
}

/* Route ISA irq (through its MADT override, if any) as ioapic_route(). */
int ioapic_route_isa(unsigned irq, unsigned vec, unsigned apic_id)
{
	uint16_t mps;
	uint32_t gsi = acpi_isa_gsi((uint8_t)irq, &mps);

	return ioapic_route(gsi, vec, apic_id,
	    ioapic_flags_from_mps(mps, true));
}

/* Mask (or unmask) gsi, keeping its route.  -ENOENT if nobody serves it. */
int ioapic_mask(uint32_t gsi, bool masked)
{
	struct ioapic *a;
	unsigned pin;
	uint64_t rte;

	if ((a = ioapic_of(gsi, &pin)) == NULL)
		return -ENOENT;
	spin_lock(&ioapic_lock);
	rte = rte_read(a, pin);
	rte = masked ? rte | RTE_MASKED : rte & ~RTE_MASKED;
	ioapic_write(a, REG_RTE(pin), (uint32_t)rte);
	spin_unlock(&ioapic_lock);
	return 0;
}

/* gsi's raw redirection entry (for tests); false if nobody serves it. */
bool ioapic_rte(uint32_t gsi, uint64_t *rte)
{
	struct ioapic *a;
	unsigned pin;

	if ((a = ioapic_of(gsi, &pin)) == NULL)
		return false;
	spin_lock(&ioapic_lock);
	*rte = rte_read(a, pin);
	spin_unlock(&ioapic_lock);
	return true;
}
