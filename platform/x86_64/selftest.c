/*
 * In-kernel tests of this platform, chosen with test=NAME on the command
 * line and run by the first thread; tests/qemu boots them.  They cover
 * what only real hardware (or QEMU's model of it) can show: that the MMU
 * enforces what pmap.c wrote and reports accessed and dirty bits, that a
 * TLB entry really is shot down by pmap_protect(), that a copy faulting
 * on a user page recovers (or retries once the fault is resolved), that
 * the timer wakes sleepers on time, and that console input arrives by
 * interrupt.  Each test prints "NAME test: ok" and powers off with status
 * 0, or names the failed check and powers off with status 1.  The trap
 * tests end in a panic on purpose (see tests/qemu/trap.sh).
 */
#include "contract/boot.h"
#include "contract/clock.h"
#include "contract/entry.h"
#include "contract/physmem.h"
#include "contract/pmap.h"
#include "contract/usercopy.h"
#include "kern/cmdline.h"
#include "kern/console.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "mm/page.h"
#include "proc/thread.h"
#include "selftest.h"
#include "x86.h"

#define MS	1000000ull

static const char *test_name;
static unsigned failures;			/* [a] */

/* Report a failed CHECK() and count it. */
void selftest_check(bool ok, const char *what, const char *file, int line)
{
	if (ok)
		return;
	printk("%s test: FAILED at %s:%d: %s\n", test_name, file, line, what);
	__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
}

/* Failed checks so far in the running test. */
unsigned selftest_failures(void)
{
	return __atomic_load_n(&failures, __ATOMIC_RELAXED);
}

/* A user page at va backed by a fresh zeroed page; returns its address. */
static paddr_t map_page(struct pmap *pm, uaddr_t va, unsigned prot)
{
	paddr_t pa = page_alloc(0, PAGE_ZERO);

	CHECK(pa != 0);
	CHECK(pmap_enter(pm, va, pa, prot) == 0);
	return pa;
}

/* Reaching the first thread is the whole test. */
static void test_boot(void)
{
}

/* Copies through a real page table, with the bits the MMU sets. */
static void test_usercopy_basic(struct pmap *pm, uaddr_t va, paddr_t pa)
{
	char buf[64];
	unsigned prot;

	CHECK(copyout(va + 8, "hello", 6) == 0);
	CHECK(memcmp((char *)phys_to_virt(pa) + 8, "hello", 6) == 0);
	CHECK(pmap_extract(pm, va + 8, NULL, &prot));
	CHECK((prot & (PMAP_ACCESSED | PMAP_DIRTY)) ==
	    (PMAP_ACCESSED | PMAP_DIRTY));
	pmap_clear_status(pm, va);
	CHECK(pmap_extract(pm, va, NULL, &prot));
	CHECK(!(prot & (PMAP_ACCESSED | PMAP_DIRTY)));
	memset(buf, 0, sizeof(buf));
	CHECK(copyin(buf, va + 8, 6) == 0);
	CHECK(strcmp(buf, "hello") == 0);
	CHECK(pmap_extract(pm, va, NULL, &prot));
	CHECK((prot & PMAP_ACCESSED) && !(prot & PMAP_DIRTY));
	CHECK(copyinstr(buf, va + 8, sizeof(buf)) == 5);
	CHECK(copyinstr(buf, va + 8, 3) == -ENAMETOOLONG);
	CHECK(copyinstr(buf, va + 8, 0) == -ENAMETOOLONG);
}

/* Faults that nothing resolves end the copy with -EFAULT. */
static void test_usercopy_faults(struct pmap *pm, uaddr_t va)
{
	char buf[64];
	paddr_t pa;

	memset(buf, 'b', sizeof(buf));
	CHECK(copyin(buf, va + PAGE_SIZE, 4) == -EFAULT);
	CHECK(copyin(buf, va + PAGE_SIZE - 8, 16) == -EFAULT);
	CHECK(copyout(va + PAGE_SIZE - 4, buf, 8) == -EFAULT);
	CHECK(copyin(buf, USER_END - 2, 4) == -EFAULT);
	CHECK(copyin(buf, (uaddr_t)buf, 4) == -EFAULT);
	CHECK(copyin(buf, 0, 1) == -EFAULT);
	/* A string running off its page. */
	CHECK(copyout(va + PAGE_SIZE - 3, "abc", 3) == 0);
	CHECK(copyinstr(buf, va + PAGE_SIZE - 3, sizeof(buf)) == -EFAULT);
	/* Write-protect a page the TLB holds writable: protect must flush. */
	CHECK(copyout(va, "w", 1) == 0);
	pmap_protect(pm, va, va + PAGE_SIZE, PROT_R);
	CHECK(copyout(va, "x", 1) == -EFAULT);
	CHECK(copyin(buf, va, 1) == 0 && buf[0] == 'w');
	CHECK(pmap_extract(pm, va, &pa, NULL));
	pmap_remove(pm, va, va + PAGE_SIZE);
	CHECK(!pmap_extract(pm, va, NULL, NULL));
	CHECK(copyin(buf, va, 1) == -EFAULT);
	page_free(pa, 0);
}

static struct pmap *resolver_pmap;
static int resolver_calls;

/* A demand-zero vm_fault() stand-in: map a fresh page where it faulted. */
static int demand_zero(uaddr_t va, unsigned access)
{
	paddr_t pa = page_alloc(0, PAGE_ZERO);

	resolver_calls++;
	if (pa == 0)
		return -ENOMEM;
	return pmap_enter(resolver_pmap, ROUNDDOWN(va, PAGE_SIZE), pa,
	    PROT_R | PROT_W) == 0 ? 0 : -EFAULT;
}

/* A resolved fault retries the copy where it stopped. */
static void test_usercopy_retry(struct pmap *pm)
{
	static char big[3 * 4096];
	uaddr_t va = 0x10000000;
	char buf[16];
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)i;
	resolver_pmap = pm;
	usercopy_vm_fault = demand_zero;
	CHECK(copyout(va + 100, big, sizeof(big)) == 0);
	CHECK(resolver_calls == 4);
	memset(big, 0, sizeof(big));
	CHECK(copyin(big, va + 100, sizeof(big)) == 0);
	for (i = 0; i < sizeof(big); i++)
		if (big[i] != (char)i)
			break;
	CHECK(i == sizeof(big));
	CHECK(copyinstr(buf, va + 5 * PAGE_SIZE, sizeof(buf)) == 0);
	CHECK(resolver_calls == 5);
	usercopy_vm_fault = vm_fault;
	pmap_remove(pm, 0, USER_END);
	CHECK(!pmap_extract(pm, va + 100, NULL, NULL));
}

/* pmap and user copies on a fresh address space. */
static void test_usercopy(void)
{
	struct pmap *pm = pmap_create();
	uaddr_t va = 0x400000;
	paddr_t pa;

	CHECK(pm != NULL);
	CHECK(pmap_enter(pm, va + 1, 0, PROT_R) == -EINVAL);
	CHECK(pmap_enter(pm, USER_END, 0, PROT_R) == -EINVAL);
	pa = map_page(pm, va, PROT_R | PROT_W);
	pmap_activate(pm);
	CHECK(pmap_current() == pm);
	test_usercopy_basic(pm, va, pa);
	test_usercopy_faults(pm, va);
	test_usercopy_retry(pm);
	pmap_activate(NULL);
	pmap_destroy(pm);
}

/* Sleeps end on time, and the clock moves forward with them. */
static void test_timer(void)
{
	uint64_t t0, slept;
	int i;

	for (i = 1; i <= 3; i++) {
		t0 = clock_ns();
		thread_sleep_ns(i * 50 * MS);
		slept = clock_ns() - t0;
		CHECK(slept >= i * 50 * MS);
		CHECK(slept < i * 50 * MS + 500 * MS);
	}
}

/*
 * The clock against the host's: print clock_ns() on two lines 2 s of
 * guest time apart; tests/qemu/clock.sh timestamps the lines as they
 * arrive and compares.
 */
static void test_clock(void)
{
	uint64_t t0, t1;

	t0 = clock_ns();
	printk("clock test: mark 0 at %lu ns\n", t0);
	thread_sleep_ns(2000 * MS);
	t1 = clock_ns();
	printk("clock test: mark 1 at %lu ns\n", t1);
	CHECK(t1 - t0 >= 2000 * MS);
}

/* Read one line typed (or piped) on the serial console. */
static void test_console(void)
{
	char line[64];
	size_t n = 0;
	ssize_t r;

	printk("console test: type a line\n");
	while (n < sizeof(line) - 1) {
		r = console_read(line + n, 1);
		CHECK(r == 1);
		if (r != 1 || line[n] == '\n' || line[n] == '\r')
			break;
		n++;
	}
	line[n] = '\0';
	printk("console test: got \"%s\"\n", line);
}

/* Deliberate kernel bugs: each must end in a trap report and a panic. */
static void test_nullderef(void)
{
	volatile uintptr_t addr = 0x10;	/* hidden from the optimiser */

	printk("nullderef test: reading address 0x10\n");
	(void)*(volatile int *)addr;
}

/* An invalid opcode in kernel mode. */
static void test_ud2(void)
{
	printk("ud2 test: executing ud2\n");
	__asm__ volatile("ud2");
}

/* With SMAP, touching a user page outside a user copy must fault. */
static void test_smap(void)
{
	struct pmap *pm = pmap_create();
	uaddr_t va = 0x400000;

	CHECK(pm != NULL);
	map_page(pm, va, PROT_R | PROT_W);
	pmap_activate(pm);
	if (!cpu_has_smap) {
		printk("smap test: this CPU has no SMAP\n");
		return;
	}
	printk("smap test: reading user address %#lx directly\n", va);
	(void)*(volatile int *)va;
}

static const struct selftest {
	const char *option;
	const char *name;
	void (*fn)(void);
} selftests[] = {
	{ "test=boot", "boot", test_boot },
	{ "test=usercopy", "usercopy", test_usercopy },
	{ "test=timer", "timer", test_timer },
	{ "test=clock", "clock", test_clock },
	{ "test=console", "console", test_console },
	{ "test=nullderef", "nullderef", test_nullderef },
	{ "test=ud2", "ud2", test_ud2 },
	{ "test=smap", "smap", test_smap },
	{ "test=wx", "wx", selftest_wx },
	{ "test=textwrite", "textwrite", selftest_textwrite },
	{ "test=panic", "panic", selftest_panic },
	{ "test=smp", "smp", selftest_smp },
	{ "test=ipi", "ipi", selftest_ipi },
	{ "test=preempt", "preempt", selftest_preempt },
	{ "test=shootdown", "shootdown", selftest_shootdown },
	{ "test=nmi", "nmi", selftest_nmi },
	{ "test=acpi", "acpi", selftest_acpi },
	{ "test=pci", "pci", selftest_pci },
	{ "test=msi", "msi", selftest_msi },
	{ "test=msix", "msix", selftest_msix },
	{ "test=user", "user", selftest_user },
};

/* Run the test the command line names, if any, and power off. */
void selftest_run_from_cmdline(void)
{
	const char *name = cmdline_get("test");
	const struct selftest *t;

	for (t = selftests; t < selftests + ARRAY_SIZE(selftests); t++) {
		if (!cmdline_has(t->option))
			continue;
		test_name = t->name;
		t->fn();
		if (selftest_failures() == 0)
			printk("%s test: ok\n", t->name);
		platform_poweroff(selftest_failures() == 0 ? 0 : 1);
	}
	if (name != NULL) {
		printk("test=%s: no such test\n", name);
		platform_poweroff(1);
	}
}
