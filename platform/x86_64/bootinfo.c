/*
 * What the loader hands over, copied into bootinfo before anything can
 * overwrite it: the command line, the E820 memory map (sorted by base),
 * the modules' locations (so the page allocator leaves them alone), and
 * the ACPI root pointer for later.
 *
 * The only loader today is QEMU's PVH path (boot.S), whose hvm_start_info
 * layout is Xen's public start_info.h, version 1 (with the memory map).
 * QEMU builds it in its option ROM below 1 MiB from the BIOS's E820
 * table, so firmware reservations appear as they should.  Everything is
 * read through the boot direct map, which covers only the first GiB;
 * loader data above that is refused rather than read through nothing.
 */
#include "kern/printk.h"
#include "lib/string.h"
#include "memlayout.h"
#include "x86.h"

#define HVM_START_MAGIC	0x336ec578

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

struct bootinfo bootinfo;

/* The loader's bytes at [pa, pa + len), which must be in the boot map. */
static const void *loader_data(paddr_t pa, size_t len, const char *what)
{
	if (pa == 0 || pa + len < pa || pa + len > KERNEL_IMAGE_MAP)
		panic("pvh: %s at %#lx+%#zx is outside the boot map",
		    what, pa, len);
	return phys_to_virt(pa);
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

/* Copy the NUL-terminated command line at pa, cut to fit. */
static void pvh_copy_cmdline(paddr_t pa)
{
	const char *s;
	size_t i;

	if (pa == 0)
		return;
	s = loader_data(pa, 1, "command line");
	for (i = 0; i + 1 < BOOT_CMDLINE_MAX && pa + i < KERNEL_IMAGE_MAP &&
	    s[i] != '\0'; i++)
		bootinfo.cmdline[i] = s[i];
	bootinfo.cmdline[i] = '\0';
}

/* Copy the E820 map (a PVH version 1 field) and sort it. */
static void pvh_copy_memmap(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *e;
	uint32_t i;

	if (si->version < 1 || si->memmap_entries == 0)
		panic("pvh: the loader passed no memory map");
	e = loader_data(si->memmap_paddr, si->memmap_entries * sizeof(*e),
	    "memory map");
	for (i = 0; i < si->memmap_entries && i < BOOT_MMAP_MAX; i++) {
		bootinfo.mmap[i].base = e[i].addr;
		bootinfo.mmap[i].len = e[i].size;
		bootinfo.mmap[i].type = e[i].type;
	}
	bootinfo.nmmap = (int)i;
	mmap_sort();
}

/* Record where the modules lie, whole pages, without reading them. */
static void pvh_copy_modules(const struct hvm_start_info *si)
{
	const struct hvm_modlist_entry *m;
	uint32_t i;

	if (si->nr_modules == 0)
		return;
	m = loader_data(si->modlist_paddr, si->nr_modules * sizeof(*m),
	    "module list");
	for (i = 0; i < si->nr_modules && i < BOOT_MODULES_MAX; i++) {
		bootinfo.modules[i].base = ROUNDDOWN(m[i].paddr, PAGE_SIZE);
		bootinfo.modules[i].len = ROUNDUP(m[i].paddr + m[i].size,
		    PAGE_SIZE) - bootinfo.modules[i].base;
	}
	bootinfo.nmodules = (int)i;
}

/* Copy the PVH start info at physical address pa into bootinfo. */
void pvh_parse(paddr_t pa)
{
	const struct hvm_start_info *si = loader_data(pa, sizeof(*si),
	    "start info");

	if (si->magic != HVM_START_MAGIC)
		panic("pvh: bad start info magic %#x", si->magic);
	pvh_copy_cmdline(si->cmdline_paddr);
	pvh_copy_memmap(si);
	pvh_copy_modules(si);
	bootinfo.rsdp = si->rsdp_paddr;
}
