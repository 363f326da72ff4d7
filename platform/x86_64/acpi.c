/*
 * ACPI tables: read once at boot, copied into struct acpi_info.
 *
 * The root system description pointer (RSDP) comes from the loader (PVH
 * start_info, later a multiboot2 tag) in bootinfo.rsdp; without one we
 * search where the ACPI spec says a legacy BIOS puts it: the first KiB of
 * the EBDA (whose segment the BIOS data area holds at 0x40e) and the BIOS
 * ROM area 0xe0000..0xfffff, on 16-byte boundaries.  The RSDP names the
 * RSDT (32-bit table pointers) and, from revision 2 on, the XSDT (64-bit
 * pointers), which we prefer when present.
 *
 * Of the tables the root lists we read three: the MADT ("APIC": CPUs,
 * I/O APICs, interrupt source overrides, the local APIC address), the
 * MCFG (PCIe ECAM windows) and the HPET.  Firmware is not trusted: every
 * table's length is bounded (ACPI_TABLE_MAX) and its checksum verified; a
 * table that fails either is ignored with a warning, never a crash, and
 * MADT entries whose length would run past the table end the walk.
 *
 * Tables are read through the direct map, which covers RAM and the E820
 * ACPI/NVS areas in whole 2 MiB chunks (kmap.c).  Some firmware puts
 * tables in plain "reserved" memory away from RAM; those are reached
 * through an uncached mmio_map() window instead (slower, but they are
 * read once).
 *
 * The parsed arrays are sized from the tables, with no fixed maximum: a
 * first pass over the MADT counts entries, then the arrays come from
 * boot pages (boot_page_alloc(), so this runs after physmem_init() and
 * before the page allocator takes over RAM) and live for good.
 *
 * The parser writes into whichever struct acpi_info it is given, with
 * arrays from whichever allocator, so the self-test (test=acpi) can feed
 * it hand-made broken tables after boot, with kzalloc().
 */
#include "acpi.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "memlayout.h"
#include "x86.h"

#define ACPI_TABLE_MAX	(256u << 10)	/* far above any table we parse */
#define RSDP_V1_LEN	20
#define BDA_EBDA_SEG	0x40e
#define EBDA_SCAN_LEN	1024
#define EBDA_LOWEST	0x80000		/* an EBDA below this is bogus */
#define BIOS_ROM_LOW	0xa0000		/* video memory and ROMs start here */
#define BIOS_ROM_START	0xe0000
#define BIOS_ROM_END	0x100000
#define LARGE_PAGE	0x200000ul
#define DEFAULT_LAPIC	0xfee00000ul

/* MADT entry types. */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_OVERRIDE		2
#define MADT_LAPIC_ADDR		5
#define MADT_X2APIC		9

#define MADT_PCAT_COMPAT	0x1	/* MADT flags: 8259s present */
#define LAPIC_ENABLED		0x1
#define LAPIC_ONLINE_CAPABLE	0x2
#define GAS_SYSTEM_MEMORY	0

struct rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 2 and up: the fields below */
	uint32_t rsdt_addr;
	uint32_t length;
	uint64_t xsdt_addr;
	uint8_t ext_checksum;		/* over length bytes */
	uint8_t reserved[3];
} __attribute__((packed));

struct sdt_header {
	char signature[4];
	uint32_t length;		/* header included */
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

struct madt {
	struct sdt_header h;
	uint32_t lapic_addr;
	uint32_t flags;
	uint8_t entries[];
} __attribute__((packed));

struct madt_entry {
	uint8_t type;
	uint8_t length;
} __attribute__((packed));

struct madt_lapic {
	struct madt_entry e;
	uint8_t acpi_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_ioapic {
	struct madt_entry e;
	uint8_t id;
	uint8_t reserved;
	uint32_t addr;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_override {
	struct madt_entry e;
	uint8_t bus;			/* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

struct madt_lapic_addr {
	struct madt_entry e;
	uint16_t reserved;
	uint64_t addr;
} __attribute__((packed));

struct madt_x2apic {
	struct madt_entry e;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t acpi_uid;
} __attribute__((packed));

struct mcfg {
	struct sdt_header h;
	uint64_t reserved;
	struct mcfg_entry {
		uint64_t base;
		uint16_t segment;
		uint8_t bus_start;
		uint8_t bus_end;
		uint32_t reserved;
	} __attribute__((packed)) entries[];
} __attribute__((packed));

struct hpet {
	struct sdt_header h;
	uint32_t block_id;
	uint8_t space_id;		/* generic address structure */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t addr;
	uint8_t number;
	uint16_t min_tick;
	uint8_t page_protection;
} __attribute__((packed));

struct acpi_info acpi;

static char *arena;			/* boot_alloc()'s current page run */
static size_t arena_left;

/* Sum of len bytes at p, mod 256: zero for a valid ACPI structure. */
static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len-- > 0)
		sum += *b++;
	return sum;
}

/*
 * True when the direct map covers [pa, pa + len): every 2 MiB chunk it
 * touches overlaps an E820 entry of a type kmap.c maps.
 */
static bool direct_mapped(paddr_t pa, size_t len)
{
	const struct boot_mmap_entry *e;
	paddr_t chunk, end = pa + len;
	bool hit;
	int i;

	if (end < pa || end > DIRECT_MAP_SIZE)
		return false;
	for (chunk = ROUNDDOWN(pa, LARGE_PAGE); chunk < end;
	    chunk += LARGE_PAGE) {
		hit = false;
		for (i = 0; i < bootinfo.nmmap && !hit; i++) {
			e = &bootinfo.mmap[i];
			hit = (e->type == BOOT_MEM_RAM ||
			    e->type == BOOT_MEM_ACPI ||
			    e->type == BOOT_MEM_NVS) && e->len > 0 &&
			    e->base < chunk + LARGE_PAGE &&
			    e->base + e->len > chunk;
		}
		if (!hit)
			return false;
	}
	return true;
}

/* A kernel pointer to the firmware bytes [pa, pa + len). */
static const void *acpi_map(paddr_t pa, size_t len)
{
	if (direct_mapped(pa, len))
		return phys_to_virt(pa);
	return (const void *)mmio_map(pa, len);
}

/*
 * The table at pa, checked: its length lies in [sizeof header,
 * ACPI_TABLE_MAX] and its checksum is right.  NULL (with a warning)
 * otherwise.  sig, when not NULL, must match (else NULL, silently).
 */
static const struct sdt_header *table_get(paddr_t pa, const char *sig)
{
	const struct sdt_header *h;
	uint32_t len;

	if (pa == 0)
		return NULL;
	h = acpi_map(pa, sizeof(*h));
	if (sig != NULL && memcmp(h->signature, sig, 4) != 0)
		return NULL;
	len = h->length;
	if (len < sizeof(*h) || len > ACPI_TABLE_MAX) {
		printk("acpi: table %.4s at %#lx has bad length %u; ignored\n",
		    h->signature, pa, len);
		return NULL;
	}
	h = acpi_map(pa, len);
	if (checksum(h, len) != 0) {
		printk("acpi: table %.4s at %#lx has a bad checksum; ignored\n",
		    h->signature, pa);
		return NULL;
	}
	return h;
}

/* Where the RSDP says the root tables are (0: absent or not trusted). */
struct acpi_root {
	paddr_t rsdt, xsdt;
};

/* One parse: where the results go, and where their arrays come from. */
struct acpi_parse {
	struct acpi_info *ai;
	void *(*alloc)(size_t n);	/* zeroed, lives as long as ai */
};

/*
 * Check the RSDP at pa and fill in root; false when it is not one.  An
 * ACPI 2.0 RSDP whose extended checksum fails still names a usable RSDT
 * (the version 1 part checked out), so only its XSDT is distrusted.
 */
static bool rsdp_check(paddr_t pa, struct acpi_root *root)
{
	const struct rsdp *r = acpi_map(pa, RSDP_V1_LEN);

	if (memcmp(r->signature, "RSD PTR ", 8) != 0 ||
	    checksum(r, RSDP_V1_LEN) != 0)
		return false;
	root->rsdt = r->rsdt_addr;
	root->xsdt = 0;
	if (r->revision < 2)
		return true;
	r = acpi_map(pa, sizeof(*r));
	if (r->length < sizeof(*r) || r->length > PAGE_SIZE ||
	    checksum(acpi_map(pa, r->length), r->length) != 0)
		printk("acpi: RSDP at %#lx: bad extended checksum; "
		    "using the RSDT\n", pa);
	else
		root->xsdt = r->xsdt_addr;
	return true;
}

/* Search [start, start + len) on 16-byte boundaries for the RSDP; 0: none. */
static paddr_t rsdp_scan(paddr_t start, size_t len)
{
	struct acpi_root root;
	paddr_t pa;

	for (pa = start; pa + RSDP_V1_LEN <= start + len; pa += 16)
		if (memcmp(phys_to_virt(pa), "RSD PTR ", 8) == 0 &&
		    rsdp_check(pa, &root))
			return pa;
	return 0;
}

/* The RSDP: the loader's, else the EBDA's, else the BIOS ROM area's. */
static paddr_t rsdp_find(void)
{
	struct acpi_root root;
	paddr_t ebda, pa;

	if (bootinfo.rsdp != 0) {
		if (rsdp_check(bootinfo.rsdp, &root))
			return bootinfo.rsdp;
		printk("acpi: the loader's RSDP at %#lx is invalid\n",
		    bootinfo.rsdp);
	}
	/* The BIOS data area holds the EBDA's real-mode segment. */
	ebda = (paddr_t)*(const uint16_t *)phys_to_virt(BDA_EBDA_SEG) << 4;
	if (ebda >= EBDA_LOWEST && ebda < BIOS_ROM_LOW &&
	    (pa = rsdp_scan(ebda, EBDA_SCAN_LEN)) != 0)
		return pa;
	return rsdp_scan(BIOS_ROM_START, BIOS_ROM_END - BIOS_ROM_START);
}

/*
 * Zeroed memory for n bytes that lives forever, from boot pages.  A block
 * bigger than what is left of the current page needs physically
 * consecutive pages (the direct map then makes them consecutive too);
 * boot_page_alloc() hands pages out in order, skipping only non-RAM, so
 * a gap merely restarts the run.
 */
static void *boot_alloc(size_t n)
{
	paddr_t first, pa;
	size_t pages, got;
	void *p;

	n = ROUNDUP(n, 16);
	if (n > arena_left) {
		pages = ROUNDUP(n, PAGE_SIZE) / PAGE_SIZE;
		first = boot_page_alloc();
		for (got = 1; got < pages; got++) {
			pa = boot_page_alloc();
			if (pa != first + got * PAGE_SIZE) {
				first = pa;
				got = 0;
			}
		}
		arena = phys_to_virt(first);
		arena_left = pages * PAGE_SIZE;
	}
	p = arena;
	arena += n;
	arena_left -= n;
	return p;
}

static void madt_count(struct acpi_parse *ap, const struct madt_entry *e);

/* Call fn on each MADT entry that fits inside the table. */
static void madt_walk(struct acpi_parse *ap, const struct madt *m,
    void (*fn)(struct acpi_parse *, const struct madt_entry *))
{
	const uint8_t *p = m->entries, *end = (const uint8_t *)m + m->h.length;
	const struct madt_entry *e;

	while (p + sizeof(*e) <= end) {
		e = (const struct madt_entry *)p;
		if (e->length < sizeof(*e) || p + e->length > end) {
			/* Warn once, in the first pass. */
			if (fn == madt_count)
				printk("acpi: MADT entry of type %u has bad "
				    "length %u; rest ignored\n", e->type,
				    e->length);
			return;
		}
		fn(ap, e);
		p += e->length;
	}
}

/* Minimum length of each MADT entry type we read; 0 for the others. */
static size_t madt_entry_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC:
		return sizeof(struct madt_lapic);
	case MADT_IOAPIC:
		return sizeof(struct madt_ioapic);
	case MADT_OVERRIDE:
		return sizeof(struct madt_override);
	case MADT_LAPIC_ADDR:
		return sizeof(struct madt_lapic_addr);
	case MADT_X2APIC:
		return sizeof(struct madt_x2apic);
	}
	return 0;
}

/* True when e is a type we read and long enough for it. */
static bool madt_entry_ok(const struct madt_entry *e)
{
	return madt_entry_len(e->type) != 0 &&
	    e->length >= madt_entry_len(e->type);
}

/* Pass 1: count what the arrays must hold (upper bounds for CPUs). */
static void madt_count(struct acpi_parse *ap, const struct madt_entry *e)
{
	if (!madt_entry_ok(e))
		return;
	switch (e->type) {
	case MADT_LAPIC:
	case MADT_X2APIC:
		ap->ai->ncpus++;
		break;
	case MADT_IOAPIC:
		ap->ai->nioapics++;
		break;
	case MADT_OVERRIDE:
		ap->ai->noverrides++;
		break;
	}
}

/*
 * Record an enabled CPU once: firmware may list a CPU both as a local
 * APIC and as an x2APIC.  Online-capable but disabled CPUs (hot-plug
 * slots) are not recorded: nothing can start them today.
 */
static void cpu_add(struct acpi_info *ai, uint32_t apic_id, uint32_t uid,
    uint32_t flags)
{
	unsigned i;

	if (!(flags & LAPIC_ENABLED))
		return;
	for (i = 0; i < ai->ncpus; i++)
		if (ai->cpus[i].apic_id == apic_id)
			return;
	ai->cpus[ai->ncpus].apic_id = apic_id;
	ai->cpus[ai->ncpus].acpi_uid = uid;
	ai->ncpus++;
}

/* Pass 2: fill the arrays. */
static void madt_record(struct acpi_parse *ap, const struct madt_entry *e)
{
	const struct madt_lapic *l = (const void *)e;
	const struct madt_x2apic *x = (const void *)e;
	const struct madt_ioapic *io = (const void *)e;
	const struct madt_override *o = (const void *)e;
	const struct madt_lapic_addr *la = (const void *)e;
	struct acpi_info *ai = ap->ai;

	if (!madt_entry_ok(e))
		return;
	switch (e->type) {
	case MADT_LAPIC:
		if (l->apic_id != 0xff)	/* 0xff: listed as an x2APIC instead */
			cpu_add(ai, l->apic_id, l->acpi_uid, l->flags);
		break;
	case MADT_X2APIC:
		cpu_add(ai, x->x2apic_id, x->acpi_uid, x->flags);
		break;
	case MADT_IOAPIC:
		ai->ioapics[ai->nioapics++] = (struct acpi_ioapic){
		    io->id, io->addr, io->gsi_base };
		break;
	case MADT_OVERRIDE:
		if (o->bus == 0)
			ai->overrides[ai->noverrides++] =
			    (struct acpi_irq_override){ o->source, o->gsi,
			    o->flags };
		break;
	case MADT_LAPIC_ADDR:
		ai->lapic_addr = la->addr;
		break;
	}
}

/* The MADT: CPUs, I/O APICs, overrides, the local APIC address. */
static void madt_parse(struct acpi_parse *ap, const struct madt *m)
{
	struct acpi_info *ai = ap->ai;

	if (m->h.length < sizeof(*m)) {
		printk("acpi: MADT too short; ignored\n");
		return;
	}
	ai->lapic_addr = m->lapic_addr;
	ai->legacy_pics = (m->flags & MADT_PCAT_COMPAT) != 0;
	madt_walk(ap, m, madt_count);
	ai->cpus = ap->alloc(MAX(ai->ncpus, 1u) * sizeof(*ai->cpus));
	ai->ioapics = ap->alloc(ai->nioapics * sizeof(*ai->ioapics));
	ai->overrides = ap->alloc(ai->noverrides * sizeof(*ai->overrides));
	ai->ncpus = ai->nioapics = ai->noverrides = 0;
	madt_walk(ap, m, madt_record);
}

/* The MCFG: one ECAM window per PCI segment group (and bus range). */
static void mcfg_parse(struct acpi_parse *ap, const struct mcfg *m)
{
	struct acpi_info *ai = ap->ai;
	unsigned i, n;

	if (m->h.length < sizeof(*m))
		return;
	n = (m->h.length - sizeof(*m)) / sizeof(m->entries[0]);
	ai->mcfg = ap->alloc(MAX(n, 1u) * sizeof(*ai->mcfg));
	for (i = 0; i < n; i++) {
		if (m->entries[i].bus_end < m->entries[i].bus_start)
			continue;
		ai->mcfg[ai->nmcfg++] = (struct acpi_mcfg){
		    m->entries[i].base, m->entries[i].segment,
		    m->entries[i].bus_start, m->entries[i].bus_end };
	}
}

/* The HPET: only where its registers are. */
static void hpet_parse(struct acpi_parse *ap, const struct hpet *h)
{
	if (h->h.length < offsetof(struct hpet, number) ||
	    h->space_id != GAS_SYSTEM_MEMORY)
		return;
	ap->ai->hpet_addr = h->addr;
}

/* Hand one table the root lists to its parser, if we read that kind. */
static void table_parse(struct acpi_parse *ap, paddr_t pa)
{
	struct acpi_info *ai = ap->ai;
	const struct sdt_header *h;
	char sig[4];

	if (pa == 0)
		return;
	memcpy(sig, ((const struct sdt_header *)acpi_map(pa,
	    sizeof(*h)))->signature, sizeof(sig));
	if (memcmp(sig, "APIC", 4) == 0 && ai->cpus == NULL &&
	    (h = table_get(pa, "APIC")) != NULL)
		madt_parse(ap, (const struct madt *)h);
	else if (memcmp(sig, "MCFG", 4) == 0 && ai->mcfg == NULL &&
	    (h = table_get(pa, "MCFG")) != NULL)
		mcfg_parse(ap, (const struct mcfg *)h);
	else if (memcmp(sig, "HPET", 4) == 0 && ai->hpet_addr == 0 &&
	    (h = table_get(pa, "HPET")) != NULL)
		hpet_parse(ap, (const struct hpet *)h);
}

/* Walk the XSDT (64-bit entries) or RSDT (32-bit); false if invalid. */
static bool root_parse(struct acpi_parse *ap, paddr_t pa, bool xsdt)
{
	const struct sdt_header *root = table_get(pa, xsdt ? "XSDT" : "RSDT");
	const uint8_t *ent;
	size_t i, n, width = xsdt ? 8 : 4;
	uint64_t addr;

	if (root == NULL)
		return false;
	ent = (const uint8_t *)(root + 1);
	n = (root->length - sizeof(*root)) / width;
	for (i = 0; i < n; i++) {
		addr = 0;
		memcpy(&addr, ent + i * width, width);
		table_parse(ap, addr);
	}
	return true;
}

/* What we assume without a MADT: this CPU alone, no I/O APIC. */
static void acpi_defaults(struct acpi_parse *ap)
{
	struct acpi_info *ai = ap->ai;
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (ai->cpus == NULL)
		ai->cpus = ap->alloc(sizeof(*ai->cpus));
	ai->cpus[0] = (struct acpi_cpu){ b >> 24, 0 };
	ai->ncpus = 1;
	ai->lapic_addr = DEFAULT_LAPIC;
	ai->legacy_pics = true;
}

/*
 * Parse the tables under the RSDP at rsdp (0: none) into *out, which
 * must be zeroed; arrays come from alloc (acpi.h).
 */
void acpi_parse(paddr_t rsdp, struct acpi_info *out, void *(*alloc)(size_t))
{
	struct acpi_parse ap = { out, alloc };
	struct acpi_root root;
	bool ok = false;

	if (rsdp == 0 || !rsdp_check(rsdp, &root)) {
		printk("acpi: no RSDP; assuming one CPU and no I/O APIC\n");
	} else {
		if (root.xsdt != 0)
			ok = root_parse(&ap, root.xsdt, true);
		if (!ok && !root_parse(&ap, root.rsdt, false))
			printk("acpi: no valid RSDT or XSDT\n");
	}
	if (out->cpus == NULL || out->ncpus == 0)
		acpi_defaults(&ap);
}

/* Find and parse the tables (acpi.h); after physmem_init() and mmio_init(). */
void acpi_init(void)
{
	acpi_parse(rsdp_find(), &acpi, boot_alloc);
	printk("acpi: %u CPU%s, %u I/O APIC%s, ECAM %s, HPET %s\n",
	    acpi.ncpus, acpi.ncpus == 1 ? "" : "s",
	    acpi.nioapics, acpi.nioapics == 1 ? "" : "s",
	    acpi.nmcfg > 0 ? "yes" : "no", acpi.hpet_addr ? "yes" : "no");
}

/* The GSI ISA irq is wired to, and its MPS flags (0 = ISA defaults). */
uint32_t acpi_isa_gsi(uint8_t irq, uint16_t *flags)
{
	unsigned i;

	for (i = 0; i < acpi.noverrides; i++) {
		if (acpi.overrides[i].irq == irq) {
			if (flags != NULL)
				*flags = acpi.overrides[i].flags;
			return acpi.overrides[i].gsi;
		}
	}
	if (flags != NULL)
		*flags = 0;
	return irq;
}
