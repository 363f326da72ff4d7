/*
 * Files through their syscalls: pipes (blocking, EOF, EAGAIN, EPIPE,
 * atomic writes, a megabyte between processes), dup/dup2/dup3, fcntl,
 * close-on-exec bookkeeping, readv/writev, the console, EBADF and EFAULT;
 * and the memory syscalls (mmap, mprotect, munmap, brk, madvise).
 */
#include "contract/entry.h"
#include "proc/thread.h"
#include "test_sys.h"

#define F_DUPFD		0
#define F_GETFD		1
#define F_SETFD		2
#define F_GETFL		3
#define F_SETFL		4
#define F_DUPFD_CLOEXEC	1030

/* Make a pipe; return its fds through rd and wr. */
static void
mkpipe(unsigned flags, int *rd, int *wr)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(sys(SYS_pipe2, u, flags), 0);
	*rd = peek32(u);
	*wr = peek32(u + 4);
}

/* EOF, EAGAIN, EPIPE, EBADF by mode, ESPIPE, EFAULT. */
static int
pipe_basics(void *arg)
{
	uaddr_t buf = umem(2 * PG);
	int rd, wr;
	char k[8];

	(void)arg;
	mkpipe(O_NONBLOCK, &rd, &wr);
	ck_assert_int_eq(rd, 3);
	ck_assert_int_eq(wr, 4);
	ck_assert_int_eq(sys(SYS_read, rd, buf, 10), -EAGAIN);
	poke_str(buf, "hello");
	ck_assert_int_eq(sys(SYS_write, wr, buf, 5), 5);
	ck_assert_int_eq(sys(SYS_read, rd, buf + 100, 10), 5);
	ck_assert_int_eq(copyin(k, buf + 100, 5), 0);
	ck_assert_int_eq(memcmp(k, "hello", 5), 0);
	/* Wrong direction, positions. */
	ck_assert_int_eq(sys(SYS_write, rd, buf, 1), -EBADF);
	ck_assert_int_eq(sys(SYS_read, wr, buf, 1), -EBADF);
	ck_assert_int_eq(sys(SYS_lseek, rd, 0, SEEK_SET), -ESPIPE);
	ck_assert_int_eq(sys(SYS_pread64, rd, buf, 1, 0), -ESPIPE);
	ck_assert_int_eq(sys(SYS_pwrite64, wr, buf, 1, 0), -ESPIPE);
	ck_assert_int_eq(sys(SYS_pread64, rd, buf, 1, -1), -EINVAL);
	/* Bad buffers. */
	ck_assert_int_eq(sys(SYS_write, wr, BAD, 1), -EFAULT);
	ck_assert_int_eq(sys(SYS_write, wr, buf, 1), 1);
	ck_assert_int_eq(sys(SYS_read, rd, BAD, 1), -EFAULT);
	/* A write running off its mapping writes the part before. */
	ck_assert_int_eq(sys(SYS_write, wr, buf + 2 * PG - 10, 100), 10);
	/* Zero-length I/O. */
	ck_assert_int_eq(sys(SYS_read, rd, buf, 0), 0);
	/* Fill it: 64 KiB, then EAGAIN. */
	ck_assert_int_eq(sys(SYS_close, rd), 0);
	ck_assert_int_eq(sys(SYS_close, wr), 0);
	mkpipe(O_NONBLOCK, &rd, &wr);
	while (sys(SYS_write, wr, buf, PG) == (long)PG)
		continue;
	ck_assert_int_eq(sys(SYS_write, wr, buf, 1), -EAGAIN);
	/* No writer: the rest then EOF.  No reader: EPIPE. */
	ck_assert_int_eq(sys(SYS_close, wr), 0);
	while (sys(SYS_read, rd, buf, PG) > 0)
		continue;
	ck_assert_int_eq(sys(SYS_read, rd, buf, PG), 0);
	/* SIGPIPE would end the test: ignore it to see the EPIPE. */
	{
		uint64_t ign[4] = { 1, 0, 0, 0 };	/* SIG_IGN */

		ck_assert_int_eq(copyout(buf, ign, sizeof(ign)), 0);
		ck_assert_int_eq(sys(SYS_rt_sigaction, 13, buf, 0, 8), 0);
	}
	mkpipe(0, &rd, &wr);
	ck_assert_int_eq(sys(SYS_close, rd), 0);
	ck_assert_int_eq(sys(SYS_write, wr, buf, 1), -EPIPE);
	/* pipe2's own errors. */
	ck_assert_int_eq(sys(SYS_pipe2, buf, 0x1), -EINVAL);
	ck_assert_int_eq(sys(SYS_pipe2, BAD, 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_pipe, BAD), -EFAULT);
	/* The failed pipes left no fds behind: console, two ends open. */
	ck_assert_int_eq(fdtable_count(proc_current()->fdt), 5);
	return 0;
}

START_TEST(test_pipe_basics)
{
	sys_run(pipe_basics);
}
END_TEST

/*
 * Regression: a read whose copy-out faulted took its bytes out of the
 * ring and lost them (Linux leaves them in the pipe).  A write whose
 * copy-in faults puts in only the bytes it copied, never garbage.
 */
static int
pipe_fault_keeps_data(void *arg)
{
	uaddr_t buf = umem(PG), iov = umem(PG);
	uint64_t v[4];
	int rd, wr;
	char k[8];

	(void)arg;
	mkpipe(O_NONBLOCK, &rd, &wr);
	poke_str(buf, "xy");
	ck_assert_int_eq(sys(SYS_write, wr, buf, 2), 2);
	ck_assert_int_eq(sys(SYS_read, rd, 0, 1), -EFAULT);
	ck_assert_int_eq(sys(SYS_read, rd, BAD, 2), -EFAULT);
	ck_assert_int_eq(sys(SYS_read, rd, buf + 100, 2), 2);
	ck_assert_int_eq(copyin(k, buf + 100, 2), 0);
	ck_assert_int_eq(memcmp(k, "xy", 2), 0);
	/* readv: the first buffer's byte is read, the rest stays. */
	poke_str(buf, "abc");
	ck_assert_int_eq(sys(SYS_write, wr, buf, 3), 3);
	v[0] = buf + 200; v[1] = 1; v[2] = BAD; v[3] = 2;
	ck_assert_int_eq(copyout(iov, v, sizeof(v)), 0);
	ck_assert_int_eq(sys(SYS_readv, rd, iov, 2), 1);
	ck_assert_int_eq(sys(SYS_read, rd, buf + 100, 8), 2);
	ck_assert_int_eq(copyin(k, buf + 100, 2), 0);
	ck_assert_int_eq(memcmp(k, "bc", 2), 0);
	/* writev: the good buffer goes in, the bad one adds nothing. */
	poke_str(buf, "pq");
	v[0] = buf; v[1] = 2; v[2] = BAD; v[3] = 4;
	ck_assert_int_eq(copyout(iov, v, sizeof(v)), 0);
	ck_assert_int_eq(sys(SYS_writev, wr, iov, 2), 2);
	ck_assert_int_eq(sys(SYS_write, wr, BAD, 3), -EFAULT);
	ck_assert_int_eq(sys(SYS_read, rd, buf + 100, 8), 2);
	ck_assert_int_eq(copyin(k, buf + 100, 2), 0);
	ck_assert_int_eq(memcmp(k, "pq", 2), 0);
	ck_assert_int_eq(sys(SYS_read, rd, buf, 8), -EAGAIN);
	return 0;
}

START_TEST(test_pipe_fault_keeps_data)
{
	sys_run(pipe_fault_keeps_data);
}
END_TEST

/* A reader blocked on one vCPU is woken by a writer on another. */
static int
pipe_reader(void *arg)
{
	int rd = (int)(intptr_t)arg;
	uaddr_t buf = umem(PG);

	thread_sleep_ns(0);
	if (sys(SYS_read, rd, buf, 100) != 3)
		return 1;
	return peek32(buf) == 0x00636261 ? 0 : 2;
}

static int
pipe_wakeup(void *arg)
{
	uaddr_t buf = umem(PG);
	int rd, wr;
	long pid;

	(void)arg;
	mkpipe(0, &rd, &wr);
	pid = hosted_fork(pipe_reader, (void *)(intptr_t)rd);
	/* Give the child time to block first. */
	thread_sleep_ns(20 * 1000 * 1000);
	poke32(buf, 0x00636261);
	ck_assert_int_eq(sys(SYS_write, wr, buf, 3), 3);
	ck_assert_int_eq(wait_status(pid), 0);
	return 0;
}

START_TEST(test_pipe_wakeup)
{
	sys_run_on(2, pipe_wakeup);
}
END_TEST

/*
 * Writers of PIPE_BUF bytes never interleave: each of two children
 * writes 64 records of 4096 bytes of its own letter.
 */
static int
record_writer(void *arg)
{
	int wr = (int)((intptr_t)arg & 0xffff);
	char c = (char)((intptr_t)arg >> 16);
	uaddr_t buf = umem(PIPE_BUF);
	static char k[2][PIPE_BUF];
	int i;

	memset(k[c - 'a'], c, PIPE_BUF);
	ck_assert_int_eq(copyout(buf, k[c - 'a'], PIPE_BUF), 0);
	for (i = 0; i < 64; i++)
		if (sys(SYS_write, wr, buf, PIPE_BUF) != PIPE_BUF)
			return 1;
	return 0;
}

static int
atomic_writes(void *arg)
{
	static char k[PIPE_BUF];
	uaddr_t buf = umem(PIPE_BUF);
	long n, got, a, b;
	int rd, wr, i;

	(void)arg;
	mkpipe(0, &rd, &wr);
	a = hosted_fork(record_writer, (void *)(intptr_t)(wr | 'a' << 16));
	b = hosted_fork(record_writer, (void *)(intptr_t)(wr | 'b' << 16));
	ck_assert_int_eq(sys(SYS_close, wr), 0);
	for (i = 0; i < 128; i++) {
		for (got = 0; got < PIPE_BUF; got += n) {
			n = sys(SYS_read, rd, buf + got, PIPE_BUF - got);
			ck_assert_int_gt(n, 0);
		}
		ck_assert_int_eq(copyin(k, buf, PIPE_BUF), 0);
		ck_assert(memchr(k, k[0] == 'a' ? 'b' : 'a', PIPE_BUF) == NULL);
	}
	ck_assert_int_eq(sys(SYS_read, rd, buf, 1), 0);
	ck_assert_int_eq(wait_status(a), 0);
	ck_assert_int_eq(wait_status(b), 0);
	return 0;
}

START_TEST(test_atomic_writes)
{
	sys_run_on(2, atomic_writes);
}
END_TEST

/* One MiB through a pipe between two processes, checksummed. */
#define BIG	(1 << 20)

static uint32_t
checksum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sum = sum * 31 + p[i];
	return sum;
}

static uint32_t sent_sum;

static int
big_writer(void *arg)
{
	int wr = (int)(intptr_t)arg;
	static uint8_t k[BIG];
	uaddr_t buf = umem(BIG);
	size_t i, off;
	long n;

	for (i = 0; i < BIG; i++)
		k[i] = (uint8_t)(i * 7 + i / 4096);
	sent_sum = checksum(0, k, BIG);
	ck_assert_int_eq(copyout(buf, k, BIG), 0);
	/* Odd-sized writes, some larger than the pipe. */
	for (off = 0; off < BIG; off += (size_t)n) {
		n = sys(SYS_write, wr, buf + off, MIN((size_t)99999, BIG - off));
		if (n <= 0)
			return 1;
	}
	return 0;
}

static int
big_transfer(void *arg)
{
	static uint8_t k[65536];
	uaddr_t buf = umem(65536);
	uint32_t sum = 0;
	size_t total = 0;
	int rd, wr;
	long n, pid;

	(void)arg;
	mkpipe(0, &rd, &wr);
	pid = hosted_fork(big_writer, (void *)(intptr_t)wr);
	ck_assert_int_eq(sys(SYS_close, wr), 0);
	while ((n = sys(SYS_read, rd, buf, 65536 - (total % 7))) > 0) {
		ck_assert_int_eq(copyin(k, buf, (size_t)n), 0);
		sum = checksum(sum, k, (size_t)n);
		total += (size_t)n;
	}
	ck_assert_int_eq(n, 0);
	ck_assert_uint_eq(total, BIG);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_uint_eq(sum, sent_sum);
	return 0;
}

START_TEST(test_big_transfer)
{
	sys_run_on(2, big_transfer);
}
END_TEST

/* dup, dup2, dup3 and fcntl's descriptor commands. */
static int
dups(void *arg)
{
	int rd, wr;

	(void)arg;
	mkpipe(O_CLOEXEC, &rd, &wr);
	ck_assert_int_eq(sys(SYS_fcntl, rd, F_GETFD), 1);
	ck_assert_int_eq(sys(SYS_dup, rd), 5);
	ck_assert_int_eq(sys(SYS_fcntl, 5, F_GETFD), 0);
	ck_assert_int_eq(sys(SYS_dup, 99), -EBADF);
	ck_assert_int_eq(sys(SYS_dup2, wr, 10), 10);
	ck_assert_int_eq(sys(SYS_dup2, 10, 10), 10);
	ck_assert_int_eq(sys(SYS_dup2, 11, 11), -EBADF);
	ck_assert_int_eq(sys(SYS_dup2, 99, 12), -EBADF);
	ck_assert_int_eq(sys(SYS_dup2, wr, -1), -EBADF);
	ck_assert_int_eq(sys(SYS_dup3, wr, 11, O_CLOEXEC), 11);
	ck_assert_int_eq(sys(SYS_fcntl, 11, F_GETFD), 1);
	ck_assert_int_eq(sys(SYS_dup3, wr, wr, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_dup3, wr, 12, 1), -EINVAL);
	/* dup2 over an open fd closes what was there. */
	ck_assert_int_eq(sys(SYS_dup2, rd, 11), 11);
	ck_assert_int_eq(sys(SYS_fcntl, 11, F_GETFL), O_RDONLY);
	ck_assert_int_eq(sys(SYS_fcntl, 11, F_GETFD), 0);
	/* F_DUPFD picks the lowest free fd at or above the argument. */
	ck_assert_int_eq(sys(SYS_fcntl, rd, F_DUPFD, 10), 12);
	ck_assert_int_eq(sys(SYS_fcntl, rd, F_DUPFD_CLOEXEC, 100), 100);
	ck_assert_int_eq(sys(SYS_fcntl, 100, F_GETFD), 1);
	ck_assert_int_eq(sys(SYS_fcntl, rd, F_DUPFD, -1), -EINVAL);
	/* Close-on-exec bits, set and clear. */
	ck_assert_int_eq(sys(SYS_fcntl, 12, F_SETFD, 1), 0);
	ck_assert_int_eq(sys(SYS_fcntl, 12, F_GETFD), 1);
	ck_assert_int_eq(sys(SYS_fcntl, 12, F_SETFD, 0), 0);
	ck_assert_int_eq(sys(SYS_fcntl, 12, F_GETFD), 0);
	/* exec's close-on-exec pass closes exactly the marked fds. */
	ck_assert_int_eq(fdtable_count(proc_current()->fdt), 10);
	fdtable_close_on_exec(proc_current()->fdt);
	ck_assert_int_eq(fdtable_count(proc_current()->fdt), 7);
	ck_assert_int_eq(sys(SYS_fcntl, rd, F_GETFD), -EBADF);
	ck_assert_int_eq(sys(SYS_fcntl, 5, F_GETFD), 0);
	/* Far fds grow the table. */
	ck_assert_int_eq(sys(SYS_dup2, 5, 1000), 1000);
	ck_assert_int_eq(sys(SYS_close, 1000), 0);
	ck_assert_int_eq(sys(SYS_close, 1000), -EBADF);
	ck_assert_int_eq(sys(SYS_fcntl, 5, 9999), -EINVAL);
	return 0;
}

START_TEST(test_dups)
{
	sys_run(dups);
}
END_TEST

/* F_GETFL/F_SETFL: only O_NONBLOCK and friends change. */
static int
status_flags(void *arg)
{
	uaddr_t buf = umem(PG);
	int rd, wr;

	(void)arg;
	mkpipe(0, &rd, &wr);
	ck_assert_int_eq(sys(SYS_fcntl, wr, F_GETFL), O_WRONLY);
	ck_assert_int_eq(sys(SYS_fcntl, rd, F_SETFL, O_NONBLOCK | O_WRONLY),
	    0);
	ck_assert_int_eq(sys(SYS_fcntl, rd, F_GETFL), O_NONBLOCK);
	ck_assert_int_eq(sys(SYS_read, rd, buf, 1), -EAGAIN);
	/* The flag is the open file's: a dup shares it. */
	ck_assert_int_eq(sys(SYS_fcntl, sys(SYS_dup, rd), F_GETFL),
	    O_NONBLOCK);
	ck_assert_int_eq(sys(SYS_fcntl, rd, F_SETFL, 0), 0);
	ck_assert_int_eq(sys(SYS_fcntl, rd, F_GETFL), O_RDONLY);
	ck_assert_int_eq(sys(SYS_fcntl, 99, F_GETFL), -EBADF);
	return 0;
}

START_TEST(test_status_flags)
{
	sys_run(status_flags);
}
END_TEST

/* readv/writev gather and scatter; their argument errors. */
static int
vectors(void *arg)
{
	uaddr_t buf = umem(4 * PG), iov = buf + 3 * PG;
	uint64_t v[6];
	char k[16];
	int rd, wr;

	(void)arg;
	mkpipe(0, &rd, &wr);
	poke_str(buf, "abc");
	poke_str(buf + 100, "defgh");
	v[0] = buf;
	v[1] = 3;
	v[2] = buf + 50;	/* empty */
	v[3] = 0;
	v[4] = buf + 100;
	v[5] = 5;
	ck_assert_int_eq(copyout(iov, v, sizeof(v)), 0);
	ck_assert_int_eq(sys(SYS_writev, wr, iov, 3), 8);
	v[0] = buf + 200;
	v[1] = 2;
	v[2] = buf + 300;
	v[3] = 10;
	ck_assert_int_eq(copyout(iov, v, 4 * 8), 0);
	ck_assert_int_eq(sys(SYS_readv, rd, iov, 2), 8);
	ck_assert_int_eq(copyin(k, buf + 200, 2), 0);
	ck_assert_int_eq(copyin(k + 2, buf + 300, 6), 0);
	ck_assert_int_eq(memcmp(k, "abcdefgh", 8), 0);
	ck_assert_int_eq(sys(SYS_writev, wr, iov, -1), -EINVAL);
	ck_assert_int_eq(sys(SYS_writev, wr, iov, 1025), -EINVAL);
	ck_assert_int_eq(sys(SYS_writev, wr, BAD, 1), -EFAULT);
	ck_assert_int_eq(sys(SYS_writev, 99, iov, 1), -EBADF);
	ck_assert_int_eq(sys(SYS_readv, rd, BAD, 1), -EFAULT);
	ck_assert_int_eq(sys(SYS_writev, wr, iov, 0), 0);
	/* Lengths that overflow a ssize_t. */
	v[1] = (uint64_t)1 << 63;
	v[3] = (uint64_t)1 << 63;
	ck_assert_int_eq(copyout(iov, v, 4 * 8), 0);
	ck_assert_int_eq(sys(SYS_writev, wr, iov, 2), -EINVAL);
	/* A bad buffer inside the vector. */
	v[0] = BAD;
	v[1] = 4;
	ck_assert_int_eq(copyout(iov, v, 2 * 8), 0);
	ck_assert_int_eq(sys(SYS_writev, wr, iov, 1), -EFAULT);
	return 0;
}

START_TEST(test_vectors)
{
	sys_run(vectors);
}
END_TEST

/* EBADF from every fd-taking call; fds 0-2 are the console. */
static int
ebadf(void *arg)
{
	uaddr_t buf = umem(PG);

	(void)arg;
	ck_assert_int_eq(sys(SYS_read, 50, buf, 1), -EBADF);
	ck_assert_int_eq(sys(SYS_write, -1, buf, 1), -EBADF);
	ck_assert_int_eq(sys(SYS_close, 50), -EBADF);
	ck_assert_int_eq(sys(SYS_close, -1), -EBADF);
	ck_assert_int_eq(sys(SYS_lseek, 50, 0, 0), -EBADF);
	ck_assert_int_eq(sys(SYS_pread64, 50, buf, 1, 0), -EBADF);
	ck_assert_int_eq(sys(SYS_pwrite64, 50, buf, 1, 0), -EBADF);
	ck_assert_int_eq(sys(SYS_readv, 50, buf, 1), -EBADF);
	ck_assert_int_eq(sys(SYS_fcntl, 50, F_GETFD), -EBADF);
	ck_assert_int_eq(sys(SYS_dup3, 50, 51, 0), -EBADF);
	ck_assert_int_eq(sys(SYS_mmap, 0, PG, PROT_R, MAP_PRIVATE, 50, 0),
	    -EBADF);
	ck_assert_int_eq(sys(SYS_mmap, 0, PG, PROT_R, MAP_PRIVATE, 1, 0),
	    -ENODEV);
	/* The console: writes land in the log; stdin is read-only. */
	poke_str(buf, "console says hi\n");
	ck_assert_int_eq(sys(SYS_write, 1, buf, 16), 16);
	ck_assert_ptr_nonnull(strstr(hosted_console_log(), "console says hi"));
	ck_assert_int_eq(sys(SYS_write, 0, buf, 1), -EBADF);
	ck_assert_int_eq(sys(SYS_read, 1, buf, 1), -EBADF);
	ck_assert_int_eq(sys(SYS_write, 2, BAD, 1), -EFAULT);
	ck_assert_int_eq(sys(SYS_lseek, 1, 0, 0), -ESPIPE);
	return 0;
}

START_TEST(test_ebadf)
{
	sys_run(ebadf);
}
END_TEST

/* Children inherit fds; a pipe's EOF needs every write end closed. */
static int
inherit_child(void *arg)
{
	uaddr_t buf = umem(PG);

	(void)arg;
	poke_str(buf, "kid");
	return sys(SYS_write, 4, buf, 3) == 3 ? 0 : 1;
}

static int
inherit(void *arg)
{
	uaddr_t buf = umem(PG);
	int rd, wr;
	long pid;

	(void)arg;
	mkpipe(0, &rd, &wr);
	pid = hosted_fork(inherit_child, NULL);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(sys(SYS_close, wr), 0);
	ck_assert_int_eq(sys(SYS_read, rd, buf, 10), 3);
	ck_assert_int_eq(sys(SYS_read, rd, buf, 10), 0);
	return 0;
}

START_TEST(test_inherit)
{
	sys_run(inherit);
}
END_TEST

/* The memory syscalls over core/vm. */
static int
memory(void *arg)
{
	long a, brk0;

	(void)arg;
	a = sys(SYS_mmap, 0, 4 * PG, PROT_R | PROT_W,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_int_gt(a, 0);
	poke32(a, 5);
	ck_assert_int_eq(sys(SYS_mprotect, a, PG, PROT_R), 0);
	ck_assert_int_eq(copyout(a, "x", 1), -EFAULT);
	ck_assert_int_eq(peek32(a), 5);
	ck_assert_int_eq(sys(SYS_mprotect, a + 1, PG, PROT_R), -EINVAL);
	ck_assert_int_eq(sys(SYS_madvise, a + PG, PG, MADV_DONTNEED), 0);
	ck_assert_int_eq(sys(SYS_munmap, a, PG), 0);
	ck_assert_int_eq(copyin(&brk0, a, 1), -EFAULT);
	ck_assert_int_eq(sys(SYS_munmap, a + 1, PG), -EINVAL);
	ck_assert_int_eq(sys(SYS_mmap, 0, 0, PROT_R,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_mmap, 0, PG, PROT_R,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 1), -EINVAL);
	/* Syscalls given unmapped or read-only memory say EFAULT. */
	ck_assert_int_eq(sys(SYS_uname, a), -EFAULT);
	ck_assert_int_eq(sys(SYS_uname, a + 4 * PG - 8), -EFAULT);
	/* brk: the break does not move without a heap (exec sets it). */
	brk0 = sys(SYS_brk, 0);
	ck_assert_int_eq(sys(SYS_brk, brk0), brk0);
	return 0;
}

START_TEST(test_memory)
{
	sys_run(memory);
}
END_TEST

static Suite *
sys_file_suite(void)
{
	Suite *s = suite_create("sys_file");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pipe_basics);
	tcase_add_test(tc, test_pipe_fault_keeps_data);
	tcase_add_test(tc, test_pipe_wakeup);
	tcase_add_test(tc, test_atomic_writes);
	tcase_add_test(tc, test_big_transfer);
	tcase_add_test(tc, test_dups);
	tcase_add_test(tc, test_status_flags);
	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_ebadf);
	tcase_add_test(tc, test_inherit);
	tcase_add_test(tc, test_memory);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sys_file_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
