/*
 * Self-tests of the tables and buses that only a machine (QEMU's pc and
 * q35 models) can show: ACPI, the I/O APIC, PCI enumeration, MSI and
 * MSI-X.  selftest.c runs them by name (test=acpi, test=pci, test=msi,
 * test=msix); tests/qemu/pci.sh boots each on both machines, with
 * devices whose registers QEMU documents:
 *
 *   acpi  the MADT lists the CPUs QEMU was given (expect_cpus=N on the
 *         command line), an I/O APIC, the IRQ 0 -> GSI 2 override; the
 *         MCFG exists on q35 and not on pc (machine=q35|pc); the serial
 *         line is routed through the I/O APIC and the 8259s are masked;
 *         and hand-made tables, well-formed and broken (bad checksums,
 *         lengths, entries), parse as they should without harm.
 *   pci   the host bridge, a device behind a bridge, and the BARs of
 *         edu, e1000e and virtio-rng-pci with QEMU's sizes; ECAM and
 *         mechanism #1 agree; capabilities; driver binding by id and by
 *         class.
 *   msi   QEMU's "edu" device raises an MSI on demand (write to its
 *         register 0x60); the handler must run on the CPU the message
 *         was aimed at: CPU 0 and, with SMP, the last CPU.
 *   msix  an e1000e's table entries read back as programmed, and its
 *         "interrupt cause set" register, with the RX queue 0 cause
 *         mapped to one entry through IVAR, delivers that entry's
 *         vector; a masked entry holds the message until unmasked.
 *
 * Each test names the failed check and powers off with status 1 itself;
 * when all pass it returns and selftest.c prints "NAME test: ok".
 */
#include "acpi.h"
#include "contract/boot.h"
#include "contract/clock.h"
#include "contract/cpu.h"
#include "cpufunc.h"
#include "drivers/pci.h"
#include "kern/cmdline.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "proc/thread.h"
#include "trap.h"
#include "selftest.h"
#include "x86.h"

#define MS		1000000ull
#define WAIT_NS		(2000 * MS)	/* an interrupt is late after this */
#define QUIET_NS	(50 * MS)	/* and absent if none came by then */
#define KIB		1024ull
#define MIB		(1024 * KIB)

#define RTE_VECTOR	0xffull
#define RTE_ACTIVE_LOW	(1ull << 13)
#define RTE_LEVEL	(1ull << 15)
#define RTE_MASKED	(1ull << 16)

/* QEMU's edu device (docs/specs/edu.rst): 32-bit registers in BAR 0. */
#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_ID		0x00		/* 0xRRrr00ed */
#define EDU_LIVENESS	0x04		/* reads back inverted */
#define EDU_INTR_STATUS	0x24
#define EDU_INTR_RAISE	0x60
#define EDU_INTR_ACK	0x64

/* Intel 82574L (e1000e) registers and interrupt causes. */
#define E1000E_DEVICE	0x10d3
#define E1000E_ICR	0x00c0
#define E1000E_ICS	0x00c8
#define E1000E_IMS	0x00d0
#define E1000E_IMC	0x00d8
#define E1000E_IVAR	0x00e4
#define E1000E_RXQ0	0x00100000u	/* ICR/IMS bit: RX queue 0 */
#define IVAR_VALID	0x8		/* per 4-bit IVAR field */
#define E1000E_MSIX	5		/* QEMU's table size */

#define MSI_CTRL_ENABLE	 0x0001
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_FMASK	 0x4000

/* The number N of "key=N" on the command line, or -1. */
static long cmdline_number(const char *key)
{
	const char *v = cmdline_get(key);
	long n = 0;

	if (v == NULL || *v == '\0')
		return -1;
	for (; *v >= '0' && *v <= '9'; v++)
		n = n * 10 + (*v - '0');
	return *v == '\0' ? n : -1;
}

/* True when the command line says machine=q35 (else it must say pc). */
static bool machine_q35(void)
{
	bool q35 = cmdline_has("machine=q35");

	CHECK(q35 || cmdline_has("machine=pc"));
	return q35;
}

/* Wait up to ns for *flag to become nonzero; true if it did. */
static bool wait_for(volatile int *flag, uint64_t ns)
{
	uint64_t end_ns = clock_ns() + ns;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == 0) {
		if (clock_ns() >= end_ns)
			return false;
		thread_sleep_ns(MS);
	}
	return true;
}

/* The MADT's CPUs: as many as QEMU was given, this one among them. */
static void test_acpi_cpus(void)
{
	long want = cmdline_number("expect_cpus");
	bool self = false;
	unsigned i, j;

	CHECK(want > 0);
	CHECK(acpi.ncpus == (unsigned long)want);
	for (i = 0; i < acpi.ncpus; i++) {
		self |= acpi.cpus[i].apic_id == lapic_id();
		for (j = 0; j < i; j++)
			CHECK(acpi.cpus[i].apic_id != acpi.cpus[j].apic_id);
	}
	CHECK(self);
}

/* IRQ 4 goes through the I/O APIC: edge, active high, unmasked. */
static void test_acpi_serial_route(void)
{
	uint32_t gsi = acpi_isa_gsi(4, NULL);
	uint64_t rte = 0;
	bool listed = false;
	unsigned i;

	CHECK(ioapic_rte(gsi, &rte));
	CHECK((rte & RTE_VECTOR) >= VEC_DEVICE_FIRST &&
	    (rte & RTE_VECTOR) <= VEC_DEVICE_LAST);
	CHECK(!(rte & (RTE_MASKED | RTE_LEVEL | RTE_ACTIVE_LOW)));
	for (i = 0; i < acpi.ncpus; i++)
		listed |= acpi.cpus[i].apic_id == rte >> 56;
	CHECK(listed);
	CHECK(inb(0x21) == 0xff && inb(0xa1) == 0xff);	/* 8259s masked */
	CHECK(!ioapic_rte(0xffffff, &rte));
	CHECK(ioapic_route(gsi, 0x10, 0, 0) == -EINVAL);
}

/*
 * Hand-made tables for acpi_parse(), in one zeroed page: the RSDP at 0,
 * the RSDT (listing the MADT) at 0x40, the XSDT (MADT, MCFG, HPET) at
 * 0x80, the MADT at 0x100, the MCFG at 0x400, the HPET at 0x480.
 */
#define FAKE_RSDT	0x040
#define FAKE_XSDT	0x080
#define FAKE_MADT	0x100
#define FAKE_MCFG	0x400
#define FAKE_HPET	0x480
#define SDT_HEADER	36

/* A MADT body: two CPUs once duplicates, disabled ones and junk are out. */
static const uint8_t good_madt[] = {
	0, 8, 0, 0, 1, 0, 0, 0,		/* LAPIC uid 0, id 0, enabled */
	0, 8, 1, 1, 2, 0, 0, 0,		/* LAPIC id 1, online-capable only */
	9, 16, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* x2APIC id 0 again */
	9, 16, 0, 0, 0x2c, 1, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, /* x2APIC 300 */
	1, 12, 5, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0, /* I/O APIC 5, GSI 0 */
	2, 10, 0, 0, 2, 0, 0, 0, 0, 0,	/* ISA IRQ 0 -> GSI 2 */
	2, 10, 0, 9, 9, 0, 0, 0, 0xd, 0, /* ISA IRQ 9: level, active high */
	2, 10, 1, 3, 3, 0, 0, 0, 0, 0,	/* bus 1: not ISA, ignored */
	5, 12, 0, 0, 0, 0, 0xe1, 0xfe, 0, 0, 0, 0, /* LAPIC at 0xfee10000 */
	0x7f, 4, 0, 0,			/* a type we do not read */
	0, 6, 9, 9, 1, 0,		/* a LAPIC entry too short: skipped */
};

/* A MADT whose second entry claims length 0: the walk must stop there. */
static const uint8_t zero_len_madt[] = {
	0, 8, 0, 0, 1, 0, 0, 0,
	0, 0, 1, 1, 1, 0, 0, 0,
	0, 8, 2, 2, 1, 0, 0, 0,
};

/* A MADT whose last entry runs past the table's end. */
static const uint8_t overrun_madt[] = {
	0, 8, 0, 0, 1, 0, 0, 0,
	1, 200, 5, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0,
};

/* Set the checksum byte at sum so the len bytes at t add up to 0. */
static void fake_seal(uint8_t *t, size_t len, size_t sum)
{
	uint8_t total = 0;
	size_t i;

	t[sum] = 0;
	for (i = 0; i < len; i++)
		total += t[i];
	t[sum] = (uint8_t)-total;
}

/* A table header with this signature and length, sealed over len bytes. */
static void fake_table(uint8_t *t, const char *sig, uint32_t len)
{
	memcpy(t, sig, 4);
	memcpy(t + 4, &len, 4);
	t[8] = 1;
	fake_seal(t, len, 9);
}

/* The root tables and an RSDP of revision rev; bad_ext spoils its v2 sum. */
static void fake_roots(uint8_t *f, paddr_t pa, uint8_t rev, bool bad_ext)
{
	uint32_t rsdt = (uint32_t)(pa + FAKE_RSDT), madt = (uint32_t)(pa +
	    FAKE_MADT), len = 36;
	uint64_t xsdt = pa + FAKE_XSDT, x[3] = { pa + FAKE_MADT,
	    pa + FAKE_MCFG, pa + FAKE_HPET };

	memcpy(f + FAKE_RSDT + SDT_HEADER, &madt, 4);
	fake_table(f + FAKE_RSDT, "RSDT", SDT_HEADER + 4);
	memcpy(f + FAKE_XSDT + SDT_HEADER, x, sizeof(x));
	fake_table(f + FAKE_XSDT, "XSDT", SDT_HEADER + sizeof(x));
	memcpy(f, "RSD PTR ", 8);
	f[15] = rev;
	memcpy(f + 16, &rsdt, 4);
	memcpy(f + 20, &len, 4);
	memcpy(f + 24, &xsdt, 8);
	fake_seal(f, 20, 8);
	fake_seal(f, 36, 32);
	f[32] += bad_ext;
}

/* The MADT with this body, the MCFG (one window) and the HPET. */
static void fake_tables(uint8_t *f, const uint8_t *body, size_t len)
{
	uint32_t lapic = 0xfee00000, flags = 1;
	uint64_t ecam = 0xb0000000, hpet = 0xfed00000;

	memset(f + FAKE_MADT, 0, FAKE_MCFG - FAKE_MADT);
	memcpy(f + FAKE_MADT + SDT_HEADER, &lapic, 4);
	memcpy(f + FAKE_MADT + SDT_HEADER + 4, &flags, 4);
	memcpy(f + FAKE_MADT + SDT_HEADER + 8, body, len);
	fake_table(f + FAKE_MADT, "APIC", SDT_HEADER + 8 + len);
	memcpy(f + FAKE_MCFG + SDT_HEADER + 8, &ecam, 8);
	f[FAKE_MCFG + SDT_HEADER + 19] = 0xff;		/* buses 0..255 */
	fake_table(f + FAKE_MCFG, "MCFG", SDT_HEADER + 8 + 16);
	memcpy(f + FAKE_HPET + SDT_HEADER + 8, &hpet, 8);
	fake_table(f + FAKE_HPET, "HPET", SDT_HEADER + 20);
}

/* Parse the fake tables at pa into *ai, from scratch. */
static void fake_parse(paddr_t pa, struct acpi_info *ai)
{
	memset(ai, 0, sizeof(*ai));
	acpi_parse(pa, ai, kzalloc);
}

/* Well-formed tables parse into exactly what they say. */
static void test_acpi_parse_good(uint8_t *f, paddr_t pa)
{
	struct acpi_info ai;

	fake_roots(f, pa, 2, false);
	fake_tables(f, good_madt, sizeof(good_madt));
	fake_parse(pa, &ai);
	CHECK(ai.ncpus == 2 && ai.cpus[0].apic_id == 0 &&
	    ai.cpus[1].apic_id == 300 && ai.cpus[1].acpi_uid == 5);
	CHECK(ai.nioapics == 1 && ai.ioapics[0].id == 5 &&
	    ai.ioapics[0].addr == 0xfec00000 && ai.ioapics[0].gsi_base == 0);
	CHECK(ai.noverrides == 2 && ai.overrides[0].irq == 0 &&
	    ai.overrides[0].gsi == 2 && ai.overrides[1].irq == 9 &&
	    ai.overrides[1].flags == 0xd);
	CHECK(ai.lapic_addr == 0xfee10000 && ai.legacy_pics);
	CHECK(ai.nmcfg == 1 && ai.mcfg[0].base == 0xb0000000 &&
	    ai.mcfg[0].bus_start == 0 && ai.mcfg[0].bus_end == 255);
	CHECK(ai.hpet_addr == 0xfed00000);
	CHECK(ioapic_flags_from_mps(0xd, true) == IOAPIC_LEVEL);
	CHECK(ioapic_flags_from_mps(0, false) ==
	    (IOAPIC_LEVEL | IOAPIC_ACTIVE_LOW));
	CHECK(ioapic_flags_from_mps(0x7, false) == IOAPIC_ACTIVE_LOW);
}

/* Broken tables are ignored or cut short, never trusted, never fatal. */
static void test_acpi_parse_broken(uint8_t *f, paddr_t pa)
{
	struct acpi_info ai;

	fake_roots(f, pa, 2, false);
	fake_tables(f, good_madt, sizeof(good_madt));
	f[FAKE_MADT + 9]++;			/* MADT checksum */
	fake_parse(pa, &ai);
	CHECK(ai.ncpus == 1 && ai.nioapics == 0 && ai.nmcfg == 1);
	fake_tables(f, zero_len_madt, sizeof(zero_len_madt));
	fake_parse(pa, &ai);
	CHECK(ai.ncpus == 1 && ai.cpus[0].apic_id == 0);
	fake_tables(f, overrun_madt, sizeof(overrun_madt));
	fake_parse(pa, &ai);
	CHECK(ai.ncpus == 1 && ai.nioapics == 0);
	fake_tables(f, good_madt, sizeof(good_madt));
	memcpy(f + FAKE_MADT + 4, &(uint32_t){ 0x7fffffff }, 4);
	fake_seal(f + FAKE_MADT, SDT_HEADER + 8 + sizeof(good_madt), 9);
	fake_parse(pa, &ai);			/* absurd length */
	CHECK(ai.ncpus == 1 && ai.nioapics == 0);
	fake_tables(f, good_madt, sizeof(good_madt));
	f[FAKE_XSDT + 9]++;			/* XSDT checksum: RSDT used */
	fake_parse(pa, &ai);
	CHECK(ai.ncpus == 2 && ai.nmcfg == 0 && ai.hpet_addr == 0);
	fake_roots(f, pa, 2, true);		/* RSDP v2 sum: RSDT used */
	fake_parse(pa, &ai);
	CHECK(ai.ncpus == 2 && ai.nmcfg == 0);
	fake_roots(f, pa, 0, false);		/* ACPI 1.0: RSDT only */
	fake_parse(pa, &ai);
	CHECK(ai.ncpus == 2 && ai.nmcfg == 0);
	f[0] = 'X';				/* not an RSDP */
	fake_parse(pa, &ai);
	CHECK(ai.ncpus == 1 && ai.nioapics == 0 && ai.lapic_addr != 0);
	fake_parse(0, &ai);
	CHECK(ai.ncpus == 1 && ai.legacy_pics);
}

/* acpi_parse() on hand-made tables, good and broken. */
static void test_acpi_parse(void)
{
	paddr_t pa = page_alloc(0, PAGE_ZERO);

	CHECK(pa != 0);
	if (pa == 0)
		return;
	printk("acpi test: parsing broken tables; warnings expected\n");
	test_acpi_parse_good(phys_to_virt(pa), pa);
	test_acpi_parse_broken(phys_to_virt(pa), pa);
	printk("acpi test: broken tables done\n");
	page_free(pa, 0);
}

/* test=acpi: the tables match what QEMU was told to build. */
void selftest_acpi(void)
{
	bool q35;
	uint16_t flags;

	q35 = machine_q35();
	test_acpi_cpus();
	CHECK(acpi.nioapics >= 1 && ioapic_present());
	CHECK(acpi.ioapics[0].gsi_base == 0);
	CHECK(acpi.lapic_addr == 0xfee00000);
	CHECK(acpi.hpet_addr != 0);
	CHECK(acpi.legacy_pics);
	CHECK(acpi_isa_gsi(0, &flags) == 2);
	CHECK(acpi_isa_gsi(1, &flags) == 1 && flags == 0);
	if (q35)
		CHECK(acpi.nmcfg >= 1 && acpi.mcfg[0].segment == 0 &&
		    acpi.mcfg[0].bus_start == 0 && acpi.mcfg[0].base != 0);
	else
		CHECK(acpi.nmcfg == 0);
	test_acpi_serial_route();
	test_acpi_parse();
	printk("acpi test: %u CPUs, I/O APIC at %#lx, serial on GSI %u\n",
	    acpi.ncpus, acpi.ioapics[0].addr, acpi_isa_gsi(4, NULL));
}

/* BAR i of d is as QEMU sizes it, assigned and naturally aligned. */
static void check_bar(const struct pci_dev *d, unsigned i, unsigned flags,
    uint64_t size)
{
	const struct pci_bar *b = &d->bar[i];

	CHECK(b->flags == flags);
	CHECK(b->size == size);
	if (size != 0)
		CHECK(b->base != 0 && b->base % size == 0);
}

/* The one device with these ids, which must exist. */
static struct pci_dev *find_one(uint16_t vendor, uint16_t device)
{
	struct pci_dev *d = pci_find(vendor, device, NULL);

	CHECK(d != NULL);
	CHECK(d == NULL || pci_find(vendor, device, d) == NULL);
	return d;
}

/* The host bridge at 00:00.0, and the ISA/LPC bridge. */
static void test_pci_bridges(bool q35)
{
	struct pci_dev *d = find_one(0x8086, q35 ? 0x29c0 : 0x1237);
	unsigned i;

	if (d == NULL)
		return;
	CHECK(d->bus == 0 && d->dev == 0 && d->fn == 0);
	CHECK(d->class == 0x06 && d->subclass == 0x00 && d->header_type == 0);
	CHECK(pci_find_class(0x06, 0x00, NULL) == d);
	for (i = 0; i < PCI_BARS; i++)
		CHECK(d->bar[i].size == 0);
	d = find_one(0x8086, q35 ? 0x2918 : 0x7000);
	CHECK(d != NULL && d->class == 0x06 && d->subclass == 0x01);
	CHECK(d != NULL && d->dev == (q35 ? 0x1f : 1) && d->fn == 0);
}

/* edu sits behind a PCI bridge: on the bridge's secondary bus. */
static void test_pci_edu(void)
{
	struct pci_dev *d = find_one(EDU_VENDOR, EDU_DEVICE), *br;
	volatile uint32_t *regs;
	unsigned i;

	if (d == NULL)
		return;
	CHECK(d->bus != 0);
	for (br = pci_find_class(0x06, 0x04, NULL); br != NULL;
	    br = pci_find_class(0x06, 0x04, br))
		if (br->header_type == 1 && pci_read8(br, 0x19) == d->bus)
			break;
	CHECK(br != NULL);
	check_bar(d, 0, 0, 1 * MIB);
	for (i = 1; i < PCI_BARS; i++)
		check_bar(d, i, 0, 0);
	CHECK(d->class == 0x00 && d->subclass == 0xff);
	CHECK(pci_read16(d, PCI_COMMAND) & PCI_CMD_MEMORY);
	CHECK(pci_map_bar(d, 0, 1 * MIB, 4) == NULL);
	CHECK(pci_map_bar(d, 0, 1 * MIB - 4, 8) == NULL);
	CHECK(pci_map_bar(d, 1, 0, 4) == NULL);
	regs = (volatile uint32_t *)pci_map_bar(d, 0, 0, PAGE_SIZE);
	CHECK(regs != NULL);
	if (regs == NULL)
		return;
	CHECK((regs[EDU_ID / 4] & 0xff) == 0xed);
	regs[EDU_LIVENESS / 4] = 0x12345678;
	CHECK(regs[EDU_LIVENESS / 4] == ~0x12345678u);
}

/* e1000e: four BARs of three kinds, PCIe and MSI-X capabilities. */
static void test_pci_e1000e(bool q35)
{
	struct pci_dev *d = find_one(0x8086, E1000E_DEVICE);

	if (d == NULL)
		return;
	check_bar(d, 0, 0, 128 * KIB);
	check_bar(d, 1, 0, 128 * KIB);
	check_bar(d, 2, PCI_BAR_IO, 32);
	check_bar(d, 3, 0, 16 * KIB);
	check_bar(d, 4, 0, 0);
	CHECK(pci_map_bar(d, 2, 0, 4) == NULL);		/* I/O ports */
	CHECK(pci_find_cap(d, PCI_CAP_MSIX, 0) != 0);
	CHECK(pci_msix_count(d) == E1000E_MSIX);
	if (q35) {
		CHECK(pci_find_cap(d, PCI_CAP_PCIE, 0) != 0);
		/* Extended capability 3: the device serial number. */
		CHECK(pci_find_ext_cap(d, 0x0003) >= 0x100);
	}
	CHECK(pci_find_ext_cap(d, 0x7777) == 0);
}

/* virtio-rng: an I/O BAR, a 32-bit and a 64-bit prefetchable one. */
static void test_pci_virtio(void)
{
	struct pci_dev *d = find_one(0x1af4, 0x1005);

	if (d == NULL)
		return;
	check_bar(d, 0, PCI_BAR_IO, 32);
	check_bar(d, 1, 0, 4 * KIB);
	check_bar(d, 2, 0, 0);
	check_bar(d, 4, PCI_BAR_64 | PCI_BAR_PREFETCH, 16 * KIB);
	check_bar(d, 5, 0, 0);		/* bar 4's upper half */
	CHECK(pci_find_cap(d, PCI_CAP_MSIX, 0) != 0);
	CHECK(pci_find_cap(d, 0x42, 0) == 0);
}

/* With ECAM (q35 only), it and mechanism #1 read the same bytes. */
static void test_pci_config_paths(bool q35)
{
	struct pci_dev *d, legacy;
	unsigned off;

	for (d = pci_next(NULL); d != NULL; d = pci_next(d)) {
		CHECK((d->ecam != NULL) == q35);
		legacy = *d;
		legacy.ecam = NULL;
		for (off = 0; off < 0x40; off += 4)
			CHECK(pci_read32(d, off) == pci_read32(&legacy, off));
		CHECK(pci_read16(d, 2) == pci_read16(&legacy, 2));
		CHECK(pci_read8(d, PCI_HEADER_TYPE) ==
		    pci_read8(&legacy, PCI_HEADER_TYPE));
		CHECK(pci_read32(&legacy, 0x100) == 0xffffffffu);
	}
}

static int edu_probes, nic_probes;

/* A driver for edu: takes it. */
static int edu_probe(struct pci_dev *d, const struct pci_id *id)
{
	edu_probes++;
	return 0;
}

/* A driver for every Ethernet controller: looks, declines. */
static int nic_probe(struct pci_dev *d, const struct pci_id *id)
{
	nic_probes++;
	return -ENODEV;
}

/* Drivers bind by id; class matches see every Ethernet device. */
static void test_pci_drivers(void)
{
	static const struct pci_id edu_ids[] = {
		{ EDU_VENDOR, EDU_DEVICE, 0, 0 }, { 0 },
	};
	static const struct pci_id nic_ids[] = {
		{ PCI_ANY, PCI_ANY, 0x020000, 0xffff00 }, { 0 },
	};
	static const struct pci_driver edu_drv = { "edu test", edu_ids,
	    edu_probe };
	static const struct pci_driver nic_drv = { "nic test", nic_ids,
	    nic_probe };
	struct pci_dev *d;
	int nics = 0;

	CHECK(pci_driver_register(&edu_drv) == 1);
	CHECK(edu_probes == 1);
	d = pci_find(EDU_VENDOR, EDU_DEVICE, NULL);
	CHECK(d != NULL && d->driver == &edu_drv);
	CHECK(pci_driver_register(&edu_drv) == 0);
	for (d = pci_find_class(0x02, 0x00, NULL); d != NULL;
	    d = pci_find_class(0x02, 0x00, d))
		nics++;
	CHECK(nics >= 1);
	CHECK(pci_driver_register(&nic_drv) == 0);
	CHECK(nic_probes == nics);
}

/* test=pci: enumeration, BARs, configuration paths, drivers. */
void selftest_pci(void)
{
	bool q35;

	q35 = machine_q35();
	test_pci_bridges(q35);
	test_pci_edu();
	test_pci_e1000e(q35);
	test_pci_virtio();
	test_pci_config_paths(q35);
	test_pci_drivers();
}

/* What a message interrupt handler saw. */
struct msi_ctx {
	struct pci_dev *dev;
	volatile uint32_t *regs;	/* the device's BAR 0 */
	unsigned cpu;			/* the CPU the test ran on */
	int vector;
	int fired;			/* handler calls */
	unsigned handler_cpu;
	unsigned handler_apic;
	uint32_t status;		/* edu: its interrupt status */
};

/* edu's MSI: note where it ran, then acknowledge the device. */
static void edu_intr(void *arg)
{
	struct msi_ctx *c = arg;

	c->handler_cpu = cpu_id();
	c->handler_apic = lapic_id();
	c->status = c->regs[EDU_INTR_STATUS / 4];
	c->regs[EDU_INTR_ACK / 4] = c->status;
	__atomic_fetch_add(&c->fired, 1, __ATOMIC_RELEASE);
}

/* The MSI capability reads back: our address, vector, enable, no INTx. */
static void check_msi_config(struct msi_ctx *c, unsigned apic)
{
	struct pci_dev *d = c->dev;
	unsigned cap = pci_find_cap(d, PCI_CAP_MSI, 0);
	uint16_t ctrl = pci_read16(d, cap + 2);

	CHECK(cap != 0);
	CHECK(ctrl & MSI_CTRL_ENABLE);
	CHECK(pci_read32(d, cap + 4) == (0xfee00000u | apic << 12));
	CHECK(ctrl & 0x80);			/* edu's MSI is 64-bit */
	CHECK(pci_read32(d, cap + 8) == 0);
	CHECK(pci_read16(d, cap + 12) == c->vector);
	CHECK(pci_read16(d, PCI_COMMAND) & PCI_CMD_INTX_DISABLE);
	CHECK(pci_read16(d, PCI_COMMAND) & PCI_CMD_MASTER);
}

/* On this CPU: aim edu's MSI here, raise it, see it arrive here. */
static void msi_on_cpu(void *arg)
{
	struct msi_ctx *c = arg;
	unsigned long s = intr_save();
	unsigned apic = lapic_id();

	c->cpu = cpu_id();
	intr_restore(s);
	c->fired = 0;
	c->vector = pci_msi_enable(c->dev, edu_intr, c);
	CHECK(c->vector >= VEC_DEVICE_FIRST && c->vector <= VEC_DEVICE_LAST);
	if (c->vector < 0)
		return;
	CHECK(pci_msi_enable(c->dev, edu_intr, c) == -EBUSY);
	CHECK(pci_msi_mask(c->dev, true) == -EOPNOTSUPP);
	check_msi_config(c, apic);
	c->regs[EDU_INTR_RAISE / 4] = 1u << c->cpu;
	CHECK(wait_for(&c->fired, WAIT_NS));
	CHECK(c->fired == 1);
	CHECK(c->handler_cpu == c->cpu && c->handler_apic == apic);
	CHECK(c->status == 1u << c->cpu);
	printk("msi test: vector %d on cpu %u (apic %u), handled on cpu %u\n",
	    c->vector, c->cpu, apic, c->handler_cpu);
	pci_intr_disable(c->dev);
	CHECK(!(pci_read16(c->dev, pci_find_cap(c->dev, PCI_CAP_MSI, 0) + 2) &
	    MSI_CTRL_ENABLE));
	/* Disabled: a raise now reaches nobody (INTx stays off too). */
	c->fired = 0;
	c->regs[EDU_INTR_RAISE / 4] = 0x100;
	CHECK(!wait_for(&c->fired, QUIET_NS));
	c->regs[EDU_INTR_ACK / 4] = 0x100;
}

/* Run fn(arg) in a thread pinned to cpu and wait for it. */
static void run_on(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct thread *t = thread_create_on(cpu, "pci test", fn, arg);

	CHECK(t != NULL);
	if (t != NULL)
		thread_join(t);
}

/* test=msi: edu's message reaches the CPU it names. */
void selftest_msi(void)
{
	static struct msi_ctx c;

	c.dev = pci_find(EDU_VENDOR, EDU_DEVICE, NULL);
	CHECK(c.dev != NULL);
	if (c.dev == NULL)
		platform_poweroff(1);	/* the CHECK above failed */
	pci_enable_decode(c.dev);
	c.regs = (volatile uint32_t *)pci_map_bar(c.dev, 0, 0, PAGE_SIZE);
	CHECK(c.regs != NULL && (c.regs[EDU_ID / 4] & 0xff) == 0xed);
	run_on(0, msi_on_cpu, &c);
	if (cpu_count() > 1)
		run_on(cpu_count() - 1, msi_on_cpu, &c);
	else
		printk("msi test: one CPU running; only CPU 0 tested\n");
}

/* One e1000e MSI-X entry's handler: count, and clear the cause. */
static void e1000e_intr(void *arg)
{
	struct msi_ctx *c = arg;

	c->handler_cpu = cpu_id();
	c->handler_apic = lapic_id();
	c->regs[E1000E_ICR / 4] = E1000E_RXQ0;
	__atomic_fetch_add(&c->fired, 1, __ATOMIC_RELEASE);
}

/* Every table entry reads back as pci_msix_enable() wrote it. */
static void check_msix_table(struct pci_dev *d, struct msi_ctx *c,
    unsigned apic)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX, 0), i;
	uint32_t t = pci_read32(d, cap + 4);
	volatile uint32_t *tab = (volatile uint32_t *)pci_map_bar(d, t & 7,
	    t & ~7u, E1000E_MSIX * 16);
	uint16_t ctrl = pci_read16(d, cap + 2);

	CHECK(tab != NULL);
	CHECK((ctrl & MSIX_CTRL_ENABLE) && !(ctrl & MSIX_CTRL_FMASK));
	CHECK(pci_read16(d, PCI_COMMAND) & PCI_CMD_INTX_DISABLE);
	for (i = 0; tab != NULL && i < E1000E_MSIX; i++) {
		CHECK(tab[i * 4] == (0xfee00000u | apic << 12));
		CHECK(tab[i * 4 + 1] == 0);
		CHECK(tab[i * 4 + 2] == (uint32_t)c[i].vector);
		CHECK((tab[i * 4 + 3] & 1) == 0);
	}
	CHECK(pci_msix_mask(d, 1, true) == 0);
	CHECK(tab == NULL || (tab[1 * 4 + 3] & 1) == 1);
	CHECK(pci_msix_mask(d, 1, false) == 0);
}

/* Raise RX queue 0's cause, mapped to entry e; did entry e's vector fire? */
static bool e1000e_raise(struct msi_ctx *c, unsigned e, uint64_t wait)
{
	c[e].fired = 0;
	c[e].regs[E1000E_ICS / 4] = E1000E_RXQ0;
	return wait_for(&c[e].fired, wait);
}

/* On this CPU: enable every entry, check them, deliver through one. */
static void msix_on_cpu(void *arg)
{
	struct msi_ctx *c = arg;
	struct pci_dev *d = c[0].dev;
	unsigned long s = intr_save();
	unsigned apic = lapic_id(), i, e = 3;

	c[0].cpu = cpu_id();
	intr_restore(s);
	for (i = 0; i < E1000E_MSIX; i++) {
		c[i].vector = pci_msix_enable(d, i, e1000e_intr, &c[i]);
		CHECK(c[i].vector >= VEC_DEVICE_FIRST);
		CHECK(i == 0 || c[i].vector != c[i - 1].vector);
	}
	CHECK(pci_msix_enable(d, 0, e1000e_intr, &c[0]) == -EBUSY);
	CHECK(pci_msix_enable(d, E1000E_MSIX, e1000e_intr, &c[0]) == -EINVAL);
	CHECK(pci_msi_enable(d, e1000e_intr, &c[0]) == -EBUSY);
	check_msix_table(d, c, apic);
	c[0].regs[E1000E_IVAR / 4] = IVAR_VALID | e;	/* RXQ0 -> entry e */
	c[0].regs[E1000E_IMS / 4] = E1000E_RXQ0;
	CHECK(e1000e_raise(c, e, WAIT_NS));
	CHECK(c[e].handler_cpu == c[0].cpu && c[e].handler_apic == apic);
	/* A masked entry holds its message; unmasking delivers it. */
	CHECK(pci_msix_mask(d, e, true) == 0);
	CHECK(!e1000e_raise(c, e, QUIET_NS));
	CHECK(pci_msix_mask(d, e, false) == 0);
	CHECK(wait_for(&c[e].fired, WAIT_NS));
	for (i = 0; i < E1000E_MSIX; i++)
		CHECK(i == e || c[i].fired == 0);
	printk("msix test: entry %u, vector %d, handled on cpu %u\n", e,
	    c[e].vector, c[e].handler_cpu);
	c[0].regs[E1000E_IMC / 4] = E1000E_RXQ0;
	pci_intr_disable(d);
	CHECK(!(pci_read16(d, pci_find_cap(d, PCI_CAP_MSIX, 0) + 2) &
	    MSIX_CTRL_ENABLE));
	CHECK(pci_msix_mask(d, 0, true) == -EINVAL);
	/* Off and on again: the vectors came back, entry 0 takes one. */
	CHECK(pci_msix_enable(d, 0, e1000e_intr, &c[0]) >= VEC_DEVICE_FIRST);
	pci_intr_disable(d);
}

/* test=msix: an e1000e's MSI-X table, programmed and delivering. */
void selftest_msix(void)
{
	static struct msi_ctx c[E1000E_MSIX];
	volatile uint32_t *regs;
	struct pci_dev *d;
	unsigned i;

	d = pci_find(0x8086, E1000E_DEVICE, NULL);
	CHECK(d != NULL && pci_msix_count(d) == E1000E_MSIX);
	if (d == NULL || pci_msix_count(d) != E1000E_MSIX)
		platform_poweroff(1);	/* the CHECK above failed */
	pci_enable_decode(d);
	regs = (volatile uint32_t *)pci_map_bar(d, 0, 0, PAGE_SIZE);
	CHECK(regs != NULL);
	if (regs == NULL)
		platform_poweroff(1);	/* the CHECK above failed */
	for (i = 0; i < E1000E_MSIX; i++) {
		c[i].dev = d;
		c[i].regs = regs;
	}
	run_on(cpu_count() - 1, msix_on_cpu, c);
}
