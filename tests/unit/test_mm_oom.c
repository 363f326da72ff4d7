/*
 * Running out of memory in a small hosted arena (mm/reserve.c's shortage
 * policy, proc/oom.c): a process that touches memory until none is left
 * is ended by the OOM killer with SIGKILL while init survives, the
 * counters in /proc/meminfo say so, and the kernel goes on serving; a
 * workload whose memory the caches hold is served by eviction alone,
 * with no kill and every byte read back intact; and a syscall that
 * copies out to a large untouched buffer pays nothing for its faults.
 */
#include <stdio.h>
#include <stdlib.h>

#include "blk/blkdev.h"
#include "fs/biscfs.h"
#include "fs/vfs.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "proc/signal.h"
#include "test_sys.h"

#define CR		(O_CREAT | O_RDWR)
#define DISK_BLOCKS	16384		/* 64 MiB of host memory */
#define NFILES		96
#define FILE_BYTES	(256 * 1024)	/* 24 MiB in all */

static uaddr_t scratch;

/* A user copy of s, in one of 4 rotating 1 KiB slots. */
static uaddr_t
U(const char *s)
{
	static int slot;
	uaddr_t u;

	if (scratch == 0)
		scratch = umem(16 * PG);
	u = scratch + (uaddr_t)(slot++ % 4) * 1024;
	ck_assert(strlen(s) < 1024);
	poke_str(u, s);
	return u;
}

/* Boot ncpus vCPUs with mem bytes of memory and run body as init. */
static void
run_small_on(unsigned ncpus, size_t mem, int (*body)(void *))
{
	struct hosted_config cfg = { .ncpus = ncpus, .mem_bytes = mem,
	    .quiet = getenv("OOM_TEST_VERBOSE") == NULL };

	ck_assert_int_eq(hosted_run_init(&cfg, body, NULL), 0);
}

static void
run_small(size_t mem, int (*body)(void *))
{
	run_small_on(1, mem, body);
}

/* The value of key in /proc/meminfo (mounted on /proc by the caller). */
static long
meminfo(const char *key)
{
	uaddr_t u = umem(4 * PG);
	char buf[4 * PG + 1], *at;
	long fd, n, total = 0;

	fd = sys(SYS_open, U("/proc/meminfo"), O_RDONLY, 0);
	ck_assert_int_ge(fd, 0);
	while ((n = sys(SYS_read, fd, u + (uaddr_t)total, 4 * PG - total)) >
	    0)
		total += n;
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(copyin(buf, u, (size_t)total), 0);
	buf[total] = '\0';
	sys(SYS_close, fd);
	sys(SYS_munmap, u, 4 * PG);
	at = strstr(buf, key);
	ck_assert_msg(at != NULL, "no %s in meminfo:\n%s", key, buf);
	return strtol(at + strlen(key) + 1, NULL, 10);
}

static void
mount_proc(void)
{
	sys(SYS_mkdir, U("/proc"), 0555);
	ck_assert_int_eq(sys(SYS_mount, U("proc"), U("/proc"), U("proc"), 0,
	    0), 0);
}

/*
 * Touch every page of a mapping larger than memory.  No assertion may
 * fire here (it would end the whole test): the OOM killer must end this
 * process first.  A failed touch means it is the victim; its next
 * syscall is an exit point.  Returning at all is the failure (3 or 4).
 */
static int
toucher(void *arg)
{
	size_t len = (size_t)(uintptr_t)arg, off;
	long r = sys(SYS_mmap, 0, len, PROT_R | PROT_W,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int32_t v = 1;

	if (r < 0)
		return 2;
	for (off = 0; off < len; off += PG)
		if (copyout((uaddr_t)r + off, &v, sizeof(v)) != 0)
			break;
	sys(SYS_getpid);
	return off < len ? 3 : 4;
}

/* Touch len bytes (arg) of fresh memory, check them, exit 0. */
static int
toucher_exact(void *arg)
{
	size_t len = (size_t)(uintptr_t)arg, off;
	uaddr_t u = umem(len);

	for (off = 0; off < len; off += PG)
		poke32(u + off, (int32_t)(off / PG));
	for (off = 0; off < len; off += PG)
		ck_assert_int_eq(peek32(u + off), (int32_t)(off / PG));
	return 0;
}

/* A child that uses a little memory and exits 7. */
static int
small_child(void *arg)
{
	uaddr_t u = umem(64 * PG);
	size_t off;

	(void)arg;
	for (off = 0; off < 64 * PG; off += PG)
		poke32(u + off, (int32_t)off);
	for (off = 0; off < 64 * PG; off += PG)
		ck_assert_int_eq(peek32(u + off), (int32_t)off);
	return 7;
}

/* A toucher bigger than memory dies of SIGKILL; init and the kernel go on. */
static int
oom_body(void *arg)
{
	long pid, fd;
	int st;

	(void)arg;
	mount_proc();
	ck_assert_int_eq(meminfo("OOMKills:"), 0);
	pid = hosted_fork(toucher, (void *)(uintptr_t)(64 * MiB));
	ck_assert_int_gt(pid, 0);
	st = wait_status(pid);
	ck_assert_msg((st & 0x7f) == SIGKILL, "toucher status %#x", st);
	ck_assert_int_eq(meminfo("OOMKills:"), 1);
	ck_assert_int_gt(meminfo("ReserveWaits:"), 0);
	/* The kernel still serves: files, fork, memory. */
	fd = sys(SYS_open, U("/after"), CR, 0644);
	ck_assert_int_ge(fd, 0);
	poke_str(scratch + 8 * PG, "still here");
	ck_assert_int_eq(sys(SYS_write, fd, scratch + 8 * PG, 10), 10);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	pid = hosted_fork(small_child, NULL);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(wait_status(pid), W_EXITCODE(7));
	/* A second toucher is killed too, one victim at a time. */
	pid = hosted_fork(toucher, (void *)(uintptr_t)(64 * MiB));
	ck_assert_int_gt(pid, 0);
	st = wait_status(pid);
	ck_assert_msg((st & 0x7f) == SIGKILL, "toucher status %#x", st);
	ck_assert_int_eq(meminfo("OOMKills:"), 2);
	return 0;
}

START_TEST(oom_kill_toucher)
{
	run_small(24 * MiB, oom_body);
}
END_TEST

/* The same with the toucher and init on different vCPUs. */
START_TEST(oom_kill_toucher_smp)
{
	run_small_on(2, 24 * MiB, oom_body);
}
END_TEST

/* The byte at offset off of file i. */
static uint8_t
pattern(int i, size_t off)
{
	return (uint8_t)(i * 131 + off / 4096 * 7 + off);
}

/* Write or check file i of /mnt through the user buffer u. */
static void
file_io(int i, uaddr_t u, bool write)
{
	static uint8_t k[FILE_BYTES], want[FILE_BYTES];
	char path[32];
	size_t off;
	long fd;

	snprintf(path, sizeof(path), "/mnt/f%d", i);
	fd = sys(SYS_open, U(path), write ? CR | O_TRUNC : O_RDONLY, 0644);
	ck_assert_int_ge(fd, 0);
	for (off = 0; off < FILE_BYTES; off++)
		want[off] = pattern(i, off);
	if (write) {
		ck_assert_int_eq(copyout(u, want, FILE_BYTES), 0);
		ck_assert_int_eq(sys(SYS_write, fd, u, FILE_BYTES),
		    FILE_BYTES);
	} else {
		memset(k, 0, sizeof(k));
		ck_assert_int_eq(sys(SYS_read, fd, u, FILE_BYTES),
		    FILE_BYTES);
		ck_assert_int_eq(copyin(k, u, FILE_BYTES), 0);
		ck_assert_msg(memcmp(k, want, FILE_BYTES) == 0,
		    "f%d reads back wrong", i);
	}
	ck_assert_int_eq(sys(SYS_close, fd), 0);
}

/*
 * Files fill the block cache; then a process touches memory the cache
 * holds: its faults must be served by evicting clean buffers, with no
 * process killed, and every file must read back intact afterwards.
 */
static int
evict_body(void *arg)
{
	/* Static: the disk stays registered, its memory reachable. */
	static uint8_t *mem;
	struct biscfs_mkfs_opts o = { .label = "oom", .ninodes = 4096 };
	uaddr_t u = umem(FILE_BYTES);
	struct blkdev *d;
	size_t len;
	long pid;
	int i;

	(void)arg;
	mem = calloc(DISK_BLOCKS, BLK_SIZE);
	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(ramdisk_create("ram0", mem, DISK_BLOCKS, false, &d),
	    0);
	ck_assert_int_eq(biscfs_mkfs(d, &o), 0);
	mount_proc();
	sys(SYS_mkdir, U("/mnt"), 0755);
	ck_assert_int_eq(sys(SYS_mount, U("ram0"), U("/mnt"), U("biscfs"), 0,
	    0), 0);
	for (i = 0; i < NFILES; i++)
		file_io(i, u, true);
	sys(SYS_sync);
	for (i = 0; i < NFILES; i++)
		file_io(i, u, false);
	ck_assert_int_eq(meminfo("ReserveEvictions:"), 0);
	/* Memory the cache holds now goes to a process: 8 MiB of it. */
	len = page_free_count() * PAGE_SIZE + 8 * MiB;
	pid = hosted_fork(toucher_exact, (void *)(uintptr_t)len);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(wait_status(pid), W_EXITCODE(0));
	ck_assert_int_gt(meminfo("ReserveEvictions:"), 0);
	ck_assert_int_gt(meminfo("ReserveEvictedPages:"), 0);
	ck_assert_int_eq(meminfo("OOMKills:"), 0);
	for (i = 0; i < NFILES; i++)
		file_io(i, u, false);
	ck_assert_int_eq(sys(SYS_umount2, U("/mnt"), 0), 0);
	return 0;
}

START_TEST(evict_not_kill)
{
	run_small(48 * MiB, evict_body);
}
END_TEST

/*
 * getrandom(2) into a fresh 4 MiB mapping (a fuzzer's find): the faults
 * its copyout takes run in reservations of their own, so getrandom's
 * 4 KiB bound is not overrun by 4 MiB's worth of pagemap nodes.
 */
static int
copyout_body(void *arg)
{
	uaddr_t big = umem(4 * MiB);
	struct reserve_mark m[256];
	int n, i;
	bool seen = false;

	(void)arg;
	ck_assert_int_eq(sys(SYS_getrandom, big, 4 * MiB, 0),
	    (long)(4 * MiB));
	n = reserve_marks(m, 256);
	for (i = 0; i < n && i < 256; i++) {
		if (strcmp(m[i].site, "getrandom") == 0) {
			ck_assert_uint_eq(m[i].overruns, 0);
			ck_assert_uint_le(m[i].high_water, m[i].bound);
		}
		if (strcmp(m[i].site, "pagefault-syscall") == 0) {
			seen = true;
			ck_assert_uint_eq(m[i].overruns, 0);
			ck_assert_uint_le(m[i].high_water, m[i].bound);
		}
	}
	ck_assert(seen);
	return 0;
}

START_TEST(syscall_fault_not_charged)
{
	run_small(64 * MiB, copyout_body);
}
END_TEST

Suite *
oom_suite(void)
{
	Suite *s = suite_create("mm_oom");
	TCase *tc;

	/* One case each, so CK_RUN_CASE can pick one. */
	tc = tcase_create("kill");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, oom_kill_toucher);
	tcase_add_test(tc, oom_kill_toucher_smp);
	suite_add_tcase(s, tc);
	tc = tcase_create("evict");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, evict_not_kill);
	suite_add_tcase(s, tc);
	tc = tcase_create("fault");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, syscall_fault_not_charged);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(oom_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
