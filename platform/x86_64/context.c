/*
 * Kernel contexts (contract/context.h) on bare metal: the stack switch is
 * context_switch.S's, shared with the hosted bake; this file adds a new
 * context's first frame and the user-mode half of a switch.
 *
 * The top 16 bytes of every stack hold the context's uctx slot (md): the
 * user context of the thread, once it entered user mode (uctx_enter()),
 * else NULL.  context_switch() hands both slots to uctx_switch(), which
 * saves and loads what the CPU keeps for user mode (FPU state, FS and GS
 * bases, the entry stack: the slot's own address, just below it).
 * Contexts that context_init() did not lay out (each CPU's boot stack,
 * the idle thread) have md NULL and never run user code.
 *
 * The frame below the slot matches context_switch_stack()'s pops: r15,
 * r14, r13 (the argument), r12 (the entry), rbx, rbp (0, ending
 * backtraces), then the return address context_stack_entry, which calls
 * r12(r13) on an aligned stack.
 */
#include "contract/context.h"
#include "uctx_md.h"

#define KERNEL_STACK_SIZE	(16 * 1024)

/* From context_switch.S. */
void context_switch_stack(uintptr_t *save_sp, uintptr_t new_sp);
void context_stack_entry(void);

/* Kernel stacks are 16 KiB, as on most x86-64 kernels. */
size_t context_stack_size(void)
{
	return KERNEL_STACK_SIZE;
}

/* Lay out the first frame so the first switch to ctx runs entry(arg). */
void context_init(struct context *ctx, void *stack, size_t size,
    void (*entry)(void *), void *arg)
{
	uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
	struct uctx **slot = (struct uctx **)(top - 16);
	uintptr_t *frame = (uintptr_t *)slot - 8;	/* 7 words, kept 16-aligned */

	frame[0] = 0;				/* r15 */
	frame[1] = 0;				/* r14 */
	frame[2] = (uintptr_t)arg;		/* r13 */
	frame[3] = (uintptr_t)entry;		/* r12 */
	frame[4] = 0;				/* rbx */
	frame[5] = 0;				/* rbp */
	frame[6] = (uintptr_t)context_stack_entry;
	frame[7] = 0;
	*slot = NULL;
	ctx->sp = (uintptr_t)frame;
	ctx->md = slot;
}

/* Interrupts are disabled (the caller holds the run-queue lock). */
void context_switch(struct context *from, struct context *to)
{
	uctx_switch(from->md, to->md);
	context_switch_stack(&from->sp, to->sp);
}

/* The slot lives on the stack, which is the core's to free. */
void context_destroy(struct context *ctx)
{
	ctx->md = NULL;
}
