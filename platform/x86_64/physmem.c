/*
 * Physical memory: the direct map, and which RAM the page allocator gets.
 *
 * The direct map puts physical address pa at DIRECT_MAP_BASE + pa for
 * every 2 MiB chunk that holds RAM or ACPI tables according to the E820
 * map (up to 512 GiB, one PML4 entry), writable and never executable.
 * Device memory is not in it (mmio.c maps registers uncached).  boot.S
 * maps only the first GiB there; physmem_init() builds the rest, taking
 * page-directory pages from just past the kernel image with
 * boot_page_alloc(), then drops the boot identity map, so from then on a
 * null pointer faults.
 *
 * physmem_ranges() reports RAM minus: the first MiB (BIOS data, the
 * loader's start info, real-mode leftovers), the kernel image together
 * with every page boot_page_alloc() handed out, the loader's modules, and
 * anything another E820 entry claims.  Once it has been called the
 * page allocator owns those pages, so boot_page_alloc() refuses to work.
 */
#include "contract/physmem.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "memlayout.h"
#include "x86.h"

#define PTE_P		0x001ul
#define PTE_W		0x002ul
#define PTE_PS		0x080ul
#define PTE_NX		(1ul << 63)
#define LARGE_PAGE	0x200000ul
#define GIB		0x40000000ul
#define LOW_MEMORY_END	0x100000ul

extern uint64_t boot_pml4[512], boot_pdpt_direct[512];
extern char _kernel_phys_start[], _kernel_end[];

bool nx_enabled;
static paddr_t boot_alloc_next;		/* first page after the image and boot tables */
static bool boot_alloc_sealed;		/* the page allocator owns RAM now */

/* The direct-map address of pa. */
void *phys_to_virt(paddr_t pa)
{
	return (void *)(DIRECT_MAP_BASE + pa);
}

/* Direct-map and kernel-image addresses; anything else is a bug. */
paddr_t virt_to_phys(const void *va)
{
	uintptr_t v = (uintptr_t)va;

	if (v >= KERNEL_VMA && v < KERNEL_VMA + KERNEL_IMAGE_MAP)
		return v - KERNEL_VMA;
	if (v >= DIRECT_MAP_BASE && v < DIRECT_MAP_BASE + DIRECT_MAP_SIZE)
		return v - DIRECT_MAP_BASE;
	panic("virt_to_phys: %p is not a direct-mapped address", va);
}

/* The kernel's own PML4: boot.S's table. */
paddr_t kernel_pml4_pa(void)
{
	return virt_to_phys(boot_pml4);
}

/* True when [pa, pa + len) lies inside one E820 RAM entry. */
static bool is_ram(paddr_t pa, uint64_t len)
{
	const struct boot_mmap_entry *e;
	int i;

	for (i = 0; i < bootinfo.nmmap; i++) {
		e = &bootinfo.mmap[i];
		if (e->type == BOOT_MEM_RAM && pa >= e->base &&
		    pa + len <= e->base + e->len)
			return true;
	}
	return false;
}

/* True when pa lies in a loader module. */
static bool in_module(paddr_t pa)
{
	int i;

	for (i = 0; i < bootinfo.nmodules; i++)
		if (pa >= bootinfo.modules[i].base &&
		    pa < bootinfo.modules[i].base + bootinfo.modules[i].len)
			return true;
	return false;
}

/*
 * A zeroed page of RAM just past the kernel image, for page tables built
 * before the page allocator exists; reachable through the boot map.
 */
paddr_t boot_page_alloc(void)
{
	paddr_t pa;

	if (boot_alloc_sealed)
		panic("boot_page_alloc: the page allocator owns memory now");
	if (boot_alloc_next == 0)
		boot_alloc_next = virt_to_phys(_kernel_end);
	while (!is_ram(boot_alloc_next, PAGE_SIZE) ||
	    in_module(boot_alloc_next)) {
		boot_alloc_next += PAGE_SIZE;
		if (boot_alloc_next >= KERNEL_IMAGE_MAP)
			panic("boot_page_alloc: no RAM after the kernel image");
	}
	pa = boot_alloc_next;
	boot_alloc_next += PAGE_SIZE;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* E820 types the direct map covers: RAM and ACPI memory. */
static bool direct_mapped_type(uint32_t type)
{
	return type == BOOT_MEM_RAM || type == BOOT_MEM_ACPI ||
	    type == BOOT_MEM_NVS;
}

/* Map the 2 MiB chunk at pa into the new direct map's directories. */
static void directmap_chunk(paddr_t pds[], paddr_t pa)
{
	uint64_t *pd;
	size_t gib = pa / GIB;

	if (pds[gib] == 0)
		pds[gib] = boot_page_alloc();
	pd = phys_to_virt(pds[gib]);
	pd[(pa / LARGE_PAGE) % 512] = pa | PTE_P | PTE_W | PTE_PS |
	    (nx_enabled ? PTE_NX : 0);
}

/* Build the direct map over RAM and ACPI memory, then switch to it. */
static void directmap_build(void)
{
	static paddr_t pds[512];	/* new page directory per GiB */
	const struct boot_mmap_entry *e;
	paddr_t pa, end;
	int i;

	for (i = 0; i < bootinfo.nmmap; i++) {
		e = &bootinfo.mmap[i];
		if (!direct_mapped_type(e->type) || e->len == 0)
			continue;
		end = MIN(ROUNDUP(e->base + e->len, LARGE_PAGE),
		    DIRECT_MAP_SIZE);
		for (pa = ROUNDDOWN(e->base, LARGE_PAGE); pa < end;
		    pa += LARGE_PAGE)
			directmap_chunk(pds, pa);
	}
	for (i = 0; i < 512; i++)
		boot_pdpt_direct[i] = pds[i] ? pds[i] | PTE_P | PTE_W : 0;
	boot_pml4[0] = 0;		/* the identity map's work is done */
	lcr3(rcr3());
}

/* Set up the direct map; bootinfo must be filled in. */
void physmem_init(void)
{
	nx_enabled = (rdmsr(MSR_EFER) & EFER_NXE) != 0;
	directmap_build();
}

/* A range that RAM must not be handed out from. */
struct excluded {
	paddr_t base, end;
};

/* Collect, sorted by base, every range the allocator must not get. */
static int exclusions(struct excluded *ex, int max)
{
	struct excluded tmp;
	int n = 0, i, j;

	ex[n++] = (struct excluded){ 0, LOW_MEMORY_END };
	ex[n++] = (struct excluded){ (paddr_t)(uintptr_t)_kernel_phys_start,
	    boot_alloc_next };
	for (i = 0; i < bootinfo.nmodules && n < max; i++)
		ex[n++] = (struct excluded){ bootinfo.modules[i].base,
		    bootinfo.modules[i].base + bootinfo.modules[i].len };
	for (i = 0; i < bootinfo.nmmap && n < max; i++)
		if (bootinfo.mmap[i].type != BOOT_MEM_RAM)
			ex[n++] = (struct excluded){ bootinfo.mmap[i].base,
			    bootinfo.mmap[i].base + bootinfo.mmap[i].len };
	for (i = 1; i < n; i++) {
		tmp = ex[i];
		for (j = i; j > 0 && ex[j - 1].base > tmp.base; j--)
			ex[j] = ex[j - 1];
		ex[j] = tmp;
	}
	return n;
}

/* Append the page-aligned part of [base, end) to out, if any. */
static int emit(struct phys_range *out, int n, int max, paddr_t base,
    paddr_t end)
{
	base = ROUNDUP(base, PAGE_SIZE);
	end = ROUNDDOWN(MIN(end, DIRECT_MAP_SIZE), PAGE_SIZE);
	if (base >= end || n >= max)
		return n;
	if (n > 0 && out[n - 1].base + out[n - 1].len == base) {
		out[n - 1].len += end - base;
		return n;
	}
	out[n].base = base;
	out[n].len = end - base;
	return n + 1;
}

/* Usable RAM in ascending order (contract/physmem.h). */
int physmem_ranges(struct phys_range *out, int max)
{
	struct excluded ex[BOOT_MMAP_MAX + BOOT_MODULES_MAX + 2];
	paddr_t pos = 0, end;
	int nex, n = 0, i, j;

	if (boot_alloc_next == 0)
		boot_alloc_next = virt_to_phys(_kernel_end);
	boot_alloc_sealed = true;
	nex = exclusions(ex, (int)ARRAY_SIZE(ex));
	for (i = 0; i < bootinfo.nmmap; i++) {
		if (bootinfo.mmap[i].type != BOOT_MEM_RAM)
			continue;
		pos = MAX(pos, bootinfo.mmap[i].base);
		end = bootinfo.mmap[i].base + bootinfo.mmap[i].len;
		for (j = 0; j < nex && pos < end; j++) {
			if (ex[j].end <= pos || ex[j].base >= end)
				continue;
			n = emit(out, n, max, pos, ex[j].base);
			pos = MAX(pos, ex[j].end);
		}
		if (pos < end)
			n = emit(out, n, max, pos, end);
		pos = MAX(pos, end);
	}
	return n;
}
