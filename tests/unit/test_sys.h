/*
 * Helpers shared by the syscall tests (test_sys_*.c).
 *
 * Each test boots a hosted kernel in its own forked child and runs a body
 * as init's user program (hosted_run_init): a C function issuing real
 * syscalls through syscall_dispatch() with user addresses, as a program
 * would.  Bodies return 0; Check's assertions work anywhere, including
 * in children and threads, since they end the whole test process.
 */
#ifndef TEST_SYS_H
#define TEST_SYS_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "contract/usercopy.h"
#include "fs/file.h"
#include "hosted.h"
#include "kern/errno.h"
#include "proc/proc.h"
#include "proc/thread.h"
#include "sys/syscall.h"
#include "vm/vm.h"

#define PG	((uaddr_t)PAGE_SIZE)
#define MiB	((size_t)1 << 20)
/* An address no test maps: every access to it faults (EFAULT). */
#define BAD	((unsigned long)0x1000)

#define sys(...)	hosted_syscall(__VA_ARGS__)

/* Run body as init on ncpus vCPUs with cmdline; return init's exit code. */
static inline int
sys_run_cmdline(unsigned ncpus, const char *cmdline, int (*body)(void *))
{
	struct hosted_config cfg = { .ncpus = ncpus, .mem_bytes = 64 * MiB,
	    .quiet = true, .cmdline = cmdline };

	return hosted_run_init(&cfg, body, NULL);
}

/* Run body as init and expect it to return 0. */
static inline void
sys_run_on(unsigned ncpus, int (*body)(void *))
{
	ck_assert_int_eq(sys_run_cmdline(ncpus, NULL, body), 0);
}

static inline void
sys_run(int (*body)(void *))
{
	sys_run_on(1, body);
}

/* Fresh anonymous read-write user memory. */
static inline uaddr_t
umem(size_t len)
{
	long r = sys(SYS_mmap, 0, len, PROT_R | PROT_W,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_msg(r > 0, "mmap = %ld", r);
	return (uaddr_t)r;
}

/* Shared anonymous memory, for processes to talk through. */
static inline uaddr_t
ushared(size_t len)
{
	long r = sys(SYS_mmap, 0, len, PROT_R | PROT_W,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ck_assert_msg(r > 0, "mmap = %ld", r);
	return (uaddr_t)r;
}

/* 32-bit user words. */
static inline int32_t
peek32(uaddr_t va)
{
	int32_t v;

	ck_assert_int_eq(copyin(&v, va, sizeof(v)), 0);
	return v;
}

static inline void
poke32(uaddr_t va, int32_t v)
{
	ck_assert_int_eq(copyout(va, &v, sizeof(v)), 0);
}

/* Copy a kernel string out, NUL included. */
static inline void
poke_str(uaddr_t va, const char *s)
{
	ck_assert_int_eq(copyout(va, s, strlen(s) + 1), 0);
}

/* wait4 for pid; return its wait status. */
static inline int
wait_status(long pid)
{
	uaddr_t st = umem(PG);

	ck_assert_int_eq(sys(SYS_wait4, pid, st, 0, 0), pid);
	return peek32(st);
}

#endif
