/*
 * The hosted bake's own interface, for its main program and for tests:
 * boot the core inside this Linux process.
 *
 * Virtual CPUs are pthreads; physical memory is one mmap'd arena; the clock
 * is CLOCK_MONOTONIC; timer "interrupts" are flags raised by a host timer
 * thread and delivered at the core's preemption points (see
 * contract/cpu.h).  A boot happens at most once per process (Check runs each
 * test case in its own forked child).
 */
#ifndef HOSTED_H
#define HOSTED_H

#include <stdbool.h>
#include <stddef.h>

#include "kern/types.h"

/*
 * The most virtual CPUs one boot may have: the size of the hosted
 * platform's own per-vCPU tables (the core itself has no such limit).
 */
#define HOSTED_CPU_MAX	64

struct hosted_config {
	unsigned ncpus;		/* virtual CPUs, 1..HOSTED_CPU_MAX (1 when 0) */
	size_t mem_bytes;	/* size of the physical arena (default 64 MiB when 0) */
	const char *cmdline;	/* boot_cmdline(); "" when NULL */
	bool quiet;		/* do not echo the console to stderr */
	bool deterministic;	/* one vCPU, virtual clock, no host timer */
};

/*
 * Deterministic mode, for fuzzing and for reproducing failures: a single
 * vCPU and no host timer thread, so nothing outside the kernel's own
 * execution decides what happens when.  Time is virtual: each clock_ns()
 * call advances it by a microsecond, and an idle CPU jumps it to the next
 * timer deadline; timer events are delivered at the usual delivery points
 * once virtual time passes the deadline.  Two runs of the same workload
 * then switch threads at the same points and print the same output.
 */

/*
 * Boot the core with cfg and run fn(arg) as the first kernel thread.
 * When fn returns, stop every virtual CPU and return fn's value here, in
 * the host thread that called hosted_boot().  platform_poweroff(status)
 * inside the kernel ends the boot the same way, returning status.
 */
int hosted_boot(const struct hosted_config *cfg, int (*fn)(void *), void *arg);

/*
 * Set up only the physical arena (no CPUs, no scheduler), so the page
 * allocator can be tested on its own: physmem_ranges() then reports
 * [arena base, + mem_bytes), and cpu_id() is 0 on the calling thread.
 */
void hosted_physmem_init(size_t mem_bytes);

/*
 * Everything the console printed since boot (for tests that check output),
 * NUL-terminated; valid until the console prints again.
 */
const char *hosted_console_log(void);

/*
 * User programs and syscalls (harness.c, uctx.c).
 *
 * The hosted bake runs no user machine code.  A "user program" is a C
 * function int prog(void *arg) running in a user thread of a process
 * with its own address space; it issues syscalls with hosted_syscall(),
 * exactly the path the x86 syscall instruction and the fuzzer take
 * (syscall_dispatch()), and its pointers are user addresses (mmap some
 * memory, then copyin/copyout to look at it).  Returning from the
 * program is exit_group() with its value.
 *
 * fork/vfork/clone cannot resume a C function twice, so the child
 * continues in a function named when the call is made: hosted_fork(fn,
 * arg) issues the real fork syscall with fn(arg) recorded as the child's
 * program (see uctx.c).
 */
struct uctx;

/*
 * Boot with cfg and run prog(arg) as init (pid 1, fds 0-2 on the
 * console).  Returns init's exit code (128 + signal if a fault killed
 * it), which init's end passes to platform_poweroff().  With the
 * environment variable BISCOTTI_MARKS=path, init appends every syscall's
 * heap high-water mark to path when prog returns (for syscalls.def).
 */
int hosted_run_init(const struct hosted_config *cfg, int (*prog)(void *),
    void *arg);

/*
 * The BISCOTTI_MARKS report by itself, for programs that leave without
 * returning from init (the fuzzer exits from its supervisor).
 */
void hosted_report_marks(void);

/* Syscall nr with six argument words: syscall_dispatch() for the caller. */
long hosted_syscall6(unsigned long nr, unsigned long a0, unsigned long a1,
    unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);

/* hosted_syscall(nr, args...): up to six, each converted to a word. */
#define hosted_syscall(...) \
	HOSTED_SYSCALL_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)
#define HOSTED_SYSCALL_(nr, a, b, c, d, e, f, ...) \
	hosted_syscall6((nr), (unsigned long)(a), (unsigned long)(b), \
	    (unsigned long)(c), (unsigned long)(d), (unsigned long)(e), \
	    (unsigned long)(f))

/* fork(2), vfork(2), clone(2) whose child runs child(arg). */
long hosted_fork(int (*child)(void *), void *arg);
long hosted_vfork(int (*child)(void *), void *arg);
long hosted_clone(unsigned long flags, unsigned long stack,
    unsigned long ptid, unsigned long ctid, unsigned long tls,
    int (*child)(void *), void *arg);

/* uctx.c: a context's program, its next child's, and its FS base. */
void hosted_uctx_set(struct uctx *u, int (*fn)(void *), void *arg);
void hosted_uctx_set_child(struct uctx *u, int (*fn)(void *), void *arg);
unsigned long hosted_uctx_fsbase(const struct uctx *u);

/*
 * Signals (sigframe.c).  A hosted handler is a C function
 * void handler(int signo, void *siginfo, void *ucontext), called with
 * siginfo in kernel memory and no ucontext; a "frame" is the handler
 * to run and the state rt_sigreturn must bring back, kept in the uctx.
 * hosted_syscall6() runs the frames the delivery built, newest first,
 * each followed by rt_sigreturn, as the restorer would.
 */
#define HOSTED_SIGFRAMES	8
struct hosted_sigstate {
	bool restart;			/* re-issue the syscall just run */
	int depth;			/* frames built, nested */
	struct {
		void (*handler)(int, void *, void *);
		int signo;
		bool ran;		/* the handler has been called */
		char info[128];
		long rax;
		uint64_t mask;
		bool restart;
	} frames[HOSTED_SIGFRAMES];
};
struct hosted_sigstate *hosted_uctx_sigstate(struct uctx *u);
long *hosted_uctx_rax(struct uctx *u);
uaddr_t *hosted_uctx_sp(struct uctx *u);

/*
 * Device interrupts (irq.c), for host threads that stand in for devices:
 * a block device's io_uring completion reaper, a TAP reader.  A host
 * thread cannot call into the core (it is no vCPU, holds no kernel
 * thread), so it posts a struct hosted_irq instead; the handler then
 * runs on a vCPU at its next delivery point, with interrupts off, exactly
 * as an x86 driver's MSI handler runs (drivers/pci.h): it must not sleep,
 * and typically moves completed work to a queue and wakes a waitq.
 *
 * Posting an irq that is already pending does nothing (it runs once), as
 * with a level that is still raised; the handler therefore drains
 * everything its device has ready.  The struct belongs to the device and
 * must outlive its last delivery.  vcpu picks the CPU (modulo the vCPU
 * count), so a device can keep its interrupts on one CPU.
 */
struct hosted_irq {
	void (*handler)(void *arg);
	void *arg;
	unsigned vcpu;
	int pending;			/* atomic: queued, not yet run */
	struct hosted_irq *next;	/* the posted list */
};

/* Queue irq's handler to run on its vCPU; any host thread may call. */
void hosted_irq_post(struct hosted_irq *irq);

/*
 * A block device over a host file (an image), blkdev_file.c: reads,
 * writes and flushes (fsync) go to the file through io_uring, many in
 * flight, completed by a host reaper thread through a hosted_irq.  Its
 * size is the file's, in whole blocks.  Call from a kernel thread of a
 * booted kernel: it registers the device as name (and /dev/name).  0,
 * or -errno (the host's for the file; -EINVAL for an empty one).
 * hosted_blkdev_close() unregisters it (nothing in flight, nothing
 * held), stops the reaper and closes the file.
 */
struct blkdev;
int hosted_blkdev_open(const char *path, const char *name, bool readonly,
    struct blkdev **out);
void hosted_blkdev_close(struct blkdev *d);

/*
 * The TAP network device (tap.c): a netdev over Linux TAP interface
 * ifname (created when missing, removed at stop), MTU 1500, its frames
 * read by a host thread and delivered through a hosted_irq.  Call from a
 * kernel thread of a booted kernel: it registers the device and starts
 * the reader.  0 or -errno (the host's: EPERM without CAP_NET_ADMIN).
 * hosted_tap_netem() impairs the link as Linux's netem would (netem.h):
 * spec "delay 20ms 5ms loss 5% reorder 10% duplicate 2%", on the frames
 * received (HOSTED_TAP_RX), sent (HOSTED_TAP_TX) or both; -EINVAL with a
 * message in err for a bad spec.  hosted_tap_stats() describes what the
 * impairment did; hosted_tap_stop() ends the threads and closes the TAP.
 */
struct netdev;
#define HOSTED_TAP_RX	0x1u
#define HOSTED_TAP_TX	0x2u
int hosted_tap_open(const char *ifname, struct netdev **out);
int hosted_tap_netem(struct netdev *nd, const char *spec, unsigned dirs,
    uint64_t seed, char *err, size_t errlen);
void hosted_tap_stats(struct netdev *nd, char *buf, size_t len);
void hosted_tap_stop(struct netdev *nd);

#endif
