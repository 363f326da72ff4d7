/*
 * The kernel's own syscalls, called from a user thread of the hosted
 * kernel with host memory for arguments (kcall.c).
 *
 * The tools (mkfs --from, the FUSE bridge) act on the file system only
 * through the syscalls a program would issue, so they exercise and
 * obey exactly what a program sees.  A hosted user program's pointers
 * are user addresses, so each call first copies its strings and buffers
 * into a scratch area of user memory the calling thread mapped
 * (kcall_scratch), then copies results back out.  Results are what the
 * syscall returned: a value or a negative Linux errno.
 *
 * This header names no host or kernel types, so host-side files
 * (libfuse, dirent) and kernel-side files can both include it; struct
 * stat and struct statfs travel as Linux x86-64's bytes, which are the
 * host's.
 */
#ifndef CLI_KCALL_H
#define CLI_KCALL_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of file data one scratch area moves per syscall. */
#define KCALL_DATA	(1u << 20)

/* A scratch area: its user address in the calling thread's process. */
struct kscratch {
	uint64_t base;
};

/* Map a scratch area in the calling user thread's process: 0 or -errno. */
long kcall_scratch(struct kscratch *s);

/* The Linux struct stat and struct statfs sizes (x86-64). */
#define KCALL_STAT_SIZE		144
#define KCALL_STATFS_SIZE	120

long kc_lstat(struct kscratch *s, const char *path, void *st);
long kc_fstat(struct kscratch *s, int fd, void *st);
long kc_statfs(struct kscratch *s, const char *path, void *stfs);
long kc_readlink(struct kscratch *s, const char *path, char *buf,
    size_t len);
long kc_mknod(struct kscratch *s, const char *path, unsigned mode,
    uint64_t dev);
long kc_mkdir(struct kscratch *s, const char *path, unsigned mode);
long kc_unlink(struct kscratch *s, const char *path);
long kc_rmdir(struct kscratch *s, const char *path);
long kc_symlink(struct kscratch *s, const char *target, const char *path);
long kc_rename(struct kscratch *s, const char *from, const char *to,
    unsigned flags);
long kc_link(struct kscratch *s, const char *from, const char *to);
long kc_chmod(struct kscratch *s, const char *path, unsigned mode);
long kc_fchmod(struct kscratch *s, int fd, unsigned mode);
/* lchown(2) semantics: a symlink itself; -1 leaves an id as it is. */
long kc_lchown(struct kscratch *s, const char *path, long uid, long gid);
long kc_fchown(struct kscratch *s, int fd, long uid, long gid);
long kc_truncate(struct kscratch *s, const char *path, int64_t len);
long kc_ftruncate(struct kscratch *s, int fd, int64_t len);
/* utimensat(2) without following a final symlink; ts: two Linux timespecs. */
long kc_lutimens(struct kscratch *s, const char *path, const void *ts);
long kc_futimens(struct kscratch *s, int fd, const void *ts);
long kc_open(struct kscratch *s, const char *path, int flags, unsigned mode);
long kc_close(struct kscratch *s, int fd);
long kc_pread(struct kscratch *s, int fd, void *buf, size_t len, int64_t off);
long kc_pwrite(struct kscratch *s, int fd, const void *buf, size_t len,
    int64_t off);
long kc_fsync(struct kscratch *s, int fd, int datasync);
/* getdents64(2) into buf (Linux's struct linux_dirent64 records). */
long kc_getdents(struct kscratch *s, int fd, void *buf, size_t len);
long kc_lseek(struct kscratch *s, int fd, int64_t off, int whence);
long kc_access(struct kscratch *s, const char *path, int mode);
long kc_mount(struct kscratch *s, const char *source, const char *target,
    const char *type, unsigned long flags);
long kc_umount(struct kscratch *s, const char *target);
long kc_sync(struct kscratch *s);
long kc_umask(struct kscratch *s, unsigned mask);
/* Raise RLIMIT_NOFILE to n (the bridge keeps one kernel fd per open). */
long kc_set_nofile(struct kscratch *s, unsigned long n);

#endif
