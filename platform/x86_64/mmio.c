/*
 * Device registers: an uncached window of kernel virtual addresses
 * (MMIO_BASE, one page table: 2 MiB) into which mmio_map() maps physical
 * register pages.  The direct map covers only RAM and ACPI memory, with
 * write-back caching, which is wrong for devices; these mappings are
 * cache-disabled (PCD|PWT) and never executable.
 *
 * Its page directory and page table are static, so drivers can map
 * registers before the page allocator exists (the local APIC's are mapped
 * during boot).  Mappings are never removed: devices stay for the life of
 * the kernel.  The window is allocated by an atomic bump, so concurrent
 * callers on several CPUs are safe.
 */
#include "contract/cpu.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "memlayout.h"
#include "x86.h"

#define PTE_P		0x001ul
#define PTE_W		0x002ul
#define PTE_PWT		0x008ul
#define PTE_PCD		0x010ul
#define PTE_NX		(1ul << 63)

extern uint64_t boot_pdpt_kernel[512];

static uint64_t mmio_pd[512] __attribute__((aligned(4096)));
static uint64_t mmio_pt[512] __attribute__((aligned(4096)));
static size_t mmio_next;	/* bytes of the window handed out */

/* Hook the window's tables into the kernel half. */
void mmio_init(void)
{
	mmio_pd[0] = virt_to_phys(mmio_pt) | PTE_P | PTE_W;
	boot_pdpt_kernel[511] = virt_to_phys(mmio_pd) | PTE_P | PTE_W;
	lcr3(rcr3());
}

/*
 * Map the device registers [pa, pa + len) uncached and return the virtual
 * address of pa.  Panics when the window is full (a configuration bug).
 */
volatile void *mmio_map(paddr_t pa, size_t len)
{
	paddr_t first = ROUNDDOWN(pa, PAGE_SIZE);
	size_t span = ROUNDUP(pa + len, PAGE_SIZE) - first;
	size_t off = __atomic_fetch_add(&mmio_next, span, __ATOMIC_RELAXED);
	size_t i;

	if (off + span > MMIO_SIZE)
		panic("mmio_map: window full mapping %#lx+%#zx", pa, len);
	for (i = 0; i < span / PAGE_SIZE; i++)
		mmio_pt[off / PAGE_SIZE + i] = (first + i * PAGE_SIZE) |
		    PTE_P | PTE_W | PTE_PWT | PTE_PCD | (nx_enabled ? PTE_NX : 0);
	return (volatile void *)(MMIO_BASE + off + (pa - first));
}
