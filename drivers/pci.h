/*
 * The PCI bus as drivers see it.
 *
 * At boot the platform enumerates every PCI function once (x86_64:
 * platform/x86_64/pci.c) into a list of struct pci_dev, fixed from then
 * on, and offers each device to the drivers in pci_drivers[]
 * (drivers/pci_drivers.c: the configuration, one line per driver, as in
 * Plan 9's devtab).  A driver's probe() gets the device and the id entry
 * that matched; returning 0 binds the driver, which then owns the device
 * (its configuration space, BARs and interrupts) for good.
 *
 * Interrupts are message-signalled only: MSI (one vector) or MSI-X (one
 * vector per table entry).  Each enabled message gets an interrupt
 * vector of its own and a handler fn(arg), called with interrupts off on
 * the CPU the message targets: the CPU that enabled it.  A driver that
 * wants a queue's interrupt on CPU n enables it from a thread pinned to
 * n (thread_create_on()).  Legacy INTx is not offered: where its pins
 * lead is written in ACPI's AML (_PRT), which the kernel does not run.
 *
 * Locking: the device list and every field marked [I] never change after
 * boot.  The rest belongs to the driver bound to the device, which must
 * not call the configuration-changing functions below from two threads
 * at once.  Configuration-space accessors may be called from anywhere,
 * including interrupt handlers.
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include "kern/types.h"

#define PCI_BARS		6	/* type 0 headers; bridges have 2 */
#define PCI_ANY			0xffff	/* vendor or device wildcard */

/* Configuration space offsets every header shares. */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION		0x08
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_CAP_PTR		0x34
#define PCI_INTR_LINE		0x3c
#define PCI_INTR_PIN		0x3d

#define PCI_CMD_IO		0x0001
#define PCI_CMD_MEMORY		0x0002
#define PCI_CMD_MASTER		0x0004
#define PCI_CMD_INTX_DISABLE	0x0400
#define PCI_STATUS_CAP_LIST	0x0010

/* Capability ids. */
#define PCI_CAP_MSI		0x05
#define PCI_CAP_PCIE		0x10
#define PCI_CAP_MSIX		0x11

/* BAR flags. */
#define PCI_BAR_IO		0x1	/* I/O ports; else memory */
#define PCI_BAR_64		0x2	/* 64-bit: the next slot is the upper half */
#define PCI_BAR_PREFETCH	0x4	/* prefetchable memory */

struct pci_bar {
	uint64_t base;			/* [I] address or port; 0: unassigned */
	uint64_t size;			/* [I] bytes; 0: no BAR in this slot */
	unsigned flags;			/* [I] PCI_BAR_* */
};

struct pci_msi;				/* the platform's interrupt state */

struct pci_dev {
	uint16_t segment;		/* [I] PCI segment group */
	uint8_t bus, dev, fn;		/* [I] */
	uint16_t vendor, device;	/* [I] */
	uint8_t class, subclass, progif, revision;	/* [I] */
	uint8_t header_type;		/* [I] 0 device, 1 bridge, 2 CardBus */
	struct pci_bar bar[PCI_BARS];	/* [I] */
	struct pci_dev *next;		/* [I] all devices, in bus order */
	const struct pci_driver *driver;	/* bound driver, or NULL */
	void *driver_data;		/* the driver's */
	volatile uint8_t *ecam;		/* [I] platform: ECAM page, or NULL */
	struct pci_msi *msi;		/* platform: MSI/MSI-X state, or NULL */
};

/*
 * A driver matches a device when vendor and device match (PCI_ANY is a
 * wildcard) and the bits of class_mask in (class << 16 | subclass << 8 |
 * progif) equal those of class.  A list ends with vendor 0.
 */
struct pci_id {
	uint16_t vendor, device;
	uint32_t class, class_mask;
};

struct pci_driver {
	const char *name;
	const struct pci_id *ids;
	/* Take d (0) or leave it (negative errno); runs in a thread. */
	int (*probe)(struct pci_dev *d, const struct pci_id *id);
};

/* drivers/pci_drivers.c: the drivers offered every device, NULL-terminated. */
extern const struct pci_driver *const pci_drivers[];

/* Devices: the one after prev (NULL: the first); NULL at the end. */
struct pci_dev *pci_next(struct pci_dev *prev);
/* The next device after prev (NULL: from the start) with these ids. */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device,
    struct pci_dev *prev);
/* The next device after prev of this class and subclass (PCI_ANY: any). */
struct pci_dev *pci_find_class(uint8_t class, unsigned subclass,
    struct pci_dev *prev);

/*
 * Offer every unbound device to drv; returns how many it took.  For
 * drivers not in pci_drivers[] (tests).  Runs in a thread.
 */
int pci_driver_register(const struct pci_driver *drv);

/*
 * Configuration space.  Offsets from 0x100 up (PCI Express extended
 * space) need ECAM: without it reads return all ones and writes do
 * nothing.  off must be aligned to the access size.
 */
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);

/*
 * Offset of the next capability id after the one at start (0: from the
 * head of the list); 0 if none.
 */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned start);
/* Offset of PCI Express extended capability id; 0 if none (or no ECAM). */
unsigned pci_find_ext_cap(const struct pci_dev *d, uint16_t id);

/*
 * Map bytes [off, off + len) of memory BAR bar, uncached, and return
 * their kernel address; NULL when bar is not an assigned memory BAR or
 * the range runs past it.  Mappings last for good: map what is used.
 */
volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar, size_t off,
    size_t len);

/* Turn on decoding of d's I/O and memory BARs (whichever it has). */
void pci_enable_decode(const struct pci_dev *d);
/* Let d master the bus (DMA, and MSI writes). */
void pci_enable_bus_master(const struct pci_dev *d);

/*
 * MSI: point d's message at a new vector on the calling CPU, attach
 * fn(arg), disable INTx and enable MSI (one message).  Returns the
 * vector, -ENODEV without an MSI capability, -EBUSY when MSI or MSI-X is
 * already on, -ENOSPC without a free vector.
 */
int pci_msi_enable(struct pci_dev *d, void (*fn)(void *arg), void *arg);
/*
 * Mask or unmask d's MSI (devices with per-vector masking); -EOPNOTSUPP
 * when d cannot, -EINVAL when MSI is off.
 */
int pci_msi_mask(struct pci_dev *d, bool masked);

/* Number of MSI-X table entries of d; 0 without MSI-X. */
unsigned pci_msix_count(const struct pci_dev *d);
/*
 * MSI-X: point table entry `entry` at a new vector on the calling CPU,
 * attach fn(arg) and unmask the entry, turning MSI-X on (and INTx off)
 * with the first.  Returns the vector, -ENODEV without MSI-X, -EINVAL for
 * an entry past the table, -EBUSY when MSI is on or the entry already
 * has a vector, -ENOSPC without a free vector, -ENXIO when the table's
 * BAR is unassigned.
 */
int pci_msix_enable(struct pci_dev *d, unsigned entry,
    void (*fn)(void *arg), void *arg);
/* Mask or unmask MSI-X table entry `entry`. */
int pci_msix_mask(struct pci_dev *d, unsigned entry, bool masked);

/* Turn MSI or MSI-X off and free every vector d had. */
void pci_intr_disable(struct pci_dev *d);

#endif
