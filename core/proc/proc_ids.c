/*
 * Identity syscalls: pids and tids, process groups and sessions, user and
 * group ids.  Everything here reads or edits [p] fields under proc_lock
 * and copies to or from user memory only after dropping it.
 *
 * Credentials follow Linux's rules for a process without capabilities
 * other than "euid 0 may do anything" (there is no capability set yet):
 * every process starts as root, as init does on Linux.
 */
#include "contract/usercopy.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "proc/proc.h"
#include "proc/thread.h"
#include "sys/syscall.h"

long
sys_getpid(const struct syscall_args *a)
{
	(void)a;
	return proc_current()->pid;
}

/* The parent's pid; init's parent is 0. */
long
sys_getppid(const struct syscall_args *a)
{
	struct proc *p = proc_current();
	int ppid;

	(void)a;
	spin_lock(&proc_lock);
	ppid = p->parent != NULL ? p->parent->pid : 0;
	spin_unlock(&proc_lock);
	return ppid;
}

long
sys_gettid(const struct syscall_args *a)
{
	(void)a;
	return curthread()->tid;
}

/* set_tid_address(2): where to clear and wake at this thread's exit. */
long
sys_set_tid_address(const struct syscall_args *a)
{
	curthread()->clear_child_tid = a->a[0];
	return curthread()->tid;
}

/* The process named by pid (0: the caller), or NULL.  proc_lock held. */
static struct proc *
target(int pid)
{
	return pid == 0 ? proc_current() : proc_find(pid);
}

/* getpgid(2), getsid(2): a field of the process pid (0: self). */
static long
get_group_field(int pid, bool session)
{
	struct proc *p;
	long r = -ESRCH;

	if (pid < 0)
		return -ESRCH;
	spin_lock(&proc_lock);
	p = target(pid);
	if (p != NULL)
		r = session ? p->sid : p->pgid;
	spin_unlock(&proc_lock);
	return r;
}

long
sys_getpgid(const struct syscall_args *a)
{
	return get_group_field((int)a->a[0], false);
}

long
sys_getpgrp(const struct syscall_args *a)
{
	(void)a;
	return get_group_field(0, false);
}

long
sys_getsid(const struct syscall_args *a)
{
	return get_group_field((int)a->a[0], true);
}

/*
 * setpgid(2), checks in Linux's order: the target must be the caller or
 * its child (ESRCH); a child must share the session (EPERM) and not have
 * exec'ed (EACCES); a session leader cannot move (EPERM); the group must
 * exist in the session unless it is the target's own (EPERM).
 */
long
sys_setpgid(const struct syscall_args *a)
{
	struct proc *self = proc_current(), *p;
	int pid = (int)a->a[0], pgid = (int)a->a[1];
	long r = 0;

	if (pgid < 0)
		return -EINVAL;
	spin_lock(&proc_lock);
	p = pid == 0 ? self : proc_find(pid);
	if (pid < 0 || p == NULL || (p != self && p->parent != self))
		r = -ESRCH;
	else if (p != self && p->sid != self->sid)
		r = -EPERM;
	else if (p != self && p->did_exec)
		r = -EACCES;
	else if (p->sid == p->pid)
		r = -EPERM;
	else {
		if (pgid == 0)
			pgid = p->pid;
		if (pgid != p->pid && !proc_group_exists(pgid, self->sid))
			r = -EPERM;
		else
			p->pgid = pgid;
	}
	spin_unlock(&proc_lock);
	return r;
}

/* setsid(2): EPERM when a group already has the caller's pid as its id. */
long
sys_setsid(const struct syscall_args *a)
{
	struct proc *self = proc_current();
	long r;

	(void)a;
	spin_lock(&proc_lock);
	if (proc_group_exists(self->pid, -1)) {
		r = -EPERM;
	} else {
		self->sid = self->pgid = self->pid;
		self->ctty = CTTY_NONE;
		r = self->pid;
	}
	spin_unlock(&proc_lock);
	return r;
}

/* One credential field of the caller, read under the lock. */
static long
cred_get(size_t offset)
{
	struct proc *p = proc_current();
	uint32_t v;

	spin_lock(&proc_lock);
	v = *(const uint32_t *)((const char *)&p->cred + offset);
	spin_unlock(&proc_lock);
	return v;
}

long
sys_getuid(const struct syscall_args *a)
{
	(void)a;
	return cred_get(offsetof(struct cred, uid));
}

long
sys_geteuid(const struct syscall_args *a)
{
	(void)a;
	return cred_get(offsetof(struct cred, euid));
}

long
sys_getgid(const struct syscall_args *a)
{
	(void)a;
	return cred_get(offsetof(struct cred, gid));
}

long
sys_getegid(const struct syscall_args *a)
{
	(void)a;
	return cred_get(offsetof(struct cred, egid));
}

/*
 * setuid(2)/setgid(2): root sets all three ids; others may only set the
 * effective id to the real or saved one.  -1 is never a valid id.
 */
static long
set_id(uint32_t id, bool group)
{
	struct cred *c = &proc_current()->cred;
	uint32_t *r = group ? &c->gid : &c->uid;
	uint32_t *e = group ? &c->egid : &c->euid;
	uint32_t *s = group ? &c->sgid : &c->suid;
	long ret = 0;

	if (id == UINT32_MAX)
		return -EINVAL;
	spin_lock(&proc_lock);
	if (c->euid == 0)
		*r = *e = *s = id;
	else if (id == *r || id == *s)
		*e = id;
	else
		ret = -EPERM;
	spin_unlock(&proc_lock);
	return ret;
}

long
sys_setuid(const struct syscall_args *a)
{
	return set_id((uint32_t)a->a[0], false);
}

long
sys_setgid(const struct syscall_args *a)
{
	return set_id((uint32_t)a->a[0], true);
}

/* getresuid(2)/getresgid(2): three ids to three user pointers. */
static long
get_res(const struct syscall_args *a, bool group)
{
	struct cred *c = &proc_current()->cred;
	uint32_t v[3];
	int i;

	spin_lock(&proc_lock);
	v[0] = group ? c->gid : c->uid;
	v[1] = group ? c->egid : c->euid;
	v[2] = group ? c->sgid : c->suid;
	spin_unlock(&proc_lock);
	for (i = 0; i < 3; i++)
		if (copyout(a->a[i], &v[i], sizeof(v[i])) != 0)
			return -EFAULT;
	return 0;
}

long
sys_getresuid(const struct syscall_args *a)
{
	return get_res(a, false);
}

long
sys_getresgid(const struct syscall_args *a)
{
	return get_res(a, true);
}

/* getgroups(2): size 0 asks for the count; a smaller buffer is EINVAL. */
long
sys_getgroups(const struct syscall_args *a)
{
	struct cred *c = &proc_current()->cred;
	int size = (int)a->a[0], n;
	uint32_t g[PROC_NGROUPS_MAX];

	if (size < 0)
		return -EINVAL;
	spin_lock(&proc_lock);
	n = c->ngroups;
	memcpy(g, c->groups, sizeof(g[0]) * (size_t)n);
	spin_unlock(&proc_lock);
	if (size == 0)
		return n;
	if (size < n)
		return -EINVAL;
	if (copyout(a->a[1], g, sizeof(g[0]) * (size_t)n) != 0)
		return -EFAULT;
	return n;
}

/*
 * setgroups(2): root only.  Linux allows 65536 groups; this kernel keeps
 * PROC_NGROUPS_MAX and refuses more with EINVAL, as Linux does past its
 * own maximum.
 */
long
sys_setgroups(const struct syscall_args *a)
{
	struct cred *c = &proc_current()->cred;
	int size = (int)a->a[0];
	uint32_t g[PROC_NGROUPS_MAX];

	if (cred_get(offsetof(struct cred, euid)) != 0)
		return -EPERM;
	if (size < 0 || size > PROC_NGROUPS_MAX)
		return -EINVAL;
	if (copyin(g, a->a[1], sizeof(g[0]) * (size_t)size) != 0)
		return -EFAULT;
	spin_lock(&proc_lock);
	memcpy(c->groups, g, sizeof(g[0]) * (size_t)size);
	c->ngroups = size;
	spin_unlock(&proc_lock);
	return 0;
}
