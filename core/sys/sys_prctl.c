/*
 * prctl(2): the process's name (PR_SET_NAME, PR_GET_NAME), which glibc
 * programs read and set at start-up (busybox renames itself after the
 * shell execs /proc/self/exe, so that ps shows the applet).
 *
 * Linux keeps the name (comm) per thread; here it is the process's, the
 * one execve sets from the file name.  As Linux, a new name is cut to 15
 * bytes and the read gives all 16 bytes of the field, NUL-padded, and an
 * option this kernel does not know is EINVAL.
 */
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "proc/proc.h"
#include "proc/spinlock.h"
#include "sys/syscall.h"

#define PR_SET_NAME	15
#define PR_GET_NAME	16
#define TASK_COMM_LEN	16

long
sys_prctl(const struct syscall_args *a)
{
	struct proc *p = proc_current();
	char name[TASK_COMM_LEN];
	ssize_t n;

	switch ((int)a->a[0]) {
	case PR_SET_NAME:
		memset(name, 0, sizeof(name));
		n = copyinstr(name, a->a[1], sizeof(name));
		/* A longer name is cut, not refused (strncpy_from_user). */
		if (n == -ENAMETOOLONG) {
			if (copyin(name, a->a[1], TASK_COMM_LEN - 1) != 0)
				return -EFAULT;
			n = 0;
		}
		if (n < 0)
			return n;
		name[TASK_COMM_LEN - 1] = '\0';
		spin_lock(&proc_lock);
		memcpy(p->name, name, sizeof(p->name));
		spin_unlock(&proc_lock);
		return 0;
	case PR_GET_NAME:
		spin_lock(&proc_lock);
		memcpy(name, p->name, sizeof(name));
		spin_unlock(&proc_lock);
		name[TASK_COMM_LEN - 1] = '\0';
		return copyout(a->a[1], name, sizeof(name)) != 0 ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}
