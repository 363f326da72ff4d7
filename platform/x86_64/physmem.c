/*
 * Physical memory: address translation, boot-time page-table pages, and
 * which RAM the page allocator gets.
 *
 * The direct map puts physical address pa at DIRECT_MAP_BASE + pa for
 * every 2 MiB chunk that holds RAM or ACPI tables according to the E820
 * map (up to 512 GiB, one PML4 entry); kmap.c builds it, and the kernel
 * image's mapping, from page-table pages that boot_page_alloc() takes
 * from just past the kernel image, reachable through boot.S's map of
 * the first 4 GiB.
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

#define LOW_MEMORY_END	0x100000ul

extern uint64_t boot_pml4[512];
extern char _kernel_phys_start[], _text[], _kernel_end[];

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

	if (v >= (uintptr_t)_text && v < (uintptr_t)_kernel_end)
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
bool physmem_is_ram(paddr_t pa, uint64_t len)
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
 * before the page allocator exists; below 4 GiB, so reachable through
 * the boot map as well as the final direct map.
 */
paddr_t boot_page_alloc(void)
{
	paddr_t pa;

	if (boot_alloc_sealed)
		panic("boot_page_alloc: the page allocator owns memory now");
	if (boot_alloc_next == 0)
		boot_alloc_next = (uintptr_t)_kernel_end - KERNEL_VMA;
	while (!physmem_is_ram(boot_alloc_next, PAGE_SIZE) ||
	    in_module(boot_alloc_next)) {
		boot_alloc_next += PAGE_SIZE;
		if (boot_alloc_next >= BOOT_MAP_SIZE)
			panic("boot_page_alloc: no RAM after the kernel image");
	}
	pa = boot_alloc_next;
	boot_alloc_next += PAGE_SIZE;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

/* Set up the kernel's page tables (kmap.c); bootinfo must be filled in. */
void physmem_init(void)
{
	nx_enabled = (rdmsr(MSR_EFER) & EFER_NXE) != 0;
	kmap_init();
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
		boot_alloc_next = (uintptr_t)_kernel_end - KERNEL_VMA;
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
