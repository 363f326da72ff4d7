/*
 * Contract: the user-mode half of a thread (arch code).
 *
 * A user thread is a kernel thread with a user register context.  The core
 * decides what happens (exec, fork, clone, exit, later signals); the
 * platform owns the register layout and the way into and out of user mode.
 *
 * x86_64: a struct uctx is the register file saved on entry (syscall,
 * interrupt, fault) plus the FS base and the FPU/SSE/AVX state (XSAVE area);
 * uctx_enter() returns to ring 3 with iretq/sysretq.
 *
 * hosted: no user machine code runs.  A "user program" is a C function
 * that issues syscalls through the hosted harness with pointers into the
 * software MMU; its uctx records that function, and the fake registers
 * that fork/clone/exec edit, so the core's logic is the same.
 */
#ifndef CONTRACT_UCTX_H
#define CONTRACT_UCTX_H

#include "kern/types.h"

struct uctx;

/* A zeroed user context, or NULL when memory is exhausted. */
struct uctx *uctx_alloc(void);
void uctx_free(struct uctx *u);

/*
 * exec: start over at entry with stack pointer sp, every other register
 * (and the FPU state, and the thread pointer) reset as Linux's execve does.
 */
void uctx_exec(struct uctx *u, uaddr_t entry, uaddr_t sp);

/*
 * fork/clone: child becomes a copy of parent (the state at parent's
 * syscall) with the syscall's result register set to 0; sp != 0 replaces
 * the stack pointer, and tls != 0 the thread pointer (CLONE_SETTLS).
 */
void uctx_fork(struct uctx *child, const struct uctx *parent, uaddr_t sp,
    uaddr_t tls);

/*
 * Run the calling thread in user mode from u.  Returns never: the thread
 * comes back into the kernel only through syscall_dispatch() and faults.
 * A new user thread's kernel entry function ends by calling it.
 */
__noreturn void uctx_enter(struct uctx *u);

/*
 * Signals (proc/signal.h).  The result register of the syscall just run,
 * and its user stack pointer; uctx_restart_syscall() makes the thread
 * issue syscall nr again when it returns to user mode (x86: rip back over
 * the 2-byte syscall instruction, rax = nr).
 */
long uctx_retval(const struct uctx *u);
void uctx_set_retval(struct uctx *u, long v);
uaddr_t uctx_stack_pointer(const struct uctx *u);
void uctx_restart_syscall(struct uctx *u, long nr);

/*
 * Build Linux's signal frame for req on the user stack (the alternate
 * stack when SA_ONSTACK asks and it is not in use) and point u at the
 * handler.  0, or -EFAULT when the frame could not be written.
 */
struct sigframe_req;
int uctx_signal_frame(struct uctx *u, const struct sigframe_req *req);

/*
 * rt_sigreturn: restore u from the frame its stack pointer points at;
 * *mask gets the frame's signal mask and *rax the interrupted context's
 * result register (the syscall's return value).  0, or -EFAULT for a
 * frame that cannot be read or is invalid.
 */
int uctx_sigreturn(struct uctx *u, uint64_t *mask, long *rax);

/* arch_prctl(2): ARCH_SET_FS/GET_FS/SET_GS/GET_GS; -EINVAL otherwise. */
long uctx_arch_prctl(struct uctx *u, int code, uaddr_t addr);

#endif
