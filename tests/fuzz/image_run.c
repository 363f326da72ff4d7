/*
 * The disk-image fuzzer's template and its runs (image_fuzz.h has the
 * input format).
 *
 * One run, on a freshly booted deterministic kernel: copy the template,
 * apply the input's patches to its metadata blocks, make it a RAM disk
 * and mount it.  A mount may refuse a damaged image (any error is
 * fine); if it mounts, walk the whole tree (stat, getdents, read, and
 * readlink everything), change it through the syscalls (create, write,
 * fsync, rename, unlink, mkdir, rmdir, truncate, link, symlink, on
 * fixed names and on what the walk found), walk it again and unmount.
 * Then fsck with repair, and fsck again, which must find nothing; then
 * mount the repaired image, walk it and unmount.
 *
 * What fails a run (abort(), a crash to AFL): a sanitizer report or a
 * panic, as anywhere; a second fsck that still finds problems after a
 * repair; a mount that refuses an image fsck calls clean; an unmount
 * that fails; a getdents that never ends; and a heap reservation site
 * past its bound (as the syscall fuzzer checks).  A hang is AFL's.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blk/blkdev.h"
#include "contract/usercopy.h"
#include "fs/biscfs.h"
#include "fs/biscfs_fsck.h"
#include "fs/journal_format.h"
#include "hosted.h"
#include "image_fuzz.h"
#include "mm/reserve.h"
#include "sys/syscall.h"

#define sys(...)	hosted_syscall(__VA_ARGS__)

#define DEV		"fzimg"
#define MNT		"/mnt"
#define K_O_RDONLY	0
#define K_O_WRONLY	1
#define K_O_RDWR	2
#define K_O_CREAT	0x40
#define K_O_EXCL	0x80
#define K_O_TRUNC	0x200
#define K_O_APPEND	0x400
#define K_O_DIRECTORY	0x10000
#define K_AT_FDCWD	(-100)
#define K_AT_NOFOLLOW	0x100
#define K_S_IFMT	0170000
#define K_S_IFDIR	0040000
#define K_S_IFREG	0100000
#define K_S_IFLNK	0120000
#define K_ENOMEM	12
#define K_EUCLEAN	117

#define WALK_DEPTH	12
#define WALK_MAX	3000		/* entries per walk */
#define GETDENTS_MAX	4096		/* calls on one directory */
#define READ_MAX	(64 * 1024)	/* bytes read from one file */
#define FOUND_MAX	16		/* names the walk keeps for changes */
#define PATH_MAX_	512

struct kstat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	int64_t unused[3];
};

/* User memory: path slots, a stat buffer, a dirent buffer, data. */
#define U_PATHS		0
#define U_STAT		(8 * 1024)
#define U_DENTS		(12 * 1024)
#define U_DATA		(16 * 1024)
#define U_SIZE		(U_DATA + 64 * 1024)

static struct {
	const struct if_options *opt;
	const struct if_template *t;
	const uint8_t *in;
	size_t in_len;
	uint8_t opts;			/* the input's options byte */
	int img;			/* IF_CRASH or IF_CLEAN */
	uaddr_t u;			/* user memory */
	unsigned slot;
	struct blkdev *dev;
	int walked;			/* entries in the current walk */
	int nfound;
	char found[FOUND_MAX][PATH_MAX_];
	unsigned found_type[FOUND_MAX];
} S;

/* The device's memory: the template's copy, patched. */
static uint8_t disk[IF_BLOCKS * (size_t)IF_BLOCK];

static void
fail(const char *what)
{
	fflush(stdout);
	fprintf(stderr, "image fuzz: %s\n", what);
	abort();
}

static void
trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
trace(const char *fmt, ...)
{
	va_list ap;

	if (S.opt == NULL || !S.opt->trace)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

const char *
if_kind_name(enum if_kind k)
{
	static const char *names[] = { "super", "journal", "ibitmap",
	    "bbitmap", "itable", "extent", "dir", "bucket" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ?
	    names[k] : "?";
}

/* A user copy of s in one of 8 rotating slots. */
static uaddr_t
U(const char *s)
{
	uaddr_t p = S.u + U_PATHS + (uaddr_t)(S.slot++ % 8) * 1024;

	if (strlen(s) >= 1024 || copyout(p, s, strlen(s) + 1) < 0)
		fail("cannot copy a path out");
	return p;
}

static long
xstat(const char *p, struct kstat *st)
{
	long r = sys(SYS_newfstatat, K_AT_FDCWD, U(p), S.u + U_STAT,
	    K_AT_NOFOLLOW);

	if (r == 0 && copyin(st, S.u + U_STAT, sizeof(*st)) < 0)
		fail("copyin stat");
	return r;
}

static long
put(const char *p, long flags, size_t len, unsigned char fill)
{
	static uint8_t buf[16384];
	long fd = sys(SYS_open, U(p), flags, 0644), r;

	if (fd < 0)
		return fd;
	if (len > sizeof(buf))
		len = sizeof(buf);
	memset(buf, fill, len);
	if (copyout(S.u + U_DATA, buf, len) < 0)
		fail("copyout data");
	r = sys(SYS_write, fd, S.u + U_DATA, len);
	sys(SYS_close, fd);
	return r;
}

static long
do_mount(unsigned long flags)
{
	return sys(SYS_mount, U(DEV), U(MNT), U("biscfs"), flags, 0);
}

/* ------------------------------------------------------------------ */
/* The template.                                                      */

static void
must(long r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "image fuzz: template: %s: %ld\n", what, r);
		fail("cannot build the template");
	}
}

/* The fixed tree, written on a fresh file system at MNT. */
static void
populate(void)
{
	char p[PATH_MAX_], target[220];
	long fd;
	int i;

	must(sys(SYS_mkdir, U(MNT "/d1"), 0755), "mkdir d1");
	must(sys(SYS_mkdir, U(MNT "/d1/sub"), 0700), "mkdir sub");
	must(sys(SYS_mkdir, U(MNT "/empty"), 0755), "mkdir empty");
	must(sys(SYS_mkdir, U(MNT "/hashed"), 0755), "mkdir hashed");
	must(put(MNT "/d1/a", K_O_CREAT | K_O_RDWR, 3000, 'a'), "d1/a");
	must(put(MNT "/d1/sub/deep", K_O_CREAT | K_O_RDWR, 9000, 'd'), "deep");
	must(put(MNT "/small", K_O_CREAT | K_O_RDWR, 12, 's'), "small");
	must(sys(SYS_symlink, U("d1/a"), U(MNT "/link")), "symlink");
	memset(target, 'x', sizeof(target) - 1);
	target[sizeof(target) - 1] = '\0';
	memcpy(target, "d1/", 3);
	must(sys(SYS_symlink, U(target), U(MNT "/longlink")), "long symlink");
	must(sys(SYS_link, U(MNT "/d1/a"), U(MNT "/hard")), "link");
	/* Every other block of 24: 24 extents, more than the inode holds. */
	fd = sys(SYS_open, U(MNT "/big"), K_O_CREAT | K_O_RDWR, 0644);
	must(fd, "big");
	for (i = 0; i < 24; i++) {
		uint8_t b[IF_BLOCK];

		memset(b, 'A' + i, sizeof(b));
		must(copyout(S.u + U_DATA, b, sizeof(b)), "copyout");
		must(sys(SYS_pwrite64, fd, S.u + U_DATA, sizeof(b),
		    (long)i * 2 * IF_BLOCK), "pwrite big");
	}
	sys(SYS_close, fd);
	/* 160 files and 80 names of one more: several hash buckets. */
	for (i = 0; i < 160; i++) {
		snprintf(p, sizeof(p), MNT "/hashed/file-%03d", i);
		must(put(p, K_O_CREAT | K_O_RDWR, (size_t)(i % 5) * 100, 'h'),
		    "hashed file");
	}
	for (i = 0; i < 80; i++) {
		snprintf(p, sizeof(p), MNT "/hashed/hard-link-number-%03d", i);
		must(sys(SYS_link, U(MNT "/d1/sub/deep"), U(p)), "hashed link");
	}
}

/* Log positions run 1 .. len-1, wrapping. */
static uint64_t
log_next(uint64_t pos, uint64_t len)
{
	return pos + 1 >= len ? 1 : pos + 1;
}

/* Image i's metadata list, in block order but for the journal's. */
static void
list_meta(struct if_template *t, int i)
{
	const uint8_t *disk_i = t->disk[i];
	const struct biscfs_super *sb = (const void *)disk_i;
	static const uint8_t zero[IF_BLOCK];
	const struct jnl_super *js;
	uint64_t b, steps = 0;
	int n = 0, nj = 0;

#define ADD(blk, k) do { \
		if (n < IF_MAX_META) { \
			t->meta[i][n].blkno = (blk); \
			t->meta[i][n++].kind = (k); \
		} \
	} while (0)
	ADD(0, IFK_SUPER);
	/* The log's superblock, then what recovery reads: from its tail. */
	ADD(sb->journal_start, IFK_JOURNAL);
	js = (const void *)(disk_i + sb->journal_start * IF_BLOCK);
	if (sb->journal_len >= 2 && js->tail >= 1 &&
	    js->tail < sb->journal_len)
		for (b = js->tail; nj < 23 && steps++ < sb->journal_len;
		    b = log_next(b, sb->journal_len))
			if (memcmp(disk_i + (sb->journal_start + b) * IF_BLOCK,
			    zero, IF_BLOCK) != 0) {
				ADD(sb->journal_start + b, IFK_JOURNAL);
				nj++;
			}
	for (b = 0; b < sb->ibitmap_len; b++)
		ADD(sb->ibitmap_start + b, IFK_IBITMAP);
	for (b = 0; b < sb->bbitmap_len; b++)
		ADD(sb->bbitmap_start + b, IFK_BBITMAP);
	for (b = 0; b < sb->itable_len; b++)
		if (memcmp(disk_i + (sb->itable_start + b) * IF_BLOCK, zero,
		    IF_BLOCK) != 0)
			ADD(sb->itable_start + b, IFK_ITABLE);
	for (b = sb->data_start; b < IF_BLOCKS; b++) {
		const uint8_t *d = disk_i + b * IF_BLOCK;
		uint32_t m32;
		uint16_t m16;

		memcpy(&m32, d, 4);
		memcpy(&m16, d, 2);
		if (m16 == BISCFS_EXTENT_MAGIC)
			ADD(b, IFK_EXTENT);
		else if (m32 == BISCFS_DIR_MAGIC)
			ADD(b, IFK_DIR);
		else if (m32 == BISCFS_BUCKET_MAGIC)
			ADD(b, IFK_BUCKET);
	}
#undef ADD
	t->nmeta[i] = n;
}

static struct if_template *building;

static int
template_init(void *arg)
{
	struct if_template *t = building;
	struct biscfs_mkfs_opts mo = { .ninodes = 512, .journal_blocks = 256,
	    .label = "fuzz", .hash_seed = 0x5eedf00dcafeull };
	long r, fd, orphan;

	(void)arg;
	r = sys(SYS_mmap, 0, U_SIZE, 3, 0x22, -1, 0);
	if (r < 0 && r > -4096)
		fail("no user memory");
	S.u = (uaddr_t)r;
	if (ramdisk_create(DEV, disk, IF_BLOCKS, false, &S.dev) < 0)
		fail("ramdisk_create");
	must(biscfs_mkfs(S.dev, &mo), "mkfs");
	must(sys(SYS_mkdir, U(MNT), 0755), "mkdir " MNT);
	must(do_mount(0), "mount");
	populate();
	must(sys(SYS_umount2, U(MNT), 0), "umount");
	memcpy(t->disk[IF_CLEAN], disk, sizeof(disk));
	/* The second life: a few changes, committed, and an orphan. */
	must(do_mount(0), "mount again");
	must(put(MNT "/d1/a", K_O_WRONLY | K_O_APPEND, 500, 'b'), "append");
	must(sys(SYS_rename, U(MNT "/d1/sub/deep"), U(MNT "/d1/deep2")),
	    "rename");
	must(sys(SYS_unlink, U(MNT "/hashed/file-007")), "unlink");
	must(sys(SYS_mkdir, U(MNT "/d1/new"), 0755), "mkdir new");
	orphan = sys(SYS_open, U(MNT "/orphan"), K_O_CREAT | K_O_RDWR, 0644);
	must(orphan, "orphan");
	must(sys(SYS_write, orphan, S.u + U_DATA, 5000), "write orphan");
	must(sys(SYS_unlink, U(MNT "/orphan")), "unlink orphan");
	fd = sys(SYS_open, U(MNT "/jnl"), K_O_CREAT | K_O_RDWR, 0644);
	must(fd, "jnl");
	must(sys(SYS_write, fd, S.u + U_DATA, 6000), "write jnl");
	must(sys(SYS_fsync, fd), "fsync");
	memcpy(t->disk[IF_CRASH], disk, sizeof(disk));	/* the "crash" */
	sys(SYS_close, fd);
	sys(SYS_close, orphan);
	must(sys(SYS_umount2, U(MNT), 0), "umount again");
	list_meta(t, IF_CRASH);
	list_meta(t, IF_CLEAN);
	t->ready = 1;
	fflush(stdout);
	_exit(0);
}

int
if_build_template(struct if_template *t, int trace_on)
{
	struct hosted_config cfg = { .ncpus = 1, .mem_bytes = 32u << 20,
	    .quiet = !trace_on, .deterministic = true };

	memset(&S, 0, sizeof(S));
	building = t;
	return hosted_run_init(&cfg, template_init, NULL);
}

/* ------------------------------------------------------------------ */
/* Patches.                                                           */

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/*
 * After a patch at log position p: the journal superblock's CRC, or the
 * CRC in the commit block of the transaction holding p (found by
 * walking the log from its tail, a transaction ending at each commit).
 */
static void
fix_journal(uint64_t start, uint64_t len, uint64_t p)
{
	struct jnl_super *js = (void *)(disk + start * IF_BLOCK);
	uint64_t pos, first, q, steps;
	uint8_t *b;
	uint32_t crc;

	if (len < 2 || start + len > IF_BLOCKS)
		return;
	if (p == 0) {
		js->crc = 0;
		js->crc = crc32c(0, js, sizeof(*js));
		return;
	}
	if (js->tail < 1 || js->tail >= len)
		return;
	first = pos = js->tail;
	for (steps = 0; steps < len - 1; steps++, pos = log_next(pos, len)) {
		struct jnl_header *h = (void *)(disk + (start + pos) * IF_BLOCK);
		bool inside = false;

		if (h->magic != JNL_MAGIC || h->type != JNL_COMMIT)
			continue;
		for (q = first;; q = log_next(q, len)) {
			if (q == p)
				inside = true;
			if (q == pos)
				break;
		}
		if (inside) {
			crc = 0;
			for (q = first; q != pos; q = log_next(q, len))
				crc = crc32c(crc, disk + (start + q) * IF_BLOCK,
				    IF_BLOCK);
			b = (uint8_t *)h;
			h->crc = 0;
			h->crc = crc32c(crc, b, IF_BLOCK);
			return;
		}
		first = log_next(pos, len);
	}
}

/* Make block m's checksums right again after bytes [off, end) changed. */
static void
fix_csum(const struct if_meta *m, size_t off, size_t end)
{
	const struct biscfs_super *tsb = (const void *)S.t->disk[S.img];
	uint8_t *b = disk + m->blkno * IF_BLOCK;
	size_t i;

	switch (m->kind) {
	case IFK_SUPER:
		put32(b + offsetof(struct biscfs_super, crc), biscfs_csum(0, b,
		    IF_BLOCK, offsetof(struct biscfs_super, crc)));
		break;
	case IFK_JOURNAL:
		fix_journal(tsb->journal_start, tsb->journal_len,
		    m->blkno - tsb->journal_start);
		break;
	case IFK_ITABLE:
		for (i = off / BISCFS_INODE_SIZE; i <= (end - 1) /
		    BISCFS_INODE_SIZE; i++) {
			uint8_t *ip = b + i * BISCFS_INODE_SIZE;
			uint32_t ino = (uint32_t)((m->blkno - tsb->itable_start) *
			    BISCFS_INODES_PER_BLOCK + i + 1);

			put32(ip + offsetof(struct biscfs_inode, crc),
			    biscfs_csum(ino, ip, BISCFS_INODE_SIZE,
			    offsetof(struct biscfs_inode, crc)));
		}
		break;
	case IFK_EXTENT:
		put32(b + offsetof(struct biscfs_extent_header, crc),
		    biscfs_csum(get32(b + 8), b, IF_BLOCK,
		    offsetof(struct biscfs_extent_header, crc)));
		break;
	case IFK_DIR:
	case IFK_BUCKET:
		put32(b + 4, biscfs_csum(get32(b + 8), b, IF_BLOCK, 4));
		break;
	default:
		break;			/* bitmaps carry no checksum */
	}
}

static void
apply_patches(void)
{
	size_t pos = 1, len, off, i;
	unsigned sel, op;
	int n = 0;
	const struct if_meta *m;
	uint8_t *b;

	while (pos + IF_HDR <= S.in_len && n++ < IF_MAX_PATCHES) {
		sel = S.in[pos];
		off = (size_t)(S.in[pos + 1] | S.in[pos + 2] << 8) % IF_BLOCK;
		len = (size_t)(S.in[pos + 3] & 0x3f) + 1;
		op = S.in[pos + 3] >> IF_OP_SHIFT;
		pos += IF_HDR;
		if (len > S.in_len - pos)
			len = S.in_len - pos;
		if (len > IF_BLOCK - off)
			len = IF_BLOCK - off;
		m = &S.t->meta[S.img][(sel & 0x7f) %
		    (unsigned)S.t->nmeta[S.img]];
		b = disk + m->blkno * IF_BLOCK + off;
		for (i = 0; i < len; i++) {
			uint8_t v = S.in[pos + i];

			switch (op) {
			case IF_OP_SET: b[i] = v; break;
			case IF_OP_XOR: b[i] ^= v; break;
			case IF_OP_ADD: b[i] = (uint8_t)(b[i] + v); break;
			default: b[i] = S.in[pos]; break;
			}
		}
		pos += len;
		if (len > 0 && (sel & IF_SEL_FIX))
			fix_csum(m, off, off + len);
		trace("patch %d: %s block %lu, offset %zu, %zu bytes, op %u%s\n",
		    n, if_kind_name(m->kind), (unsigned long)m->blkno, off, len,
		    op, sel & IF_SEL_FIX ? ", checksum fixed" : "");
	}
}

/* ------------------------------------------------------------------ */
/* What runs on the mounted image.                                    */

static void
keep_found(const char *p, unsigned type)
{
	if (S.nfound < FOUND_MAX && strlen(p) < PATH_MAX_) {
		snprintf(S.found[S.nfound], PATH_MAX_, "%s", p);
		S.found_type[S.nfound++] = type;
	}
}

static void
read_file(const char *p, int64_t size)
{
	long fd = sys(SYS_open, U(p), K_O_RDONLY, 0), n;
	size_t got = 0;

	if (fd < 0)
		return;
	while (got < READ_MAX &&
	    (n = sys(SYS_read, fd, S.u + U_DATA, 16384)) > 0)
		got += (size_t)n;
	if (size > 0)
		sys(SYS_pread64, fd, S.u + U_DATA, 4096, size - 1);
	if (size > 8192)
		sys(SYS_pread64, fd, S.u + U_DATA, 8192, size / 2);
	sys(SYS_close, fd);
}

static void walk(const char *dir, int depth, bool keep);

static void
visit(const char *p, int depth, bool keep)
{
	struct kstat st;
	long r;

	if (S.walked++ >= WALK_MAX)
		return;
	if ((r = xstat(p, &st)) != 0) {
		trace("  stat %s: %ld\n", p, r);
		return;
	}
	switch (st.mode & K_S_IFMT) {
	case K_S_IFDIR:
		if (keep)
			keep_found(p, K_S_IFDIR);
		walk(p, depth + 1, keep);
		break;
	case K_S_IFREG:
		if (keep)
			keep_found(p, K_S_IFREG);
		read_file(p, st.size);
		break;
	case K_S_IFLNK:
		sys(SYS_readlink, U(p), S.u + U_DATA, 4096);
		sys(SYS_stat, U(p), S.u + U_STAT);
		break;
	default:
		break;
	}
}

/* Every name under dir: stat, read, readlink, and down directories. */
static void
walk(const char *dir, int depth, bool keep)
{
	/* One buffer per level: visits below reuse the ones above. */
	static uint8_t level[WALK_DEPTH + 1][4096];
	uint8_t *dents;
	char p[PATH_MAX_];
	long fd, n;
	int calls = 0, names = 0;

	if (depth > WALK_DEPTH || S.walked >= WALK_MAX)
		return;
	dents = level[depth];
	fd = sys(SYS_open, U(dir), K_O_RDONLY | K_O_DIRECTORY, 0);
	if (fd < 0) {
		trace("  open %s: %ld\n", dir, fd);
		return;
	}
	/* Names first (the walk below reuses the buffers), then visits. */
	while ((n = sys(SYS_getdents64, fd, S.u + U_DENTS, 4096))
	    > 0) {
		size_t off = 0;

		if (++calls > GETDENTS_MAX)
			fail("getdents never ends");
		if (copyin(dents, S.u + U_DENTS, (size_t)n) < 0)
			fail("copyin dents");
		while (off + 19 < (size_t)n) {
			uint16_t reclen;
			const char *name = (const char *)dents + off + 19;

			memcpy(&reclen, dents + off + 16, 2);
			if (reclen < 20 || off + reclen > (size_t)n)
				fail("getdents returned a bad record");
			off += reclen;
			names++;
			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
				continue;
			if (S.walked >= WALK_MAX)
				continue;
			if (snprintf(p, sizeof(p), "%s/%s", dir, name) >=
			    (int)sizeof(p))
				continue;
			/* Visit now: the directory's fd stays open. */
			visit(p, depth, keep);
		}
	}
	if (n < 0)
		trace("  getdents %s: %ld\n", dir, n);
	sys(SYS_close, fd);
	(void)names;
}

static long
op(const char *what, long r)
{
	trace("  %s = %ld\n", what, r);
	return r;
}

/* Changes on fixed names and on what the walk found. */
static void
change(void)
{
	unsigned o = S.opts;
	char p[PATH_MAX_], q[PATH_MAX_];
	long fd, big;
	int i;

	fd = op("create new", sys(SYS_open, U(MNT "/new"),
	    K_O_CREAT | K_O_RDWR, 0644));
	if (fd >= 0) {
		op("write new", sys(SYS_write, fd, S.u + U_DATA,
		    (o & 0x0f) * 1024 + 100));
		op("fsync new", sys(SYS_fsync, fd));
		sys(SYS_close, fd);
	}
	op("rename new", sys(SYS_rename, U(MNT "/new"), U(MNT "/d1/moved")));
	op("mkdir nd", sys(SYS_mkdir, U(MNT "/nd"), 0755));
	op("rmdir nd", sys(SYS_rmdir, U(MNT "/nd")));
	op("mkdir nd2", sys(SYS_mkdir, U(MNT "/nd2"), 0755));
	op("link moved", sys(SYS_link, U(MNT "/d1/moved"),
	    U(MNT "/hashed/moved-link")));
	op("symlink", sys(SYS_symlink, U("../d1/a"), U(MNT "/nd2/sl")));
	op("truncate big", sys(SYS_truncate, U(MNT "/big"),
	    (long)(o >> 4) * 3 * IF_BLOCK + 17));
	big = op("open big", sys(SYS_open, U(MNT "/big"), K_O_RDWR, 0));
	if (big >= 0) {
		op("pwrite big", sys(SYS_pwrite64, big, S.u + U_DATA, 5000,
		    (long)(o % 7) * 5 * IF_BLOCK + 100));
		op("fsync big", sys(SYS_fsync, big));
		sys(SYS_close, big);
	}
	op("unlink hard", sys(SYS_unlink, U(MNT "/hard")));
	for (i = 0; i < 6; i++) {
		snprintf(p, sizeof(p), MNT "/hashed/file-%03d",
		    (int)((o * 7 + (unsigned)i * 23) % 160));
		op("unlink hashed", sys(SYS_unlink, U(p)));
	}
	for (i = 0; i < 24; i++) {
		snprintf(p, sizeof(p), MNT "/hashed/more-%u-%d", o, i);
		fd = sys(SYS_open, U(p), K_O_CREAT | K_O_EXCL | K_O_WRONLY,
		    0600);
		if (fd >= 0)
			sys(SYS_close, fd);
	}
	op("rename dir", sys(SYS_rename, U(MNT "/d1"), U(MNT "/d3")));
	op("rename over", sys(SYS_rename, U(MNT "/small"), U(MNT "/d3/a")));
	op("append", put(MNT "/d3/moved", K_O_WRONLY | K_O_APPEND, 700, 'z'));
	op("rmdir empty", sys(SYS_rmdir, U(MNT "/empty")));
	op("rmdir d3", sys(SYS_rmdir, U(MNT "/d3")));
	/* What the walk found, damaged or not. */
	for (i = 0; i < S.nfound; i++) {
		const char *f = S.found[i];

		if (S.found_type[i] == K_S_IFREG) {
			fd = sys(SYS_open, U(f), K_O_RDWR, 0);
			if (fd >= 0) {
				sys(SYS_pwrite64, fd, S.u + U_DATA, 3000,
				    (long)((o + (unsigned)i) % 5) * IF_BLOCK);
				sys(SYS_ftruncate, fd, (long)(o + i) * 1000);
				sys(SYS_close, fd);
			}
			if ((o + (unsigned)i) % 3 == 0)
				sys(SYS_unlink, U(f));
		} else {
			snprintf(p, sizeof(p), "%s/x%d", f, i);
			put(p, K_O_CREAT | K_O_WRONLY, 2000, 'x');
			snprintf(q, sizeof(q), "%s/y%d", f, i);
			sys(SYS_rename, U(p), U(q));
			snprintf(p, sizeof(p), "%s/z%d", f, i);
			sys(SYS_mkdir, U(p), 0755);
			if ((o + (unsigned)i) % 2 == 0)
				sys(SYS_rmdir, U(p));
		}
	}
	op("sync", sys(SYS_sync));
}

static void
check_marks(void)
{
	static struct reserve_mark m[256];
	int i, n = reserve_marks(m, 256);
	bool over = false;

	for (i = 0; i < n && i < 256; i++)
		if (m[i].overruns > 0 || m[i].high_water > m[i].bound) {
			fprintf(stderr, "image fuzz: heap bound overrun: %s "
			    "used %zu of its %zu bytes (%llu times)\n",
			    m[i].site, m[i].high_water, m[i].bound,
			    (unsigned long long)m[i].overruns);
			over = true;
		}
	if (over)
		fail("heap reservation overrun");
}

static void
fsck_line(void *arg, const char *line)
{
	int *shown = arg;

	if (S.opt->trace || shown == NULL)
		printf("  fsck: %s\n", line);
	else if ((*shown)++ < 20)
		fprintf(stderr, "  fsck: %s\n", line);
}

static int
run_init(void *arg)
{
	struct biscfs_fsck_opts fo = { .repair = true, .report = fsck_line };
	struct biscfs_fsck_result fr;
	long r;
	int rc, shown = 0;

	(void)arg;
	r = sys(SYS_mmap, 0, U_SIZE, 3, 0x22, -1, 0);
	if (r < 0 && r > -4096)
		fail("no user memory");
	S.u = (uaddr_t)r;
	memcpy(disk, S.t->disk[S.img], sizeof(disk));
	trace("image: %s\n", S.img == IF_CLEAN ? "clean" : "crash");
	apply_patches();
	if (ramdisk_create(DEV, disk, IF_BLOCKS, false, &S.dev) < 0)
		fail("ramdisk_create");
	if (sys(SYS_mkdir, U(MNT), 0755) < 0)
		fail("mkdir " MNT);
	r = do_mount(0);
	trace("mount: %ld\n", r);
	if (r == 0) {
		walk(MNT, 0, true);
		trace("walk: %d entries\n", S.walked);
		change();
		S.walked = 0;
		walk(MNT, 0, false);
		trace("walk after changes: %d entries\n", S.walked);
		r = sys(SYS_umount2, U(MNT), 0);
		trace("umount: %ld\n", r);
		if (r != 0)
			fail("umount failed");
	}
	rc = biscfs_fsck(S.dev, &fo, &fr);
	trace("fsck -r: %d: %u errors, %u fixed, %u replayed, %u orphans\n",
	    rc, rc == 0 ? fr.errors : 0, rc == 0 ? fr.fixed : 0,
	    rc == 0 ? fr.replayed : 0, rc == 0 ? fr.orphans : 0);
	if (rc == 0) {
		fo.repair = false;
		fo.arg = &shown;
		rc = biscfs_fsck(S.dev, &fo, &fr);
		trace("fsck: %d: %u errors\n", rc, rc == 0 ? fr.errors : 0);
		if (rc != 0 && rc != -K_ENOMEM)
			fail("fsck failed on the image it had repaired");
		if (rc == 0 && fr.errors != 0)
			fail("fsck found errors after its repair");
		if (rc == 0) {
			r = do_mount(0);
			trace("mount repaired: %ld\n", r);
			if (r != 0)
				fail("mount refused an image fsck calls clean");
			S.walked = 0;
			walk(MNT, 0, false);
			trace("walk repaired: %d entries\n", S.walked);
			if (sys(SYS_umount2, U(MNT), 0) != 0)
				fail("umount of the repaired image failed");
		}
	}
	check_marks();
	trace("ok\n");
	/* As the other harnesses do: leave from here (run.c says why). */
	fflush(stdout);
	fflush(stderr);
	_exit(0);
}

int
if_run(const struct if_template *t, const uint8_t *data, size_t size,
    const struct if_options *o)
{
	struct hosted_config cfg = { .ncpus = 1, .mem_bytes = 32u << 20,
	    .quiet = !o->trace, .deterministic = true };

	memset(&S, 0, sizeof(S));
	S.opt = o;
	S.t = t;
	S.in = data;
	S.in_len = size;
	S.opts = size > 0 ? data[0] : 0;
	S.img = S.opts & IF_OPT_CLEAN ? IF_CLEAN : IF_CRASH;
	return hosted_run_init(&cfg, run_init, NULL);
}
