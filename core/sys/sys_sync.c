/*
 * sync(2), syncfs(2), fsync(2), fdatasync(2).
 *
 * Every file system here keeps its data in memory (tmpfs), so there is
 * nothing to write back and each call succeeds once its arguments pass
 * Linux's checks: fsync and fdatasync want a file in a file system (a
 * pipe or the console says EINVAL, as files without an fsync method do
 * on Linux), syncfs any open file.
 */
#include "fs/file.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "proc/proc.h"
#include "sys/syscall.h"

long
sys_sync(const struct syscall_args *a)
{
	(void)a;
	return 0;
}

long
sys_syncfs(const struct syscall_args *a)
{
	struct file *f = fd_get(proc_current()->fdt, (int)a->a[0]);

	if (f == NULL)
		return -EBADF;
	file_unref(f);
	return 0;
}

/* fsync and fdatasync: the same checks; no data or metadata to flush. */
static long
sync_fd(int fd)
{
	struct file *f = fd_get(proc_current()->fdt, fd);
	long r;

	if (f == NULL)
		return -EBADF;
	r = vfs_file_dentry(f) == NULL ? -EINVAL : 0;
	file_unref(f);
	return r;
}

long
sys_fsync(const struct syscall_args *a)
{
	return sync_fd((int)a->a[0]);
}

long
sys_fdatasync(const struct syscall_args *a)
{
	return sync_fd((int)a->a[0]);
}
