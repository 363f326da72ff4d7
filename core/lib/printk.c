/*
 * Console output and panic.
 *
 * printk formats a whole message into a buffer on the caller's stack and
 * hands it to the platform with a single console_write() call.  The
 * platform serialises console_write() calls, so messages from different
 * CPUs never interleave inside a line, and printk itself needs no lock:
 * it is safe with interrupts off, inside interrupt handlers and holding
 * any spinlock.  The price is a bound on message length; longer messages
 * are cut and end in "..." (plus the newline, when the format asked for
 * one) so a cut is visible and the next message starts on a fresh line.
 *
 * panic reports a broken invariant and stops every CPU.  It must work in
 * the worst of states, so it formats with the same lock-free machinery.
 * Two guards keep a failing panic from making things worse:
 *  - a panic on the CPU that is already panicking (console_write or
 *    formatting faulted, say) halts at once, without printing again;
 *  - a panic on another CPU while the first one is reporting keeps quiet
 *    and spins: the first CPU's message is the one that explains the
 *    failure, and its cpu_halt_all() will stop the spinner too.
 */
#include "kern/printk.h"
#include "contract/console.h"
#include "contract/cpu.h"
#include "lib/string.h"

/* The longest message printk or panic writes, including the NUL. */
#define PRINTK_BUF_SIZE	512

/* Room reserved at the end of panic's buffer for the CPU line. */
#define PANIC_TRAILER_SIZE	32

/* No CPU is panicking. */
#define PANIC_NONE	(-1)

static unsigned panic_started;		/* atomic: set by the first panic */
static int panic_cpu = PANIC_NONE;	/* atomic: the CPU reporting it */

/*
 * Mark a message of len bytes in buf (PRINTK_BUF_SIZE bytes) as cut short:
 * its tail becomes "...", or "...\n" when the format ended in a newline.
 */
static void
mark_truncated(char *buf, size_t len, const char *fmt)
{
	size_t flen = strlen(fmt);
	const char *mark = flen > 0 && fmt[flen - 1] == '\n' ? "...\n" : "...";
	size_t mlen = strlen(mark);

	memcpy(buf + len - mlen, mark, mlen);
}

/*
 * Format a message and write it to the console in one piece.  Returns
 * the number of bytes written.
 */
int
vprintk(const char *fmt, va_list ap)
{
	char buf[PRINTK_BUF_SIZE];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = (size_t)n;

	if (len >= sizeof(buf)) {
		len = sizeof(buf) - 1;
		mark_truncated(buf, len, fmt);
	}
	console_write(buf, len);
	return (int)len;
}

/* vprintk with a variable argument list. */
int
printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

/*
 * Called when a panic is already under way.  Halt if it is our own (a
 * recursive panic) or if the first one is still too young to have
 * recorded its CPU; otherwise leave the report to the first CPU.
 */
static __noreturn void
panic_again(void)
{
	int first = __atomic_load_n(&panic_cpu, __ATOMIC_ACQUIRE);

	if (first == PANIC_NONE || first == (int)cpu_id())
		cpu_halt_all();
	for (;;)
		cpu_relax();
}

/*
 * Print "panic: <message>" and the CPU number, then stop every CPU.
 * Callable in any context.
 */
__noreturn void
panic(const char *fmt, ...)
{
	char buf[PRINTK_BUF_SIZE];
	size_t room = sizeof(buf) - PANIC_TRAILER_SIZE;
	size_t len;
	unsigned cpu;
	va_list ap;

	if (__atomic_exchange_n(&panic_started, 1, __ATOMIC_ACQ_REL) != 0)
		panic_again();
	intr_disable();
	cpu = cpu_id();
	__atomic_store_n(&panic_cpu, (int)cpu, __ATOMIC_RELEASE);

	len = (size_t)ksnprintf(buf, room, "panic: ");
	va_start(ap, fmt);
	len += (size_t)kvsnprintf(buf + len, room - len, fmt, ap);
	va_end(ap);
	if (len >= room)
		len = room - 1;
	len += (size_t)ksnprintf(buf + len, sizeof(buf) - len,
	    "\ncpu %u: halting\n", cpu);
	console_write(buf, len);
	cpu_halt_all();
}
