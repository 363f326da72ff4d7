/*
 * Message-signalled interrupts: MSI and MSI-X.
 *
 * A device with MSI interrupts by writing a 32-bit data word to an
 * address; on x86 the address is the local APICs' window, 0xfee00000
 * with the destination APIC id in bits 12..19 (physical destination
 * mode), and the data word holds the vector and the delivery mode
 * (fixed, edge).  So a message goes straight to one CPU's local APIC,
 * with no I/O APIC on the way, and needs no routing tables from ACPI.
 * The write is a bus-master write, so enabling a message also enables
 * bus mastering.  Eight bits of destination cover xAPIC ids; x2APIC ids
 * above 255 would need interrupt remapping, which we do not set up.
 *
 * MSI lives in configuration space: one capability with the address,
 * the data, and (optionally) a mask bit per vector.  We use one message
 * only (Multiple Message Enable = 0: multi-message MSI needs aligned
 * blocks of vectors, and MSI-X does that job better).
 *
 * MSI-X keeps a table in one of the device's memory BARs: per entry the
 * address, the data, and a vector-control word whose bit 0 masks the
 * entry.  Entries are programmed while masked and unmasked last, under
 * the function-wide mask while MSI-X is first switched on, so the device
 * never sends a half-written message.
 *
 * Each message gets a vector of its own from intr_vector_alloc()
 * (devintr.c), bound to the driver's fn(arg).  The state is in struct
 * pci_msi, allocated when interrupts are first enabled and kept (with
 * the MSI-X table's mapping, since mmio.c never unmaps) after they are
 * disabled; it belongs to the device's driver, which serialises calls
 * (drivers/pci.h).
 */
#include "contract/cpu.h"
#include "drivers/pci.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "x86.h"

#define MSI_CTRL		0x02	/* offsets in the MSI capability */
#define MSI_ADDR_LO		0x04
#define MSI_ADDR_HI		0x08	/* 64-bit capable only */
#define MSI_DATA_32		0x08
#define MSI_DATA_64		0x0c
#define MSI_MASK_32		0x0c	/* per-vector masking capable only */
#define MSI_MASK_64		0x10

#define MSI_CTRL_ENABLE		0x0001
#define MSI_CTRL_MME		0x0070	/* multiple message enable */
#define MSI_CTRL_64BIT		0x0080
#define MSI_CTRL_MASKABLE	0x0100

#define MSIX_CTRL		0x02	/* offsets in the MSI-X capability */
#define MSIX_TABLE		0x04
#define MSIX_CTRL_SIZE		0x07ff	/* table size - 1 */
#define MSIX_CTRL_FUNC_MASK	0x4000
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_BIR		0x7

#define MSIX_ENTRY_SIZE		16	/* bytes per table entry */
#define MSIX_ADDR_LO		0	/* dwords in an entry */
#define MSIX_ADDR_HI		1
#define MSIX_DATA		2
#define MSIX_VECTOR_CTRL	3
#define MSIX_ENTRY_MASKED	0x1

#define MSI_ADDR_BASE		0xfee00000u
#define MSI_ADDR_DEST_SHIFT	12
#define APIC_ID_MAX		0xff

enum msi_mode { MSI_OFF, MSI_ON, MSIX_ON };

struct pci_msi {
	enum msi_mode mode;
	unsigned cap;			/* offset of the capability in use */
	int vector;			/* MSI: its vector */
	volatile uint32_t *table;	/* MSI-X: the table, once mapped */
	unsigned nentries;		/* MSI-X: table size (0: no MSI-X) */
	int16_t vectors[];		/* MSI-X: per entry, 0 when unused */
};

/* The MSI address that reaches the local APIC apic_id. */
static uint32_t msi_address(unsigned apic_id)
{
	return MSI_ADDR_BASE | apic_id << MSI_ADDR_DEST_SHIFT;
}

/*
 * d's interrupt state, created on first use and kept for good (so the
 * MSI-X table is mapped once however often it is switched on and off).
 * NULL when memory is short.
 */
static struct pci_msi *msi_state(struct pci_dev *d)
{
	unsigned n;

	if (d->msi == NULL) {
		n = pci_msix_count(d);
		d->msi = kzalloc(sizeof(*d->msi) + n * sizeof(int16_t));
		if (d->msi != NULL)
			d->msi->nentries = n;
	}
	return d->msi;
}

/*
 * A vector for fn(arg), and the calling CPU's APIC id in *apic_id.
 * Interrupts are off while the id is read, so it is the id of the CPU
 * the caller was on at that moment (a pinned caller's own).
 */
static int msi_vector(void (*fn)(void *), void *arg, unsigned *apic_id)
{
	unsigned long s = intr_save();

	*apic_id = lapic_id();
	intr_restore(s);
	if (*apic_id > APIC_ID_MAX)
		return -EINVAL;
	return intr_vector_alloc(fn, arg);
}

/* Turn INTx off and bus mastering on: messages replace the pin. */
static void msi_prepare(const struct pci_dev *d)
{
	pci_write16(d, PCI_COMMAND, pci_read16(d, PCI_COMMAND) |
	    PCI_CMD_INTX_DISABLE | PCI_CMD_MASTER);
}

/* Write MSI's address and data for vec on apic_id, then enable it. */
static void msi_program(const struct pci_dev *d, unsigned cap, int vec,
    unsigned apic_id)
{
	uint16_t ctrl = pci_read16(d, cap + MSI_CTRL);

	pci_write32(d, cap + MSI_ADDR_LO, msi_address(apic_id));
	if (ctrl & MSI_CTRL_64BIT) {
		pci_write32(d, cap + MSI_ADDR_HI, 0);
		pci_write16(d, cap + MSI_DATA_64, (uint16_t)vec);
	} else {
		pci_write16(d, cap + MSI_DATA_32, (uint16_t)vec);
	}
	msi_prepare(d);
	pci_write16(d, cap + MSI_CTRL, (ctrl & ~MSI_CTRL_MME) |
	    MSI_CTRL_ENABLE);
}

/* Enable MSI with one message (drivers/pci.h). */
int pci_msi_enable(struct pci_dev *d, void (*fn)(void *arg), void *arg)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSI, 0), apic_id;
	struct pci_msi *m;
	int vec;

	if (cap == 0)
		return -ENODEV;
	if ((m = msi_state(d)) == NULL)
		return -ENOMEM;
	if (m->mode != MSI_OFF)
		return -EBUSY;
	if ((vec = msi_vector(fn, arg, &apic_id)) < 0)
		return vec;
	m->mode = MSI_ON;
	m->cap = cap;
	m->vector = vec;
	msi_program(d, cap, vec, apic_id);
	if (pci_read16(d, cap + MSI_CTRL) & MSI_CTRL_MASKABLE)
		pci_msi_mask(d, false);
	return vec;
}

/* Mask or unmask MSI's only vector (drivers/pci.h). */
int pci_msi_mask(struct pci_dev *d, bool masked)
{
	uint16_t ctrl;
	unsigned off;

	if (d->msi == NULL || d->msi->mode != MSI_ON)
		return -EINVAL;
	ctrl = pci_read16(d, d->msi->cap + MSI_CTRL);
	if (!(ctrl & MSI_CTRL_MASKABLE))
		return -EOPNOTSUPP;
	off = d->msi->cap + ((ctrl & MSI_CTRL_64BIT) ? MSI_MASK_64 :
	    MSI_MASK_32);
	pci_write32(d, off, (pci_read32(d, off) & ~1u) | (masked ? 1 : 0));
	return 0;
}

/* MSI-X table size of d; 0 without MSI-X. */
unsigned pci_msix_count(const struct pci_dev *d)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX, 0);

	if (cap == 0)
		return 0;
	return (pci_read16(d, cap + MSIX_CTRL) & MSIX_CTRL_SIZE) + 1;
}

/*
 * Switch MSI-X on for d with every entry masked: map the table (the first
 * time), mask all entries under the function mask, then enable.  The
 * function mask stays until the first entry is programmed.
 */
static int msix_setup(struct pci_dev *d, struct pci_msi *m, unsigned cap)
{
	uint32_t t = pci_read32(d, cap + MSIX_TABLE);
	uint16_t ctrl;
	unsigned i;

	pci_enable_decode(d);
	if (m->table == NULL)
		m->table = pci_map_bar(d, t & MSIX_BIR, t & ~MSIX_BIR,
		    m->nentries * MSIX_ENTRY_SIZE);
	if (m->table == NULL)
		return -ENXIO;
	ctrl = pci_read16(d, cap + MSIX_CTRL);
	pci_write16(d, cap + MSIX_CTRL, ctrl | MSIX_CTRL_FUNC_MASK);
	for (i = 0; i < m->nentries; i++)
		m->table[i * 4 + MSIX_VECTOR_CTRL] |= MSIX_ENTRY_MASKED;
	msi_prepare(d);
	pci_write16(d, cap + MSIX_CTRL, ctrl | MSIX_CTRL_FUNC_MASK |
	    MSIX_CTRL_ENABLE);
	m->mode = MSIX_ON;
	m->cap = cap;
	return 0;
}

/* Enable MSI-X table entry `entry` (drivers/pci.h). */
int pci_msix_enable(struct pci_dev *d, unsigned entry,
    void (*fn)(void *arg), void *arg)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX, 0), apic_id;
	volatile uint32_t *e;
	struct pci_msi *m;
	int vec, err;

	if (cap == 0)
		return -ENODEV;
	if ((m = msi_state(d)) == NULL)
		return -ENOMEM;
	if (entry >= m->nentries)
		return -EINVAL;
	if (m->mode == MSI_ON || m->vectors[entry] != 0)
		return -EBUSY;
	if (m->mode == MSI_OFF && (err = msix_setup(d, m, cap)) < 0)
		return err;
	if ((vec = msi_vector(fn, arg, &apic_id)) < 0)
		return vec;
	m->vectors[entry] = (int16_t)vec;
	e = m->table + entry * 4;
	e[MSIX_VECTOR_CTRL] |= MSIX_ENTRY_MASKED;
	e[MSIX_ADDR_LO] = msi_address(apic_id);
	e[MSIX_ADDR_HI] = 0;
	e[MSIX_DATA] = (uint32_t)vec;
	e[MSIX_VECTOR_CTRL] &= ~MSIX_ENTRY_MASKED;
	pci_write16(d, cap + MSIX_CTRL,
	    pci_read16(d, cap + MSIX_CTRL) & ~MSIX_CTRL_FUNC_MASK);
	return vec;
}

/* Mask or unmask MSI-X table entry `entry` (drivers/pci.h). */
int pci_msix_mask(struct pci_dev *d, unsigned entry, bool masked)
{
	volatile uint32_t *e;

	if (d->msi == NULL || d->msi->mode != MSIX_ON ||
	    entry >= d->msi->nentries)
		return -EINVAL;
	e = d->msi->table + entry * 4;
	if (masked)
		e[MSIX_VECTOR_CTRL] |= MSIX_ENTRY_MASKED;
	else
		e[MSIX_VECTOR_CTRL] &= ~MSIX_ENTRY_MASKED;
	return 0;
}

/*
 * Switch MSI-X off: mask every entry, then the capability; only then
 * can no message name the vectors, and they are freed.
 */
static void msix_disable(struct pci_dev *d, struct pci_msi *m)
{
	unsigned i;

	for (i = 0; i < m->nentries; i++)
		m->table[i * 4 + MSIX_VECTOR_CTRL] |= MSIX_ENTRY_MASKED;
	pci_write16(d, m->cap + MSIX_CTRL, pci_read16(d, m->cap + MSIX_CTRL) &
	    ~(MSIX_CTRL_ENABLE | MSIX_CTRL_FUNC_MASK));
	for (i = 0; i < m->nentries; i++) {
		if (m->vectors[i] != 0)
			intr_vector_free((unsigned)m->vectors[i]);
		m->vectors[i] = 0;
	}
}

/* Turn MSI or MSI-X off and free d's vectors (drivers/pci.h). */
void pci_intr_disable(struct pci_dev *d)
{
	struct pci_msi *m = d->msi;

	if (m == NULL || m->mode == MSI_OFF)
		return;
	if (m->mode == MSIX_ON) {
		msix_disable(d, m);
	} else {
		pci_write16(d, m->cap + MSI_CTRL,
		    pci_read16(d, m->cap + MSI_CTRL) & ~MSI_CTRL_ENABLE);
		intr_vector_free((unsigned)m->vector);
	}
	m->mode = MSI_OFF;
}
