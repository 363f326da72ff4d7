/*
 * What the loader hands over, copied into bootinfo before anything can
 * overwrite it: the command line, the memory map (E820 types, sorted by
 * base), the modules' locations (so the page allocator leaves them
 * alone), the ACPI root pointer, and the loader's name for the log.
 *
 * Two loaders, told apart by the magic boot.S passes on (memlayout.h):
 *
 *  - QEMU's PVH path hands over an hvm_start_info, Xen's public
 *    start_info.h version 1 (with the memory map).  QEMU builds it in its
 *    option ROM below 1 MiB from the BIOS's E820 table, so firmware
 *    reservations appear as they should.
 *  - GRUB's multiboot2 path hands over an information structure: a size,
 *    then 8-aligned tags (type, size, payload) up to an end tag.  We read
 *    the command line (1), boot loader name (2), modules (3), memory map
 *    (6, E820 types) and the ACPI RSDP (14: a copy of the version 1 RSDP,
 *    15: of the version 2 one).  The RSDP comes as a copy rather than an
 *    address, so we keep it in rsdp_copy and report that buffer's
 *    physical address: acpi.c then reads it like any other RSDP (the
 *    kernel image is RAM, so the direct map covers it).
 *
 * Everything is read through the boot direct map, which covers the first
 * 4 GiB (multiboot2 addresses are 32-bit; QEMU's are low); loader data
 * above that is refused rather than read through nothing.  Loader data is
 * trusted no further than that: a malformed tag list panics, naming it.
 */
#include "kern/printk.h"
#include "lib/string.h"
#include "memlayout.h"
#include "x86.h"

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;		/* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* Multiboot2 information: a fixed part, then the tags. */
struct mb2_info {
	uint32_t total_size;
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size;			/* with this header, without padding */
};

#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER_NAME	2
#define MB2_TAG_MODULE		3
#define MB2_TAG_MMAP		6
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15
#define MB2_TAG_ALIGN		8

struct mb2_tag_module {
	struct mb2_tag tag;
	uint32_t mod_start;
	uint32_t mod_end;		/* one past the last byte */
	/* the module's command line follows */
};

struct mb2_tag_mmap {
	struct mb2_tag tag;
	uint32_t entry_size;
	uint32_t entry_version;
	/* entries of entry_size bytes follow */
};

/* The start of each memory map entry; its types are E820's. */
struct mb2_mmap_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
	uint32_t reserved;
};

#define RSDP_COPY_MAX	64		/* an ACPI 2.0 RSDP is 36 bytes */

struct bootinfo bootinfo;
static uint8_t rsdp_copy[RSDP_COPY_MAX] __attribute__((aligned(16)));

/* The loader's bytes at [pa, pa + len), which must be in the boot map. */
static const void *loader_data(paddr_t pa, size_t len, const char *what)
{
	if (pa == 0 || pa + len < pa || pa + len > BOOT_MAP_SIZE)
		panic("bootinfo: %s at %#lx+%#zx is outside the boot map",
		    what, pa, len);
	return phys_to_virt(pa);
}

/* Copy at most max bytes of the string s, NUL-terminated, into dst. */
static void copy_string(char *dst, size_t size, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i + 1 < size && i < max && s[i] != '\0'; i++)
		dst[i] = s[i];
	dst[i] = '\0';
}

/* Insertion-sort the memory map by base (firmware need not sort it). */
static void mmap_sort(void)
{
	struct boot_mmap_entry tmp;
	int i, j;

	for (i = 1; i < bootinfo.nmmap; i++) {
		tmp = bootinfo.mmap[i];
		for (j = i; j > 0 && bootinfo.mmap[j - 1].base > tmp.base; j--)
			bootinfo.mmap[j] = bootinfo.mmap[j - 1];
		bootinfo.mmap[j] = tmp;
	}
}

/* Append one memory map entry, dropping what does not fit. */
static void mmap_add(uint64_t base, uint64_t len, uint32_t type)
{
	struct boot_mmap_entry *e;

	if (bootinfo.nmmap >= BOOT_MMAP_MAX)
		return;
	e = &bootinfo.mmap[bootinfo.nmmap++];
	e->base = base;
	e->len = len;
	e->type = type;
}

/* Record the module at [pa, pa + len), in whole pages. */
static void module_add(paddr_t pa, uint64_t len)
{
	struct phys_range *m;

	if (bootinfo.nmodules >= BOOT_MODULES_MAX)
		return;
	m = &bootinfo.modules[bootinfo.nmodules++];
	m->base = ROUNDDOWN(pa, PAGE_SIZE);
	m->len = ROUNDUP(pa + len, PAGE_SIZE) - m->base;
}

/* Copy the PVH command line, a NUL-terminated string at pa. */
static void pvh_copy_cmdline(paddr_t pa)
{
	const char *s;

	if (pa == 0)
		return;
	s = loader_data(pa, 1, "command line");
	copy_string(bootinfo.cmdline, sizeof(bootinfo.cmdline), s,
	    BOOT_MAP_SIZE - pa);
}

/* Copy the E820 map (a PVH version 1 field). */
static void pvh_copy_memmap(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *e;
	uint32_t i;

	if (si->version < 1 || si->memmap_entries == 0)
		panic("bootinfo: the PVH loader passed no memory map");
	e = loader_data(si->memmap_paddr, si->memmap_entries * sizeof(*e),
	    "memory map");
	for (i = 0; i < si->memmap_entries; i++)
		mmap_add(e[i].addr, e[i].size, e[i].type);
}

/* Record where the modules lie, without reading them. */
static void pvh_copy_modules(const struct hvm_start_info *si)
{
	const struct hvm_modlist_entry *m;
	uint32_t i;

	if (si->nr_modules == 0)
		return;
	m = loader_data(si->modlist_paddr, si->nr_modules * sizeof(*m),
	    "module list");
	for (i = 0; i < si->nr_modules; i++)
		module_add(m[i].paddr, m[i].size);
}

/* Copy the PVH start info at physical address pa into bootinfo. */
static void pvh_parse(paddr_t pa)
{
	const struct hvm_start_info *si = loader_data(pa, sizeof(*si),
	    "start info");

	if (si->magic != BOOT_MAGIC_PVH)
		panic("bootinfo: bad PVH start info magic %#x", si->magic);
	pvh_copy_cmdline(si->cmdline_paddr);
	pvh_copy_memmap(si);
	pvh_copy_modules(si);
	bootinfo.rsdp = si->rsdp_paddr;
}

/* A multiboot2 memory map tag: entries of entry_size bytes. */
static void mb2_memmap(const struct mb2_tag_mmap *t)
{
	const uint8_t *p = (const uint8_t *)(t + 1);
	const uint8_t *end = (const uint8_t *)t + t->tag.size;
	const struct mb2_mmap_entry *e;

	if (t->tag.size < sizeof(*t) ||
	    t->entry_size < sizeof(struct mb2_mmap_entry))
		panic("bootinfo: malformed multiboot2 memory map");
	for (; p + t->entry_size <= end; p += t->entry_size) {
		e = (const struct mb2_mmap_entry *)p;
		mmap_add(e->addr, e->len, e->type);
	}
}

/* Keep a copy of the RSDP a multiboot2 ACPI tag carries. */
static void mb2_rsdp(const struct mb2_tag *t)
{
	size_t len = MIN(t->size - sizeof(*t), sizeof(rsdp_copy));

	memcpy(rsdp_copy, t + 1, len);
	bootinfo.rsdp = virt_to_phys(rsdp_copy);
}

/* Take what we need from one multiboot2 tag. */
static void mb2_tag(const struct mb2_tag *t, bool *acpi_new)
{
	const struct mb2_tag_module *m;

	switch (t->type) {
	case MB2_TAG_CMDLINE:
		copy_string(bootinfo.cmdline, sizeof(bootinfo.cmdline),
		    (const char *)(t + 1), t->size - sizeof(*t));
		break;
	case MB2_TAG_LOADER_NAME:
		copy_string(bootinfo.loader, sizeof(bootinfo.loader),
		    (const char *)(t + 1), t->size - sizeof(*t));
		break;
	case MB2_TAG_MODULE:
		m = (const struct mb2_tag_module *)t;
		if (t->size < sizeof(*m) || m->mod_end < m->mod_start)
			panic("bootinfo: malformed multiboot2 module tag");
		module_add(m->mod_start, m->mod_end - m->mod_start);
		break;
	case MB2_TAG_MMAP:
		mb2_memmap((const struct mb2_tag_mmap *)t);
		break;
	case MB2_TAG_ACPI_NEW:
		*acpi_new = true;
		mb2_rsdp(t);
		break;
	case MB2_TAG_ACPI_OLD:
		if (!*acpi_new)		/* the version 2 RSDP wins */
			mb2_rsdp(t);
		break;
	}
}

/* Walk the multiboot2 information structure at physical address pa. */
static void mb2_parse(paddr_t pa)
{
	const struct mb2_info *info = loader_data(pa, sizeof(*info),
	    "multiboot2 information");
	const uint8_t *p, *end;
	const struct mb2_tag *t;
	bool acpi_new = false;

	if (info->total_size < sizeof(*info) + sizeof(*t))
		panic("bootinfo: multiboot2 information too short");
	p = loader_data(pa, info->total_size, "multiboot2 information");
	end = p + info->total_size;
	for (p += sizeof(*info); p + sizeof(*t) <= end;
	    p += ROUNDUP(t->size, MB2_TAG_ALIGN)) {
		t = (const struct mb2_tag *)p;
		if (t->type == MB2_TAG_END)
			break;
		if (t->size < sizeof(*t) || t->size > (size_t)(end - p))
			panic("bootinfo: multiboot2 tag %u has bad size %u",
			    t->type, t->size);
		mb2_tag(t, &acpi_new);
	}
	if (bootinfo.nmmap == 0)
		panic("bootinfo: the multiboot2 loader passed no memory map");
}

/*
 * Copy what the loader left at physical address info into bootinfo;
 * magic (from boot.S) says which loader it was.  Before physmem_init().
 */
void bootinfo_parse(uint32_t magic, paddr_t info)
{
	const char *protocol;
	int i;

	if (magic == BOOT_MAGIC_MB2) {
		protocol = "multiboot2";
		mb2_parse(info);
	} else if (magic == BOOT_MAGIC_PVH) {
		protocol = "PVH";
		pvh_parse(info);
	} else {
		panic("bootinfo: entered by an unknown loader (magic %#x)",
		    magic);
	}
	mmap_sort();
	printk("boot: %s%s%s, command line \"%s\"\n", protocol,
	    bootinfo.loader[0] != '\0' ? " from " : "", bootinfo.loader,
	    bootinfo.cmdline);
	for (i = 0; i < bootinfo.nmodules; i++)
		printk("boot: module %d at %#lx, %lu KiB\n", i,
		    bootinfo.modules[i].base, bootinfo.modules[i].len >> 10);
}
