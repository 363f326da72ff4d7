/*
 * PCI: finding every function on the bus, reading and writing its
 * configuration space, sizing its BARs, and handing it to a driver.
 *
 * Configuration space is reached two ways.  Configuration mechanism #1,
 * the PC's original: write bus/device/function/register to port 0xcf8,
 * then move the data through port 0xcfc; it reaches the first 256 bytes
 * of each function and needs a lock, since the two port accesses must
 * not interleave with another CPU's.  ECAM (PCI Express's enhanced
 * mechanism, announced by the ACPI MCFG table): each function's 4 KiB of
 * configuration space appears at base + (bus << 20 | dev << 15 | fn << 12),
 * plain memory accesses, no lock, extended space (0x100..0xfff) included.
 *
 * Enumeration is brute force: every device number of all 256 buses is
 * asked for its vendor id through mechanism #1, which every PC chipset
 * keeps (q35 too).  That finds what sits behind bridges and on extra
 * host bridges without following bridges, at the price of 8192 vendor
 * id reads at boot.  ECAM is not used for the search because the device
 * register window (mmio.c) is 2 MiB and one bus's ECAM area is 1 MiB;
 * instead every function found gets its own 4 KiB ECAM page mapped, and
 * from then on all its configuration accesses go through ECAM.  Only
 * segment group 0 is searched (mechanism #1 reaches no other).
 *
 * BARs are sized by the classic probe: with the function's decoding off
 * (so the all-ones address never claims a bus cycle; host bridges
 * excepted) and interrupts off, write all ones and read back which
 * address bits stick.  Firmware has already assigned addresses (SeaBIOS
 * does on QEMU); we keep them.
 *
 * Enumeration runs once in the first thread (the heap is up, nothing
 * else uses PCI yet); the list is immutable afterwards.  Then every
 * device is offered to the drivers of pci_drivers[], in bus order.
 * Interrupts (MSI, MSI-X) are in pci_msi.c.
 */
#include "acpi.h"
#include "contract/cpu.h"
#include "cpufunc.h"
#include "drivers/pci.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "proc/mutex.h"
#include "proc/spinlock.h"
#include "x86.h"

#define CF8_ADDRESS	0xcf8
#define CF8_DATA	0xcfc
#define CF8_ENABLE	0x80000000u

#define PCI_BUSES	256
#define PCI_SLOTS	32
#define PCI_FUNCS	8
#define PCI_CFG_SIZE	256		/* conventional configuration space */
#define ECAM_FUNC_SIZE	4096		/* with PCIe extended space */

#define PCI_CLASS_REV	0x08
#define HDR_MULTIFUNCTION 0x80
#define HDR_TYPE_MASK	0x7f
#define HDR_BRIDGE	1
#define HDR_CARDBUS	2
#define PCI_CLASS_BRIDGE 0x06
#define PCI_BRIDGE_HOST	0x00
#define BAR_IO		0x1
#define BAR_MEM_TYPE	0x6
#define BAR_MEM_64	0x4
#define BAR_MEM_PREFETCH 0x8
#define CAP_LIMIT	48		/* capabilities in 192 bytes, at most */
#define EXT_CAP_START	0x100
#define EXT_CAP_LIMIT	((ECAM_FUNC_SIZE - EXT_CAP_START) / 4)

static struct pci_dev *pci_devs;
static struct spinlock cf8_lock = SPINLOCK_INIT("pci cf8");
static struct mutex bind_lock;		/* binding drivers to devices */

/* 32-bit port input (cpufunc.h has the byte-wide one). */
static inline uint32_t pio_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* 16-bit port input. */
static inline uint16_t pio_inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* 16-bit port output. */
static inline void pio_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

/* The mechanism #1 address of a function's register off. */
static uint32_t cf8_addr(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	return CF8_ENABLE | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc);
}

/* Read size (1, 2, 4) bytes at off through mechanism #1; off < 256. */
static uint32_t cf8_read(unsigned bus, unsigned dev, unsigned fn, unsigned off,
    unsigned size)
{
	uint32_t v;

	spin_lock(&cf8_lock);
	outl(CF8_ADDRESS, cf8_addr(bus, dev, fn, off));
	if (size == 1)
		v = inb(CF8_DATA + (off & 3));
	else if (size == 2)
		v = pio_inw(CF8_DATA + (off & 2));
	else
		v = pio_inl(CF8_DATA);
	spin_unlock(&cf8_lock);
	return v;
}

/*
 * Write through mechanism #1 with an access of exactly the given size:
 * a wider read-modify-write would write back (and so clear) the
 * write-one-to-clear status bits next to the target.
 */
static void cf8_write(unsigned bus, unsigned dev, unsigned fn, unsigned off,
    unsigned size, uint32_t v)
{
	spin_lock(&cf8_lock);
	outl(CF8_ADDRESS, cf8_addr(bus, dev, fn, off));
	if (size == 1)
		outb(CF8_DATA + (off & 3), (uint8_t)v);
	else if (size == 2)
		pio_outw(CF8_DATA + (off & 2), (uint16_t)v);
	else
		outl(CF8_DATA, v);
	spin_unlock(&cf8_lock);
}

/* Configuration read of size bytes; all ones where nothing answers. */
static uint32_t cfg_read(const struct pci_dev *d, unsigned off, unsigned size)
{
	volatile uint8_t *p;

	if (off % size != 0)
		panic("pci: unaligned %u-byte read at %#x", size, off);
	if (d->ecam != NULL && off < ECAM_FUNC_SIZE) {
		p = d->ecam + off;
		if (size == 1)
			return *p;
		if (size == 2)
			return *(volatile uint16_t *)p;
		return *(volatile uint32_t *)p;
	}
	if (off >= PCI_CFG_SIZE)
		return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	return cf8_read(d->bus, d->dev, d->fn, off, size);
}

/* Configuration write of size bytes; ignored where nothing answers. */
static void cfg_write(const struct pci_dev *d, unsigned off, unsigned size,
    uint32_t v)
{
	volatile uint8_t *p;

	if (off % size != 0)
		panic("pci: unaligned %u-byte write at %#x", size, off);
	if (d->ecam != NULL && off < ECAM_FUNC_SIZE) {
		p = d->ecam + off;
		if (size == 1)
			*p = (uint8_t)v;
		else if (size == 2)
			*(volatile uint16_t *)p = (uint16_t)v;
		else
			*(volatile uint32_t *)p = v;
	} else if (off < PCI_CFG_SIZE) {
		cf8_write(d->bus, d->dev, d->fn, off, size, v);
	}
}

/* The byte at off of d's configuration space (drivers/pci.h). */
uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)cfg_read(d, off, 1);
}

/* The 16-bit word at off. */
uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)cfg_read(d, off, 2);
}

/* The 32-bit word at off. */
uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	return cfg_read(d, off, 4);
}

/* Write the byte at off. */
void pci_write8(const struct pci_dev *d, unsigned off, uint8_t v)
{
	cfg_write(d, off, 1, v);
}

/* Write the 16-bit word at off. */
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	cfg_write(d, off, 2, v);
}

/* Write the 32-bit word at off. */
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	cfg_write(d, off, 4, v);
}

/*
 * The next capability with this id after offset start (0: search from
 * the list head); 0 if none.  The walk is bounded, so a looping list
 * cannot hang us.
 */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned start)
{
	unsigned off, n;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST) ||
	    d->header_type == HDR_CARDBUS)
		return 0;
	off = start == 0 ? pci_read8(d, PCI_CAP_PTR) :
	    pci_read8(d, start + 1);
	for (n = 0; n < CAP_LIMIT && off >= 0x40; n++) {
		off &= ~3u;
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1);
	}
	return 0;
}

/* PCI Express extended capability id's offset; 0 if none or no ECAM. */
unsigned pci_find_ext_cap(const struct pci_dev *d, uint16_t id)
{
	unsigned off = EXT_CAP_START, n;
	uint32_t h;

	if (d->ecam == NULL)
		return 0;
	for (n = 0; n < EXT_CAP_LIMIT && off >= EXT_CAP_START; n++) {
		h = pci_read32(d, off);
		if (h == 0 || h == 0xffffffffu)
			return 0;
		if ((h & 0xffff) == id)
			return off;
		off = (h >> 20) & 0xffc;
	}
	return 0;
}

/* The ECAM page of bus:dev.fn in segment 0, mapped; NULL without ECAM. */
static volatile uint8_t *ecam_map(unsigned bus, unsigned dev, unsigned fn)
{
	const struct acpi_mcfg *m;
	unsigned i;

	for (i = 0; i < acpi.nmcfg; i++) {
		m = &acpi.mcfg[i];
		if (m->segment != 0 || bus < m->bus_start || bus > m->bus_end)
			continue;
		/* The MCFG base is bus 0's, even when the range starts later. */
		return (volatile uint8_t *)mmio_map(m->base +
		    ((paddr_t)bus << 20 | dev << 15 | fn << 12),
		    ECAM_FUNC_SIZE);
	}
	return NULL;
}

/* Write ones to the BAR dword at off and return what stuck; restore it. */
static uint32_t bar_probe(const struct pci_dev *d, unsigned off)
{
	uint32_t orig = pci_read32(d, off), mask;

	pci_write32(d, off, 0xffffffffu);
	mask = pci_read32(d, off);
	pci_write32(d, off, orig);
	return mask;
}

/* Decode an I/O BAR whose dword is orig. */
static void bar_decode_io(struct pci_bar *b, uint32_t orig, uint32_t mask)
{
	mask &= ~3u;
	if (mask == 0)
		return;
	if ((mask & 0xffff0000u) == 0)	/* a 16-bit decoder */
		mask |= 0xffff0000u;
	b->base = orig & ~3u;
	b->size = (uint32_t)(~mask + 1);
	b->flags = PCI_BAR_IO;
}

/* Decode BAR i of d (sizing it); returns how many slots it took (1, 2). */
static unsigned bar_decode(struct pci_dev *d, unsigned i, unsigned nbars)
{
	struct pci_bar *b = &d->bar[i];
	unsigned off = PCI_BAR0 + 4 * i;
	uint32_t orig = pci_read32(d, off), mask = bar_probe(d, off);
	uint64_t base, mask64;

	if (orig & BAR_IO) {
		bar_decode_io(b, orig, mask);
		return 1;
	}
	base = orig & ~0xfu;
	mask64 = 0xffffffff00000000ull | (mask & ~0xfu);
	b->flags = (orig & BAR_MEM_PREFETCH) ? PCI_BAR_PREFETCH : 0;
	if ((orig & BAR_MEM_TYPE) == BAR_MEM_64 && i + 1 < nbars) {
		base |= (uint64_t)pci_read32(d, off + 4) << 32;
		mask64 = (uint64_t)bar_probe(d, off + 4) << 32 | (mask & ~0xfu);
		b->flags |= PCI_BAR_64;
	}
	if ((mask & ~0xfu) == 0 && !(b->flags & PCI_BAR_64))
		return 1;
	if (mask64 != 0) {
		b->base = base;
		b->size = ~mask64 + 1;
	}
	return (b->flags & PCI_BAR_64) ? 2 : 1;
}

/*
 * Size all BARs with decoding and interrupts off.  A host bridge keeps
 * decoding: on some chipsets turning it off cuts the CPU off from memory
 * (Linux keeps it on too); host bridges rarely have BARs anyway.
 */
static void bars_decode(struct pci_dev *d)
{
	uint16_t cmd, off = PCI_CMD_IO | PCI_CMD_MEMORY;
	unsigned nbars, i;
	unsigned long s;

	if (d->header_type == 0)
		nbars = PCI_BARS;
	else if (d->header_type == HDR_BRIDGE)
		nbars = 2;
	else
		return;		/* CardBus: its one BAR is the socket's */
	if (d->class == PCI_CLASS_BRIDGE && d->subclass == PCI_BRIDGE_HOST)
		off = 0;
	s = intr_save();
	cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~off);
	for (i = 0; i < nbars; i += bar_decode(d, i, nbars))
		;
	pci_write16(d, PCI_COMMAND, cmd);
	intr_restore(s);
}

/* "128K", "1M"... for sizes that are powers of two, as BARs are. */
static const char *size_str(uint64_t size, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	uint64_t n = size;
	int u = -1;

	while (n >= 1024 && n % 1024 == 0 && u < 3) {
		n /= 1024;
		u++;
	}
	if (u < 0)
		ksnprintf(buf, len, "%lu", n);
	else
		ksnprintf(buf, len, "%lu%c", n, units[u]);
	return buf;
}

/* One boot line per function: address, ids, class, BARs. */
static void pci_print(const struct pci_dev *d)
{
	char line[400], sz[16];
	const struct pci_bar *b;
	size_t n;
	unsigned i;

	n = (size_t)ksnprintf(line, sizeof(line),
	    "pci %02x:%02x.%u %04x:%04x class %02x.%02x.%02x rev %02x",
	    d->bus, d->dev, d->fn, d->vendor, d->device, d->class,
	    d->subclass, d->progif, d->revision);
	for (i = 0; i < PCI_BARS && n < sizeof(line); i++) {
		b = &d->bar[i];
		if (b->size == 0)
			continue;
		n += (size_t)ksnprintf(line + n, sizeof(line) - n,
		    " bar%u %s%s %#lx/%s", i,
		    (b->flags & PCI_BAR_IO) ? "io" :
		    (b->flags & PCI_BAR_64) ? "mem64" : "mem32",
		    (b->flags & PCI_BAR_PREFETCH) ? ",pf" : "",
		    b->base, size_str(b->size, sz, sizeof(sz)));
	}
	printk("%s\n", line);
}

/* Record bus:dev.fn, known to answer, at the end of the list. */
static struct pci_dev *pci_add(unsigned bus, unsigned dev, unsigned fn,
    struct pci_dev ***tail)
{
	struct pci_dev *d = kzalloc(sizeof(*d));
	uint32_t cr;

	if (d == NULL) {
		printk("pci: no memory for %02x:%02x.%u\n", bus, dev, fn);
		return NULL;
	}
	d->bus = (uint8_t)bus;
	d->dev = (uint8_t)dev;
	d->fn = (uint8_t)fn;
	d->ecam = ecam_map(bus, dev, fn);
	d->vendor = pci_read16(d, PCI_VENDOR_ID);
	d->device = pci_read16(d, PCI_DEVICE_ID);
	cr = pci_read32(d, PCI_CLASS_REV);
	d->class = (uint8_t)(cr >> 24);
	d->subclass = (uint8_t)(cr >> 16);
	d->progif = (uint8_t)(cr >> 8);
	d->revision = (uint8_t)cr;
	d->header_type = pci_read8(d, PCI_HEADER_TYPE) & HDR_TYPE_MASK;
	bars_decode(d);
	**tail = d;
	*tail = &d->next;
	pci_print(d);
	return d;
}

/* Vendor id of bus:dev.fn through mechanism #1 (0xffff: nothing there). */
static uint16_t probe_vendor(unsigned bus, unsigned dev, unsigned fn)
{
	return (uint16_t)cf8_read(bus, dev, fn, PCI_VENDOR_ID, 2);
}

/* Add every function of bus:dev. */
static void pci_scan_slot(unsigned bus, unsigned dev, struct pci_dev ***tail)
{
	unsigned fn, nfn;

	if (probe_vendor(bus, dev, 0) == 0xffff)
		return;
	nfn = (cf8_read(bus, dev, 0, PCI_HEADER_TYPE, 1) & HDR_MULTIFUNCTION) ?
	    PCI_FUNCS : 1;
	for (fn = 0; fn < nfn; fn++)
		if (probe_vendor(bus, dev, fn) != 0xffff)
			pci_add(bus, dev, fn, tail);
}

/* True when ports 0xcf8/0xcfc implement configuration mechanism #1. */
static bool cf8_present(void)
{
	uint32_t saved, v;

	spin_lock(&cf8_lock);
	saved = pio_inl(CF8_ADDRESS);
	outl(CF8_ADDRESS, CF8_ENABLE);
	v = pio_inl(CF8_ADDRESS);
	outl(CF8_ADDRESS, saved);
	spin_unlock(&cf8_lock);
	return v == CF8_ENABLE;
}

/* True when d matches id (drivers/pci.h). */
static bool id_match(const struct pci_dev *d, const struct pci_id *id)
{
	uint32_t class = (uint32_t)d->class << 16 | d->subclass << 8 |
	    d->progif;

	return (id->vendor == PCI_ANY || id->vendor == d->vendor) &&
	    (id->device == PCI_ANY || id->device == d->device) &&
	    ((class ^ id->class) & id->class_mask) == 0;
}

/* Offer unbound d to drv; true when drv took it.  bind_lock held. */
static bool pci_offer(struct pci_dev *d, const struct pci_driver *drv)
{
	const struct pci_id *id;

	if (d->driver != NULL)
		return false;
	for (id = drv->ids; id->vendor != 0; id++) {
		if (!id_match(d, id))
			continue;
		if (drv->probe(d, id) == 0) {
			d->driver = drv;
			printk("pci %02x:%02x.%u: %s\n", d->bus, d->dev, d->fn,
			    drv->name);
			return true;
		}
		return false;
	}
	return false;
}

/* Offer every unbound device to drv (drivers/pci.h). */
int pci_driver_register(const struct pci_driver *drv)
{
	struct pci_dev *d;
	int n = 0;

	mutex_lock(&bind_lock);
	for (d = pci_devs; d != NULL; d = d->next)
		n += pci_offer(d, drv);
	mutex_unlock(&bind_lock);
	return n;
}

/*
 * Find every PCI function, then offer each to the configured drivers.
 * Once, from the first thread (the heap must be up).
 */
void pci_init(void)
{
	struct pci_dev **tail = &pci_devs;
	const struct pci_driver *const *drv;
	unsigned bus, dev;

	mutex_init(&bind_lock, "pci bind");
	if (!cf8_present()) {
		printk("pci: no configuration mechanism #1; no PCI devices\n");
		return;
	}
	for (bus = 0; bus < PCI_BUSES; bus++)
		for (dev = 0; dev < PCI_SLOTS; dev++)
			pci_scan_slot(bus, dev, &tail);
	for (drv = pci_drivers; *drv != NULL; drv++)
		pci_driver_register(*drv);
}

/* Device iteration (drivers/pci.h). */
struct pci_dev *pci_next(struct pci_dev *prev)
{
	return prev == NULL ? pci_devs : prev->next;
}

/* The next device after prev with these ids (PCI_ANY: any). */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device,
    struct pci_dev *prev)
{
	struct pci_dev *d;

	for (d = pci_next(prev); d != NULL; d = d->next)
		if ((vendor == PCI_ANY || d->vendor == vendor) &&
		    (device == PCI_ANY || d->device == device))
			return d;
	return NULL;
}

/* The next device after prev of this class and subclass (PCI_ANY: any). */
struct pci_dev *pci_find_class(uint8_t class, unsigned subclass,
    struct pci_dev *prev)
{
	struct pci_dev *d;

	for (d = pci_next(prev); d != NULL; d = d->next)
		if (d->class == class &&
		    (subclass == PCI_ANY || d->subclass == subclass))
			return d;
	return NULL;
}

/* Map part of a memory BAR (drivers/pci.h). */
volatile void *pci_map_bar(const struct pci_dev *d, unsigned bar, size_t off,
    size_t len)
{
	const struct pci_bar *b;

	if (bar >= PCI_BARS)
		return NULL;
	b = &d->bar[bar];
	if (b->size == 0 || b->base == 0 || (b->flags & PCI_BAR_IO) ||
	    len == 0 || off >= b->size || len > b->size - off)
		return NULL;
	return mmio_map(b->base + off, len);
}

/* Set bits in d's command register. */
static void command_set(const struct pci_dev *d, uint16_t bits)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	if ((cmd & bits) != bits)
		pci_write16(d, PCI_COMMAND, cmd | bits);
}

/* Decode whichever kinds of BAR d has. */
void pci_enable_decode(const struct pci_dev *d)
{
	uint16_t bits = 0;
	unsigned i;

	for (i = 0; i < PCI_BARS; i++) {
		if (d->bar[i].size == 0)
			continue;
		bits |= (d->bar[i].flags & PCI_BAR_IO) ? PCI_CMD_IO :
		    PCI_CMD_MEMORY;
	}
	command_set(d, bits);
}

/* Let d master the bus. */
void pci_enable_bus_master(const struct pci_dev *d)
{
	command_set(d, PCI_CMD_MASTER);
}
