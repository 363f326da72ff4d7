/*
 * The kernel's syscalls with host-memory arguments (kcall.h).
 *
 * A scratch area is one anonymous mapping of the calling process:
 *
 *	[0, 4K)		first path
 *	[4K, 8K)	second path (rename, link, symlink, mount)
 *	[8K, 12K)	small results and arguments (stat, timespecs, rlimit)
 *	[12K, +1M)	file data
 *
 * Each wrapper copies its inputs in with copyout(), issues the syscall
 * through hosted_syscall() (syscall_dispatch(), the path the syscall
 * instruction takes) and copies outputs back with copyin().  A path
 * longer than 4095 bytes is ENAMETOOLONG, as the kernel would say.
 */
#include "contract/usercopy.h"
#include "hosted.h"
#include "kcall.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "sys/syscall.h"
#include "vm/vm.h"

#define SLOT		4096u
#define AT_FDCWD_	(-100)
#define AT_NOFOLLOW_	0x100
#define AT_REMOVEDIR_	0x200
#define RLIMIT_NOFILE_	7

#define P1(s)	((s)->base)
#define P2(s)	((s)->base + SLOT)
#define SMALL(s)	((s)->base + 2 * SLOT)
#define DATA(s)	((s)->base + 3 * SLOT)

long
kcall_scratch(struct kscratch *s)
{
	long r;

	r = hosted_syscall(SYS_mmap, 0, 3 * SLOT + KCALL_DATA,
	    PROT_R | PROT_W, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r < 0)
		return r;
	s->base = (uaddr_t)r;
	return 0;
}

/* Copy path into slot at; -ENAMETOOLONG, or -EFAULT for no user memory. */
static long
put_path(uaddr_t at, const char *path)
{
	size_t n = strlen(path) + 1;

	if (n > SLOT)
		return -ENAMETOOLONG;
	return copyout(at, path, n) == 0 ? 0 : -EFAULT;
}

#define PATH1(s, p) do { long e_ = put_path(P1(s), (p)); \
	if (e_ != 0) return e_; } while (0)
#define PATH2(s, p) do { long e_ = put_path(P2(s), (p)); \
	if (e_ != 0) return e_; } while (0)

/* Copy len result bytes from user address u to host memory out. */
static long
take(long r, void *out, uaddr_t u, size_t len)
{
	if (r >= 0 && copyin(out, u, len) != 0)
		return -EFAULT;
	return r;
}

long
kc_lstat(struct kscratch *s, const char *path, void *st)
{
	PATH1(s, path);
	return take(hosted_syscall(SYS_newfstatat, AT_FDCWD_, P1(s), SMALL(s),
	    AT_NOFOLLOW_), st, SMALL(s), KCALL_STAT_SIZE);
}

long
kc_fstat(struct kscratch *s, int fd, void *st)
{
	return take(hosted_syscall(SYS_fstat, fd, SMALL(s)), st, SMALL(s),
	    KCALL_STAT_SIZE);
}

long
kc_statfs(struct kscratch *s, const char *path, void *stfs)
{
	PATH1(s, path);
	return take(hosted_syscall(SYS_statfs, P1(s), SMALL(s)), stfs,
	    SMALL(s), KCALL_STATFS_SIZE);
}

long
kc_readlink(struct kscratch *s, const char *path, char *buf, size_t len)
{
	long r;

	PATH1(s, path);
	if (len > SLOT)
		len = SLOT;
	r = hosted_syscall(SYS_readlinkat, AT_FDCWD_, P1(s), DATA(s), len);
	return take(r, buf, DATA(s), r > 0 ? (size_t)r : 0);
}

long
kc_mknod(struct kscratch *s, const char *path, unsigned mode, uint64_t dev)
{
	PATH1(s, path);
	return hosted_syscall(SYS_mknodat, AT_FDCWD_, P1(s), mode, dev);
}

long
kc_mkdir(struct kscratch *s, const char *path, unsigned mode)
{
	PATH1(s, path);
	return hosted_syscall(SYS_mkdirat, AT_FDCWD_, P1(s), mode);
}

long
kc_unlink(struct kscratch *s, const char *path)
{
	PATH1(s, path);
	return hosted_syscall(SYS_unlinkat, AT_FDCWD_, P1(s), 0);
}

long
kc_rmdir(struct kscratch *s, const char *path)
{
	PATH1(s, path);
	return hosted_syscall(SYS_unlinkat, AT_FDCWD_, P1(s), AT_REMOVEDIR_);
}

long
kc_symlink(struct kscratch *s, const char *target, const char *path)
{
	PATH1(s, path);
	PATH2(s, target);
	return hosted_syscall(SYS_symlinkat, P2(s), AT_FDCWD_, P1(s));
}

long
kc_rename(struct kscratch *s, const char *from, const char *to,
    unsigned flags)
{
	PATH1(s, from);
	PATH2(s, to);
	return hosted_syscall(SYS_renameat2, AT_FDCWD_, P1(s), AT_FDCWD_,
	    P2(s), flags);
}

long
kc_link(struct kscratch *s, const char *from, const char *to)
{
	PATH1(s, from);
	PATH2(s, to);
	return hosted_syscall(SYS_linkat, AT_FDCWD_, P1(s), AT_FDCWD_, P2(s),
	    0);
}

long
kc_chmod(struct kscratch *s, const char *path, unsigned mode)
{
	PATH1(s, path);
	return hosted_syscall(SYS_fchmodat, AT_FDCWD_, P1(s), mode, 0);
}

long
kc_fchmod(struct kscratch *s, int fd, unsigned mode)
{
	return hosted_syscall(SYS_fchmod, fd, mode);
}

long
kc_lchown(struct kscratch *s, const char *path, long uid, long gid)
{
	PATH1(s, path);
	return hosted_syscall(SYS_fchownat, AT_FDCWD_, P1(s), uid, gid,
	    AT_NOFOLLOW_);
}

long
kc_fchown(struct kscratch *s, int fd, long uid, long gid)
{
	return hosted_syscall(SYS_fchown, fd, uid, gid);
}

long
kc_truncate(struct kscratch *s, const char *path, int64_t len)
{
	PATH1(s, path);
	return hosted_syscall(SYS_truncate, P1(s), len);
}

long
kc_ftruncate(struct kscratch *s, int fd, int64_t len)
{
	return hosted_syscall(SYS_ftruncate, fd, len);
}

long
kc_lutimens(struct kscratch *s, const char *path, const void *ts)
{
	PATH1(s, path);
	if (ts != NULL && copyout(SMALL(s), ts, 32) != 0)
		return -EFAULT;
	return hosted_syscall(SYS_utimensat, AT_FDCWD_, P1(s),
	    ts != NULL ? SMALL(s) : 0, AT_NOFOLLOW_);
}

long
kc_futimens(struct kscratch *s, int fd, const void *ts)
{
	if (ts != NULL && copyout(SMALL(s), ts, 32) != 0)
		return -EFAULT;
	return hosted_syscall(SYS_utimensat, fd, 0, ts != NULL ? SMALL(s) : 0,
	    0);
}

long
kc_open(struct kscratch *s, const char *path, int flags, unsigned mode)
{
	PATH1(s, path);
	return hosted_syscall(SYS_openat, AT_FDCWD_, P1(s), flags, mode);
}

long
kc_close(struct kscratch *s, int fd)
{
	return hosted_syscall(SYS_close, fd);
}

/* pread64 in scratch-sized pieces; a short piece ends the call. */
long
kc_pread(struct kscratch *s, int fd, void *buf, size_t len, int64_t off)
{
	size_t done = 0, n;
	long r;

	while (done < len) {
		n = len - done < KCALL_DATA ? len - done : KCALL_DATA;
		r = hosted_syscall(SYS_pread64, fd, DATA(s), n, off + done);
		if (r < 0)
			return done > 0 ? (long)done : r;
		if (copyin((char *)buf + done, DATA(s), (size_t)r) != 0)
			return -EFAULT;
		done += (size_t)r;
		if ((size_t)r < n)
			break;
	}
	return (long)done;
}

long
kc_pwrite(struct kscratch *s, int fd, const void *buf, size_t len,
    int64_t off)
{
	size_t done = 0, n;
	long r;

	while (done < len) {
		n = len - done < KCALL_DATA ? len - done : KCALL_DATA;
		if (copyout(DATA(s), (const char *)buf + done, n) != 0)
			return -EFAULT;
		r = hosted_syscall(SYS_pwrite64, fd, DATA(s), n, off + done);
		if (r < 0)
			return done > 0 ? (long)done : r;
		done += (size_t)r;
		if ((size_t)r < n)
			break;
	}
	return (long)done;
}

long
kc_fsync(struct kscratch *s, int fd, int datasync)
{
	return hosted_syscall(datasync ? SYS_fdatasync : SYS_fsync, fd);
}

long
kc_getdents(struct kscratch *s, int fd, void *buf, size_t len)
{
	long r;

	if (len > KCALL_DATA)
		len = KCALL_DATA;
	r = hosted_syscall(SYS_getdents64, fd, DATA(s), len);
	return take(r, buf, DATA(s), r > 0 ? (size_t)r : 0);
}

long
kc_lseek(struct kscratch *s, int fd, int64_t off, int whence)
{
	return hosted_syscall(SYS_lseek, fd, off, whence);
}

long
kc_access(struct kscratch *s, const char *path, int mode)
{
	PATH1(s, path);
	return hosted_syscall(SYS_faccessat, AT_FDCWD_, P1(s), mode, 0);
}

long
kc_mount(struct kscratch *s, const char *source, const char *target,
    const char *type, unsigned long flags)
{
	PATH1(s, target);
	PATH2(s, source);
	if (strlen(type) + 1 > SLOT)
		return -EINVAL;
	if (copyout(SMALL(s), type, strlen(type) + 1) != 0)
		return -EFAULT;
	return hosted_syscall(SYS_mount, P2(s), P1(s), SMALL(s), flags, 0);
}

long
kc_umount(struct kscratch *s, const char *target)
{
	PATH1(s, target);
	return hosted_syscall(SYS_umount2, P1(s), 0);
}

long
kc_sync(struct kscratch *s)
{
	return hosted_syscall(SYS_sync);
}

long
kc_umask(struct kscratch *s, unsigned mask)
{
	return hosted_syscall(SYS_umask, mask);
}

long
kc_set_nofile(struct kscratch *s, unsigned long n)
{
	uint64_t lim[2] = { n, n };

	if (copyout(SMALL(s), lim, sizeof(lim)) != 0)
		return -EFAULT;
	return hosted_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE_, SMALL(s), 0);
}
