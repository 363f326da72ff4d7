/*
 * The memory syscalls: mmap, munmap, mprotect, brk, madvise, as thin
 * wrappers over core/vm (vm/vm.h), which has Linux's semantics and
 * errors.  What is decided here is only what the VM cannot know: the
 * file side of mmap.  Until the VFS exists no file can be mapped: a
 * mapping without MAP_ANONYMOUS fails with EBADF for an fd that is not
 * open and ENODEV for one that is (a pipe or the console, which Linux
 * also refuses with ENODEV).  A misaligned offset is EINVAL first, as
 * Linux's sys_mmap checks it before anything else.
 */
#include "fs/file.h"
#include "kern/errno.h"
#include "proc/proc.h"
#include "proc/thread.h"
#include "sys/syscall.h"
#include "vm/vm.h"

/* The calling thread's address space. */
static struct vmspace *
cur_vs(void)
{
	return curthread()->vmspace;
}

/* mmap(2): addr, len, prot, flags, fd, offset. */
long
sys_mmap(const struct syscall_args *a)
{
	unsigned flags = (unsigned)a->a[3];
	struct file *f;

	if (a->a[5] & PAGE_MASK)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		f = fd_get(proc_current()->fdt, (int)a->a[4]);
		if (f == NULL)
			return -EBADF;
		file_unref(f);
		return -ENODEV;
	}
	return vm_mmap(cur_vs(), a->a[0], a->a[1], (unsigned)a->a[2], flags);
}

long
sys_munmap(const struct syscall_args *a)
{
	return vm_munmap(cur_vs(), a->a[0], a->a[1]);
}

long
sys_mprotect(const struct syscall_args *a)
{
	return vm_mprotect(cur_vs(), a->a[0], a->a[1], (unsigned)a->a[2]);
}

long
sys_madvise(const struct syscall_args *a)
{
	return vm_madvise(cur_vs(), a->a[0], a->a[1], (int)a->a[2]);
}

long
sys_brk(const struct syscall_args *a)
{
	return (long)vm_brk(cur_vs(), a->a[0]);
}
