/*
 * User mode on x86_64: user register contexts (contract/uctx.h), the
 * syscall MSRs, the C half of the syscall path, and what user-mode
 * exceptions become.
 *
 * A thread's uctx is found through its kernel stack: context_init()
 * (context.c) reserves a word at the top of every stack, the uctx slot,
 * and hands its address to the core as the context's md.  uctx_enter()
 * writes the thread's uctx there; from then on every context_switch()
 * into that thread points the per-CPU words at it (this CPU's uctx, the
 * end of its register frame for the syscall stub, TSS.rsp0 and the
 * syscall stub's stack, both the slot's address, so entries from user
 * mode start on an empty kernel stack), loads its FS base and user GS
 * base, and restores its FPU state (fpu.c), after saving the outgoing
 * thread's.  The word at the top of the stack keeps the binding with the
 * thread without any field in the core's struct thread.
 *
 * The syscall entry (syscall_entry.S) saves the user registers straight
 * into the uctx; uctx_syscall() takes the number and the six arguments
 * from there, calls syscall_dispatch(), stores the result in rax, offers
 * the CPU to the scheduler, and chooses sysretq or iretq (see the stub's
 * comment).  A user-mode exception copies the trap frame into the uctx,
 * turns a page fault into vm_fault() and everything unresolved into
 * core_user_fault() with the signal Linux would send, and copies the
 * (sanitised) registers back.  A kernel-mode fault on a user address is
 * a bug unless a user copy took it (trap.c, usercopy.c).
 *
 * Registers handed back to user mode are sanitised on every return: the
 * user code and stack selectors, rflags restricted to what user code may
 * hold with interrupts on, and a rip that must be canonical (else the
 * thread gets SIGSEGV and returns to address 0, which faults in user
 * mode, never in the kernel's iretq).
 */
#include "contract/cpu.h"
#include "contract/entry.h"
#include "contract/pmap.h"
#include "contract/uctx.h"
#include "contract/usercopy.h"
#include "cpufunc.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"
#include "memlayout.h"
#include "mm/kmalloc.h"
#include "percpu.h"
#include "proc/acct.h"
#include "proc/sched.h"
#include "proc/signal.h"
#include "sys/syscall.h"
#include "trap.h"
#include "uctx_md.h"

#define EFER_SCE	0x1ull

#define RFLAGS_FIXED	0x000002ul	/* bit 1 always reads as 1 */
#define RFLAGS_TF	0x000100ul
#define RFLAGS_DF	0x000400ul
#define RFLAGS_NT	0x004000ul
#define RFLAGS_RF	0x010000ul
/* What user code may hold: the arithmetic flags, TF, DF, OF, RF, AC, ID. */
#define RFLAGS_USER	0x250dd5ul

/* arch_prctl(2) codes. */
#define ARCH_SET_GS	0x1001
#define ARCH_SET_FS	0x1002
#define ARCH_GET_FS	0x1003
#define ARCH_GET_GS	0x1004

/* Linux's signal numbers for the exceptions. */
#define SIGILL		4
#define SIGTRAP		5
#define SIGBUS		7
#define SIGFPE		8
#define SIGSEGV		11

/* Linux's highest user address + 1 for arch_prctl (TASK_SIZE_MAX). */
#define USER_TOP_MAX	(USER_END - PAGE_SIZE)

_Static_assert(offsetof(struct percpu, user_kstack) == PC_USER_KSTACK,
    "uctx_md.h: PC_USER_KSTACK");
_Static_assert(offsetof(struct percpu, user_frame) == PC_USER_FRAME,
    "uctx_md.h: PC_USER_FRAME");
_Static_assert(offsetof(struct percpu, user_rsp) == PC_USER_RSP,
    "uctx_md.h: PC_USER_RSP");
_Static_assert(offsetof(struct uctx, tf) == 0, "the frame comes first");

/* This CPU's syscall MSRs: syscall on, its entry, the flags it masks. */
static void syscall_msrs(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* sysret: CS = STAR[63:48] + 16 = SEL_UCODE, SS = + 8 = SEL_UDATA. */
	wrmsr(MSR_STAR, (uint64_t)SEL_UCODE32 << 48 | (uint64_t)SEL_KCODE << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC |
	    RFLAGS_NT);
}

/* Boot CPU, before the others start: the FPU and the syscall MSRs. */
void uctx_init_boot(void)
{
	fpu_init();
	syscall_msrs();
}

/* Each other CPU as it comes up. */
void uctx_init_ap(void)
{
	fpu_init_ap();
	syscall_msrs();
}

/* True when va is in the lower canonical half, where user code lives. */
static bool user_canonical(uint64_t va)
{
	return va < USER_END;
}

struct uctx *uctx_alloc(void)
{
	size_t fpu = fpu_area_size();
	struct uctx *u = kzalloc(sizeof(*u) + fpu + 64);

	if (u == NULL)
		return NULL;
	u->fpu = (void *)(((uintptr_t)(u + 1) + 63) & ~(uintptr_t)63);
	fpu_area_reset(u->fpu);
	u->tf.cs = SEL_UCODE;
	u->tf.ss = SEL_UDATA;
	u->tf.rflags = RFLAGS_IF | RFLAGS_FIXED;
	return u;
}

/*
 * Free u.  It must not be bound to a thread that will run again: free it
 * from its own thread (which then never returns to user mode), or once
 * that thread is off every CPU for good.
 */
void uctx_free(struct uctx *u)
{
	unsigned long s;
	struct percpu *pc;

	if (u == NULL)
		return;
	s = intr_save();
	pc = this_cpu();
	if (pc->uctx == u) {
		*pc->uctx_slot = NULL;
		pc->uctx = NULL;
		pc->user_frame = 0;
	}
	intr_restore(s);
	kfree(u);
}

/* Load u's FS and user GS bases and FPU state into this CPU (intr off). */
static void uctx_load(struct percpu *pc, struct uctx *u, struct uctx **slot)
{
	pc->uctx = u;
	pc->user_kstack = (uint64_t)slot;
	pc->tss.rsp[0] = (uint64_t)slot;
	pc->user_frame = (uint64_t)(&u->tf + 1);
	wrmsr(MSR_FS_BASE, u->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, u->gs_base);
	fpu_restore(u->fpu);
}

void uctx_switch(struct uctx **from, struct uctx **to)
{
	struct percpu *pc = this_cpu();

	if (from != NULL && *from != NULL)
		fpu_save((*from)->fpu);
	pc->uctx_slot = to;
	if (to != NULL && *to != NULL) {
		uctx_load(pc, *to, to);
	} else {
		pc->uctx = NULL;
		pc->user_frame = 0;
	}
}

/* True when u is the running thread's uctx (interrupts off). */
static bool uctx_is_current(const struct uctx *u)
{
	return this_cpu()->uctx == u;
}

void uctx_exec(struct uctx *u, uaddr_t entry, uaddr_t sp)
{
	unsigned long s;

	memset(&u->tf, 0, sizeof(u->tf));
	u->tf.rip = entry;
	u->tf.rsp = sp;
	u->tf.cs = SEL_UCODE;
	u->tf.ss = SEL_UDATA;
	u->tf.rflags = RFLAGS_IF | RFLAGS_FIXED;
	u->fs_base = 0;
	u->gs_base = 0;
	fpu_area_reset(u->fpu);
	s = intr_save();
	if (uctx_is_current(u))
		uctx_load(this_cpu(), u, this_cpu()->uctx_slot);
	intr_restore(s);
}

void uctx_fork(struct uctx *child, const struct uctx *parent, uaddr_t sp,
    uaddr_t tls)
{
	unsigned long s = intr_save();

	/* The parent's live FPU registers are newer than its area. */
	if (uctx_is_current(parent))
		fpu_save(parent->fpu);
	intr_restore(s);
	child->tf = parent->tf;
	child->fs_base = parent->fs_base;
	child->gs_base = parent->gs_base;
	memcpy(child->fpu, parent->fpu, fpu_area_size());
	child->tf.rax = 0;
	if (sp != 0)
		child->tf.rsp = sp;
	if (tls != 0)
		child->fs_base = tls;
}

/* Make u's frame safe to return to user mode with (interrupts on). */
static void uctx_sanitise(struct uctx *u)
{
	u->tf.cs = SEL_UCODE;
	u->tf.ss = SEL_UDATA;
	u->tf.rflags = (u->tf.rflags & RFLAGS_USER) | RFLAGS_IF | RFLAGS_FIXED;
	if (!user_canonical(u->tf.rip)) {
		core_user_fault(SIGSEGV, u->tf.rip);
		u->tf.rip = 0;
	}
}

__noreturn void uctx_enter(struct uctx *u)
{
	struct percpu *pc;

	uctx_sanitise(u);
	intr_disable();
	pc = this_cpu();
	if (pc->uctx_slot == NULL)
		panic("uctx_enter: not on a thread's stack");
	*pc->uctx_slot = u;
	uctx_load(pc, u, pc->uctx_slot);
	uctx_iret(&u->tf);
}

long uctx_arch_prctl(struct uctx *u, int code, uaddr_t addr)
{
	unsigned long s;
	uint64_t v;

	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= USER_TOP_MAX)
			return -EPERM;
		s = intr_save();
		if (code == ARCH_SET_FS)
			u->fs_base = addr;
		else
			u->gs_base = addr;
		if (uctx_is_current(u))
			wrmsr(code == ARCH_SET_FS ? MSR_FS_BASE :
			    MSR_KERNEL_GS_BASE, addr);
		intr_restore(s);
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		v = code == ARCH_GET_FS ? u->fs_base : u->gs_base;
		return copyout(addr, &v, sizeof(v));
	default:
		return -EINVAL;
	}
}

/*
 * From syscall_entry.S with interrupts on: run the syscall u's frame
 * holds.  Returns with interrupts off, true when sysretq may return
 * (rcx and r11 are rip and rflags, rip is canonical, no single-step).
 */
bool uctx_syscall(struct uctx *u)
{
	struct trapframe *tf = &u->tf;
	struct syscall_args args = { { tf->rdi, tf->rsi, tf->rdx, tf->r10,
	    tf->r8, tf->r9 } };
	unsigned long nr = tf->rax;

	tf->rax = (uint64_t)syscall_dispatch(nr, &args);
	sched_preempt_point();
	signal_deliver(u, nr < 0x8000000000000000ul ? (long)nr : -1);
	uctx_sanitise(u);
	intr_disable();
	return tf->rcx == tf->rip && tf->r11 == tf->rflags &&
	    !(tf->rflags & (RFLAGS_TF | RFLAGS_RF));
}

/*
 * Try to resolve a user page fault; the signal to send, or 0.  A user
 * fault waits for memory rather than failing; -ENOMEM means the process
 * is being killed (the OOM victim), and its pending SIGKILL ends it on
 * the way out, so it gets no SIGSEGV.
 */
static int user_page_fault(uint64_t error, uint64_t cr2)
{
	unsigned access = PROT_R;
	int r;

	if (error & PF_INSTR)
		access = PROT_X;
	else if (error & PF_WRITE)
		access = PROT_W;
	if (cr2 >= USER_END)
		return SIGSEGV;
	r = vm_fault(cr2, access);
	if (r == -ENOMEM)
		return 0;
	return r < 0 ? SIGSEGV : 0;
}

/* The signal Linux sends for exception vec in user mode. */
static int exception_signal(unsigned vec)
{
	switch (vec) {
	case T_DIVIDE:
	case 16:		/* x87 floating-point error */
	case 19:		/* SIMD floating-point exception */
		return SIGFPE;
	case T_DEBUG:
	case T_BREAKPOINT:
		return SIGTRAP;
	case 6:			/* invalid opcode */
	case 7:			/* device not available: no FPU trap is armed */
		return SIGILL;
	case 11:		/* segment not present */
	case 12:		/* stack-segment fault */
	case 17:		/* alignment check */
		return SIGBUS;
	default:		/* #GP, #OF, #BR, #TS, #CP... */
		return SIGSEGV;
	}
}

void uctx_exception(struct trapframe *tf, uint64_t cr2)
{
	struct uctx *u = this_cpu()->uctx;
	unsigned vec = (unsigned)tf->vector;
	uint64_t addr = vec == T_PAGE_FAULT ? cr2 : tf->rip;
	int signo;

	u->tf = *tf;
	intr_enable();
	if (vec == T_PAGE_FAULT)
		signo = user_page_fault(tf->error, cr2);
	else
		signo = exception_signal(vec);
	if (signo != 0)
		core_user_fault(signo, addr);
	sched_preempt_point();
	signal_deliver(u, -1);
	uctx_sanitise(u);
	intr_disable();
	*tf = u->tf;
}

/*
 * trap.c, after an interrupt taken in user mode (interrupts off, on the
 * thread's own kernel stack): the user time run so far is charged, so the
 * CPU-time interval timers (ITIMER_VIRTUAL, ITIMER_PROF) expire for a
 * thread that never makes a syscall, and a signal sent while the thread
 * ran in user mode is delivered now rather than at its next syscall.
 */
void uctx_interrupt_exit(struct trapframe *tf)
{
	struct uctx *u = this_cpu()->uctx;

	if (u == NULL)
		return;
	acct_charge_current();
	if (!signal_pending())
		return;
	u->tf = *tf;
	intr_enable();
	signal_deliver(u, -1);
	uctx_sanitise(u);
	intr_disable();
	*tf = u->tf;
}
