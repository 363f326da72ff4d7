/*
 * biscotti mount IMAGE MOUNTPOINT [-f]: a biscfs image, served to the
 * host through libfuse3 by the hosted kernel itself.
 *
 * The kernel boots in this process (several vCPUs), mounts the image
 * at /mnt inside itself (mount(2), type "biscfs"), and every FUSE
 * request becomes the syscalls a program would issue on /mnt/PATH,
 * run by a user thread of one kernel process (fuse_bridge.c), so the
 * host's cp, tar and git exercise the kernel's VFS and biscfs exactly
 * as a program inside it would, errno values included (the kernel
 * speaks Linux's).  The high-level (path) API suits this: the kernel
 * resolves paths itself, and a FUSE file handle is simply the kernel
 * fd.  nullpath_ok and hard_remove let an unlinked open file live on
 * in the kernel, as on Linux, instead of libfuse's .fuse_hidden names;
 * the price is that fstat(2) of such a file, which Linux's FUSE sends
 * without the file handle, has no path left and fails with ESTALE.
 *
 * The host kernel checks permissions (default_permissions) against the
 * attributes we report; the kernel process runs as root with umask 0,
 * and a new node is given to the requesting user with lchown.
 *
 * Without -f the program forks before anything else (the hosted kernel's
 * threads would not survive a later fork) and the parent waits until the
 * mount is ready, exiting 0 then, or 1 with the child's message.  On
 * unmount (fusermount3 -u) or SIGTERM/SIGINT/SIGHUP the loop ends, the
 * kernel unmounts /mnt (which syncs) and the program exits 0.
 *
 * --tmpfs mounts a fresh tmpfs instead of an image (IMAGE is then not
 * read), for testing the bridge on its own.
 */
#define FUSE_USE_VERSION 312
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cli.h"
#include "fs_image.h"
#include "fuse_bridge.h"
#include "hosted.h"

#define MNT	"/mnt"
#define KPATH	(PATH_MAX + sizeof(MNT))

/* What the kernel thread and the FUSE side share. */
static struct {
	const char *image;		/* realpath, or NULL with --tmpfs */
	bool readonly;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool ready;			/* [mu] setup finished */
	long setup_err;			/* [mu] its result */
	int boot_status;		/* the kernel thread's hosted_run_init() */
} mnt = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

/* ---- Running a request in the kernel and waiting for it ---- */

struct call {
	struct bridge_req r;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
};

static void
call_done(struct bridge_req *r)
{
	struct call *c = (struct call *)r;

	pthread_mutex_lock(&c->mu);
	c->done = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* Run fn(scratch, arg) on a kernel worker; its result. */
static long
kernel_run(long (*fn)(struct kscratch *, void *), void *arg)
{
	struct call c = { .r = { .fn = fn, .arg = arg },
	    .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

	bridge_submit(&c.r);
	pthread_mutex_lock(&c.mu);
	while (!c.done)
		pthread_cond_wait(&c.cv, &c.mu);
	pthread_mutex_unlock(&c.mu);
	pthread_mutex_destroy(&c.mu);
	pthread_cond_destroy(&c.cv);
	return c.r.result;
}

/* ---- One FUSE operation's arguments, and the kernel side of each ---- */

struct op {
	char path[KPATH], path2[KPATH];
	bool has_fd;
	int fd;
	long a, b;
	int64_t off;
	void *buf;
	const void *cbuf;
	size_t len;
	uid_t uid;
	gid_t gid;
};

/* The kernel's path for a FUSE path: false when too long. */
static bool
kpath(char *out, const char *path)
{
	return path != NULL &&
	    (size_t)snprintf(out, KPATH, MNT "%s", path) < KPATH;
}

/* Start o for path (may be NULL with fi) and fi. */
static int
op_init(struct op *o, const char *path, struct fuse_file_info *fi)
{
	struct fuse_context *ctx = fuse_get_context();

	memset(o, 0, sizeof(*o));
	o->has_fd = fi != NULL;
	o->fd = fi != NULL ? (int)fi->fh : -1;
	o->uid = ctx->uid;
	o->gid = ctx->gid;
	if (path != NULL && !kpath(o->path, path))
		return -ENAMETOOLONG;
	if (path == NULL && fi == NULL)
		return -EINVAL;
	return 0;
}

/* A node just made belongs to the user who asked for it. */
static long
give_to_caller(struct kscratch *s, struct op *o, long r)
{
	if (r >= 0 && (o->uid != 0 || o->gid != 0))
		kc_lchown(s, o->path, o->uid, o->gid);
	return r;
}

static long
k_getattr(struct kscratch *s, void *p)
{
	struct op *o = p;

	return o->has_fd ? kc_fstat(s, o->fd, o->buf) :
	    kc_lstat(s, o->path, o->buf);
}

static long
k_readlink(struct kscratch *s, void *p)
{
	struct op *o = p;

	return kc_readlink(s, o->path, o->buf, o->len);
}

static long
k_mknod(struct kscratch *s, void *p)
{
	struct op *o = p;

	return give_to_caller(s, o, kc_mknod(s, o->path, (unsigned)o->a,
	    (uint64_t)o->b));
}

static long
k_mkdir(struct kscratch *s, void *p)
{
	struct op *o = p;

	return give_to_caller(s, o, kc_mkdir(s, o->path, (unsigned)o->a));
}

static long
k_unlink(struct kscratch *s, void *p)
{
	return kc_unlink(s, ((struct op *)p)->path);
}

static long
k_rmdir(struct kscratch *s, void *p)
{
	return kc_rmdir(s, ((struct op *)p)->path);
}

static long
k_symlink(struct kscratch *s, void *p)
{
	struct op *o = p;

	return give_to_caller(s, o, kc_symlink(s, o->cbuf, o->path));
}

static long
k_rename(struct kscratch *s, void *p)
{
	struct op *o = p;

	return kc_rename(s, o->path, o->path2, (unsigned)o->a);
}

static long
k_link(struct kscratch *s, void *p)
{
	struct op *o = p;

	return kc_link(s, o->path, o->path2);
}

static long
k_chmod(struct kscratch *s, void *p)
{
	struct op *o = p;

	return o->has_fd ? kc_fchmod(s, o->fd, (unsigned)o->a) :
	    kc_chmod(s, o->path, (unsigned)o->a);
}

static long
k_chown(struct kscratch *s, void *p)
{
	struct op *o = p;

	return o->has_fd ? kc_fchown(s, o->fd, o->a, o->b) :
	    kc_lchown(s, o->path, o->a, o->b);
}

static long
k_truncate(struct kscratch *s, void *p)
{
	struct op *o = p;

	return o->has_fd ? kc_ftruncate(s, o->fd, o->off) :
	    kc_truncate(s, o->path, o->off);
}

static long
k_utimens(struct kscratch *s, void *p)
{
	struct op *o = p;

	return o->has_fd ? kc_futimens(s, o->fd, o->cbuf) :
	    kc_lutimens(s, o->path, o->cbuf);
}

static long
k_open(struct kscratch *s, void *p)
{
	struct op *o = p;
	long r = kc_open(s, o->path, (int)o->a, (unsigned)o->b);

	if (r >= 0)
		bridge_note_fd(r);
	if (r >= 0 && ((int)o->a & O_CREAT) && (o->uid != 0 || o->gid != 0))
		kc_fchown(s, (int)r, o->uid, o->gid);
	return r;
}

static long
k_close(struct kscratch *s, void *p)
{
	return kc_close(s, ((struct op *)p)->fd);
}

static long
k_read(struct kscratch *s, void *p)
{
	struct op *o = p;

	return kc_pread(s, o->fd, o->buf, o->len, o->off);
}

static long
k_write(struct kscratch *s, void *p)
{
	struct op *o = p;

	return kc_pwrite(s, o->fd, o->cbuf, o->len, o->off);
}

static long
k_fsync(struct kscratch *s, void *p)
{
	struct op *o = p;

	return kc_fsync(s, o->fd, (int)o->a);
}

static long
k_statfs(struct kscratch *s, void *p)
{
	struct op *o = p;

	return kc_statfs(s, o->path, o->buf);
}

static long
k_access(struct kscratch *s, void *p)
{
	struct op *o = p;

	return kc_access(s, o->path, (int)o->a);
}

/* Rewind the directory, then read it to the end into o->buf. */
static long
k_readdir(struct kscratch *s, void *p)
{
	struct op *o = p;
	long r;

	if (o->off == 0 && (r = kc_lseek(s, o->fd, 0, SEEK_SET)) < 0)
		return r;
	return kc_getdents(s, o->fd, o->buf, o->len);
}

/* ---- The FUSE operations ---- */

#define RUN(fn, o)	((int)kernel_run((fn), (o)))

/* The common shape: fn on path (or fi's fd) with up to two numbers. */
static int
run_ab(long (*fn)(struct kscratch *, void *), const char *path,
    struct fuse_file_info *fi, long a, long b)
{
	struct op o;
	int err = op_init(&o, path, fi);

	if (err != 0)
		return err;
	o.a = a;
	o.b = b;
	return RUN(fn, &o);
}

static void *
bf_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	cfg->use_ino = 1;
	cfg->hard_remove = 1;
	cfg->nullpath_ok = 1;
	/*
	 * libfuse's path API gives each name its own node, so the host
	 * cannot know that two hard links are one inode: cached attributes
	 * of one would go stale when the other changes (a link count after
	 * an unlink).  Ask the kernel every time; names stay cached.
	 */
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	return NULL;
}

static int
bf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct op o;
	int err = op_init(&o, path, fi);

	if (err != 0)
		return err;
	o.buf = st;
	return RUN(k_getattr, &o);
}

static int
bf_readlink(const char *path, char *buf, size_t size)
{
	struct op o;
	int err = op_init(&o, path, NULL);
	long r;

	if (err != 0)
		return err;
	if (size == 0)
		return -EINVAL;
	o.buf = buf;
	o.len = size - 1;
	if ((r = kernel_run(k_readlink, &o)) < 0)
		return (int)r;
	buf[r] = '\0';
	return 0;
}

static int
bf_mknod(const char *path, mode_t mode, dev_t rdev)
{
	return run_ab(k_mknod, path, NULL, mode, (long)rdev);
}

static int
bf_mkdir(const char *path, mode_t mode)
{
	return run_ab(k_mkdir, path, NULL, mode, 0);
}

static int
bf_unlink(const char *path)
{
	return run_ab(k_unlink, path, NULL, 0, 0);
}

static int
bf_rmdir(const char *path)
{
	return run_ab(k_rmdir, path, NULL, 0, 0);
}

static int
bf_symlink(const char *target, const char *path)
{
	struct op o;
	int err = op_init(&o, path, NULL);

	if (err != 0)
		return err;
	o.cbuf = target;
	return RUN(k_symlink, &o);
}

static int
bf_rename(const char *from, const char *to, unsigned int flags)
{
	struct op o;
	int err = op_init(&o, from, NULL);

	if (err != 0)
		return err;
	if (!kpath(o.path2, to))
		return -ENAMETOOLONG;
	o.a = flags;
	return RUN(k_rename, &o);
}

static int
bf_link(const char *from, const char *to)
{
	struct op o;
	int err = op_init(&o, from, NULL);

	if (err != 0)
		return err;
	if (!kpath(o.path2, to))
		return -ENAMETOOLONG;
	return RUN(k_link, &o);
}

static int
bf_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return run_ab(k_chmod, path, fi, mode, 0);
}

static int
bf_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	return run_ab(k_chown, path, fi, uid == (uid_t)-1 ? -1 : (long)uid,
	    gid == (gid_t)-1 ? -1 : (long)gid);
}

static int
bf_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct op o;
	int err = op_init(&o, path, fi);

	if (err != 0)
		return err;
	o.off = size;
	return RUN(k_truncate, &o);
}

static int
bf_utimens(const char *path, const struct timespec tv[2],
    struct fuse_file_info *fi)
{
	struct op o;
	int err = op_init(&o, path, fi);

	if (err != 0)
		return err;
	o.cbuf = tv;
	return RUN(k_utimens, &o);
}

static int
bf_open_flags(const char *path, struct fuse_file_info *fi, int flags,
    mode_t mode)
{
	struct op o;
	int err = op_init(&o, path, NULL);
	long r;

	if (err != 0)
		return err;
	o.a = flags;
	o.b = mode;
	if ((r = kernel_run(k_open, &o)) < 0)
		return (int)r;
	fi->fh = (uint64_t)r;
	return 0;
}

static int
bf_open(const char *path, struct fuse_file_info *fi)
{
	return bf_open_flags(path, fi, fi->flags & ~O_CREAT, 0);
}

static int
bf_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return bf_open_flags(path, fi, fi->flags | O_CREAT, mode);
}

static int
bf_read(const char *path, char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct op o;
	int err = op_init(&o, NULL, fi);

	if (err != 0)
		return err;
	o.buf = buf;
	o.len = size;
	o.off = off;
	return RUN(k_read, &o);
}

static int
bf_write(const char *path, const char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct op o;
	int err = op_init(&o, NULL, fi);

	if (err != 0)
		return err;
	o.cbuf = buf;
	o.len = size;
	o.off = off;
	return RUN(k_write, &o);
}

static int
bf_statfs(const char *path, struct statvfs *sv)
{
	struct statfs sf;
	struct op o;
	int err = op_init(&o, "/", NULL);

	if (err != 0)
		return err;
	o.buf = &sf;
	if ((err = RUN(k_statfs, &o)) < 0)
		return err;
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = (unsigned long)sf.f_bsize;
	sv->f_frsize = sf.f_frsize ? (unsigned long)sf.f_frsize :
	    (unsigned long)sf.f_bsize;
	sv->f_blocks = sf.f_blocks;
	sv->f_bfree = sf.f_bfree;
	sv->f_bavail = sf.f_bavail;
	sv->f_files = sf.f_files;
	sv->f_ffree = sf.f_ffree;
	sv->f_favail = sf.f_ffree;
	sv->f_namemax = (unsigned long)sf.f_namelen;
	return 0;
}

static int
bf_flush(const char *path, struct fuse_file_info *fi)
{
	return 0;
}

static int
bf_release(const char *path, struct fuse_file_info *fi)
{
	struct op o;

	op_init(&o, NULL, fi);
	return RUN(k_close, &o);
}

static int
bf_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	return run_ab(k_fsync, NULL, fi, datasync, 0);
}

static int
bf_opendir(const char *path, struct fuse_file_info *fi)
{
	return bf_open_flags(path, fi, O_RDONLY | O_DIRECTORY, 0);
}

/* Linux's getdents64 record. */
struct dirent64_rec {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/*
 * The whole directory in one call (offsets of 0: libfuse keeps the
 * listing and serves the host's reads, and rewinds ask again).
 */
static int
bf_readdir(const char *path, void *dbuf, fuse_fill_dir_t filler, off_t off,
    struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	enum { CHUNK = 64 * 1024 };
	struct dirent64_rec *de;
	struct stat st;
	struct op o;
	char *buf;
	long n, i;
	int err = op_init(&o, NULL, fi);

	if (err != 0)
		return err;
	if ((buf = malloc(CHUNK)) == NULL)
		return -ENOMEM;
	o.buf = buf;
	o.len = CHUNK;
	for (;;) {
		if ((n = kernel_run(k_readdir, &o)) <= 0)
			break;
		o.off = 1;	/* not the first read: no rewind */
		for (i = 0; i < n; i += de->reclen) {
			de = (struct dirent64_rec *)(buf + i);
			memset(&st, 0, sizeof(st));
			st.st_ino = de->ino;
			st.st_mode = (mode_t)de->type << 12;
			if (filler(dbuf, de->name, &st, 0, 0) != 0) {
				n = 0;
				break;
			}
		}
		if (n == 0)
			break;
	}
	free(buf);
	return n < 0 ? (int)n : 0;
}

static int
bf_releasedir(const char *path, struct fuse_file_info *fi)
{
	return bf_release(path, fi);
}

static int
bf_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
	return bf_fsync(path, datasync, fi);
}

static int
bf_access(const char *path, int mask)
{
	return run_ab(k_access, path, NULL, mask, 0);
}

static const struct fuse_operations bridge_ops = {
	.init = bf_init,
	.getattr = bf_getattr,
	.readlink = bf_readlink,
	.mknod = bf_mknod,
	.mkdir = bf_mkdir,
	.unlink = bf_unlink,
	.rmdir = bf_rmdir,
	.symlink = bf_symlink,
	.rename = bf_rename,
	.link = bf_link,
	.chmod = bf_chmod,
	.chown = bf_chown,
	.truncate = bf_truncate,
	.open = bf_open,
	.read = bf_read,
	.write = bf_write,
	.statfs = bf_statfs,
	.flush = bf_flush,
	.release = bf_release,
	.fsync = bf_fsync,
	.opendir = bf_opendir,
	.readdir = bf_readdir,
	.releasedir = bf_releasedir,
	.fsyncdir = bf_fsyncdir,
	.access = bf_access,
	.create = bf_create,
	.utimens = bf_utimens,
};

/* ---- Setting up and tearing down inside the kernel ---- */

static long
mount_setup(struct kscratch *s, void *arg)
{
	long r = kc_mkdir(s, MNT, 0755);

	if (r != 0 && r != -EEXIST)
		return r;
	if (mnt.image == NULL)
		return kc_mount(s, "tmpfs", MNT, "tmpfs", 0);
	return fs_image_mount(s, mnt.image, MNT, mnt.readonly);
}

static long
mount_teardown(struct kscratch *s, void *arg)
{
	long r = mnt.image != NULL ? fs_image_umount(s, MNT) :
	    kc_umount(s, MNT);

	kc_sync(s);
	return r;
}

static void
mount_ready(long err)
{
	pthread_mutex_lock(&mnt.mu);
	mnt.setup_err = err;
	mnt.ready = true;
	pthread_cond_broadcast(&mnt.cv);
	pthread_mutex_unlock(&mnt.mu);
}

static struct bridge_config bridge_cfg = {
	.setup = mount_setup,
	.teardown = mount_teardown,
	.ready = mount_ready,
	.done = call_done,
};

static struct hosted_config boot_cfg = { .quiet = true };

static void *
kernel_thread(void *arg)
{
	mnt.boot_status = hosted_run_init(&boot_cfg, bridge_main, &bridge_cfg);
	/* A boot that ended before setup did (a panic) must not hang us. */
	mount_ready(mnt.ready ? mnt.setup_err : -EIO);
	return NULL;
}

/* ---- The program ---- */

static void
usage(void)
{
	fprintf(stderr, "usage: biscotti mount IMAGE MOUNTPOINT [-f] [-r] "
	    "[--cpus N] [--mem MiB] [--threads N]\n"
	    "       biscotti mount --tmpfs MOUNTPOINT [-f] ...\n");
	exit(2);
}

static unsigned long
number(const char *s)
{
	char *end;
	unsigned long v;

	if (s == NULL)
		usage();
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v == 0)
		usage();
	return v;
}

/*
 * Fork; the parent waits for the child's one status byte (0: mounted)
 * and exits with it.  Returns in the child, with the pipe's write end.
 */
static int
daemonize_early(void)
{
	int p[2];
	pid_t pid;
	char c = 1;

	if (pipe(p) != 0 || (pid = fork()) < 0) {
		perror("biscotti mount: fork");
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			c = 1;
		_exit(c == 0 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	return p[1];
}

/* Tell the waiting parent (if any) how it went; quiet the daemon. */
static void
report_parent(int fd, bool ok)
{
	char c = ok ? 0 : 1;
	int null;

	if (fd < 0)
		return;
	if (ok && (null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	if (write(fd, &c, 1) != 1)
		(void)0;
	close(fd);
}

/* Why the kernel refused: its own messages, then errno's name. */
static void
explain_failure(const char *what, long err)
{
	fprintf(stderr, "biscotti mount: %s: cannot mount: %s%s\n", what,
	    strerror((int)-err), err == -EINVAL || err == -EUCLEAN ?
	    " (not biscfs, or damaged: see biscotti fsck)" : "");
	fs_image_print_log(stderr);
}

int
cli_mount(int argc, char **argv)
{
	const char *image = NULL, *mountpoint = NULL;
	char image_abs[PATH_MAX], mp_abs[PATH_MAX], fsname[PATH_MAX + 64];
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_loop_config *loop;
	bool foreground = false, tmpfs = false;
	unsigned threads = 8;
	sigset_t block, old;
	pthread_t kt;
	struct fuse *f;
	int i, status, notify = -1;

	boot_cfg.ncpus = 4;
	boot_cfg.mem_bytes = (size_t)256 << 20;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0)
			foreground = true;
		else if (strcmp(argv[i], "-r") == 0)
			mnt.readonly = true;
		else if (strcmp(argv[i], "--tmpfs") == 0)
			tmpfs = true;
		else if (strcmp(argv[i], "--cpus") == 0)
			boot_cfg.ncpus = (unsigned)number(argv[++i]);
		else if (strcmp(argv[i], "--mem") == 0)
			boot_cfg.mem_bytes = (size_t)number(argv[++i]) << 20;
		else if (strcmp(argv[i], "--threads") == 0)
			threads = (unsigned)number(argv[++i]);
		else if (argv[i][0] == '-')
			usage();
		else if (image == NULL && !tmpfs)
			image = argv[i];
		else if (mountpoint == NULL)
			mountpoint = argv[i];
		else
			usage();
	}
	if (mountpoint == NULL || (image == NULL && !tmpfs) ||
	    boot_cfg.ncpus > HOSTED_CPU_MAX || threads > 256)
		usage();
	if (!tmpfs && realpath(image, image_abs) == NULL) {
		fprintf(stderr, "biscotti mount: %s: %s\n", image,
		    strerror(errno));
		return 1;
	}
	if (realpath(mountpoint, mp_abs) == NULL) {
		fprintf(stderr, "biscotti mount: %s: %s\n", mountpoint,
		    strerror(errno));
		return 1;
	}
	mnt.image = tmpfs ? NULL : image_abs;
	bridge_cfg.nworkers = threads;

	if (!foreground)
		notify = daemonize_early();

	/*
	 * Only this thread takes the termination signals (libfuse's
	 * handlers end its loop): the vCPUs inherit them blocked.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (pthread_create(&kt, NULL, kernel_thread, NULL) != 0) {
		perror("biscotti mount: thread");
		report_parent(notify, false);
		return 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	pthread_mutex_lock(&mnt.mu);
	while (!mnt.ready)
		pthread_cond_wait(&mnt.cv, &mnt.mu);
	pthread_mutex_unlock(&mnt.mu);
	if (mnt.setup_err != 0) {
		explain_failure(tmpfs ? "tmpfs" : image, mnt.setup_err);
		pthread_join(kt, NULL);
		report_parent(notify, false);
		return 1;
	}

	snprintf(fsname, sizeof(fsname), "fsname=%s,subtype=%s%s%s",
	    tmpfs ? "tmpfs" : image_abs, tmpfs ? "biscotti-tmpfs" : "biscfs",
	    getuid() == 0 ? ",allow_other" : "", mnt.readonly ? ",ro" : "");
	fuse_opt_add_arg(&args, "biscotti");
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, "default_permissions");
	fuse_opt_add_arg(&args, "-o");
	fuse_opt_add_arg(&args, fsname);
	status = 1;
	f = fuse_new(&args, &bridge_ops, sizeof(bridge_ops), NULL);
	if (f == NULL || fuse_mount(f, mp_abs) != 0) {
		fprintf(stderr, "biscotti mount: %s: FUSE mount failed\n",
		    mp_abs);
		if (f != NULL)
			fuse_destroy(f);
		report_parent(notify, false);
	} else if (fuse_set_signal_handlers(fuse_get_session(f)) != 0) {
		fuse_unmount(f);
		fuse_destroy(f);
		report_parent(notify, false);
	} else {
		report_parent(notify, true);
		if (!foreground && chdir("/") != 0)
			(void)0;
		loop = fuse_loop_cfg_create();
		fuse_loop_cfg_set_max_threads(loop, threads * 2);
		/* A signal that ended the loop is its value: a clean end. */
		status = fuse_loop_mt(f, loop) < 0 ? 1 : 0;
		fuse_loop_cfg_destroy(loop);
		fuse_remove_signal_handlers(fuse_get_session(f));
		fuse_unmount(f);
		fuse_destroy(f);
	}
	fuse_opt_free_args(&args);

	/* Unmount inside the kernel (syncing) and let it power off. */
	bridge_quit();
	pthread_join(kt, NULL);
	if (mnt.boot_status != 0) {
		fprintf(stderr, "biscotti mount: unmounting %s inside the "
		    "kernel failed\n", tmpfs ? "tmpfs" : image);
		fs_image_print_log(stderr);
		return 1;
	}
	return status;
}
