/*
 * The instructions that touch user memory.  Each one that may fault is
 * listed in the exception table (.ex_table: faulting address, where to
 * go instead), which usercopy_fault() consults on a kernel page fault.
 * A fault that vm_fault() resolves re-executes the instruction: rep movsb
 * keeps its progress in rcx/rsi/rdi, and the string loop's load is one
 * byte, so both simply resume.  An unresolved fault jumps to the fixup,
 * which returns how far the copy got.
 */
	.text

/*
 * size_t usercopy_bytes(void *dst, const void *src, size_t len)
 * Copy len bytes; return how many were not copied (0 on success).
 */
	.globl	usercopy_bytes
	.type	usercopy_bytes, @function
usercopy_bytes:
	movq	%rdx, %rcx
1:	rep movsb
2:	movq	%rcx, %rax
	ret
	.size	usercopy_bytes, . - usercopy_bytes

	.pushsection .ex_table, "a"
	.quad	1b, 2b
	.popsection

/*
 * long usercopy_string(char *dst, const char *src, size_t max)
 * Copy bytes up to and including a NUL, at most max of them.  Return the
 * number copied with the NUL, 0 when max bytes held no NUL, or -1 when a
 * fault stopped the copy.
 */
	.globl	usercopy_string
	.type	usercopy_string, @function
usercopy_string:
	movq	%rdx, %rcx
	testq	%rcx, %rcx
	jz	4f
1:	movb	(%rsi), %al
	movb	%al, (%rdi)
	incq	%rsi
	incq	%rdi
	decq	%rcx
	testb	%al, %al
	jz	3f
	testq	%rcx, %rcx
	jnz	1b
4:	xorl	%eax, %eax
	ret
3:	movq	%rdx, %rax
	subq	%rcx, %rax
	ret
2:	movq	$-1, %rax
	ret
	.size	usercopy_string, . - usercopy_string

	.pushsection .ex_table, "a"
	.quad	1b, 2b
	.popsection

	.section .note.GNU-stack, "", @progbits
