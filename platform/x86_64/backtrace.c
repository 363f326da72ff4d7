/*
 * Symbolized backtraces, for fault reports and panics.
 *
 * The kernel is compiled with frame pointers, so every C function's frame
 * starts with the caller's %rbp and sits just below the return address:
 * [rbp] is the caller's rbp, [rbp + 8] the address the caller resumes at.
 * Walking that chain from a trapped context's rbp gives the call chain,
 * which we print one line per frame, "  #N 0xADDR function+0xOFF", with
 * #0 the trapped rip itself.
 *
 * The names come from a table linked into the kernel (section .ksyms):
 * sorted addresses of the text symbols and their names, which
 * tools/ksyms makes from the first of two links (image.cmake explains).
 * A lookup is a binary search; a return address is looked up one byte
 * back, because a call that never returns can be the last instruction of
 * its function, leaving the return address in the next one.
 *
 * The walk runs in the worst of states (a fault, a panic), so it trusts
 * nothing it reads: it stops at a frame pointer that is NULL, unaligned,
 * outside the kernel half or not mapped (kmap_lookup() asks the page
 * tables before each read), at a return address outside the kernel text,
 * when the chain does not move up the stack (stacks grow down, so a
 * caller's frame lies above its callee's; this also rules out loops), and
 * after BACKTRACE_DEPTH frames.  It takes no locks and allocates nothing.
 */
#include "kern/printk.h"
#include "memlayout.h"
#include "x86.h"

#define BACKTRACE_DEPTH	32
#define KERNEL_HALF	0xffff800000000000ul

extern char _text[], _etext[];

/* The table (tools/ksyms). */
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addr[];
extern const uint32_t ksyms_name[];
extern const char ksyms_strings[];

static bool reported;		/* a report or halt printed a backtrace */

/* True when pc lies in the kernel text. */
static bool in_text(uintptr_t pc)
{
	return pc >= (uintptr_t)_text && pc < (uintptr_t)_etext;
}

/*
 * The name of the function containing kernel text address pc, with pc's
 * offset from its start in *offset; NULL when pc is not in the text or
 * precedes every symbol.
 */
const char *ksym_lookup(uintptr_t pc, uintptr_t *offset)
{
	uint64_t lo = 0, hi = ksyms_count, mid;

	if (!in_text(pc))
		return NULL;
	/* Find the last symbol at or below pc: ksyms_addr[lo - 1]. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ksyms_addr[mid] <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	*offset = pc - ksyms_addr[lo - 1];
	return ksyms_strings + ksyms_name[lo - 1];
}

/* Print frame n at pc, named after the byte at lookup. */
static void frame_line(int n, uintptr_t pc, uintptr_t lookup)
{
	uintptr_t off;
	const char *name = ksym_lookup(lookup, &off);

	if (name == NULL)
		printk("  #%d %#018lx\n", n, pc);
	else
		printk("  #%d %#018lx %s+%#lx\n", n, pc, name,
		    off + (pc - lookup));
}

/* True when the two words of a frame at rbp can be read safely. */
static bool frame_readable(uintptr_t rbp)
{
	if (rbp < KERNEL_HALF || (rbp & 7) != 0 || rbp + 16 < rbp)
		return false;
	return kmap_lookup(rbp, NULL) != 0 && kmap_lookup(rbp + 8, NULL) != 0;
}

/* Print the return addresses up the frame chain from rbp, from #n on. */
static void walk(uintptr_t rbp, int n)
{
	const uintptr_t *frame;
	uintptr_t ret;

	for (; n < BACKTRACE_DEPTH && frame_readable(rbp); n++) {
		frame = (const uintptr_t *)rbp;
		ret = frame[1];
		if (!in_text(ret))
			break;
		frame_line(n, ret, ret - 1);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

/* The call chain of a trapped context: rip, then the frames from rbp. */
void backtrace_print(uintptr_t rbp, uintptr_t rip)
{
	__atomic_store_n(&reported, true, __ATOMIC_RELAXED);
	frame_line(0, rip, rip);
	walk(rbp, 1);
}

/*
 * The caller's call chain (cpu_halt_all() calls this on the way down), so
 * a panic shows where it came from.  Quiet when a fault report already
 * printed the chain that matters, and after the first time.
 */
__attribute__((noinline)) void backtrace_halt(void)
{
	if (__atomic_exchange_n(&reported, true, __ATOMIC_RELAXED))
		return;
	printk("backtrace:\n");
	walk((uintptr_t)__builtin_frame_address(0), 0);
}

/* test=panic: a deliberate panic, whose backtrace must name this function. */
void selftest_panic(void)
{
	panic("panic test: on purpose");
}
