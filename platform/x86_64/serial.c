/*
 * The console: a 16550 UART on COM1, 115200 8N1.
 *
 * Output is polled, so it works with interrupts off and inside panic.
 * Writers are serialised by an owner word rather than a spinlock: a CPU
 * that already owns it (a panic or exception report in the middle of a
 * write) goes ahead instead of deadlocking, and a CPU that died owning it
 * is waited for only a bounded time.  Line feeds become CR LF for
 * terminals.
 *
 * Input arrives by interrupt: the UART raises IRQ 4 on received data
 * (through the I/O APIC when there is one, else the 8259), and the
 * handler hands whatever is in the FIFO to the core's console_input().
 */
#include "contract/console.h"
#include "contract/cpu.h"
#include "contract/entry.h"
#include "cpufunc.h"
#include "kern/printk.h"
#include "trap.h"
#include "x86.h"

#define COM1		0x3f8
#define COM1_IRQ	4

/* Register offsets from the base port. */
#define UART_DATA	0	/* receive / transmit (DLAB=0) */
#define UART_IER	1	/* interrupt enable (DLAB=0) */
#define UART_DLL	0	/* divisor low (DLAB=1) */
#define UART_DLM	1	/* divisor high (DLAB=1) */
#define UART_FCR	2	/* FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */

#define LCR_DLAB	0x80
#define LCR_8N1		0x03
#define FCR_ENABLE	0x07	/* enable, clear both FIFOs, 1-byte trigger */
#define MCR_DTR_RTS_OUT2 0x0b	/* OUT2 gates the IRQ line on PCs */
#define IER_RX		0x01
#define LSR_RX_READY	0x01
#define LSR_TX_EMPTY	0x20

#define TX_SPIN_LIMIT	100000	/* give up on a dead transmitter */
/*
 * How long a writer waits for another CPU's write to finish, in TSC
 * ticks: 100 ms once the clock is calibrated, else 2^28 ticks (0.1 s at
 * 2.7 GHz).  A time, not a spin count, because under emulation a spin
 * costs so much that a count long enough on hardware took half a minute
 * when a panic's NMI had stopped the owner mid-line.
 */
#define OWNER_WAIT_HZ_DIV 10
#define OWNER_WAIT_BOOT	(1ull << 28)

static unsigned console_owner;	/* 0 free, else cpu_id() + 1 */

/*
 * Program COM1 for 115200 8N1 with FIFOs, receive interrupt off, and start
 * the kernel's output on a fresh line (firmware leaves its cursor mid-line).
 */
void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);	/* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE);
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	console_write("\n", 1);
}

/* Send one byte once the transmitter has room. */
static void serial_putc(char c)
{
	int spins = 0;

	while (!(inb(COM1 + UART_LSR) & LSR_TX_EMPTY) && spins++ < TX_SPIN_LIMIT)
		cpu_relax();
	outb(COM1 + UART_DATA, (uint8_t)c);
}

/*
 * Take the console for this CPU; false when it already had it (nested
 * use from a trap or panic), in which case the caller must not release.
 */
static bool console_acquire(void)
{
	unsigned me = cpu_id() + 1, expected;
	uint64_t hz = clock_tsc_hz(), start = rdtsc();
	uint64_t wait = hz != 0 ? hz / OWNER_WAIT_HZ_DIV : OWNER_WAIT_BOOT;

	for (;;) {
		expected = 0;
		if (__atomic_compare_exchange_n(&console_owner, &expected, me,
		    false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
		if (expected == me || rdtsc() - start > wait)
			return false;
		cpu_relax();
	}
}

/*
 * Write len bytes to COM1, with \r before each \n when crlf; any context,
 * including panic.
 */
static void
serial_write(const char *buf, size_t len, bool crlf)
{
	unsigned long s = intr_save();
	bool owned = console_acquire();
	size_t i;

	for (i = 0; i < len; i++) {
		if (crlf && buf[i] == '\n')
			serial_putc('\r');
		serial_putc(buf[i]);
	}
	if (owned)
		__atomic_store_n(&console_owner, 0, __ATOMIC_RELEASE);
	intr_restore(s);
}

void console_write(const char *buf, size_t len)
{
	serial_write(buf, len, true);
}

void console_write_raw(const char *buf, size_t len)
{
	serial_write(buf, len, false);
}

/* IRQ 4: pass everything the receive FIFO holds to the core. */
static void serial_rx_intr(void *arg)
{
	char buf[32];
	size_t n = 0;

	while (n < sizeof(buf) && (inb(COM1 + UART_LSR) & LSR_RX_READY))
		buf[n++] = (char)inb(COM1 + UART_DATA);
	if (n > 0)
		console_input(buf, n);
}

/* IRQ 4 by way of the 8259, whose handlers take the trap frame. */
static void serial_pic_intr(struct trapframe *tf)
{
	serial_rx_intr(NULL);
}

/*
 * Start taking input: route IRQ 4 to this CPU and let the UART raise it.
 * With an I/O APIC (after ioapic_init()) the line goes through it, on a
 * vector of its own and wherever the MADT's overrides put it; without
 * one, through the 8259.  Bytes that arrived earlier wait in the FIFO
 * and raise the interrupt at once.
 */
void serial_enable_input(void)
{
	int vec;

	if (ioapic_present()) {
		vec = intr_vector_alloc(serial_rx_intr, NULL);
		if (vec < 0 || ioapic_route_isa(COM1_IRQ, (unsigned)vec,
		    lapic_id()) != 0)
			panic("serial_enable_input: cannot route IRQ %d",
			    COM1_IRQ);
	} else {
		intr_set_handler(IRQ_PIC_BASE + COM1_IRQ, serial_pic_intr);
		pic_unmask(COM1_IRQ);
	}
	outb(COM1 + UART_IER, IER_RX);
}
