/*
 * The syscall boundary.  Platforms call syscall_dispatch() with Linux
 * x86-64's number and six raw argument words (x86_64: from the syscall
 * instruction's registers; hosted: from the test harness or the fuzzer).
 * It looks the number up in the one table (core/sys/syscalls.def, an
 * X-macro list: number, name, handler, heap bound), reserves the bound,
 * runs the handler, traces the call when the `trace` boot option asks,
 * and returns the handler's value or negative errno (-ENOSYS for numbers
 * the table lacks), exactly as Linux does.
 */
#ifndef SYS_SYSCALL_H
#define SYS_SYSCALL_H

#include "kern/types.h"

struct syscall_args {
	uint64_t a[6];
};

long syscall_dispatch(unsigned long nr, const struct syscall_args *args);

/* The name of syscall nr ("?" when unknown), for traces and reports. */
const char *syscall_name(unsigned long nr);

/* The name of errno value e ("E5" style when it has none), for traces. */
const char *errno_name(long e);

/* SYS_read, SYS_write, ...: the numbers of the calls the table has. */
enum sysnum {
#define SYSCALL(nr, name, handler, bound)	SYS_##name = (nr),
#include "../../sys/syscalls.def"
#undef SYSCALL
};

/* Every handler: long sys_read(const struct syscall_args *), ... */
#define SYSCALL(nr, name, handler, bound) \
	long handler(const struct syscall_args *args);
#include "../../sys/syscalls.def"
#undef SYSCALL

#endif
