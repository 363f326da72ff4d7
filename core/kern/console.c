/*
 * Console input: a ring buffer filled by the platform's console_input()
 * in interrupt context and drained by console_read() in thread context.
 * When the ring is full new bytes are dropped, as a UART drops them when
 * nobody reads; the reader is never blocked behind the writer.
 */
#include "contract/entry.h"
#include "fs/file.h"
#include "kern/console.h"
#include "kern/errno.h"
#include "proc/signal.h"
#include "proc/spinlock.h"
#include "proc/waitq.h"

static struct spinlock input_lock = SPINLOCK_INIT("console input");
static struct waitq input_wq = {
	SPINLOCK_INIT("console readers"), LIST_INIT(input_wq.waiters)
};
static char ring[CONSOLE_INPUT_SIZE];
static size_t ring_head;	/* next byte to read; [input_lock] */
static size_t ring_len;		/* bytes buffered; [input_lock] */

/* Interrupt context: append what fits and wake the readers. */
void console_input(const char *buf, size_t len)
{
	size_t i;

	spin_lock(&input_lock);
	for (i = 0; i < len && ring_len < sizeof(ring); i++) {
		ring[(ring_head + ring_len) % sizeof(ring)] = buf[i];
		ring_len++;
	}
	spin_unlock(&input_lock);
	if (i > 0) {
		waitq_wake_all(&input_wq);
		/* The console tty may have become readable. */
		poll_notify();
	}
}

ssize_t console_read(char *buf, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	spin_lock(&input_lock);
	while (ring_len == 0) {
		if (waitq_wait_intr(&input_wq, &input_lock) != 0) {
			spin_unlock(&input_lock);
			return -EINTR;
		}
	}
	for (i = 0; i < n && ring_len > 0; i++) {
		buf[i] = ring[ring_head];
		ring_head = (ring_head + 1) % sizeof(ring);
		ring_len--;
	}
	spin_unlock(&input_lock);
	return (ssize_t)i;
}

size_t console_input_pending(void)
{
	size_t n;

	spin_lock(&input_lock);
	n = ring_len;
	spin_unlock(&input_lock);
	return n;
}

void console_input_flush(void)
{
	spin_lock(&input_lock);
	ring_head = 0;
	ring_len = 0;
	spin_unlock(&input_lock);
}
