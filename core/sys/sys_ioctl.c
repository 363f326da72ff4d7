/*
 * ioctl(2): hand the request to the file's own method.  The request is
 * the low 32 bits of the argument, as Linux takes it (an unsigned int
 * parameter); files without the method are not terminals or devices,
 * and Linux answers ENOTTY for them.
 */
#include "fs/file.h"
#include "kern/errno.h"
#include "proc/proc.h"
#include "sys/syscall.h"

long
sys_ioctl(const struct syscall_args *a)
{
	struct file *f = fd_get(proc_current()->fdt, (int)a->a[0]);
	long r;

	if (f == NULL)
		return -EBADF;
	if (f->ops->ioctl == NULL)
		r = -ENOTTY;
	else
		r = f->ops->ioctl(f, (unsigned)a->a[1], a->a[2]);
	file_unref(f);
	return r;
}
