/*
 * Contract: the console.
 *
 * console_write() sends bytes to the console (serial port, or the host's
 * stderr) and may be called in any context, including with interrupts off
 * and from panic.  Input arrives through the core's console_input()
 * (entry.h), called in interrupt context.
 */
#ifndef CONTRACT_CONSOLE_H
#define CONTRACT_CONSOLE_H

#include "kern/types.h"

void console_write(const char *buf, size_t len);

#endif
