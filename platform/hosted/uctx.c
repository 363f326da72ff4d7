/*
 * Hosted user contexts (contract/uctx.h).
 *
 * No user machine code runs in the hosted bake: a "user program" is a C
 * function, run on its thread's kernel stack, that issues syscalls
 * through hosted_syscall() with pointers into the software MMU.  Its
 * struct uctx is therefore not a register file but the function to run
 * (the program counter, as it were), plus the few registers the core
 * edits: the stack pointer, the thread pointer (FS base) and GS base,
 * and the syscall result.
 *
 * fork and clone.  A real child resumes at the instruction after the
 * syscall with the parent's registers; a C function cannot be resumed
 * twice.  So the harness records, in the parent's uctx, the function the
 * child should continue in before it issues fork/clone (hosted_fork,
 * hosted_clone in harness.c), and uctx_fork() gives the child that
 * function as its program.  A fork issued without one (the fuzzer calls
 * syscall_dispatch directly) gives a child whose program is empty: it
 * exits at once with status 0.
 *
 * exec records the entry point and stack; running an image is the x86
 * bake's business, so a hosted uctx after exec has no program either.
 */
#include "contract/pmap.h"
#include "contract/uctx.h"
#include "contract/usercopy.h"
#include "hosted.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "proc/thread.h"
#include "sys/syscall.h"

#define ARCH_SET_GS	0x1001
#define ARCH_SET_FS	0x1002
#define ARCH_GET_FS	0x1003
#define ARCH_GET_GS	0x1004

struct uctx {
	int (*fn)(void *);	/* the program; NULL: none */
	void *arg;
	int (*child_fn)(void *);	/* continuation for the next fork's child */
	void *child_arg;
	uaddr_t entry;		/* exec's entry point (recorded only) */
	uaddr_t sp;
	uaddr_t fsbase, gsbase;
	long rax;		/* the syscall result register */
	struct hosted_sigstate sig;	/* sigframe.c */
};

struct uctx *
uctx_alloc(void)
{
	return kzalloc(sizeof(struct uctx));
}

void
uctx_free(struct uctx *u)
{
	kfree(u);
}

void
uctx_exec(struct uctx *u, uaddr_t entry, uaddr_t sp)
{
	*u = (struct uctx){ .entry = entry, .sp = sp };
}

/* The child runs the continuation the parent registered, if any. */
void
uctx_fork(struct uctx *child, const struct uctx *parent, uaddr_t sp,
    uaddr_t tls)
{
	*child = *parent;
	child->fn = parent->child_fn;
	child->arg = parent->child_arg;
	child->child_fn = NULL;
	child->child_arg = NULL;
	child->rax = 0;
	child->sig = (struct hosted_sigstate){ 0 };
	if (sp != 0)
		child->sp = sp;
	if (tls != 0)
		child->fsbase = tls;
}

/* Run the program; its return value is the process's exit status. */
void
uctx_enter(struct uctx *u)
{
	int status = u->fn != NULL ? u->fn(u->arg) : 0;

	hosted_syscall(SYS_exit_group, status);
	panic("uctx_enter: exit_group returned");
}

/* ARCH_SET_*: an address in the user half (else EPERM, as Linux). */
long
uctx_arch_prctl(struct uctx *u, int code, uaddr_t addr)
{
	uaddr_t v;

	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= USER_END)
			return -EPERM;
		*(code == ARCH_SET_FS ? &u->fsbase : &u->gsbase) = addr;
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		v = code == ARCH_GET_FS ? u->fsbase : u->gsbase;
		return copyout(addr, &v, sizeof(v)) != 0 ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

/* For the harness: give u a program, or a continuation for its next fork. */
void
hosted_uctx_set(struct uctx *u, int (*fn)(void *), void *arg)
{
	u->fn = fn;
	u->arg = arg;
}

void
hosted_uctx_set_child(struct uctx *u, int (*fn)(void *), void *arg)
{
	u->child_fn = fn;
	u->child_arg = arg;
}

/* The FS base (thread pointer), for tests of CLONE_SETTLS/arch_prctl. */
unsigned long
hosted_uctx_fsbase(const struct uctx *u)
{
	return u->fsbase;
}

/* For sigframe.c: the signal state and the registers it edits. */
struct hosted_sigstate *
hosted_uctx_sigstate(struct uctx *u)
{
	return &u->sig;
}

long *
hosted_uctx_rax(struct uctx *u)
{
	return &u->rax;
}

uaddr_t *
hosted_uctx_sp(struct uctx *u)
{
	return &u->sp;
}
