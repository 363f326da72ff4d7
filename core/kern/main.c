/*
 * The core's entry points from the platform: boot (core_main) and the
 * other CPUs (core_cpu_main).
 *
 * core_main() brings the subsystems up in dependency order: the page
 * allocator first (it only needs the platform's memory map), then the
 * heap on top of it, the reservation accounting that the heap charges,
 * and the scheduler, which allocates threads from the heap.  Only then
 * can the other CPUs start, because each joins the scheduler at once.
 * The boot CPU's own stack then becomes its idle thread.
 */
#include "contract/cpu.h"
#include "contract/entry.h"
#include "kern/errno.h"
#include "kern/ktimer.h"
#include "kern/printk.h"
#include "kern/version.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "proc/sched.h"
#include "proc/thread.h"

/*
 * The network stack starts (net/netdev.h) in every kernel that links
 * it; a weak reference keeps a unit test of, say, the ELF loader from
 * dragging in sockets and the whole file layer behind them.
 */
extern void net_init(void) __attribute__((weak));

/* The one line every boot prints, identical in both bakes. */
static void print_banner(void)
{
	unsigned n = cpu_count();
	size_t mib = (page_total() * PAGE_SIZE) >> 20;

	printk("%s %s: %u CPU%s, %zu MiB of memory managed\n", kernel_name,
	    kernel_release, n, n == 1 ? "" : "s", mib);
}

void core_main(void (*first)(void *), void *arg)
{
	struct thread *t;
	unsigned i;

	page_init();
	kmalloc_init();
	reserve_init();
	sched_init();
	print_banner();
	for (i = 1; i < cpu_count(); i++)
		cpu_start(i);
	ktimer_start();
	if (net_init != NULL)
		net_init();
	t = thread_create("first", first, arg);
	if (t == NULL)
		panic("core_main: no memory for the first thread");
	thread_detach(t);
	sched_run_cpu();
}

void core_cpu_main(void)
{
	sched_run_cpu();
}
