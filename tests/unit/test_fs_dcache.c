/*
 * The lock-free path walk and the dentry cache (fs/namei.c, fs/vfs.c):
 * cached lookups from 4 vCPUs take vfs_lock not once; lookups racing
 * renames, unlinks, symlink swaps, mounts and chmods give answers a
 * serial order could give, and every dentry they freed is reclaimed
 * (kern/epoch.c) once they are done; dcache_evict drops the unused names
 * of a biscfs tree, keeps held and mounted-on ones, and a later lookup
 * reads the dropped ones back from the disk.
 *
 * With BISCOTTI_DCACHE_BENCH=N in the environment, a `bench` case also
 * times N stat(2)s of a 5-deep cached path from 2 vCPUs with the
 * lock-free walk and with the locked walk forced (namei_fast_off), and
 * prints both (docs/benchmarks-fs.md); it never fails on a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fs/biscfs.h"
#include "fs/vfs.h"
#include "kern/epoch.h"
#include "test_sys.h"

#define NWORK		4
#define NITER		1000
#define NSTRESS		1500
#define DISK_BLOCKS	4096		/* 16 MiB */

#define R_OK		4
#define X_OK		1

struct kstat {
	uint64_t dev, ino, nlink;
	uint32_t mode, uid, gid, pad0;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	int64_t unused[3];
};

/*
 * User memory: 16 rotating 512-byte path slots and a stat buffer.  The
 * harness runs every process in one host address space, so the slot
 * counter lives in the process's own (forked, private) user memory, not
 * in a C static.
 */
static uaddr_t scratch;

static uaddr_t
U(const char *s)
{
	uaddr_t u;
	int32_t slot;

	if (scratch == 0)
		scratch = umem(16 * PG);
	slot = peek32(scratch + 15 * PG);
	poke32(scratch + 15 * PG, slot + 1);
	u = scratch + (uaddr_t)(slot % 16) * 512;
	ck_assert(strlen(s) < 512);
	poke_str(u, s);
	return u;
}

static uaddr_t
stbuf(void)
{
	if (scratch == 0)
		scratch = umem(16 * PG);
	return scratch + 10 * PG;
}

/* stat(2) path: 0 and *st, or -errno. */
static long
kstat(const char *path, struct kstat *st, bool follow)
{
	long r = sys(follow ? SYS_stat : SYS_lstat, U(path), stbuf());

	if (r == 0)
		ck_assert_int_eq(copyin(st, stbuf(), sizeof(*st)), 0);
	return r;
}

static uint64_t
ino_of(const char *path)
{
	struct kstat st;

	ck_assert_int_eq(kstat(path, &st, true), 0);
	return st.ino;
}

static void
mkfile(const char *path, const char *data)
{
	long fd = sys(SYS_open, U(path), O_CREAT | O_WRONLY | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	poke_str(stbuf(), data);
	ck_assert_int_eq(sys(SYS_write, fd, stbuf(), strlen(data)),
	    (long)strlen(data));
	ck_assert_int_eq(sys(SYS_close, fd), 0);
}

static uint64_t
counter(uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_SEQ_CST);
}

/*
 * Words shared by the processes of a test (MAP_SHARED): GO and EXIT from
 * the parent, and per worker w a READY and a DONE word, each written by
 * one process only.  Waiting yields the vCPU.
 */
#define GO		0
#define EXIT		1
#define READY(w)	(16 + (w))
#define DONE(w)		(32 + (w))

static uaddr_t shared;

static void
share_init(void)
{
	shared = ushared(PG);
}

static int32_t
word(int i)
{
	return peek32(shared + 4 * (uaddr_t)i);
}

static void
set_word(int i)
{
	poke32(shared + 4 * (uaddr_t)i, 1);
}

static void
wait_word(int i)
{
	while (word(i) == 0)
		sys(SYS_sched_yield);
}

/* Wait for words first .. first + n - 1. */
static void
wait_all(int first, int n)
{
	int i;

	for (i = 0; i < n; i++)
		wait_word(first + i);
}

/* The cached tree of the fast-path test. */
static uint64_t fast_ino, fast_dir_ino;

static int
fast_worker(void *arg)
{
	int w = (int)(intptr_t)arg, i;
	struct kstat st;
	long fd;

	set_word(READY(w));
	wait_word(GO);
	for (i = 0; i < NITER; i++) {
		ck_assert_int_eq(kstat("/a/b/c/d/f", &st, true), 0);
		ck_assert_uint_eq(st.ino, fast_ino);
		ck_assert_int_eq(st.size, 5);
		ck_assert_int_eq(kstat("/a/b/ln/d/f", &st, true), 0);
		ck_assert_uint_eq(st.ino, fast_ino);
		ck_assert_int_eq(kstat("/a/b/c/../c/d", &st, true), 0);
		ck_assert_uint_eq(st.ino, fast_dir_ino);
		ck_assert_int_eq(kstat("/a/b/c/d/nope", &st, true), -ENOENT);
		ck_assert_int_eq(kstat("/a/b/c/d/f/x", &st, true), -ENOTDIR);
		ck_assert_int_eq(sys(SYS_access, U("/a/b/c/d/f"), R_OK), 0);
		ck_assert_int_eq(sys(SYS_access, U("/a/b/c/d/f"), X_OK),
		    -EACCES);
		fd = sys(SYS_open, U("/a/b/c/d/f"), O_RDONLY, 0);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(sys(SYS_close, fd), 0);
		ck_assert_int_eq(sys(SYS_open, U("/a/b/c/d"), O_WRONLY, 0),
		    -EISDIR);
	}
	set_word(DONE(w));
	wait_word(EXIT);
	return 0;
}

/* Paths whose answers the two walks must agree on, errno included. */
static const char *const probes[] = {
	"/a/b/c/d/f", "/a/b/ln/d/f", "/a/b/ln", "/a/b/c/../../b/c/d/./f",
	"/a/b/c/d/f/", "/a/b/c/d/", "/a/b/c/d/nope", "/a/b/c/d/f/x",
	"/a/loop", "/a/loop/x", "/a/dangle", "/../../a/b", "a/b/c",
	"/a/b/c/d//f", "/a/b/ln/../c",
};

/* stat and lstat of every probe: the lock-free walk, then the locked. */
static void
same_answers(void)
{
	struct kstat st;
	uint64_t falls;
	long fast_r, slow_r;
	uint64_t fast_i;
	size_t i;
	int f;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		for (f = 0; f < 2; f++) {
			falls = counter(&namei_fast_fallbacks);
			memset(&st, 0, sizeof(st));
			fast_r = kstat(probes[i], &st, f);
			fast_i = fast_r == 0 ? st.ino : 0;
			ck_assert_msg(counter(&namei_fast_fallbacks) == falls,
			    "%s fell back", probes[i]);
			namei_fast_off = true;
			memset(&st, 0, sizeof(st));
			slow_r = kstat(probes[i], &st, f);
			namei_fast_off = false;
			ck_assert_msg(fast_r == slow_r, "%s: %ld vs %ld",
			    probes[i], fast_r, slow_r);
			if (slow_r == 0)
				ck_assert_uint_eq(fast_i, st.ino);
		}
}

/*
 * After warm-up, NWORK processes on 4 vCPUs stat, access and open+close
 * 5-deep cached paths (through a symlink and ".." too, and the errors
 * ENOENT, ENOTDIR, EACCES, EISDIR): all right, and vfs_lock is not taken
 * once meanwhile, nor does any walk fall back.
 */
static int
fast_body(void *arg)
{
	uint64_t locks, falls, hits;
	long pid[NWORK];
	int w;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/a"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/a/b"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/a/b/c"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/a/b/c/d"), 0755), 0);
	ck_assert_int_eq(sys(SYS_symlink, U("c"), U("/a/b/ln")), 0);
	ck_assert_int_eq(sys(SYS_symlink, U("loop"), U("/a/loop")), 0);
	ck_assert_int_eq(sys(SYS_symlink, U("nowhere"), U("/a/dangle")), 0);
	mkfile("/a/b/c/d/f", "hello");
	fast_ino = ino_of("/a/b/c/d/f");
	fast_dir_ino = ino_of("/a/b/c/d");
	share_init();
	for (w = 0; w < NWORK; w++) {
		pid[w] = hosted_fork(fast_worker, (void *)(intptr_t)w);
		ck_assert_int_gt(pid[w], 0);
	}
	wait_all(READY(0), NWORK);
	locks = counter(&vfs_lock_count);
	falls = counter(&namei_fast_fallbacks);
	hits = counter(&namei_fast_hits);
	set_word(GO);
	wait_all(DONE(0), NWORK);
	ck_assert_uint_eq(counter(&vfs_lock_count) - locks, 0);
	ck_assert_uint_eq(counter(&namei_fast_fallbacks) - falls, 0);
	/* stat x5, access x2, open x2 per iteration. */
	ck_assert_uint_eq(counter(&namei_fast_hits) - hits,
	    (uint64_t)NWORK * NITER * 9);
	set_word(EXIT);
	for (w = 0; w < NWORK; w++)
		ck_assert_int_eq(wait_status(pid[w]), 0);
	same_answers();
	return 0;
}

START_TEST(fast)
{
	sys_run_on(4, fast_body);
}
END_TEST

/*
 * The stress.  The tree (all root's, 0755):
 *   /s/A/sub/f  "A"     renamed to /s/B and back
 *   /s/C/f      "C"
 *   /s/L -> A/sub or C  swapped by renaming a new symlink over it
 *   /s/u                unlinked and made again
 *   /s/M/f              a tmpfs mounted over /s/M and unmounted
 *   /s/P/f              /s/P chmod 0 and back to 0755
 * Readers run as uid 1000, so a mode-0 directory stops them.
 */
static uint64_t ino_af, ino_cf, ino_mf, ino_pf;

static int
renamer(void *arg)
{
	int i;

	(void)arg;
	set_word(READY(0));
	wait_word(GO);
	for (i = 0; i < NSTRESS; i++) {
		ck_assert_int_eq(sys(SYS_rename, U("/s/A"), U("/s/B")), 0);
		ck_assert_int_eq(sys(SYS_symlink, U(i % 2 ? "A/sub" : "C"),
		    U("/s/L2")), 0);
		ck_assert_int_eq(sys(SYS_rename, U("/s/L2"), U("/s/L")), 0);
		ck_assert_int_eq(sys(SYS_rename, U("/s/B"), U("/s/A")), 0);
		ck_assert_int_eq(sys(SYS_unlink, U("/s/u")), 0);
		mkfile("/s/u", "u");
	}
	set_word(DONE(0));
	return 0;
}

static int
mounter(void *arg)
{
	long r;
	int i;

	(void)arg;
	set_word(READY(1));
	wait_word(GO);
	for (i = 0; i < NSTRESS; i++) {
		ck_assert_int_eq(sys(SYS_mount, U("none"), U("/s/M"),
		    U("tmpfs"), 0, 0), 0);
		ck_assert_int_eq(sys(SYS_chmod, U("/s/P"), 0), 0);
		/* A reader's open file in the mount keeps it (EBUSY). */
		while ((r = sys(SYS_umount2, U("/s/M"), 0)) == -EBUSY)
			sys(SYS_sched_yield);
		ck_assert_int_eq(r, 0);
		ck_assert_int_eq(sys(SYS_chmod, U("/s/P"), 0755), 0);
	}
	set_word(DONE(1));
	return 0;
}

/* A result for path: its inode number, or the errno. */
static void
expect_one(const char *path, long r, uint64_t ino, uint64_t ok1,
    uint64_t ok2, bool enoent, bool eacces)
{
	if (r == 0) {
		ck_assert_msg(ino == ok1 || ino == ok2,
		    "%s: ino %llu", path, (unsigned long long)ino);
		return;
	}
	ck_assert_msg((r == -ENOENT && enoent) || (r == -EACCES && eacces),
	    "%s: %ld", path, r);
}

static int
reader(void *arg)
{
	int w = (int)(intptr_t)arg, i;
	struct kstat st;
	long r, fd;

	ck_assert_int_eq(sys(SYS_setuid, 1000), 0);
	set_word(READY(w));
	wait_word(GO);
	/* Until both writers are done, and at least a few rounds. */
	for (i = 0; i < 10 || !word(DONE(0)) || !word(DONE(1)); i++) {
		r = kstat("/s/A/sub/f", &st, true);
		expect_one("/s/A/sub/f", r, st.ino, ino_af, ino_af, true,
		    false);
		r = kstat("/s/B/sub/f", &st, true);
		expect_one("/s/B/sub/f", r, st.ino, ino_af, ino_af, true,
		    false);
		r = kstat("/s/L/f", &st, true);
		expect_one("/s/L/f", r, st.ino, ino_af, ino_cf, true, false);
		r = kstat("/s/u", &st, true);
		if (r == 0)
			ck_assert_int_eq(st.mode & S_IFMT, S_IFREG);
		else
			ck_assert_int_eq(r, -ENOENT);
		r = kstat("/s/M/f", &st, true);
		expect_one("/s/M/f", r, st.ino, ino_mf, ino_mf, true, false);
		r = kstat("/s/P/f", &st, true);
		expect_one("/s/P/f", r, st.ino, ino_pf, ino_pf, false, true);
		r = sys(SYS_access, U("/s/P/f"), R_OK);
		ck_assert(r == 0 || r == -EACCES);
		/* Never the directory mounted over: no EACCES there. */
		r = sys(SYS_access, U("/s/M"), X_OK);
		ck_assert_int_eq(r, 0);
		fd = sys(SYS_open, U(i % 2 ? "/s/L/f" : "/s/M/f"), O_RDONLY, 0);
		ck_assert(fd >= 0 || fd == -ENOENT);
		if (fd >= 0) {
			r = sys(SYS_read, fd, stbuf(), 8);
			ck_assert(r == 1 || r == 2);
			ck_assert_int_eq(sys(SYS_close, fd), 0);
		}
	}
	return 0;
}

static int
stress_body(void *arg)
{
	size_t live;
	long pid[4];
	int w;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/s"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/s/A"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/s/A/sub"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/s/C"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/s/M"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/s/P"), 0755), 0);
	mkfile("/s/A/sub/f", "A");
	mkfile("/s/C/f", "C");
	mkfile("/s/M/f", "M");
	mkfile("/s/P/f", "P");
	mkfile("/s/u", "u");
	ck_assert_int_eq(sys(SYS_symlink, U("C"), U("/s/L")), 0);
	ino_af = ino_of("/s/A/sub/f");
	ino_cf = ino_of("/s/C/f");
	ino_mf = ino_of("/s/M/f");
	ino_pf = ino_of("/s/P/f");
	share_init();
	epoch_drain();
	live = dcache_live();
	pid[0] = hosted_fork(renamer, NULL);
	pid[1] = hosted_fork(mounter, NULL);
	pid[2] = hosted_fork(reader, (void *)(intptr_t)2);
	pid[3] = hosted_fork(reader, (void *)(intptr_t)3);
	for (w = 0; w < 4; w++)
		ck_assert_int_gt(pid[w], 0);
	wait_all(READY(0), 4);
	set_word(GO);
	for (w = 0; w < 4; w++)
		ck_assert_int_eq(wait_status(pid[w]), 0);
	/* The tree is as it was: the same dentries, the rest reclaimed. */
	ck_assert_uint_eq(ino_of("/s/A/sub/f"), ino_af);
	epoch_drain();
	ck_assert_uint_eq(epoch_pending(), 0);
	ck_assert_uint_eq(dcache_live(), live);
	return 0;
}

START_TEST(stress)
{
	sys_run_on(4, stress_body);
}
END_TEST

/* The RAM disk's memory, reachable while the device stays registered. */
static uint8_t *volatile disk_mem;

static long
do_mount(const char *dev, const char *dir)
{
	return sys(SYS_mount, U(dev), U(dir), U("biscfs"), 0, 0);
}

#define NEVICT	64

/* Does a stat of path take the lock-free walk alone? */
static bool
stat_is_fast(const char *path)
{
	uint64_t falls = counter(&namei_fast_fallbacks);
	struct kstat st;

	ck_assert_int_eq(kstat(path, &st, true), 0);
	return counter(&namei_fast_fallbacks) == falls;
}

/*
 * dcache_evict on a biscfs tree: unused names go (a stat must read
 * them from the disk: the lock-free walk misses), the held file and the
 * directory mounted over stay cached, and what was dropped is freed.
 */
static int
evict_body(void *arg)
{
	struct blkdev *bd;
	struct biscfs_mkfs_opts o = { .label = "t", .ninodes = 1024 };
	uint8_t *mem = disk_mem = calloc(DISK_BLOCKS, BLK_SIZE);
	char name[64];
	size_t live, n;
	long fd;
	int i;

	(void)arg;
	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(ramdisk_create("ram0", mem, DISK_BLOCKS, false, &bd),
	    0);
	ck_assert_int_eq(biscfs_mkfs(bd, &o), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt"), 0755), 0);
	ck_assert_int_eq(do_mount("ram0", "/mnt"), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/d"), 0755), 0);
	for (i = 0; i < NEVICT; i++) {
		snprintf(name, sizeof(name), "/mnt/d/f%d", i);
		mkfile(name, "x");
	}
	mkfile("/mnt/keep", "k");
	ck_assert_int_eq(sys(SYS_mkdir, U("/mnt/mp"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mount, U("none"), U("/mnt/mp"), U("tmpfs"),
	    0, 0), 0);
	mkfile("/mnt/mp/x", "x");
	fd = sys(SYS_open, U("/mnt/keep"), O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert(stat_is_fast("/mnt/d/f7"));

	/* Not while the caller holds vfs_lock (it may hold dentries). */
	vfs_lock();
	ck_assert_uint_eq(dcache_evict(1000), 0);
	vfs_unlock();

	epoch_drain();
	live = dcache_live();
	n = dcache_evict(1000);
	ck_assert_uint_ge(n, 1);
	epoch_drain();
	/* f0..f63 at least; keep, mp (and what is under it) stay. */
	ck_assert_uint_le(dcache_live(), live - NEVICT);
	ck_assert(stat_is_fast("/mnt/keep"));
	ck_assert(stat_is_fast("/mnt/mp/x"));
	ck_assert(!stat_is_fast("/mnt/d/f7"));	/* read again... */
	ck_assert(stat_is_fast("/mnt/d/f7"));	/* ...and cached */
	for (i = 0; i < NEVICT; i++) {
		snprintf(name, sizeof(name), "/mnt/d/f%d", i);
		ck_assert_int_eq(sys(SYS_access, U(name), R_OK), 0);
	}
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt/mp"), 0), 0);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	/* A tmpfs name is the namespace itself: never evicted. */
	epoch_drain();
	live = dcache_live();
	ck_assert_uint_eq(dcache_evict(1000), 0);
	epoch_drain();
	ck_assert_uint_eq(dcache_live(), live);
	return 0;
}

START_TEST(evict)
{
	sys_run_on(2, evict_body);
}
END_TEST

/* The benchmark's workers: N stats each, timed by the parent. */
static long bench_n;

static int
bench_worker(void *arg)
{
	int w = (int)(intptr_t)arg;
	struct kstat st;
	long i;

	set_word(READY(w));
	wait_word(GO);
	for (i = 0; i < bench_n; i++)
		kstat("/a/b/c/d/f", &st, true);
	set_word(DONE(w));
	return 0;
}

static double
bench_run(bool off, uint64_t *locks)
{
	struct timespec t0, t1;
	long pid[2];
	int w;

	share_init();
	namei_fast_off = off;
	for (w = 0; w < 2; w++)
		pid[w] = hosted_fork(bench_worker, (void *)(intptr_t)w);
	wait_all(READY(0), 2);
	*locks = counter(&vfs_lock_count);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	set_word(GO);
	wait_all(DONE(0), 2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*locks = counter(&vfs_lock_count) - *locks;
	for (w = 0; w < 2; w++)
		ck_assert_int_eq(wait_status(pid[w]), 0);
	namei_fast_off = false;
	return (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static int
bench_body(void *arg)
{
	uint64_t lq, ll;
	double quick, locked;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/a"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/a/b"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/a/b/c"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mkdir, U("/a/b/c/d"), 0755), 0);
	mkfile("/a/b/c/d/f", "hello");
	quick = bench_run(false, &lq);
	locked = bench_run(true, &ll);
	printf("dcache bench: 2 vCPUs x %ld stat(/a/b/c/d/f): lock-free "
	    "%.3f s (%.0f ns/stat, vfs_lock taken %llu times), locked walk "
	    "%.3f s (%.0f ns/stat, %llu times)\n", bench_n, quick,
	    quick * 1e9 / (double)bench_n, (unsigned long long)lq, locked,
	    locked * 1e9 / (double)bench_n, (unsigned long long)ll);
	return 0;
}

START_TEST(bench)
{
	sys_run_on(2, bench_body);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fs_dcache");
	TCase *tc = tcase_create("dcache");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, fast);
	tcase_add_test(tc, stress);
	tcase_add_test(tc, evict);
	suite_add_tcase(s, tc);
	/* A mode, not a test: it only reports. */
	if (getenv("BISCOTTI_DCACHE_BENCH") != NULL) {
		bench_n = atol(getenv("BISCOTTI_DCACHE_BENCH"));
		tc = tcase_create("bench");
		tcase_set_timeout(tc, 600);
		tcase_add_test(tc, bench);
		suite_add_tcase(s, tc);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
