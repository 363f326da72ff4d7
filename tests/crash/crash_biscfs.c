/*
 * Crash safety of biscfs (issue 5, step 2).
 *
 * init mounts a fresh biscfs on a recording disk and runs a seeded file
 * workload through the kernel's syscalls: create and write (pwrite at
 * random offsets, sometimes O_TRUNC), fsync, rename, unlink, mkdir.
 * Every block write and flush is recorded, with a marker at the start
 * of each operation and one when each fsync returns (naming a copy of
 * the file's contents at that moment).  After umount, the trace is cut
 * at more than a thousand points (crash_cut.h), and each crash image is
 *
 *   - mounted read-write, which recovers it (journal replay, then the
 *     orphan inodes freed), and read through the syscalls: a file whose
 *     last change before the cut was followed by an fsync of it that
 *     returned before the cut must hold exactly the bytes that fsync
 *     made durable (and exist, at that name);
 *   - unmounted and checked with biscfs_fsck(): it must find nothing
 *     to repair.
 *
 * Usage: crash_biscfs [seed] (default 1; CRASH_SEED also works).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk/bcache.h"
#include "contract/usercopy.h"
#include "fs/biscfs.h"
#include "fs/biscfs_fsck.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "hosted.h"
#include "lib/hash.h"
#include "proc/thread.h"
#include "sys/syscall.h"
#include "vm/vm.h"
#include "crash_cut.h"

#define NBLOCKS		2048
#define JBLOCKS		128		/* a small log: it wraps */
#define NOPS		260
#define NCUTS		1100
#define MAXFILE		(48 * 1024)
#define NPATHS		10
#define UBUF		(128 * 1024)	/* user scratch: strings, then data */
#define UDATA		4096

#define MK_START	(1ull << 56)	/* tag: operation i started */
#define MK_FSYNC	(2ull << 56)	/* tag: fsync snapshot i returned */
#define MK_MASK		((1ull << 56) - 1)

#define sys(...)	hosted_syscall(__VA_ARGS__)

static const char *const paths[NPATHS] = {
	"/mnt/f0", "/mnt/f1", "/mnt/f2", "/mnt/f3", "/mnt/f4", "/mnt/f5",
	"/mnt/d/g0", "/mnt/d/g1", "/mnt/d/g2", "/mnt/d/g3",
};

/* The workload's model of each path. */
struct mfile {
	bool exists;
	size_t size;
	uint8_t data[MAXFILE];
};
static struct mfile model[NPATHS];

/* What operation i changed: up to two paths (-1: none). */
static int mods[NOPS + 1][2];

/* An fsync that returned: path p held these bytes, after operation op. */
struct snap {
	int path;
	unsigned op;
	size_t size;
	uint8_t *data;
};
static struct snap *snaps;
static size_t nsnaps;

static struct tdisk *disk;
static uaddr_t ubuf;
static uint64_t seed = 1, seed0;
static unsigned failures;
static unsigned long checked;	/* fsync'd files compared, over all cuts */
static unsigned maxreport = 20;	/* CRASH_VERBOSE=n reports n */

static uint64_t
rnd(void)
{
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return seed * 2685821657736338717ull;
}

/* A string in user memory, in one of 16 slots of 256 bytes. */
static uaddr_t
ustr(int slot, const char *s)
{
	if (copyout(ubuf + (uaddr_t)slot * 256, s, strlen(s) + 1) != 0)
		abort();
	return ubuf + (uaddr_t)slot * 256;
}

static long
u_open(const char *p, unsigned flags, unsigned mode)
{
	return sys(SYS_open, ustr(0, p), flags, mode);
}

static long
u_pwrite(long fd, const void *data, size_t len, size_t off)
{
	if (copyout(ubuf + UDATA, data, len) != 0)
		abort();
	return sys(SYS_pwrite64, fd, ubuf + UDATA, len, off);
}

static long
u_pread(long fd, void *out, size_t len, size_t off)
{
	long r = sys(SYS_pread64, fd, ubuf + UDATA, len, off);

	if (r > 0 && copyin(out, ubuf + UDATA, (size_t)r) != 0)
		abort();
	return r;
}

static void
need(long r, const char *what)
{
	if (r < 0) {
		printf("crash_biscfs: %s failed: %ld\n", what, r);
		abort();
	}
}

/* ------------------------------------------------------------------ */
/* The workload.                                                       */

static void
op_write(unsigned op, int p)
{
	static uint8_t buf[16 * 1024];
	struct mfile *m = &model[p];
	bool trunc = rnd() % 10 == 0;
	size_t off = (size_t)(rnd() % (MAXFILE - 1));
	size_t len = 1 + (size_t)(rnd() % sizeof(buf));
	long fd;

	if (off + len > MAXFILE)
		len = MAXFILE - off;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)hash_u64(op * 65537ull + off + i);
	fd = u_open(paths[p], O_CREAT | O_RDWR | (trunc ? O_TRUNC : 0), 0644);
	need(fd, "open");
	need(u_pwrite(fd, buf, len, off), "pwrite");
	need(sys(SYS_close, fd), "close");
	if (!m->exists || trunc) {
		m->exists = true;
		m->size = 0;
		memset(m->data, 0, MAXFILE);
	}
	memcpy(m->data + off, buf, len);
	if (off + len > m->size)
		m->size = off + len;
	mods[op][0] = p;
}

static void
op_fsync(unsigned op, int p)
{
	struct snap *s;
	long fd = u_open(paths[p], O_RDWR, 0);

	need(fd, "open for fsync");
	need(sys(SYS_fsync, fd), "fsync");
	need(sys(SYS_close, fd), "close");
	snaps = realloc(snaps, (nsnaps + 1) * sizeof(*snaps));
	if (snaps == NULL)
		abort();
	s = &snaps[nsnaps];
	s->path = p;
	s->op = op;
	s->size = model[p].size;
	s->data = malloc(MAXFILE);
	if (s->data == NULL)
		abort();
	memcpy(s->data, model[p].data, MAXFILE);
	tdisk_mark(disk, MK_FSYNC | nsnaps);
	nsnaps++;
}

static void
op_rename(unsigned op, int a, int b)
{
	need(sys(SYS_rename, ustr(0, paths[a]), ustr(1, paths[b])), "rename");
	model[b] = model[a];
	model[a].exists = false;
	mods[op][0] = a;
	mods[op][1] = b;
}

static void
op_unlink(unsigned op, int p)
{
	need(sys(SYS_unlink, ustr(0, paths[p])), "unlink");
	model[p].exists = false;
	mods[op][0] = p;
}

static void
workload(void)
{
	char name[32];

	for (unsigned op = 1; op <= NOPS; op++) {
		unsigned kind = (unsigned)(rnd() % 100);
		int p = (int)(rnd() % NPATHS), q = (int)(rnd() % NPATHS);

		mods[op][0] = mods[op][1] = -1;
		tdisk_mark(disk, MK_START | op);
		if (kind < 50 || !model[p].exists) {
			op_write(op, p);
		} else if (kind < 75) {
			op_fsync(op, p);
		} else if (kind < 85) {
			if (p != q)
				op_rename(op, p, q);
		} else if (kind < 93) {
			op_unlink(op, p);
		} else {
			snprintf(name, sizeof(name), "/mnt/e%u", op % 7);
			(void)sys(SYS_mkdir, ustr(0, name), 0755);
		}
		if (rnd() % 40 == 0)
			thread_sleep_ns(2 * 1000 * 1000);
	}
}

/* ------------------------------------------------------------------ */
/* Checking a crash image.                                             */

static void
fail(size_t cut, const char *what, const char *path, long a, long b)
{
	if (failures++ < maxreport)
		printf("crash_biscfs: seed %lu cut %zu: %s %s (%ld, %ld)\n",
		    (unsigned long)seed0, cut, what, path, a, b);
}

static void
report(void *arg, const char *line)
{
	size_t *cut = arg;

	if (failures < maxreport)
		printf("crash_biscfs: cut %zu: fsck: %s\n", *cut, line);
}

/* The fsync'd files at cut k: want[p] is a snapshot index or -1. */
static void
durable_files(const struct trec *tr, size_t k, long *want)
{
	long lastmod[NPATHS];

	for (int p = 0; p < NPATHS; p++)
		want[p] = lastmod[p] = -1;
	for (size_t i = 0; i < k; i++) {
		uint64_t tag = tr[i].tag;

		if (tr[i].op != TR_MARK)
			continue;
		if ((tag & ~MK_MASK) == MK_START) {
			unsigned op = (unsigned)(tag & MK_MASK);

			for (int x = 0; x < 2; x++)
				if (mods[op][x] >= 0)
					lastmod[mods[op][x]] = op;
			/* An fsync's file counts only once it returned. */
		} else if ((tag & ~MK_MASK) == MK_FSYNC) {
			const struct snap *s = &snaps[tag & MK_MASK];

			if ((long)s->op > lastmod[s->path])
				want[s->path] = (long)(tag & MK_MASK);
		}
	}
	for (int p = 0; p < NPATHS; p++)
		if (want[p] >= 0 && (long)snaps[want[p]].op < lastmod[p])
			want[p] = -1;
}

static void
check_files(size_t k, const long *want)
{
	static uint8_t got[MAXFILE + 1];
	char path[40];

	for (int p = 0; p < NPATHS; p++) {
		const struct snap *s;
		long fd, r;

		if (want[p] < 0)
			continue;
		s = &snaps[want[p]];
		checked++;
		snprintf(path, sizeof(path), "/chk%s", paths[p] + 4);
		fd = u_open(path, O_RDONLY, 0);
		if (fd < 0) {
			fail(k, "fsync'd file missing:", path, fd, 0);
			continue;
		}
		r = u_pread(fd, got, MAXFILE + 1, 0);
		if (r != (long)s->size)
			fail(k, "fsync'd file has the wrong size:", path, r,
			    (long)s->size);
		else if (memcmp(got, s->data, s->size) != 0)
			fail(k, "fsync'd bytes lost:", path, 0, 0);
		sys(SYS_close, fd);
	}
}

static void
check_cut(struct cutter *c, size_t k, uint8_t *img, struct blkdev *scratch)
{
	struct biscfs_fsck_opts o = { .repair = false, .report = report,
	    .arg = &k };
	struct biscfs_fsck_result res;
	long want[NPATHS];
	int err;

	crash_cut_image(c, k, img);
	bcache_invalidate(scratch);
	/* Recovery: the mount replays the journal and frees orphans. */
	err = (int)sys(SYS_mount, ustr(2, "crashimg"), ustr(3, "/chk"),
	    ustr(4, "biscfs"), 0, 0);
	if (err != 0) {
		fail(k, "mount after the crash:", "", err, 0);
		return;
	}
	durable_files(c->trace, k, want);
	check_files(k, want);
	need(sys(SYS_umount2, ustr(3, "/chk"), 0), "umount /chk");
	/* Then fsck must find nothing to repair. */
	memset(&res, 0, sizeof(res));
	err = biscfs_fsck(scratch, &o, &res);
	if (err != 0 || res.errors != 0)
		fail(k, "fsck after recovery:", "", err, (long)res.errors);
	bcache_invalidate(scratch);
}

static int
prog(void *arg)
{
	struct biscfs_mkfs_opts mo = { .ninodes = 256,
	    .journal_blocks = JBLOCKS, .hash_seed = 12345 };
	size_t nblk = NBLOCKS, *cuts, ncuts, distinct = 0;
	uint8_t *initial, *img;
	struct blkdev *scratch;
	struct cutter c;
	long r;

	r = sys(SYS_mmap, 0, UBUF, PROT_R | PROT_W,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	need(r, "mmap");
	ubuf = (uaddr_t)r;
	disk = tdisk_create("rec0", NBLOCKS, NULL);
	need(biscfs_mkfs(&disk->dev, &mo), "mkfs");
	bcache_invalidate(&disk->dev);
	initial = malloc(nblk * BLK_SIZE);
	img = calloc(nblk, BLK_SIZE);
	if (initial == NULL || img == NULL)
		abort();
	memcpy(initial, disk->mem, nblk * BLK_SIZE);
	need(sys(SYS_mkdir, ustr(0, "/mnt"), 0755), "mkdir /mnt");
	need(sys(SYS_mkdir, ustr(0, "/chk"), 0755), "mkdir /chk");

	disk->record = true;
	need(sys(SYS_mount, ustr(2, "rec0"), ustr(3, "/mnt"),
	    ustr(4, "biscfs"), 0, 0), "mount");
	need(sys(SYS_mkdir, ustr(0, "/mnt/d"), 0755), "mkdir /mnt/d");
	workload();
	need(sys(SYS_umount2, ustr(3, "/mnt"), 0), "umount");
	disk->record = false;

	if (ramdisk_create("crashimg", img, NBLOCKS, false, &scratch) != 0)
		abort();
	cutter_init(&c, disk, initial, nblk, seed0 * 7 + 3);
	ncuts = cut_points(&c, NCUTS, &cuts);
	for (size_t i = 0; i < ncuts; i++) {
		if (i == 0 || cuts[i] != cuts[i - 1])
			distinct++;
		check_cut(&c, cuts[i], img, scratch);
	}
	printf("crash_biscfs: seed %lu: %zu records, %zu fsyncs (%zu cuts, "
	    "%zu distinct, %lu fsync'd files compared), %u failures\n",
	    (unsigned long)seed0, c.ntrace, nsnaps, ncuts, distinct, checked,
	    failures);
	if (distinct < 1000)
		failures++;
	cutter_free(&c);
	free(cuts);
	ramdisk_destroy(scratch);
	free(img);
	free(initial);
	return failures == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct hosted_config cfg = { .ncpus = 2, .mem_bytes = 192u << 20,
	    .quiet = true };
	const char *s = argc > 1 ? argv[1] : getenv("CRASH_SEED");

	if (s != NULL)
		seed = strtoull(s, NULL, 0);
	if (seed == 0)
		seed = 1;
	seed0 = seed;
	if (getenv("CRASH_VERBOSE") != NULL)
		maxreport = (unsigned)atoi(getenv("CRASH_VERBOSE"));
	setvbuf(stdout, NULL, _IOLBF, 0);
	return hosted_run_init(&cfg, prog, NULL);
}
