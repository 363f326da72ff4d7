/*
 * Copies between the kernel and the current user address space
 * (contract/usercopy.h), with fault recovery.
 *
 * The copies are plain loads and stores through the user's own page
 * tables (usercopy_loops.S); the MMU does the checking.  When one of the
 * listed instructions faults on a user address, usercopy_fault() (called
 * by the trap handler) asks the core's vm_fault() to fix the page, with
 * the interrupt state the copy had, and either lets the instruction run
 * again or sends it to its fixup, which makes the copy return -EFAULT.
 * A fault on a kernel address there is a kernel bug and stays fatal.
 *
 * Addresses at or beyond USER_END are refused before any access, so the
 * kernel half can never be read or written on a user's behalf.  With
 * SMAP the kernel may touch user pages only between stac and clac, which
 * bracket each copy; with SMEP it can never execute them.
 */
#include "contract/entry.h"
#include "contract/pmap.h"
#include "contract/usercopy.h"
#include "cpufunc.h"
#include "kern/errno.h"
#include "trap.h"
#include "x86.h"

/* An .ex_table entry: a faulting instruction and its fixup. */
struct ex_entry {
	uintptr_t ip;
	uintptr_t fixup;
};

extern const struct ex_entry __ex_table_start[], __ex_table_end[];

/* From usercopy_loops.S. */
size_t usercopy_bytes(void *dst, const void *src, size_t len);
long usercopy_string(char *dst, const char *src, size_t max);

int (*usercopy_vm_fault)(uaddr_t va, unsigned access) = vm_fault;

/* The exception-table entry for instruction ip, or NULL. */
static const struct ex_entry *ex_lookup(uintptr_t ip)
{
	const struct ex_entry *ex;

	for (ex = __ex_table_start; ex < __ex_table_end; ex++)
		if (ex->ip == ip)
			return ex;
	return NULL;
}

/* A kernel page fault at va with frame tf: ours to resolve? */
bool usercopy_fault(struct trapframe *tf, uintptr_t va)
{
	const struct ex_entry *ex = ex_lookup(tf->rip);
	unsigned access = (tf->error & PF_WRITE) ? PROT_W : PROT_R;
	int error;

	if (ex == NULL || va >= USER_END)
		return false;
	if (tf->rflags & RFLAGS_IF)
		sti();
	error = usercopy_vm_fault(va, access);
	cli();
	if (error != 0)
		tf->rip = ex->fixup;
	return true;
}

/* Open user pages to the kernel (SMAP) for one copy. */
static void user_access_begin(void)
{
	if (cpu_has_smap)
		__asm__ volatile("stac" : : : "memory");
}

/* Close them again. */
static void user_access_end(void)
{
	if (cpu_has_smap)
		__asm__ volatile("clac" : : : "memory");
}

/* Whether [va, va + len) lies inside the user half. */
static bool user_range_ok(uaddr_t va, size_t len)
{
	return va < USER_END && len <= USER_END - va;
}

/* Copy len bytes from user usrc to kernel kdst: 0 or -EFAULT. */
int copyin(void *kdst, uaddr_t usrc, size_t len)
{
	size_t left;

	if (len == 0)
		return 0;
	if (!user_range_ok(usrc, len))
		return -EFAULT;
	user_access_begin();
	left = usercopy_bytes(kdst, (const void *)usrc, len);
	user_access_end();
	return left == 0 ? 0 : -EFAULT;
}

/* Copy len bytes from kernel ksrc to user udst: 0 or -EFAULT. */
int copyout(uaddr_t udst, const void *ksrc, size_t len)
{
	size_t left;

	if (len == 0)
		return 0;
	if (!user_range_ok(udst, len))
		return -EFAULT;
	user_access_begin();
	left = usercopy_bytes((void *)udst, ksrc, len);
	user_access_end();
	return left == 0 ? 0 : -EFAULT;
}

/* A string running into USER_END faults there, as hardware would. */
ssize_t copyinstr(char *kdst, uaddr_t usrc, size_t max)
{
	size_t len;
	long n;

	if (usrc >= USER_END)
		return -EFAULT;
	if (max == 0)
		return -ENAMETOOLONG;
	len = MIN(max, USER_END - usrc);
	user_access_begin();
	n = usercopy_string(kdst, (const char *)usrc, len);
	user_access_end();
	if (n < 0)
		return -EFAULT;
	if (n > 0)
		return n - 1;
	return len < max ? -EFAULT : -ENAMETOOLONG;
}
