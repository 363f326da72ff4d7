/*
 * The kernel half's page tables: the direct map and the kernel image,
 * each with the rights it needs and no more.
 *
 * boot.S starts the kernel on tables that map everything writable and
 * executable, in 2 MiB pages.  kmap_init() replaces them, once, before
 * anything else runs on this CPU:
 *
 *  - The kernel image (kernel.ld): text in 2 MiB pages, read-only and
 *    executable; rodata and the symbol table read-only and no-execute;
 *    data and bss read/write and no-execute, in 4 KiB pages.  kernel.ld
 *    aligns text to 2 MiB at both ends so that it needs no 4 KiB pages,
 *    which keeps the hottest code in a few TLB entries.
 *  - The direct map: every 2 MiB chunk that holds RAM or ACPI memory
 *    (acpi.c relies on that rule), read/write and no-execute, in 1 GiB
 *    pages where the CPU has them (CPUID pdpe1gb) and a whole aligned
 *    GiB is covered, else 2 MiB pages.  The direct map's alias of the
 *    kernel text is read-only, so no mapping anywhere can change code.
 *  - The identity map of the first GiB goes: a null pointer faults.
 *
 * So no kernel-half page is both writable and executable (W^X), which
 * kmap_check() verifies by walking the tables the MMU walks (test=wx).
 * When the CPU has no NX bit the no-execute half of that cannot hold;
 * the kernel runs anyway, and test=wx fails.
 *
 * The new tables are built beside the live ones (their pages come from
 * boot_page_alloc() and are reached through boot.S's direct map), then
 * installed by rewriting boot_pml4's PDPTs and reloading CR3.  Each new
 * mapping maps the same addresses as the old one, so the CPU may mix old
 * and new entries during the switch without harm.  Runs on the boot CPU
 * alone, before any other CPU or address space exists; afterwards the
 * kernel half never changes, except for mmio.c's window.
 */
#include "contract/boot.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "memlayout.h"
#include "x86.h"

#define PTE_P		0x001ul
#define PTE_W		0x002ul
#define PTE_AD		0x060ul		/* accessed and dirty: the MMU's, not ours */
#define PTE_PS		0x080ul
#define PTE_NX		(1ul << 63)
#define PTE_ADDR	0x000ffffffffff000ul

#define HUGE_PAGE	0x40000000ul		/* 1 GiB */
#define LARGE_PAGE	0x200000ul		/* 2 MiB */
#define KERNEL_HALF	0xffff800000000000ul
#define CPUID_EXT_PDPE1GB (1u << 26)
#define PDPT_KERNEL_IMAGE 510			/* KERNEL_VMA's PDPT slot */
#define WX_REPORT_MAX	8			/* violations printed in full */

extern uint64_t boot_pml4[512], boot_pdpt_direct[512], boot_pdpt_kernel[512];
extern char _text[], _etext[], _erodata[], _edata[], _kernel_end[];

static bool huge_pages;		/* the CPU maps 1 GiB pages */
static uint64_t pte_nx;		/* PTE_NX, or 0 when the CPU has no NX */
static unsigned npages[3];	/* direct-map leaves: 4 KiB, 2 MiB, 1 GiB */

/* Index of va in the table at level (0: PT .. 3: PML4). */
static unsigned pt_index(uintptr_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/* The table entry e points to, made (zeroed) when e is empty. */
static uint64_t *next_table(uint64_t *e, uintptr_t va)
{
	if (*e == 0)
		*e = boot_page_alloc() | PTE_P | PTE_W;
	else if (*e & PTE_PS)
		panic("kmap: %#lx lies in a large page already", va);
	return phys_to_virt(*e & PTE_ADDR);
}

/* Store a leaf entry in an empty slot. */
static void set_leaf(uint64_t *e, uint64_t pte, uintptr_t va)
{
	if (*e != 0)
		panic("kmap: %#lx is mapped twice", va);
	*e = pte;
}

/* True when a page of size fits at va -> pa within len bytes. */
static bool fits(uintptr_t va, paddr_t pa, uint64_t len, uint64_t size)
{
	return ((va | pa) & (size - 1)) == 0 && len >= size;
}

/*
 * Map [va, va + len) to pa under the PDPT pdpt (one PML4 slot's worth)
 * with leaf rights flags, in the largest pages that fit: 1 GiB only when
 * huge is set and the CPU has them.  The range must be unmapped and
 * page-aligned.  Page-table pages come from boot_page_alloc(), which
 * panics when it runs out.
 */
static void map_range(uint64_t *pdpt, uintptr_t va, paddr_t pa, uint64_t len,
    uint64_t flags, bool huge)
{
	uint64_t *pd, *pt, step;
	int level;

	while (len > 0) {
		if (huge && huge_pages && fits(va, pa, len, HUGE_PAGE)) {
			set_leaf(&pdpt[pt_index(va, 2)], pa | flags | PTE_PS, va);
			step = HUGE_PAGE;
			level = 2;
		} else if (fits(va, pa, len, LARGE_PAGE)) {
			pd = next_table(&pdpt[pt_index(va, 2)], va);
			set_leaf(&pd[pt_index(va, 1)], pa | flags | PTE_PS, va);
			step = LARGE_PAGE;
			level = 1;
		} else {
			pd = next_table(&pdpt[pt_index(va, 2)], va);
			pt = next_table(&pd[pt_index(va, 1)], va);
			set_leaf(&pt[pt_index(va, 0)], pa | flags, va);
			step = PAGE_SIZE;
			level = 0;
		}
		if (huge)
			npages[level]++;
		va += step;
		pa += step;
		len -= step;
	}
}

/* Map physical [start, end) in the direct map, if not empty. */
static void direct_part(uint64_t *pdpt, paddr_t start, paddr_t end,
    uint64_t flags)
{
	if (start < end)
		map_range(pdpt, DIRECT_MAP_BASE + start, start, end - start,
		    flags, true);
}

/*
 * Map one run of 2 MiB chunks, [start, end), read-only where it holds
 * the kernel text (so code cannot be changed through its alias) and
 * read/write elsewhere.
 */
static void direct_run(uint64_t *pdpt, paddr_t start, paddr_t end)
{
	paddr_t ts = (uintptr_t)_text - KERNEL_VMA;
	paddr_t te = (uintptr_t)_etext - KERNEL_VMA;
	uint64_t rw = PTE_P | PTE_W | pte_nx, ro = PTE_P | pte_nx;

	direct_part(pdpt, start, MIN(end, ts), rw);
	direct_part(pdpt, MAX(start, ts), MIN(end, te), ro);
	direct_part(pdpt, MAX(start, te), end, rw);
}

/* E820 types the direct map covers: RAM and ACPI memory. */
static bool direct_mapped_type(uint32_t type)
{
	return type == BOOT_MEM_RAM || type == BOOT_MEM_ACPI ||
	    type == BOOT_MEM_NVS;
}

/*
 * Build the direct map under pdpt: the 2 MiB chunks that the memory map's
 * RAM and ACPI entries touch, merged into runs (the map is sorted by
 * base), each mapped in the largest pages it allows.
 */
static void direct_build(uint64_t *pdpt)
{
	const struct boot_mmap_entry *e;
	paddr_t start = 0, end = 0, s, t;
	int i;

	for (i = 0; i < bootinfo.nmmap; i++) {
		e = &bootinfo.mmap[i];
		if (!direct_mapped_type(e->type) || e->len == 0 ||
		    e->base >= DIRECT_MAP_SIZE)
			continue;
		s = ROUNDDOWN(e->base, LARGE_PAGE);
		t = MIN(ROUNDUP(e->base + e->len, LARGE_PAGE),
		    DIRECT_MAP_SIZE);
		if (s <= end && end != 0) {
			end = MAX(end, t);
			continue;
		}
		if (end != 0)
			direct_run(pdpt, start, end);
		start = s;
		end = t;
	}
	if (end != 0)
		direct_run(pdpt, start, end);
}

/* Map the image's [start, end) at its link address with rights flags. */
static void image_part(uint64_t *pdpt, const char *start, const char *end,
    uint64_t flags)
{
	uintptr_t va = (uintptr_t)start;

	map_range(pdpt, va, va - KERNEL_VMA, (uintptr_t)end - va, flags,
	    false);
}

/* Build the kernel image's mapping under pdpt (kernel.ld's layout). */
static void image_build(uint64_t *pdpt)
{
	image_part(pdpt, _text, _etext, PTE_P);
	image_part(pdpt, _etext, _erodata, PTE_P | pte_nx);
	image_part(pdpt, _erodata, _edata, PTE_P | PTE_W | pte_nx);
	image_part(pdpt, _edata, _kernel_end, PTE_P | pte_nx);
}

/*
 * Replace boot.S's mappings of the kernel half with the real ones and
 * drop the identity map.  Needs bootinfo and nx_enabled; boot CPU only,
 * before any other CPU or address space exists.
 */
void kmap_init(void)
{
	uint32_t a, b, c, d;
	uint64_t *scratch = phys_to_virt(boot_page_alloc());

	cpuid(0x80000001, 0, &a, &b, &c, &d);
	huge_pages = (d & CPUID_EXT_PDPE1GB) != 0;
	pte_nx = nx_enabled ? PTE_NX : 0;

	image_build(scratch);
	boot_pdpt_kernel[PDPT_KERNEL_IMAGE] = scratch[PDPT_KERNEL_IMAGE];
	memset(scratch, 0, PAGE_SIZE);
	direct_build(scratch);
	memcpy(boot_pdpt_direct, scratch, PAGE_SIZE);
	boot_pml4[0] = 0;
	lcr3(rcr3());
	printk("kmap: text %lu KiB in 2 MiB pages; direct map in %u x 1 GiB, "
	    "%u x 2 MiB, %u x 4 KiB pages; NX %s\n",
	    (unsigned long)(_etext - _text) >> 10, npages[2], npages[1],
	    npages[0], nx_enabled ? "on" : "off");
}

/*
 * The leaf entry that maps kernel address va in the active page tables,
 * with its W bit cleared unless every level allows writes and its NX bit
 * set if any level forbids execution; *size gets the page size.  0 when
 * va is not mapped.  Reads the tables through the direct map.
 */
uint64_t kmap_lookup(uintptr_t va, size_t *size)
{
	uint64_t *table = phys_to_virt(rcr3() & PTE_ADDR);
	uint64_t e, w = PTE_W, nx = 0;
	int level;

	for (level = 3; level >= 0; level--) {
		e = table[pt_index(va, level)];
		if (!(e & PTE_P))
			return 0;
		w &= e;
		nx |= e & PTE_NX;
		if (level == 0 || (level < 3 && (e & PTE_PS))) {
			if (size != NULL)
				*size = (size_t)1 << (12 + 9 * level);
			return (e & ~(PTE_W | PTE_NX)) | w | nx;
		}
		table = phys_to_virt(e & PTE_ADDR);
	}
	return 0;
}

/* What kmap_check()'s walk has seen so far. */
struct wx_walk {
	int problems;
	unsigned leaves[3];		/* direct-map leaves by level */
};

/* Report one violation (the first few in full) and count it. */
static void wx_problem(struct wx_walk *st, uintptr_t va, const char *what)
{
	if (st->problems++ < WX_REPORT_MAX)
		printk("wx: %#lx: %s\n", va, what);
}

/*
 * Check a leaf of the kernel half: never writable and executable; never
 * executable in the direct map or the device window.
 */
static void wx_leaf(struct wx_walk *st, uintptr_t va, int level, uint64_t w,
    uint64_t nx)
{
	bool in_direct = va >= DIRECT_MAP_BASE &&
	    va < DIRECT_MAP_BASE + DIRECT_MAP_SIZE;

	if (w && !nx)
		wx_problem(st, va, "writable and executable");
	if (pte_nx != 0 && !nx && (in_direct || va >= MMIO_BASE))
		wx_problem(st, va, "executable outside the kernel text");
	if (in_direct)
		st->leaves[level]++;
}

/*
 * A directory whose 512 entries are 2 MiB pages with the same rights,
 * mapping one aligned GiB, should have been a 1 GiB page.
 */
static bool whole_gib(const uint64_t *pd)
{
	uint64_t first = pd[0] & ~PTE_AD;
	int i;

	if (!(first & PTE_PS) || (first & PTE_ADDR & (HUGE_PAGE - 1)))
		return false;
	for (i = 0; i < 512; i++)
		if ((pd[i] & ~PTE_AD) != first + (uint64_t)i * LARGE_PAGE)
			return false;
	return true;
}

/* Walk the table at level under va with the rights accumulated so far. */
static void wx_table(struct wx_walk *st, const uint64_t *table, int level,
    uintptr_t va, uint64_t w, uint64_t nx)
{
	uintptr_t eva;
	uint64_t e;
	int i;

	if (level == 1 && huge_pages && va >= DIRECT_MAP_BASE &&
	    va < DIRECT_MAP_BASE + DIRECT_MAP_SIZE && whole_gib(table))
		wx_problem(st, va, "a whole GiB in 2 MiB pages");
	for (i = 0; i < 512; i++) {
		e = table[i];
		if (!(e & PTE_P))
			continue;
		eva = va + ((uintptr_t)i << (12 + 9 * level));
		if (level == 0 || (e & PTE_PS))
			wx_leaf(st, eva, level, w & e & PTE_W,
			    nx | (e & PTE_NX));
		else
			wx_table(st, phys_to_virt(e & PTE_ADDR), level - 1,
			    eva, w & e & PTE_W, nx | (e & PTE_NX));
	}
}

/*
 * Every page of [start, end) is mapped with exactly the rights want
 * (PTE_W and PTE_NX bits; NX only counts when the CPU has it), and, when
 * size is not 0, in pages of that size.
 */
static void wx_range(struct wx_walk *st, uintptr_t start, uintptr_t end,
    uint64_t want, size_t size, const char *what)
{
	uintptr_t va;
	size_t got;
	uint64_t e;

	want &= PTE_W | pte_nx;
	for (va = start; va < end; va += PAGE_SIZE) {
		e = kmap_lookup(va, &got);
		if (e == 0 || (e & (PTE_W | pte_nx)) != want) {
			wx_problem(st, va, what);
			return;
		}
		if (size != 0 && got != size) {
			wx_problem(st, va, "in pages of the wrong size");
			return;
		}
	}
}

/*
 * Check the kernel's page permissions in the tables the MMU uses: W^X over
 * the whole kernel half, the image's parts with their rights, the text's
 * direct-map alias read-only, no identity map, and 1 GiB pages in the
 * direct map wherever the CPU has them and a whole GiB is RAM.  Prints
 * each problem; returns how many there were.  With the kernel's own
 * page tables active (no user pmap).
 */
int kmap_check(void)
{
	struct wx_walk st = { 0 };
	paddr_t text_pa = (uintptr_t)_text - KERNEL_VMA;
	int i;

	for (i = 0; i < 256; i++)
		if (boot_pml4[i] != 0)
			wx_problem(&st, (uintptr_t)i << 39, "user half mapped");
	for (i = 256; i < 512; i++)
		if (boot_pml4[i] & PTE_P)
			wx_table(&st, phys_to_virt(boot_pml4[i] & PTE_ADDR), 2,
			    KERNEL_HALF | ((uintptr_t)(i - 256) << 39),
			    boot_pml4[i] & PTE_W, boot_pml4[i] & PTE_NX);
	wx_range(&st, (uintptr_t)_text, (uintptr_t)_etext, 0, LARGE_PAGE,
	    "text is not read-only and executable");
	wx_range(&st, (uintptr_t)_etext, (uintptr_t)_erodata, PTE_NX, 0,
	    "rodata is not read-only and no-execute");
	wx_range(&st, (uintptr_t)_erodata, (uintptr_t)_edata, PTE_W | PTE_NX,
	    0, "data is not read/write and no-execute");
	wx_range(&st, (uintptr_t)_edata, (uintptr_t)_kernel_end, PTE_NX, 0,
	    "the symbol table is not read-only and no-execute");
	wx_range(&st, (uintptr_t)phys_to_virt(text_pa),
	    (uintptr_t)phys_to_virt(text_pa + (_etext - _text)), PTE_NX, 0,
	    "the text's direct-map alias is not read-only");
	if (huge_pages && physmem_is_ram(HUGE_PAGE, HUGE_PAGE) &&
	    st.leaves[2] == 0)
		wx_problem(&st, DIRECT_MAP_BASE + HUGE_PAGE,
		    "no 1 GiB pages although the CPU has them");
	printk("wx: direct map in %u x 1 GiB, %u x 2 MiB, %u x 4 KiB pages "
	    "(1 GiB pages %s); NX %s\n", st.leaves[2], st.leaves[1],
	    st.leaves[0], huge_pages ? "available" : "unavailable",
	    nx_enabled ? "on" : "off");
	return st.problems;
}

/* test=wx: the kernel's page permissions are what kmap_init() promised. */
void selftest_wx(void)
{
	int problems = kmap_check();

	if (problems != 0) {
		printk("wx test: FAILED: %d problems\n", problems);
		platform_poweroff(1);
	}
}

/*
 * test=textwrite: a write to the kernel text must fault, ending in a
 * page-fault report and a panic (tests/qemu/trap.sh).  If the write goes
 * through, the byte written is the one already there, and the test fails.
 */
void selftest_textwrite(void)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)selftest_textwrite;

	printk("textwrite test: writing to kernel text at %p\n", p);
	*p = *p;
	printk("textwrite test: FAILED: the write went through\n");
	platform_poweroff(1);
}
