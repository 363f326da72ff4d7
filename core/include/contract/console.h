/*
 * Contract: the console.
 *
 * console_write() sends bytes to the console (serial port, or the host's
 * stderr) and may be called in any context, including with interrupts off
 * and from panic.  It is for the kernel's own messages, so a serial
 * console turns each \n into \r\n for the terminal on the other end.
 * console_write_raw() sends the bytes exactly as given: the tty's output,
 * which does its own newline processing (termios OPOST/ONLCR), so that
 * `stty -onlcr` means what it means on Linux.  Input arrives through the core's console_input()
 * (entry.h), called in interrupt context.
 */
#ifndef CONTRACT_CONSOLE_H
#define CONTRACT_CONSOLE_H

#include "kern/types.h"

void console_write(const char *buf, size_t len);
void console_write_raw(const char *buf, size_t len);

#endif
