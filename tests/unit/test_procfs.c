/*
 * The VFS hooks for file systems that make their names (lookup,
 * revalidate and pruning, readdir, readlink, generate), under a small
 * file system made here; then procfs through its syscalls: mounting
 * "proc", the root's listing (fixed names and live pids, read in small
 * pieces), computed symlinks (self, fd/N, cwd, root), generated files
 * (stat, status, comm, meminfo, mounts, filesystems...), a reaped
 * process's directory going stale (ENOENT, ESRCH for a file held open),
 * names refused in /proc (ENOENT for new names, EPERM for removals, EXDEV), statfs's magic.
 * FIFOs and mknod(2): types, errors, the open rules of fifo(7), data
 * through a FIFO between two processes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fs/vfs.h"
#include "mm/page.h"
#include "net/socket.h"
#include "test_sys.h"

#define DIRENT_NAME	19
#define PROC_SUPER_MAGIC	0x9fa0

static uaddr_t
path(const char *s)
{
	uaddr_t u = umem(PG);

	poke_str(u, s);
	return u;
}

static long
xopen(const char *s, unsigned flags)
{
	return sys(SYS_open, path(s), flags, 0644);
}

/* Read a whole file (up to 4 pages) into buf, NUL-terminated: length. */
static long
slurp(const char *s, char *buf, size_t size)
{
	uaddr_t u = umem(4 * PG);
	long fd = xopen(s, O_RDONLY), n, total = 0;

	ck_assert_msg(fd >= 0, "open %s = %ld", s, fd);
	/* Small reads: a generated file keeps one snapshot across them. */
	while ((n = sys(SYS_read, fd, u + (uaddr_t)total, 100)) > 0)
		total += n;
	ck_assert_int_eq(n, 0);
	ck_assert_int_lt(total, (long)size);
	ck_assert_int_eq(copyin(buf, u, (size_t)total), 0);
	buf[total] = '\0';
	sys(SYS_close, fd);
	return total;
}

static long
xreadlink(const char *s, char *buf, size_t size)
{
	uaddr_t u = umem(PG);
	long n = sys(SYS_readlink, path(s), u, PG);

	if (n >= 0) {
		ck_assert_int_lt(n, (long)size);
		ck_assert_int_eq(copyin(buf, u, (size_t)n), 0);
		buf[n] = '\0';
	}
	return n;
}

/* The names getdents64 gives for dir, read in bufsz pieces, spaced. */
static void
list_dir(const char *dir, size_t bufsz, char *out, size_t size)
{
	uaddr_t u = umem(PG);
	long fd = xopen(dir, O_RDONLY | O_DIRECTORY), n, at;
	char *k = malloc(PG);
	uint16_t reclen;

	ck_assert_int_ge(fd, 0);
	out[0] = '\0';
	while ((n = sys(SYS_getdents64, fd, u, bufsz)) > 0) {
		ck_assert_int_eq(copyin(k, u, (size_t)n), 0);
		for (at = 0; at < n; at += reclen) {
			memcpy(&reclen, k + at + 16, 2);
			strncat(out, k + at + DIRENT_NAME,
			    size - strlen(out) - 2);
			strcat(out, " ");
		}
	}
	ck_assert_int_eq(n, 0);
	free(k);
	sys(SYS_close, fd);
}

static bool
has_word(const char *list, const char *w)
{
	char pat[64];

	snprintf(pat, sizeof(pat), " %s ", w);
	return strncmp(list, pat + 1, strlen(pat + 1)) == 0 ||
	    strstr(list, pat) != NULL;
}

static void
mount_proc(void)
{
	sys(SYS_mkdir, path("/proc"), 0555);
	ck_assert_int_eq(sys(SYS_mount, path("proc"), path("/proc"),
	    path("proc"), 0, 0), 0);
}

static int
sleeper(void *arg)
{
	while (peek32((uaddr_t)arg) == 0)
		sys(SYS_sched_yield);
	return 5;
}

/* The root, self, stat and status of init, generated system files. */
static int
proc_body(void *arg)
{
	char *buf = malloc(4 * PG), *names = malloc(8192), *line;
	uaddr_t st = umem(PG);
	unsigned long long total;
	unsigned long lo, hi;
	bool covered;
	int pid, ppid;
	char state, comm[32];

	(void)arg;
	mount_proc();
	ck_assert_int_eq(sys(SYS_getpid), 1);
	/* The listing: fixed names, then pids; tiny buffers still work. */
	list_dir("/proc", 64, names, 8192);
	ck_assert_msg(has_word(names, ".") && has_word(names, "..") &&
	    has_word(names, "self") && has_word(names, "meminfo") &&
	    has_word(names, "1"), "listing: %s", names);
	ck_assert_int_eq(sys(SYS_getdents64, xopen("/proc", O_RDONLY), umem(PG),
	    20), -EINVAL);
	/* self is a symlink computed per caller. */
	ck_assert_int_eq(xreadlink("/proc/self", buf, PG), 1);
	ck_assert_str_eq(buf, "1");
	ck_assert_int_eq(sys(SYS_lstat, path("/proc/self"), st), 0);
	ck_assert_uint_eq((uint32_t)peek32(st + 24) & S_IFMT, S_IFLNK);
	ck_assert_int_eq(sys(SYS_stat, path("/proc/self/"), st), 0);
	ck_assert_uint_eq((uint32_t)peek32(st + 24) & S_IFMT, S_IFDIR);
	/* stat: pid (comm) state ppid ... */
	slurp("/proc/self/stat", buf, 4 * PG);
	ck_assert_int_eq(sscanf(buf, "%d (%31[^)]) %c %d", &pid, comm,
	    &state, &ppid), 4);
	ck_assert_int_eq(pid, 1);
	ck_assert_str_eq(comm, "init");
	ck_assert_int_eq(state, 'R');
	ck_assert_int_eq(ppid, 0);
	slurp("/proc/1/status", buf, 4 * PG);
	ck_assert_ptr_nonnull(strstr(buf, "Name:\tinit\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Pid:\t1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Uid:\t0\t0\t0\t0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Threads:\t1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "Umask:\t0022\n"));
	slurp("/proc/self/comm", buf, PG);
	ck_assert_str_eq(buf, "init\n");
	/* The threads: task/TID, and thread-self leading to this one. */
	ck_assert_int_eq(xreadlink("/proc/thread-self", buf, PG), 8);
	ck_assert_str_eq(buf, "1/task/1");
	list_dir("/proc/self/task", PG, names, 8192);
	ck_assert_str_eq(names, ". .. 1 ");
	slurp("/proc/thread-self/stat", buf, 4 * PG);
	ck_assert_int_eq(strncmp(buf, "1 (init) R 0 ", 13), 0);
	ck_assert_int_eq(xopen("/proc/1/task/2", O_RDONLY), -ENOENT);
	/* maps: the anonymous memory this body mapped, among others. */
	slurp("/proc/self/maps", buf, 4 * PG);
	ck_assert_ptr_nonnull(strstr(buf, " rw-p 00000000 00:00 0\n"));
	for (line = buf, covered = false; line != NULL && *line != '\0';
	    line = strchr(line, '\n') != NULL ? strchr(line, '\n') + 1 : NULL)
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo <= st &&
		    st < hi)
			covered = true;
	ck_assert_msg(covered, "no region holds %#lx in %s", st, buf);
	/* meminfo from the page allocator. */
	slurp("/proc/meminfo", buf, 4 * PG);
	ck_assert_int_eq(sscanf(buf, "MemTotal: %llu kB", &total), 1);
	ck_assert_uint_eq(total, page_total() * (PAGE_SIZE / 1024));
	ck_assert_ptr_nonnull(strstr(buf, "\nSwapTotal:"));
	/* mounts: /proc and the root; /proc/mounts is self/mounts. */
	slurp("/proc/mounts", buf, 4 * PG);
	ck_assert_msg(strncmp(buf, "tmpfs / tmpfs rw 0 0\n", 21) == 0,
	    "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "proc /proc proc rw 0 0\n"));
	ck_assert_int_eq(xreadlink("/proc/mounts", buf, PG), 11);
	ck_assert_str_eq(buf, "self/mounts");
	slurp("/proc/filesystems", buf, PG);
	ck_assert_ptr_nonnull(strstr(buf, "nodev\tproc\n"));
	slurp("/proc/uptime", buf, PG);
	ck_assert_int_eq(sscanf(buf, "%llu.", &total), 1);
	slurp("/proc/stat", buf, 4 * PG);
	ck_assert_ptr_nonnull(strstr(buf, "cpu  "));
	ck_assert_ptr_nonnull(strstr(buf, "\ncpu0 "));
	ck_assert_ptr_nonnull(strstr(buf, "\nbtime "));
	slurp("/proc/cpuinfo", buf, 4 * PG);
	ck_assert_ptr_nonnull(strstr(buf, "processor\t: 0\n"));
	slurp("/proc/sys/kernel/ostype", buf, PG);
	ck_assert_str_eq(buf, "Linux\n");
	/* cwd and root: computed from the process's dentries. */
	ck_assert_int_eq(sys(SYS_mkdir, path("/work"), 0755), 0);
	ck_assert_int_eq(sys(SYS_chdir, path("/work")), 0);
	ck_assert_int_eq(xreadlink("/proc/self/cwd", buf, PG), 5);
	ck_assert_str_eq(buf, "/work");
	ck_assert_int_eq(xreadlink("/proc/1/root", buf, PG), 1);
	ck_assert_str_eq(buf, "/");
	/* Following cwd leads there. */
	ck_assert_int_ge(xopen("/proc/self/cwd/f", O_CREAT | O_WRONLY), 0);
	ck_assert_int_eq(sys(SYS_stat, path("/work/f"), st), 0);
	/* init was never exec'd here: no exe. */
	ck_assert_int_eq(xreadlink("/proc/self/exe", buf, PG), -ENOENT);
	ck_assert_int_eq(sys(SYS_statfs, path("/proc/self"), st), 0);
	ck_assert_int_eq(peek32(st), PROC_SUPER_MAGIC);
	ck_assert_int_eq(xopen("/proc/nonesuch", O_RDONLY), -ENOENT);
	ck_assert_int_eq(xopen("/proc/99999", O_RDONLY), -ENOENT);
	ck_assert_int_eq(xopen("/proc/01", O_RDONLY), -ENOENT);
	free(buf);
	free(names);
	return 0;
}

START_TEST(test_proc_files)
{
	sys_run(proc_body);
}
END_TEST

/* fd/: one symlink per open fd, naming the file or the pipe. */
static int
fd_body(void *arg)
{
	char *buf = malloc(PG), *names = malloc(8192), link[64], want[64];
	uaddr_t fds = umem(PG);
	int pfd[2];
	long fd;

	(void)arg;
	mount_proc();
	ck_assert_int_eq(sys(SYS_mkdir, path("/tmp"), 0777), 0);
	fd = xopen("/tmp/a", O_CREAT | O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_pipe, fds), 0);
	ck_assert_int_eq(copyin(pfd, fds, sizeof(pfd)), 0);
	list_dir("/proc/self/fd", PG, names, 8192);
	snprintf(want, sizeof(want), "%ld", fd);
	ck_assert_msg(has_word(names, want), "fd %s in %s", want, names);
	snprintf(want, sizeof(want), "%d", pfd[1]);
	ck_assert_msg(has_word(names, want), "fd %s in %s", want, names);
	snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
	ck_assert_int_eq(xreadlink(link, buf, PG), 6);
	ck_assert_str_eq(buf, "/tmp/a");
	snprintf(link, sizeof(link), "/proc/1/fd/%d", pfd[0]);
	ck_assert_int_gt(xreadlink(link, buf, PG), 0);
	ck_assert_msg(strncmp(buf, "pipe:[", 6) == 0, "%s", buf);
	/* Closed: the name goes, even though it was cached. */
	ck_assert_int_eq(sys(SYS_dup2, fd, 20), 20);
	ck_assert_int_eq(xreadlink("/proc/self/fd/20", buf, PG), 6);
	sys(SYS_close, 20);
	ck_assert_int_eq(xreadlink("/proc/self/fd/20", buf, PG), -ENOENT);
	list_dir("/proc/self/fd", 64, names, 8192);
	ck_assert_msg(!has_word(names, "20"), "fd 20 in %s", names);
	ck_assert_int_eq(xreadlink("/proc/self/fd/4000", buf, PG), -ENOENT);
	/* An unlinked file still open: its name, deleted, as Linux says. */
	ck_assert_int_eq(sys(SYS_unlink, path("/tmp/a")), 0);
	snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
	ck_assert_int_gt(xreadlink(link, buf, PG), 0);
	ck_assert_str_eq(buf, "/a (deleted)");
	free(buf);
	free(names);
	return 0;
}

START_TEST(test_proc_fd)
{
	sys_run(fd_body);
}
END_TEST

/* A child's directory: live, zombie, then gone once reaped. */
static int
lifetime_body(void *arg)
{
	char *buf = malloc(4 * PG), dir[64], file[64], *names = malloc(8192);
	uaddr_t flag = ushared(PG), u = umem(PG);
	long pid, fd;
	int cpid, cppid;
	char state;

	(void)arg;
	mount_proc();
	pid = hosted_fork(sleeper, (void *)flag);
	ck_assert_int_gt(pid, 1);
	snprintf(dir, sizeof(dir), "/proc/%ld", pid);
	snprintf(file, sizeof(file), "/proc/%ld/stat", pid);
	slurp(file, buf, 4 * PG);
	ck_assert_int_eq(sscanf(buf, "%d (%*[^)]) %c %d", &cpid, &state,
	    &cppid), 3);
	ck_assert_int_eq(cpid, pid);
	ck_assert_int_eq(cppid, 1);
	list_dir("/proc", PG, names, 8192);
	snprintf(file, sizeof(file), "%ld", pid);
	ck_assert_msg(has_word(names, file), "%s", names);
	snprintf(file, sizeof(file), "/proc/%ld/stat", pid);
	fd = xopen(file, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	/* A zombie still shows, as Z. */
	poke32(flag, 1);
	for (;;) {
		slurp(file, buf, 4 * PG);
		ck_assert_int_eq(sscanf(buf, "%*d (%*[^)]) %c", &state), 1);
		if (state == 'Z')
			break;
		sys(SYS_sched_yield);
	}
	ck_assert_int_eq(wait_status(pid), 5 << 8);
	/* Reaped: the name is stale, and the open file says ESRCH. */
	ck_assert_int_eq(xopen(file, O_RDONLY), -ENOENT);
	ck_assert_int_eq(sys(SYS_stat, path(dir), u), -ENOENT);
	ck_assert_int_eq(sys(SYS_pread64, fd, u, 100, 0), -ESRCH);
	sys(SYS_close, fd);
	list_dir("/proc", PG, names, 8192);
	snprintf(file, sizeof(file), "%ld", pid);
	ck_assert_msg(!has_word(names, file), "%s", names);
	free(buf);
	free(names);
	return 0;
}

START_TEST(test_proc_lifetime)
{
	sys_run(lifetime_body);
}
END_TEST

/* /proc takes no new names; names do not move across trees. */
static int
readonly_body(void *arg)
{
	(void)arg;
	mount_proc();
	/* New names: ENOENT, as Linux's procfs lookup gives; removals EPERM. */
	ck_assert_int_eq(sys(SYS_mkdir, path("/proc/x"), 0755), -ENOENT);
	ck_assert_int_eq(xopen("/proc/new", O_CREAT | O_WRONLY), -ENOENT);
	ck_assert_int_eq(sys(SYS_unlink, path("/proc/meminfo")), -EPERM);
	ck_assert_int_eq(sys(SYS_rmdir, path("/proc/self/fd")), -EPERM);
	ck_assert_int_eq(sys(SYS_symlink, path("x"), path("/proc/l")), -ENOENT);
	ck_assert_int_eq(sys(SYS_mknod, path("/proc/p"), S_IFIFO | 0600, 0),
	    -ENOENT);
	ck_assert_int_eq(sys(SYS_rename, path("/proc/meminfo"),
	    path("/proc/m2")), -ENOENT);
	/*
	 * Regression: bind(2) of an AF_UNIX socket looked the name up in
	 * the cache only and skipped the fixed-directory check, so it put
	 * a socket inode into procfs.  Linux: ENOENT (procfs's lookup of
	 * a missing name fails), EADDRINUSE for a name procfs has.
	 */
	{
		long s = sys(SYS_socket, 1 /* AF_UNIX */, 1 /* STREAM */, 0);
		uaddr_t sa = umem(PG);
		uint16_t fam = 1;

		ck_assert_int_ge(s, 0);
		ck_assert_int_eq(copyout(sa, &fam, 2), 0);
		poke_str(sa + 2, "/proc/x");
		ck_assert_int_eq(sys(SYS_bind, s, sa, 2 + 8), -ENOENT);
		poke_str(sa + 2, "/proc/self/x");
		ck_assert_int_eq(sys(SYS_bind, s, sa, 2 + 13), -ENOENT);
		poke_str(sa + 2, "/proc/meminfo");
		ck_assert_int_eq(sys(SYS_bind, s, sa, 2 + 14), -EADDRINUSE);
		ck_assert_int_eq(sys(SYS_access, path("/proc/x"), 0), -ENOENT);
		ck_assert_int_eq(sys(SYS_close, s), 0);
	}
	ck_assert_int_eq(sys(SYS_rename, path("/proc/meminfo"),
	    path("/m2")), -EXDEV);
	ck_assert_int_eq(sys(SYS_link, path("/proc/meminfo"), path("/m2")),
	    -EXDEV);
	/* Writing a generated file fails; it stays what it was. */
	ck_assert_int_eq(sys(SYS_write, xopen("/proc/self/comm", O_WRONLY),
	    path("x"), 1), -EIO);
	/* A second tree of its own, and umount when unused. */
	ck_assert_int_eq(sys(SYS_mkdir, path("/p2"), 0555), 0);
	ck_assert_int_eq(sys(SYS_mount, path("proc"), path("/p2"),
	    path("proc"), 0, 0), 0);
	ck_assert_int_eq(xopen("/p2/self/stat", O_RDONLY), 4);
	ck_assert_int_eq(sys(SYS_umount2, path("/p2"), 0), -EBUSY);
	sys(SYS_close, 4);
	ck_assert_int_eq(sys(SYS_umount2, path("/p2"), 0), 0);
	return 0;
}

START_TEST(test_proc_readonly)
{
	sys_run(readonly_body);
}
END_TEST

/*
 * /proc/mounts from inside a chroot: the tree mounted at the new root is
 * "/", mounts below it are named from it, mounts elsewhere are hidden.
 */
static int
mounts_chroot_body(void *arg)
{
	static char buf[4 * PG];

	(void)arg;
	mount_proc();
	ck_assert_int_eq(sys(SYS_mkdir, path("/jail"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, path("/other"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mount, path("tmpfs"), path("/jail"),
	    path("tmpfs"), 0, 0), 0);
	ck_assert_int_eq(sys(SYS_mount, path("tmpfs"), path("/other"),
	    path("tmpfs"), 0, 0), 0);
	ck_assert_int_eq(sys(SYS_mkdir, path("/jail/proc"), 0555), 0);
	ck_assert_int_eq(sys(SYS_mkdir, path("/jail/tmp"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mount, path("proc"), path("/jail/proc"),
	    path("proc"), 0, 0), 0);
	ck_assert_int_eq(sys(SYS_mount, path("tmpfs"), path("/jail/tmp"),
	    path("tmpfs"), 0, 0), 0);
	slurp("/proc/mounts", buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "tmpfs /jail tmpfs rw 0 0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "tmpfs /other tmpfs rw 0 0\n"));
	ck_assert_int_eq(sys(SYS_chroot, path("/jail")), 0);
	ck_assert_int_eq(sys(SYS_chdir, path("/")), 0);
	slurp("/proc/mounts", buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "tmpfs / tmpfs rw 0 0\n"
	    "proc /proc proc rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n") == 0,
	    "%s", buf);
	return 0;
}

START_TEST(test_mounts_chroot)
{
	sys_run(mounts_chroot_body);
}
END_TEST

/* mknod: each type, the errors, device nodes for root only. */
static int
mknod_body(void *arg)
{
	uaddr_t st = umem(PG);

	(void)arg;
	ck_assert_int_eq(sys(SYS_mknod, path("/fifo"), S_IFIFO | 0666, 0), 0);
	ck_assert_int_eq(sys(SYS_stat, path("/fifo"), st), 0);
	ck_assert_uint_eq((uint32_t)peek32(st + 24), S_IFIFO | 0644);
	ck_assert_int_eq(sys(SYS_mknod, path("/fifo"), S_IFIFO | 0666, 0),
	    -EEXIST);
	ck_assert_int_eq(sys(SYS_mknod, path("/no/fifo"), S_IFIFO, 0),
	    -ENOENT);
	ck_assert_int_eq(sys(SYS_mknod, path("/d"), S_IFDIR | 0755, 0),
	    -EPERM);
	ck_assert_int_eq(sys(SYS_mknod, path("/bad"), 0170000 | 0644, 0),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_mknod, BAD, S_IFIFO, 0), -EFAULT);
	/* Mode 0 is a regular file. */
	ck_assert_int_eq(sys(SYS_mknodat, AT_FDCWD, path("/reg"), 0600, 0),
	    0);
	ck_assert_int_eq(sys(SYS_stat, path("/reg"), st), 0);
	ck_assert_uint_eq((uint32_t)peek32(st + 24), S_IFREG | 0600);
	/* A device node: rdev kept; no driver behind it (ENXIO). */
	ck_assert_int_eq(sys(SYS_mknod, path("/null2"), S_IFCHR | 0666,
	    (1 << 8) | 3), 0);
	ck_assert_int_eq(sys(SYS_stat, path("/null2"), st), 0);
	ck_assert_int_eq(peek32(st + 40), (1 << 8) | 3);
	ck_assert_int_eq(xopen("/null2", O_RDONLY), -ENXIO);
	ck_assert_int_eq(sys(SYS_mknod, path("/sock"), S_IFSOCK | 0666, 0),
	    0);
	ck_assert_int_eq(xopen("/sock", O_RDONLY), -ENXIO);
	ck_assert_int_eq(sys(SYS_mkdir, path("/tmp"), 0), 0);
	ck_assert_int_eq(sys(SYS_chmod, path("/tmp"), 01777), 0);
	ck_assert_int_eq(sys(SYS_setuid, 1000), 0);
	ck_assert_int_eq(sys(SYS_mknod, path("/tmp/blk"), S_IFBLK | 0600, 0),
	    -EPERM);
	ck_assert_int_eq(sys(SYS_mknod, path("/tmp/f2"), S_IFIFO | 0600, 0),
	    0);
	ck_assert_int_eq(sys(SYS_mknod, path("/f3"), S_IFIFO | 0600, 0),
	    -EACCES);
	return 0;
}

START_TEST(test_mknod)
{
	sys_run(mknod_body);
}
END_TEST

/* poll(2) fd for POLLIN with no wait: the revents. */
static int
poll_revents(long fd)
{
	uaddr_t u = umem(PG);
	int32_t pfd[2] = { (int32_t)fd, POLLIN };

	ck_assert_int_eq(copyout(u, pfd, sizeof(pfd)), 0);
	ck_assert_int_ge(sys(SYS_poll, u, 1, 0), 0);
	return (uint16_t)(peek32(u + 4) >> 16);
}

static int
fifo_writer(void *arg)
{
	long fd = xopen("/fifo", O_WRONLY);

	(void)arg;
	if (fd < 0)
		return 1;
	return sys(SYS_write, fd, path("hello"), 5) == 5 ? 0 : 2;
}

/* Open rules, and data from a writer process to a blocked reader. */
static int
fifo_body(void *arg)
{
	uaddr_t u = umem(PG);
	char buf[16];
	long rd, wr, rw, pid;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mknod, path("/fifo"), S_IFIFO | 0600, 0), 0);
	/* No reader: a non-blocking writer is refused. */
	ck_assert_int_eq(xopen("/fifo", O_WRONLY | O_NONBLOCK), -ENXIO);
	/* A non-blocking reader opens at once and sees EOF. */
	rd = xopen("/fifo", O_RDONLY | O_NONBLOCK);
	ck_assert_int_ge(rd, 0);
	ck_assert_int_eq(sys(SYS_read, rd, u, 10), 0);
	/* Now a writer may open without waiting. */
	wr = xopen("/fifo", O_WRONLY | O_NONBLOCK);
	ck_assert_int_ge(wr, 0);
	ck_assert_int_eq(sys(SYS_write, wr, path("abc"), 3), 3);
	ck_assert_int_eq(sys(SYS_read, rd, u, 10), 3);
	ck_assert_int_eq(sys(SYS_read, rd, u, 10), -EAGAIN);
	ck_assert_int_eq(sys(SYS_write, wr, path("left"), 4), 4);
	sys(SYS_close, wr);
	sys(SYS_close, rd);
	/* poll: no hang-up before the first writer, then one after it. */
	rd = xopen("/fifo", O_RDONLY | O_NONBLOCK);
	ck_assert_int_eq(poll_revents(rd), 0);
	wr = xopen("/fifo", O_WRONLY | O_NONBLOCK);
	ck_assert_int_eq(poll_revents(rd), 0);
	sys(SYS_close, wr);
	ck_assert_int_eq(poll_revents(rd), POLLHUP);
	sys(SYS_close, rd);
	/* O_RDWR never waits; data left when every end closed is gone. */
	rw = xopen("/fifo", O_RDWR);
	ck_assert_int_ge(rw, 0);
	rd = xopen("/fifo", O_RDONLY | O_NONBLOCK);
	ck_assert_int_eq(sys(SYS_read, rd, u, 10), -EAGAIN);
	ck_assert_int_eq(sys(SYS_write, rw, path("xy"), 2), 2);
	ck_assert_int_eq(sys(SYS_read, rd, u, 10), 2);
	sys(SYS_close, rd);
	sys(SYS_close, rw);
	/* A blocking reader waits for the writer process. */
	pid = hosted_fork(fifo_writer, NULL);
	rd = xopen("/fifo", O_RDONLY);
	ck_assert_int_ge(rd, 0);
	ck_assert_int_eq(sys(SYS_read, rd, u, 5), 5);
	ck_assert_int_eq(copyin(buf, u, 5), 0);
	ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(sys(SYS_read, rd, u, 5), 0);
	sys(SYS_close, rd);
	/* Unlinked while open: the pipe lives on with its ends. */
	rw = xopen("/fifo", O_RDWR);
	ck_assert_int_eq(sys(SYS_unlink, path("/fifo")), 0);
	ck_assert_int_eq(sys(SYS_write, rw, path("z"), 1), 1);
	ck_assert_int_eq(sys(SYS_read, rw, u, 1), 1);
	sys(SYS_close, rw);
	return 0;
}

START_TEST(test_fifo)
{
	sys_run_on(2, fifo_body);
}
END_TEST

/*
 * The VFS hooks alone, under a file system made here: "hooks" has
 * names n0..n63 that exist while a bit says so (lookup, revalidate,
 * readdir), files whose text is made per read from 0 (generate), and a
 * symlink "link" whose target a variable picks (readlink).
 */
static uint64_t hk_present;	/* bit i: ni exists */
static int hk_gen;		/* bumped by every generate */
static int hk_released;		/* inodes released */
static int hk_target;		/* link -> n<hk_target> */
static const struct inode_ops hk_ops;

static struct inode *
hk_inode(uint32_t mode, long i)
{
	struct inode *ip = inode_alloc(mode, 0, 0);

	ip->ops = &hk_ops;
	ip->priv = (void *)i;
	ip->nlink = 1;
	ip->refs = 1;
	return ip;
}

static int
hk_lookup(struct dentry *dir, const char *name, size_t len,
    struct inode **out)
{
	int i;

	(void)dir;
	if (len == 4 && memcmp(name, "link", 4) == 0) {
		*out = hk_inode(S_IFLNK | 0777, -1);
		return 0;
	}
	if (len < 2 || name[0] != 'n' || sscanf(name + 1, "%d", &i) != 1 ||
	    i < 0 || i > 63 || !(hk_present & (1ull << i)))
		return -ENOENT;
	*out = hk_inode(S_IFREG | 0444, i);
	return 0;
}

static bool
hk_revalidate(struct dentry *d)
{
	long i = (long)d->inode->priv;

	return i < 0 || (hk_present & (1ull << i)) != 0;
}

static int
hk_readdir(struct dentry *dir, struct dir_ctx *ctx)
{
	char name[8];
	uint64_t i;

	for (i = ctx->pos - 2; i < 64; i++) {
		if (!(hk_present & (1ull << i)))
			continue;
		snprintf(name, sizeof(name), "n%d", (int)i);
		if (!ctx->emit(ctx, name, strlen(name), 1000 + i,
		    S_IFREG | 0444, i + 3))
			return 0;
		ctx->pos = i + 3;
	}
	ctx->pos = 66;
	return 0;
}

static ssize_t
hk_readlink(struct dentry *d, char *buf)
{
	(void)d;
	return snprintf(buf, PATH_MAX, "n%d", hk_target);
}

static int
hk_generate(struct dentry *d, struct seqbuf *sb)
{
	int k;

	hk_gen++;
	/* Long enough to need a larger buffer than the first page. */
	for (k = 0; k < 300; k++)
		seq_printf(sb, "%s gen %d line %d\n", d->name, hk_gen, k);
	return 0;
}

static void
hk_release(struct inode *ip)
{
	(void)ip;
	hk_released++;
}

static const struct inode_ops hk_ops = {
	.lookup = hk_lookup, .revalidate = hk_revalidate,
	.readdir = hk_readdir, .readlink = hk_readlink,
	.generate = hk_generate, .release = hk_release,
};

static int
hk_mount(struct dentry *mp, const char *source, unsigned long flags)
{
	struct inode *ip = hk_inode(S_IFDIR | 0555, -1);

	(void)source;
	(void)flags;
	ip->nlink = 2;
	ck_assert_ptr_nonnull(vfs_mount_inode(mp, ip));
	inode_put(ip);
	return 0;
}

static int
hooks_body(void *arg)
{
	char *buf = malloc(4 * PG), *names = malloc(8192), first[64];
	uaddr_t st = umem(PG), u = umem(PG);
	int released, gen, g, n2, k;
	long fd, n;
	char *line;

	(void)arg;
	vfs_register_fstype("hooks", hk_mount, NULL);
	ck_assert_int_eq(sys(SYS_mkdir, path("/h"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mount, 0, path("/h"), path("hooks"), 0, 0),
	    0);
	hk_present = (1ull << 3) | (1ull << 5) | (1ull << 6) | (1ull << 40);
	/* lookup on a miss; readdir lists what exists, in pieces. */
	ck_assert_int_eq(sys(SYS_stat, path("/h/n5"), st), 0);
	ck_assert_int_eq(sys(SYS_stat, path("/h/n7"), st), -ENOENT);
	list_dir("/h", 40, names, 8192);
	ck_assert_str_eq(names, ". .. n3 n5 n6 n40 ");
	/* A name that went stale is gone, and freed when nobody holds it. */
	released = hk_released;
	hk_present &= ~(1ull << 5);
	ck_assert_int_eq(sys(SYS_stat, path("/h/n5"), st), -ENOENT);
	ck_assert_int_eq(hk_released, released + 1);
	/* One held open outlives staleness until let go, then is pruned. */
	fd = xopen("/h/n6", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	hk_present &= ~(1ull << 6);
	ck_assert_int_eq(sys(SYS_stat, path("/h/n3"), st), 0);
	ck_assert_int_eq(sys(SYS_stat, path("/h/n40"), st), 0);
	ck_assert_int_eq(hk_released, released + 1);
	/* generate: read in pieces, one snapshot; pread at 0 makes anew. */
	n = sys(SYS_read, fd, u, 30);
	ck_assert_int_eq(n, 30);
	ck_assert_int_eq(copyin(first, u, 30), 0);
	first[30] = '\0';
	ck_assert_msg(strncmp(first, "n6 gen ", 7) == 0, "%s", first);
	ck_assert_int_eq(sys(SYS_lseek, fd, 0, SEEK_END), -EINVAL);
	ck_assert_int_eq(sys(SYS_lseek, fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(sys(SYS_read, fd, u, 30), 30);
	ck_assert_int_eq(copyin(buf, u, 30), 0);
	ck_assert_int_ne(memcmp(buf, first, 30), 0);	/* a new gen */
	/* The whole text, though larger than a page. */
	ck_assert_int_eq(sys(SYS_lseek, fd, 0, SEEK_SET), 0);
	for (n = 0; sys(SYS_read, fd, u, PG) > 0; n++)
		continue;
	ck_assert_int_ge(n, 2);	/* more than the first page held */
	sys(SYS_close, fd);
	/* Now unheld: the next lookup that adds a name prunes it. */
	hk_present |= 1ull << 7;
	ck_assert_int_eq(sys(SYS_stat, path("/h/n7"), st), 0);
	ck_assert_int_eq(hk_released, released + 2);
	/* A computed symlink, walked and read. */
	hk_target = 7;
	ck_assert_int_eq(xreadlink("/h/link", buf, PG), 2);
	ck_assert_str_eq(buf, "n7");
	/* Read in 100-byte pieces: every line from the same snapshot. */
	slurp("/h/link", buf, 4 * PG);
	ck_assert_int_eq(sscanf(buf, "n7 gen %d", &gen), 1);
	for (line = buf, k = 0; *line != '\0'; k++) {
		ck_assert_int_eq(sscanf(line, "n7 gen %d line %d", &g, &n2),
		    2);
		ck_assert_int_eq(g, gen);
		ck_assert_int_eq(n2, k);
		line = strchr(line, '\n') + 1;
	}
	ck_assert_int_eq(k, 300);
	hk_target = 8;
	ck_assert_int_eq(xopen("/h/link", O_RDONLY), -ENOENT);
	/* The directory takes no names from the VFS. */
	ck_assert_int_eq(sys(SYS_mkdir, path("/h/d"), 0755), -ENOENT);
	ck_assert_int_eq(sys(SYS_unlink, path("/h/n3")), -EPERM);
	free(buf);
	free(names);
	return 0;
}

START_TEST(test_vfs_hooks)
{
	sys_run(hooks_body);
}
END_TEST

static Suite *
procfs_suite(void)
{
	Suite *s = suite_create("procfs");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_vfs_hooks);
	tcase_add_test(tc, test_proc_files);
	tcase_add_test(tc, test_proc_fd);
	tcase_add_test(tc, test_proc_lifetime);
	tcase_add_test(tc, test_proc_readonly);
	tcase_add_test(tc, test_mknod);
	tcase_add_test(tc, test_mounts_chroot);
	tcase_add_test(tc, test_fifo);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(procfs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
