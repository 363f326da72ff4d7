/*
 * What the in-kernel self-tests share (selftest.c runs them): CHECK()
 * reports a failed condition with its file and line and counts it; the
 * runner prints "NAME test: ok" when a test returns with no failures and
 * powers off with status 1 otherwise.  Checks may run on any CPU.
 */
#ifndef X86_SELFTEST_H
#define X86_SELFTEST_H

#include "kern/types.h"

#define CHECK(e) selftest_check((e), #e, __FILE_NAME__, __LINE__)

/* Report and count a failed check (no-op when ok). */
void selftest_check(bool ok, const char *what, const char *file, int line);

/* Failed checks so far in the running test. */
unsigned selftest_failures(void);

#endif
