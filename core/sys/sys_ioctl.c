/*
 * ioctl(2): the requests Linux's VFS answers for any file (do_vfs_ioctl)
 * first, then the file's own method.  The request is the low 32 bits of
 * the argument, as Linux takes it (an unsigned int parameter); files
 * without the method are not terminals or devices, and Linux answers
 * ENOTTY for them.
 */
#include "contract/usercopy.h"
#include "dev/tty.h"		/* FIONREAD */
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "proc/proc.h"
#include "sys/syscall.h"

/* Is f open on a regular file (a VFS file, not a device or a pipe)? */
static bool
regular_file(struct file *f)
{
	struct dentry *d = vfs_file_dentry(f);
	bool reg;

	if (d == NULL)
		return false;
	vfs_lock();
	reg = S_ISREG(d->inode->mode);
	vfs_unlock();
	return reg;
}

/*
 * FIONREAD on a regular file: the bytes between the offset and the end,
 * as an int (negative past the end, as Linux's i_size - f_pos).
 */
static long
fionread_regular(struct file *f, uaddr_t arg)
{
	int32_t n;

	vfs_lock();
	n = (int32_t)(vfs_file_dentry(f)->inode->size -
	    __atomic_load_n(&f->offset, __ATOMIC_RELAXED));
	vfs_unlock();
	return copyout(arg, &n, sizeof(n)) != 0 ? -EFAULT : 0;
}

long
sys_ioctl(const struct syscall_args *a)
{
	struct file *f = fd_get(proc_current()->fdt, (int)a->a[0]);
	unsigned cmd = (unsigned)a->a[1];
	long r;

	if (f == NULL)
		return -EBADF;
	if (cmd == FIONREAD && regular_file(f))
		r = fionread_regular(f, a->a[2]);
	else if (f->ops->ioctl == NULL)
		r = -ENOTTY;
	else
		r = f->ops->ioctl(f, cmd, a->a[2]);
	file_unref(f);
	return r;
}
