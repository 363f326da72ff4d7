/*
 * Heap reservations under load (docs/memory.md): reads and writes far
 * larger than a syscall's bound stay within it because they reserve per
 * chunk (reserve_renew); many processes on 4 vCPUs issuing a mix of
 * syscalls against a small heap all finish, and the heap's promises
 * all come back; a unit of work that allocates past its bound is
 * reported by name with the overshoot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk/blkdev.h"
#include "contract/clock.h"
#include "fs/biscfs.h"
#include "fs/vfs.h"
#include "kern/ktimer.h"
#include "kern/printk.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/reserve.h"
#include "test_sys.h"

#define CR		(O_CREAT | O_RDWR)
#define BIG		(3 * MiB)	/* one read or write: 3 chunks */
#define DISK_BLOCKS	8192		/* a 32 MiB RAM disk */

/* The RAM disk's memory, reachable for the leak checker. */
static uint8_t *disk_mem;

/* The mark of site (zeroed when none). */
static struct reserve_mark
mark_of(const char *site)
{
	static struct reserve_mark m[256];
	struct reserve_mark none = { 0 };
	int n = reserve_marks(m, 256), i;

	for (i = 0; i < n && i < 256; i++)
		if (strcmp(m[i].site, site) == 0)
			return m[i];
	return none;
}

/* A site kept its bound: it ran, and never overran. */
static void
assert_within(const char *site)
{
	struct reserve_mark m = mark_of(site);

	ck_assert_msg(m.site != NULL, "%s never ran", site);
	ck_assert_msg(m.overruns == 0 && m.high_water <= m.bound,
	    "%s: high-water %zu of %zu, %llu overruns", site, m.high_water,
	    m.bound, (unsigned long long)m.overruns);
}

/* A user copy of s, in one of 8 rotating 256-byte slots of page u. */
static uaddr_t
U(uaddr_t u, const char *s)
{
	static int slot;
	uaddr_t p = u + (uaddr_t)(slot++ % 8) * 256;

	poke_str(p, s);
	return p;
}

/* Fill user memory with a pattern that names each 8-byte word's place. */
static void
pattern(uaddr_t u, size_t len, uint64_t seed)
{
	uint64_t w[512];
	size_t off, i;

	for (off = 0; off < len; off += sizeof(w)) {
		for (i = 0; i < 512; i++)
			w[i] = seed ^ ((off / 8) + i);
		ck_assert_int_eq(copyout(u + off, w, sizeof(w)), 0);
	}
}

static void
check_pattern(uaddr_t u, size_t len, uint64_t seed)
{
	uint64_t w[512];
	size_t off, i;

	for (off = 0; off < len; off += sizeof(w)) {
		ck_assert_int_eq(copyin(w, u + off, sizeof(w)), 0);
		for (i = 0; i < 512; i++)
			ck_assert_msg(w[i] == (seed ^ ((off / 8) + i)),
			    "word %zu differs", off / 8 + i);
	}
}

/*
 * 8 MiB in one write, one read, one writev and one pread of a file, on
 * tmpfs and on biscfs: all the bytes move, and write, read, writev and
 * pread64 stay within their per-chunk bounds.
 */
static void
big_io_on(uaddr_t page, const char *path)
{
	uaddr_t data = umem(BIG), back = umem(BIG), iov = umem(PG);
	uint64_t v[4];
	long fd;

	pattern(data, BIG, (uint64_t)(uintptr_t)path);
	fd = sys(SYS_open, U(page, path), CR | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_write, fd, data, BIG), (long)BIG);
	ck_assert_int_eq(sys(SYS_lseek, fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(sys(SYS_read, fd, back, BIG), (long)BIG);
	check_pattern(back, BIG, (uint64_t)(uintptr_t)path);
	/* The position moved by all the chunks. */
	ck_assert_int_eq(sys(SYS_lseek, fd, 0, SEEK_CUR), (long)BIG);
	/* Gathered: two halves, written at the end of the file. */
	v[0] = data; v[1] = BIG / 2; v[2] = data + BIG / 2; v[3] = BIG / 2;
	ck_assert_int_eq(copyout(iov, v, sizeof(v)), 0);
	ck_assert_int_eq(sys(SYS_writev, fd, iov, 2), (long)BIG);
	ck_assert_int_eq(sys(SYS_pread64, fd, back, BIG, BIG), (long)BIG);
	check_pattern(back, BIG, (uint64_t)(uintptr_t)path);
	/* End of file in the second chunk: the short count, as Linux. */
	ck_assert_int_eq(sys(SYS_pread64, fd, back, BIG, 2 * BIG - MiB / 2 -
	    MiB), (long)(MiB + MiB / 2));
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_unlink, U(page, path)), 0);
	ck_assert_int_eq(sys(SYS_munmap, data, BIG), 0);
	ck_assert_int_eq(sys(SYS_munmap, back, BIG), 0);
}

static int
big_io_body(void *arg)
{
	uaddr_t page = umem(PG);
	struct blkdev *d;
	struct biscfs_mkfs_opts o = { .label = "big", .ninodes = 1024 };

	(void)arg;
	disk_mem = calloc(DISK_BLOCKS, BLK_SIZE);
	ck_assert_ptr_nonnull(disk_mem);
	ck_assert_int_eq(ramdisk_create("ram0", disk_mem, DISK_BLOCKS, false,
	    &d), 0);
	ck_assert_int_eq(biscfs_mkfs(d, &o), 0);
	big_io_on(page, "/big");
	ck_assert_int_eq(sys(SYS_mkdir, U(page, "/mnt"), 0755), 0);
	ck_assert_int_eq(sys(SYS_mount, U(page, "ram0"), U(page, "/mnt"),
	    U(page, "biscfs"), 0, 0), 0);
	big_io_on(page, "/mnt/big");
	ck_assert_int_eq(sys(SYS_umount2, U(page, "/mnt"), 0), 0);
	assert_within("write");
	assert_within("read");
	assert_within("writev");
	assert_within("pread64");
	return 0;
}

START_TEST(test_big_io_chunked)
{
	struct hosted_config cfg = { .ncpus = 2, .mem_bytes = 96 * MiB,
	    .quiet = true };

	ck_assert_int_eq(hosted_run_init(&cfg, big_io_body, NULL), 0);
}
END_TEST

/*
 * The mixed load: NWORKERS processes on 4 vCPUs, each NOPS rounds of
 * file, pipe, socket, memory and process calls, on a small machine whose
 * heap a kernel thread (the hog) keeps promised but for HOG_SPARE bytes,
 * in HOG_HOLD_NS spells a quarter of the time, so the workers'
 * reservations (a socketpair's is 512 KiB, a fork's 256 KiB) must wait
 * for the hog and for each other.  (Without the hog, 10 MiB is too much
 * for any reservation to wait, and below that the machine runs out of
 * user pages instead and the OOM killer ends workers.)
 */
#define NWORKERS	16
#define NOPS		30
#define PRESSURE_MEM	(20 * MiB)
#define K_AF_UNIX	1
#define K_SOCK_STREAM	1

#define HOG_SPARE	(768 * 1024)
#define HOG_HOLD_NS	(10 * 1000 * 1000)

static volatile int hog_stop;

/* Promise all but HOG_SPARE of the heap, on and off, until told to stop. */
static void
hog(void *arg)
{
	size_t avail;

	(void)arg;
	while (!__atomic_load_n(&hog_stop, __ATOMIC_ACQUIRE)) {
		avail = reserve_available();
		if (avail > 2 * HOG_SPARE) {
			reserve_begin(avail - HOG_SPARE, "t_hog");
			thread_sleep_ns(HOG_HOLD_NS);
			reserve_end();
		}
		/* Long gaps: no waiter comes near the killer's 0.5 s. */
		thread_sleep_ns(3 * HOG_HOLD_NS);
	}
}

/* A page every worker shares: each one's count of finished rounds. */
static uaddr_t shared_done;

/* Bytes promised to reservations and not yet used or returned. */
static size_t
promised(void)
{
	size_t margin = MIN((size_t)64, page_total() / 8);
	size_t free = page_free_count();
	size_t cap = free > margin ? (free - margin) * PAGE_SIZE : 0;

	return cap - MIN(cap, reserve_available());
}

/* Write n bytes of a pattern to wfd and read them back from rfd. */
static void
echo(int wfd, int rfd, uaddr_t buf, size_t n, int seed)
{
	size_t got = 0;
	long r;

	pattern(buf, n, (uint64_t)seed);
	ck_assert_int_eq(sys(SYS_write, wfd, buf, n), (long)n);
	while (got < n) {
		r = sys(SYS_read, rfd, buf + n + got, n - got);
		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
	check_pattern(buf + n, n, (uint64_t)seed);
}

static int
child_exit(void *arg)
{
	return (int)(intptr_t)arg;
}

/* One worker: NOPS rounds, its count of finished ones in done[id]. */
static int
worker(void *arg)
{
	int id = (int)(intptr_t)arg, i, fds[2];
	uaddr_t page = umem(PG), buf = umem(4 * PG), fdp = umem(PG);
	char path[32];
	long fd, pid, m;

	ksnprintf(path, sizeof(path), "/w%d", id);
	for (i = 0; i < NOPS; i++) {
		switch (i % 5) {
		case 0:		/* a file: write, read back, close */
			fd = sys(SYS_open, U(page, path), CR | O_TRUNC, 0600);
			ck_assert_int_ge(fd, 0);
			pattern(buf, 2 * PG, (uint64_t)(id + i));
			ck_assert_int_eq(sys(SYS_write, fd, buf, 2 * PG),
			    (long)(2 * PG));
			ck_assert_int_eq(sys(SYS_pread64, fd, buf + 2 * PG,
			    2 * PG, 0), (long)(2 * PG));
			check_pattern(buf + 2 * PG, 2 * PG, (uint64_t)(id + i));
			ck_assert_int_eq(sys(SYS_close, fd), 0);
			break;
		case 1:		/* a pipe */
			ck_assert_int_eq(sys(SYS_pipe2, fdp, 0), 0);
			fds[0] = peek32(fdp);
			fds[1] = peek32(fdp + 4);
			echo(fds[1], fds[0], buf, PG, id + i);
			ck_assert_int_eq(sys(SYS_close, fds[0]), 0);
			ck_assert_int_eq(sys(SYS_close, fds[1]), 0);
			break;
		case 2:		/* a socket pair */
			ck_assert_int_eq(sys(SYS_socketpair, K_AF_UNIX,
			    K_SOCK_STREAM, 0, fdp), 0);
			fds[0] = peek32(fdp);
			fds[1] = peek32(fdp + 4);
			echo(fds[0], fds[1], buf, PG, id + i);
			ck_assert_int_eq(sys(SYS_close, fds[0]), 0);
			ck_assert_int_eq(sys(SYS_close, fds[1]), 0);
			break;
		case 3:		/* memory: map, touch every page, unmap */
			m = sys(SYS_mmap, 0, 16 * PG, PROT_R | PROT_W,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			ck_assert_int_gt(m, 0);
			pattern((uaddr_t)m, 16 * PG, (uint64_t)id);
			check_pattern((uaddr_t)m, 16 * PG, (uint64_t)id);
			ck_assert_int_eq(sys(SYS_munmap, m, 16 * PG), 0);
			break;
		default:	/* a process: fork, exit, reap */
			pid = hosted_fork(child_exit,
			    (void *)(intptr_t)(id + 1));
			ck_assert_int_gt(pid, 0);
			ck_assert_int_eq(wait_status(pid), (id + 1) << 8);
			break;
		}
		poke32(shared_done + (uaddr_t)id * 4, i + 1);
	}
	ck_assert_int_eq(sys(SYS_unlink, U(page, path)), 0);
	return 0;
}

static int
pressure_body(void *arg)
{
	struct reserve_stats st0, st;
	struct thread *h;
	size_t before, after;
	long pids[NWORKERS];
	int i;

	(void)arg;
	shared_done = ushared(PG);
	before = promised();
	reserve_get_stats(&st0);
	h = thread_create("hog", hog, NULL);
	ck_assert_ptr_nonnull(h);
	for (i = 0; i < NWORKERS; i++) {
		pids[i] = hosted_fork(worker, (void *)(intptr_t)i);
		ck_assert_int_gt(pids[i], 0);
	}
	for (i = 0; i < NWORKERS; i++)
		ck_assert_int_eq(wait_status(pids[i]), 0);
	__atomic_store_n(&hog_stop, 1, __ATOMIC_RELEASE);
	thread_join(h);
	for (i = 0; i < NWORKERS; i++)
		ck_assert_int_eq(peek32(shared_done + (uaddr_t)i * 4), NOPS);
	/* Every promise came back: nothing is outstanding now. */
	after = promised();
	reserve_get_stats(&st);
	fprintf(stderr, "mm_pressure: %llu reservations waited, %llu OOM "
	    "kills\n", (unsigned long long)(st.waits - st0.waits),
	    (unsigned long long)st.oom_kills);
	/* The pressure was real: reservations waited, nobody was killed. */
	ck_assert_uint_gt(st.waits, st0.waits);
	ck_assert_uint_eq(st.oom_kills, st0.oom_kills);
	ck_assert_msg(before == 0 && after == 0,
	    "promised before %zu, after %zu", before, after);
	assert_within("socketpair");
	assert_within("fork");
	assert_within("pipe2");
	assert_within("write");
	return 0;
}

/*
 * No deadlock under pressure: the tcase's timeout is the deadline, ten
 * times what the load takes on a loaded machine.
 */
START_TEST(test_pressure_progress)
{
	struct hosted_config cfg = { .ncpus = 4, .mem_bytes = PRESSURE_MEM,
	    .quiet = true };

	ck_assert_int_eq(hosted_run_init(&cfg, pressure_body, NULL), 0);
}
END_TEST

/* A ktimer callback that allocates twice the timer's bound. */
static void
greedy_timer(void *arg)
{
	void *p = kmalloc(2 * KTIMER_RESERVE);

	kfree(p);
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
}

/*
 * Kernel work that allocates past its bound is reported with its site's
 * name and the overshoot, and counted in the site's mark.  (A kernel
 * thread, not init: no marks reach BISCOTTI_MARKS from this test, whose
 * overrun is on purpose.)
 */
static int
overrun_body(void *arg)
{
	struct ktimer t;
	struct reserve_mark m;
	char want[128];
	int fired = 0;

	(void)arg;
	ktimer_start();
	ktimer_init(&t, greedy_timer, &fired);
	ktimer_arm(&t, clock_ns());
	while (!__atomic_load_n(&fired, __ATOMIC_ACQUIRE))
		thread_sleep_ns(1000 * 1000);
	m = mark_of("ktimer");
	ck_assert_uint_eq(m.overruns, 1);
	ck_assert_uint_eq(m.bound, KTIMER_RESERVE);
	ck_assert_uint_ge(m.high_water, 2 * KTIMER_RESERVE);
	snprintf(want, sizeof(want),
	    "reservation overrun: ktimer used %zu of %zu bytes (+%zu)",
	    m.high_water, (size_t)KTIMER_RESERVE,
	    m.high_water - KTIMER_RESERVE);
	ck_assert_msg(strstr(hosted_console_log(), want) != NULL,
	    "no \"%s\" in the console", want);
	return 0;
}

START_TEST(test_overrun_named)
{
	struct hosted_config cfg = { .ncpus = 2, .mem_bytes = 32 * MiB,
	    .quiet = true };

	ck_assert_int_eq(hosted_boot(&cfg, overrun_body, NULL), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mm_pressure");
	TCase *io = tcase_create("io");
	TCase *load = tcase_create("load");
	TCase *overrun = tcase_create("overrun");

	/* Minutes under ASan on a loaded machine; only a deadlock misses. */
	tcase_set_timeout(io, 600);
	tcase_add_test(io, test_big_io_chunked);
	suite_add_tcase(s, io);
	tcase_set_timeout(load, 600);
	tcase_add_test(load, test_pressure_progress);
	suite_add_tcase(s, load);
	tcase_add_test(overrun, test_overrun_named);
	suite_add_tcase(s, overrun);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
