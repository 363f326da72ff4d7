/*
 * biscotti mkfs IMAGE --size SIZE [--from DIR] [--inodes N] [--label L]
 * biscotti fsck IMAGE [--repair]
 *
 * Both boot the hosted kernel and do their work inside it, on the image
 * file as an io_uring block device (fs_image.c): mkfs formats it with
 * biscfs_mkfs, fsck runs biscfs_fsck.  mkfs --from DIR then mounts the
 * new file system inside the kernel and copies the host tree in through
 * the kernel's own syscalls (kcall.h): directories, regular files (holes
 * kept: all-zero blocks are not written), symlinks, hard links (by the
 * host's device and inode numbers), FIFOs and device nodes, each with
 * its mode, owner and nanosecond times, set after the contents so a
 * directory's mtime survives the copy.  Sockets are skipped with a word.
 *
 * fsck's exit status follows e2fsck's: 0 clean, 1 errors found and all
 * fixed, 4 errors left, 8 the check could not run (not biscfs, I/O).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fs_image.h"
#include "hosted.h"
#include "kcall.h"

#define MNT		"/mnt"
#define COPY_CHUNK	KCALL_DATA

void
fs_image_print_log(FILE *out)
{
	const char *log = hosted_console_log(), *nl;

	/* Everything after the boot banner (its first line). */
	if ((nl = strchr(log, '\n')) != NULL && *(nl + 1) != '\0')
		fprintf(out, "kernel log:\n%s", nl + 1);
}

/* "64M" and friends: bytes, or 0 for a bad size. */
static uint64_t
parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	if (s == NULL)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	case 't': case 'T': v <<= 40; end++; break;
	}
	if (*end == 'i' && end[-1] != '\0')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	return *end == '\0' ? v : 0;
}

static struct hosted_config tool_cfg(void)
{
	struct hosted_config cfg = { .ncpus = 2,
	    .mem_bytes = (size_t)256 << 20, .quiet = true };

	return cfg;
}

/* ---- mkfs ---- */

struct mkfs_job {
	const char *image;		/* absolute */
	const char *from;		/* absolute, or NULL */
	uint32_t ninodes;
	const char *label;
	struct kscratch s;
	char *buf;			/* COPY_CHUNK bytes */
	/* Hard links seen: host (dev, ino) to the first kernel path. */
	struct hardlink { dev_t dev; ino_t ino; char *kpath; } *links;
	size_t nlinks, maxlinks;
	unsigned long files, bytes, skipped;
};

static bool
copy_failed(const char *what, const char *path, long err)
{
	fprintf(stderr, "biscotti mkfs: %s %s: %s\n", what, path,
	    strerror((int)-err));
	return false;
}

/* Owner, mode (after the owner: chown clears set-id bits), times. */
static bool
set_attrs(struct mkfs_job *j, const char *kp, const struct stat *st, int fd)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	long r;

	if (fd >= 0) {
		if ((r = kc_fchown(&j->s, fd, st->st_uid, st->st_gid)) != 0 ||
		    (r = kc_fchmod(&j->s, fd, st->st_mode & 07777)) != 0 ||
		    (r = kc_futimens(&j->s, fd, ts)) != 0)
			return copy_failed("setting attributes of", kp, r);
		return true;
	}
	if ((r = kc_lchown(&j->s, kp, st->st_uid, st->st_gid)) != 0)
		return copy_failed("chown", kp, r);
	if (!S_ISLNK(st->st_mode) &&
	    (r = kc_chmod(&j->s, kp, st->st_mode & 07777)) != 0)
		return copy_failed("chmod", kp, r);
	if ((r = kc_lutimens(&j->s, kp, ts)) != 0)
		return copy_failed("utimensat", kp, r);
	return true;
}

static bool
all_zero(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* A regular file's data: zero 4 KiB blocks become holes. */
static bool
copy_data(struct mkfs_job *j, const char *hp, const char *kp, int kfd)
{
	int hfd = open(hp, O_RDONLY | O_NOFOLLOW);
	ssize_t n;
	off_t off = 0;
	size_t i, run, len;
	long r;

	if (hfd < 0)
		return copy_failed("opening", hp, -errno);
	while ((n = read(hfd, j->buf, COPY_CHUNK)) > 0) {
		for (i = 0; i < (size_t)n; i += run) {
			len = (size_t)n - i < 4096 ? (size_t)n - i : 4096;
			if (all_zero(j->buf + i, len)) {
				run = len;
				continue;
			}
			/* The run of non-zero blocks from i. */
			for (run = len; i + run < (size_t)n; run += len) {
				len = (size_t)n - i - run < 4096 ?
				    (size_t)n - i - run : 4096;
				if (all_zero(j->buf + i + run, len))
					break;
			}
			r = kc_pwrite(&j->s, kfd, j->buf + i, run, off + i);
			if (r != (long)run) {
				close(hfd);
				return copy_failed("writing", kp,
				    r < 0 ? r : -EIO);
			}
		}
		off += n;
		j->bytes += (unsigned long)n;
	}
	close(hfd);
	if (n < 0)
		return copy_failed("reading", hp, -errno);
	if ((r = kc_ftruncate(&j->s, kfd, off)) != 0)
		return copy_failed("truncating", kp, r);
	return true;
}

static bool
copy_file(struct mkfs_job *j, const char *hp, const char *kp,
    const struct stat *st)
{
	struct hardlink *h;
	size_t i;
	long fd, r;
	bool ok;

	if (st->st_nlink > 1) {
		for (i = 0; i < j->nlinks; i++) {
			h = &j->links[i];
			if (h->dev == st->st_dev && h->ino == st->st_ino) {
				r = kc_link(&j->s, h->kpath, kp);
				return r == 0 ? true :
				    copy_failed("linking", kp, r);
			}
		}
		if (j->nlinks == j->maxlinks) {
			j->maxlinks = j->maxlinks ? 2 * j->maxlinks : 64;
			j->links = realloc(j->links,
			    j->maxlinks * sizeof(*j->links));
			if (j->links == NULL)
				return copy_failed("remembering", kp, -ENOMEM);
		}
		j->links[j->nlinks++] = (struct hardlink){ st->st_dev,
		    st->st_ino, strdup(kp) };
	}
	fd = kc_open(&j->s, kp, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return copy_failed("creating", kp, fd);
	ok = copy_data(j, hp, kp, (int)fd) && set_attrs(j, kp, st, (int)fd);
	kc_close(&j->s, (int)fd);
	j->files++;
	return ok;
}

static bool copy_tree(struct mkfs_job *j, const char *hp, const char *kp);

/* One entry of a directory being copied. */
static bool
copy_entry(struct mkfs_job *j, const char *hp, const char *kp)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;
	long r;

	if (lstat(hp, &st) != 0)
		return copy_failed("stat", hp, -errno);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		if ((r = kc_mkdir(&j->s, kp, 0700)) != 0)
			return copy_failed("mkdir", kp, r);
		return copy_tree(j, hp, kp) && set_attrs(j, kp, &st, -1);
	case S_IFREG:
		return copy_file(j, hp, kp, &st);
	case S_IFLNK:
		if ((n = readlink(hp, target, sizeof(target) - 1)) < 0)
			return copy_failed("readlink", hp, -errno);
		target[n] = '\0';
		if ((r = kc_symlink(&j->s, target, kp)) != 0)
			return copy_failed("symlink", kp, r);
		return set_attrs(j, kp, &st, -1);
	case S_IFIFO:
	case S_IFCHR:
	case S_IFBLK:
		if ((r = kc_mknod(&j->s, kp, st.st_mode, st.st_rdev)) != 0)
			return copy_failed("mknod", kp, r);
		return set_attrs(j, kp, &st, -1);
	default:
		fprintf(stderr, "biscotti mkfs: %s: a socket, skipped\n", hp);
		j->skipped++;
		return true;
	}
}

static bool
copy_tree(struct mkfs_job *j, const char *hp, const char *kp)
{
	char hchild[PATH_MAX], kchild[PATH_MAX];
	struct dirent *de;
	bool ok = true;
	DIR *dir;

	if ((dir = opendir(hp)) == NULL)
		return copy_failed("opening", hp, -errno);
	while (ok && (de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(hchild, sizeof(hchild), "%s/%s", hp,
		    de->d_name) >= sizeof(hchild) ||
		    (size_t)snprintf(kchild, sizeof(kchild), "%s/%s", kp,
		    de->d_name) >= sizeof(kchild)) {
			ok = copy_failed("copying", hchild, -ENAMETOOLONG);
			break;
		}
		ok = copy_entry(j, hchild, kchild);
	}
	closedir(dir);
	return ok;
}

/* Copy the host tree j->from into the new file system at MNT. */
static bool
copy_in(struct mkfs_job *j)
{
	struct stat st;
	bool ok;
	long r;

	if (stat(j->from, &st) != 0)
		return copy_failed("stat", j->from, -errno);
	if ((j->buf = malloc(COPY_CHUNK)) == NULL)
		return copy_failed("copying", j->from, -ENOMEM);
	if ((r = kc_mkdir(&j->s, MNT, 0755)) != 0 && r != -EEXIST)
		return copy_failed("mkdir", MNT, r);
	if ((r = fs_image_mount(&j->s, j->image, MNT, false)) != 0) {
		fprintf(stderr, "biscotti mkfs: mounting the new file system: "
		    "%s\n", strerror((int)-r));
		fs_image_print_log(stderr);
		return false;
	}
	ok = copy_tree(j, j->from, MNT) && set_attrs(j, MNT, &st, -1);
	if ((r = fs_image_umount(&j->s, MNT)) != 0) {
		fprintf(stderr, "biscotti mkfs: unmounting: %s\n",
		    strerror((int)-r));
		ok = false;
	}
	free(j->buf);
	while (j->nlinks > 0)
		free(j->links[--j->nlinks].kpath);
	free(j->links);
	return ok;
}

/* init's program for mkfs. */
static int
mkfs_prog(void *arg)
{
	struct mkfs_job *j = arg;
	long r;

	if ((r = kcall_scratch(&j->s)) != 0 ||
	    (r = kc_umask(&j->s, 0)) < 0) {
		fprintf(stderr, "biscotti mkfs: %s\n", strerror((int)-r));
		return 1;
	}
	if ((r = fs_image_mkfs(j->image, j->ninodes, j->label)) != 0) {
		fprintf(stderr, "biscotti mkfs: %s: %s\n", j->image,
		    r == -EINVAL ? "too small for biscfs (or bad --inodes)" :
		    strerror((int)-r));
		fs_image_print_log(stderr);
		return 1;
	}
	if (j->from != NULL && !copy_in(j))
		return 1;
	return 0;
}

static void
mkfs_usage(void)
{
	fprintf(stderr, "usage: biscotti mkfs IMAGE --size SIZE[K|M|G] "
	    "[--from DIR] [--inodes N] [--label LABEL]\n");
	exit(2);
}

int
cli_mkfs(int argc, char **argv)
{
	static struct mkfs_job job;
	char image[PATH_MAX], from[PATH_MAX];
	struct hosted_config cfg = tool_cfg();
	const char *path = NULL;
	uint64_t size = 0;
	struct stat st;
	int i, fd, status;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--size") == 0) {
			if ((size = parse_size(argv[++i])) == 0)
				mkfs_usage();
		} else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
			if (realpath(argv[++i], from) == NULL ||
			    stat(from, &st) != 0 || !S_ISDIR(st.st_mode)) {
				fprintf(stderr, "biscotti mkfs: %s: not a "
				    "directory\n", argv[i]);
				return 1;
			}
			job.from = from;
		} else if (strcmp(argv[i], "--inodes") == 0 && i + 1 < argc) {
			job.ninodes = (uint32_t)strtoul(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc) {
			job.label = argv[++i];
		} else if (argv[i][0] != '-' && path == NULL) {
			path = argv[i];
		} else {
			mkfs_usage();
		}
	}
	if (path == NULL || size < 4096)
		mkfs_usage();
	/* A fresh sparse file of the size, in whole blocks. */
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, 0) != 0 ||
	    ftruncate(fd, (off_t)(size / 4096 * 4096)) != 0) {
		fprintf(stderr, "biscotti mkfs: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	close(fd);
	if (realpath(path, image) == NULL) {
		fprintf(stderr, "biscotti mkfs: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	job.image = image;
	status = hosted_run_init(&cfg, mkfs_prog, &job);
	if (status == 0 && job.from != NULL)
		printf("%s: biscfs of %llu blocks; %lu files (%lu bytes) "
		    "copied from %s\n", path,
		    (unsigned long long)(size / 4096), job.files, job.bytes,
		    job.from);
	return status == 0 ? 0 : 1;
}

/* ---- fsck ---- */

struct fsck_job {
	const char *image;
	bool repair;
	struct fs_fsck_summary sum;
	long err;
};

static void
fsck_line(void *arg, const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

static int
fsck_prog(void *arg)
{
	struct fsck_job *j = arg;

	j->err = fs_image_fsck(j->image, j->repair, fsck_line, NULL, &j->sum);
	return 0;
}

int
cli_fsck(int argc, char **argv)
{
	static struct fsck_job job;
	struct hosted_config cfg = tool_cfg();
	char image[PATH_MAX];
	const char *path = NULL;
	struct stat st;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--repair") == 0 ||
		    strcmp(argv[i], "-y") == 0)
			job.repair = true;
		else if (argv[i][0] != '-' && path == NULL)
			path = argv[i];
		else {
			fprintf(stderr, "usage: biscotti fsck IMAGE "
			    "[--repair]\n");
			return 8;
		}
	}
	if (path == NULL) {
		fprintf(stderr, "usage: biscotti fsck IMAGE [--repair]\n");
		return 8;
	}
	if (realpath(path, image) == NULL) {
		fprintf(stderr, "biscotti fsck: %s: %s\n", path,
		    strerror(errno));
		return 8;
	}
	if (stat(image, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < 4096) {
		fprintf(stderr, "biscotti fsck: %s: not an image file of at "
		    "least one 4096-byte block\n", path);
		return 8;
	}
	job.image = image;
	if (hosted_run_init(&cfg, fsck_prog, &job) != 0 || job.err != 0) {
		fprintf(stderr, "biscotti fsck: %s: %s\n", path,
		    job.err == -EUCLEAN ? "no usable biscfs superblock" :
		    strerror((int)-job.err));
		fs_image_print_log(stderr);
		return 8;
	}
	printf("%s: %llu/%llu inodes, %llu/%llu blocks; %u errors%s",
	    path, (unsigned long long)job.sum.inodes_used,
	    (unsigned long long)job.sum.ninodes,
	    (unsigned long long)job.sum.blocks_used,
	    (unsigned long long)job.sum.nblocks, job.sum.errors,
	    job.sum.errors == 0 ? ": clean" : "");
	if (job.sum.errors > 0)
		printf(", %u fixed", job.sum.fixed);
	printf("\n");
	if (job.sum.errors == 0)
		return 0;
	return job.sum.fixed == job.sum.errors ? 1 : 4;
}
