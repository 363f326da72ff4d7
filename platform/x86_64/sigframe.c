/*
 * Signal frames on x86_64: Linux's rt_sigframe, built on the user stack
 * when a handler runs and read back by rt_sigreturn(2).
 *
 * The layout is Linux's, byte for byte, because user code reads it: a
 * handler with SA_SIGINFO gets pointers into it, glibc and musl's
 * restorers (the SA_RESTORER address, which the handler returns to)
 * just issue rt_sigreturn with the stack pointer where the frame left
 * it, and programs edit uc_mcontext to resume elsewhere.  From the new
 * stack pointer upwards:
 *
 *	pretcode	8 bytes: the restorer, the handler's return address
 *	ucontext	304 bytes: uc_flags, uc_link, uc_stack (stack_t),
 *			uc_mcontext (struct sigcontext, 256), uc_sigmask
 *	siginfo		128 bytes
 *	...		padding
 *	fpstate		the FXSAVE/XSAVE image, 64-byte aligned, with
 *			Linux's software bytes at offset 464 and a trailing
 *			magic word when it is an XSAVE image
 *
 * below the interrupted stack pointer minus the 128-byte red zone, or at
 * the top of the alternate stack.  The frame is placed so the handler
 * starts with rsp + 8 a multiple of 16, as after a call.
 *
 * rt_sigreturn trusts nothing in the frame: the segment selectors and
 * flags are forced to user values (uctx_sanitise), a non-canonical rip
 * becomes SIGSEGV there, and the FPU image is cleaned (MXCSR reserved
 * bits, the XSAVE header) so that the kernel's own XRSTOR cannot fault.
 */
#include "contract/cpu.h"
#include "contract/pmap.h"
#include "contract/uctx.h"
#include "contract/usercopy.h"
#include "cpufunc.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "memlayout.h"
#include "mm/kmalloc.h"
#include "percpu.h"
#include "proc/signal.h"
#include "uctx_md.h"

#define REDZONE		128

#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4

#define FP_XSTATE_MAGIC1	0x46505853u
#define FP_XSTATE_MAGIC2	0x46505845u
#define FX_SW_BYTES		464	/* struct _fpx_sw_bytes in the image */
#define FX_MXCSR		24
#define FX_MXCSR_MASK		28
#define FXSAVE_SIZE		512
#define XSAVE_HDR		512	/* XSTATE_BV, XCOMP_BV, reserved */

#define RFLAGS_TF	0x000100ul
#define RFLAGS_DF	0x000400ul
#define RFLAGS_RF	0x010000ul

/* Linux's struct sigcontext (64-bit), 256 bytes. */
struct lsigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct lucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct kstack uc_stack;
	struct lsigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct lucontext uc;
	char info[128];
};

_Static_assert(sizeof(struct lsigcontext) == 256, "sigcontext");
_Static_assert(sizeof(struct lucontext) == 304, "ucontext");
_Static_assert(offsetof(struct rt_sigframe, info) == 312, "rt_sigframe");
_Static_assert(sizeof(struct kstack) == 24, "stack_t");

struct fpx_sw_bytes {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size, padding[7];
};

static bool
fpu_is_xsave(void)
{
	return fpu_area_size() > FXSAVE_SIZE;
}

static uint64_t
xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/* Bytes the FPU image takes on the user stack (with MAGIC2). */
static size_t
fp_frame_size(void)
{
	return fpu_area_size() + (fpu_is_xsave() ? 4 : 0);
}

long
uctx_retval(const struct uctx *u)
{
	return (long)u->tf.rax;
}

void
uctx_set_retval(struct uctx *u, long v)
{
	u->tf.rax = (uint64_t)v;
}

uaddr_t
uctx_stack_pointer(const struct uctx *u)
{
	return u->tf.rsp;
}

void
uctx_restart_syscall(struct uctx *u, long nr)
{
	u->tf.rax = (uint64_t)nr;
	u->tf.rip -= 2;		/* back over "syscall" (0f 05) */
}

/* Make the live FPU registers (if u is running here) the area's. */
static void
fpu_sync(struct uctx *u)
{
	unsigned long s = intr_save();

	if (this_cpu()->uctx == u)
		fpu_save(u->fpu);
	intr_restore(s);
}

/* Load u's area into the CPU if u is running here. */
static void
fpu_load(struct uctx *u, const void *img)
{
	unsigned long s = intr_save();

	if (img != NULL)
		memcpy(u->fpu, img, fpu_area_size());
	else
		fpu_area_reset(u->fpu);
	if (this_cpu()->uctx == u)
		fpu_restore(u->fpu);
	intr_restore(s);
}

/* Write the FPU image at fp (user).  0 or -EFAULT. */
static int
put_fpstate(struct uctx *u, uaddr_t fp)
{
	struct fpx_sw_bytes sw = { 0 };
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	size_t size = fpu_area_size();

	fpu_sync(u);
	if (copyout(fp, u->fpu, size) != 0)
		return -EFAULT;
	if (!fpu_is_xsave())
		return 0;
	sw.magic1 = FP_XSTATE_MAGIC1;
	sw.extended_size = (uint32_t)size + 4;
	sw.xfeatures = xgetbv0();
	sw.xstate_size = (uint32_t)size;
	if (copyout(fp + FX_SW_BYTES, &sw, sizeof(sw)) != 0 ||
	    copyout(fp + size, &magic2, sizeof(magic2)) != 0)
		return -EFAULT;
	return 0;
}

int
uctx_signal_frame(struct uctx *u, const struct sigframe_req *req)
{
	struct trapframe *tf = &u->tf;
	struct rt_sigframe f;
	struct lsigcontext *sc = &f.uc.uc_mcontext;
	uaddr_t sp = tf->rsp, fp, frame;

	if (!(req->act.flags & SA_RESTORER))
		return -EFAULT;
	if ((req->act.flags & SA_ONSTACK) && !req->on_altstack &&
	    req->altstack.size != 0 && !(req->altstack.flags & SS_DISABLE))
		sp = req->altstack.sp + req->altstack.size;
	else
		sp -= REDZONE;
	fp = (sp - fp_frame_size()) & ~(uaddr_t)63;
	frame = ((fp - sizeof(f)) & ~(uaddr_t)15) - 8;
	if (frame >= USER_END || frame < PAGE_SIZE)
		return -EFAULT;

	memset(&f, 0, sizeof(f));
	f.pretcode = req->act.restorer;
	f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS |
	    (fpu_is_xsave() ? UC_FP_XSTATE : 0);
	f.uc.uc_stack = req->altstack;
	f.uc.uc_stack.pad = 0;
	if (req->on_altstack)
		f.uc.uc_stack.flags = SS_ONSTACK;
	else if (req->altstack.size == 0)
		f.uc.uc_stack.flags = SS_DISABLE;
	else
		f.uc.uc_stack.flags = 0;
	sc->r8 = tf->r8;
	sc->r9 = tf->r9;
	sc->r10 = tf->r10;
	sc->r11 = tf->r11;
	sc->r12 = tf->r12;
	sc->r13 = tf->r13;
	sc->r14 = tf->r14;
	sc->r15 = tf->r15;
	sc->rdi = tf->rdi;
	sc->rsi = tf->rsi;
	sc->rbp = tf->rbp;
	sc->rbx = tf->rbx;
	sc->rdx = tf->rdx;
	sc->rax = tf->rax;
	sc->rcx = tf->rcx;
	sc->rsp = tf->rsp;
	sc->rip = tf->rip;
	sc->eflags = tf->rflags;
	sc->cs = SEL_UCODE;
	sc->ss = SEL_UDATA;
	sc->err = tf->vector < 32 ? tf->error : 0;
	sc->trapno = tf->vector < 32 ? tf->vector : 0;
	sc->oldmask = req->oldmask;
	sc->cr2 = req->info.addr;
	sc->fpstate = fp;
	f.uc.uc_sigmask = req->oldmask;
	signal_siginfo(f.info, req->signo, &req->info);
	if (put_fpstate(u, fp) != 0 || copyout(frame, &f, sizeof(f)) != 0)
		return -EFAULT;

	/* The handler runs with a clean FPU, as on Linux. */
	fpu_load(u, NULL);
	tf->rsp = frame;
	tf->rip = req->act.handler;
	tf->rdi = (uint64_t)req->signo;
	tf->rsi = frame + offsetof(struct rt_sigframe, info);
	tf->rdx = frame + offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rflags &= ~(RFLAGS_DF | RFLAGS_TF | RFLAGS_RF);
	return 0;
}

/* Clean a user-supplied FPU image so the kernel's restore cannot fault. */
static void
fpstate_sanitise(const struct uctx *u, char *img)
{
	uint32_t mxcsr, mask;
	uint64_t bv;

	memcpy(&mask, (const char *)u->fpu + FX_MXCSR_MASK,
	    sizeof(mask));
	if (mask == 0)
		mask = 0xffbf;
	memcpy(&mxcsr, img + FX_MXCSR, sizeof(mxcsr));
	mxcsr &= mask;
	memcpy(img + FX_MXCSR, &mxcsr, sizeof(mxcsr));
	memcpy(img + FX_MXCSR_MASK, &mask, sizeof(mask));
	if (!fpu_is_xsave())
		return;
	memcpy(&bv, img + XSAVE_HDR, sizeof(bv));
	bv &= xgetbv0();
	memcpy(img + XSAVE_HDR, &bv, sizeof(bv));
	/* XCOMP_BV and the reserved header words must be zero. */
	memset(img + XSAVE_HDR + 8, 0, 56);
}

int
uctx_sigreturn(struct uctx *u, uint64_t *mask, long *rax)
{
	struct trapframe *tf = &u->tf;
	struct lucontext uc;
	struct lsigcontext *sc = &uc.uc_mcontext;
	uaddr_t frame = tf->rsp - 8;	/* the handler's ret popped pretcode */
	char *img = NULL;

	if (copyin(&uc, frame + offsetof(struct rt_sigframe, uc),
	    sizeof(uc)) != 0)
		return -EFAULT;
	if (sc->fpstate != 0) {
		if (sc->fpstate % 64 != 0)
			return -EFAULT;
		img = kmalloc(fpu_area_size());
		if (img == NULL)
			return -EFAULT;
		if (copyin(img, sc->fpstate, fpu_area_size()) != 0) {
			kfree(img);
			return -EFAULT;
		}
		fpstate_sanitise(u, img);
	}
	tf->r8 = sc->r8;
	tf->r9 = sc->r9;
	tf->r10 = sc->r10;
	tf->r11 = sc->r11;
	tf->r12 = sc->r12;
	tf->r13 = sc->r13;
	tf->r14 = sc->r14;
	tf->r15 = sc->r15;
	tf->rdi = sc->rdi;
	tf->rsi = sc->rsi;
	tf->rbp = sc->rbp;
	tf->rbx = sc->rbx;
	tf->rdx = sc->rdx;
	tf->rax = sc->rax;
	tf->rcx = sc->rcx;
	tf->rsp = sc->rsp;
	tf->rip = sc->rip;
	/* uctx_sanitise() keeps only the flags user code may set. */
	tf->rflags = sc->eflags;
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	/* Not a syscall any more: no restart logic applies to this return. */
	tf->vector = 0;
	fpu_load(u, img);
	kfree(img);
	*mask = uc.uc_sigmask;
	*rax = (long)sc->rax;
	return 0;
}
