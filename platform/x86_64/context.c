/*
 * Kernel contexts (contract/context.h) on bare metal: the stack switch is
 * context_switch.S's, shared with the hosted bake; all this file adds is
 * a new context's first frame.  Nothing is attached per context (md stays
 * NULL): the CPU needs no bookkeeping to run on a stack.
 *
 * The frame matches context_switch_stack()'s pops: r15, r14, r13 (the
 * argument), r12 (the entry), rbx, rbp (0, ending backtraces), then the
 * return address context_stack_entry, which calls r12(r13) on an aligned
 * stack.
 */
#include "contract/context.h"

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
	uintptr_t *frame = (uintptr_t *)top - 8;	/* 7 words, kept 16-aligned */

	frame[0] = 0;				/* r15 */
	frame[1] = 0;				/* r14 */
	frame[2] = (uintptr_t)arg;		/* r13 */
	frame[3] = (uintptr_t)entry;		/* r12 */
	frame[4] = 0;				/* rbx */
	frame[5] = 0;				/* rbp */
	frame[6] = (uintptr_t)context_stack_entry;
	frame[7] = 0;
	ctx->sp = (uintptr_t)frame;
	ctx->md = NULL;
}

/* Interrupts are disabled (the caller holds the run-queue lock). */
void context_switch(struct context *from, struct context *to)
{
	context_switch_stack(&from->sp, to->sp);
}

/* Nothing was attached to the context; the stack is the core's. */
void context_destroy(struct context *ctx)
{
	ctx->md = NULL;
}
