/*
 * Memory mappings across fork and the mapping calls, as init (and
 * unchanged on Linux):
 *
 *  - a private mapping is copied on write: after fork, parent and child
 *    each see only their own writes, whoever writes first;
 *  - MAP_SHARED|MAP_ANONYMOUS stays shared across fork, both ways;
 *  - mprotect(PROT_NONE) makes an access fault: SIGSEGV, SEGV_ACCERR,
 *    si_addr the byte touched; an unmapped hole gives SEGV_MAPERR;
 *  - MAP_FIXED over part of a mapping replaces just that part with zeros;
 *  - munmap of a middle page leaves a hole between two live pages;
 *  - madvise(MADV_DONTNEED) zeroes private anonymous pages;
 *  - brk grows (zero-filled) and shrinks (the top then faults).
 *
 * Prints "cow: ok" and exits 0, or names the first failed check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("cow: FAIL line %d: %s\n", __LINE__, #cond);	\
		failures++;						\
	}								\
} while (0)

#define PG	4096

static sigjmp_buf jb;
static volatile int fault_code;
static volatile uintptr_t fault_addr;

static void
on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_code = si->si_code;
	fault_addr = (uintptr_t)si->si_addr;
	siglongjmp(jb, 1);
}

/* Read the byte at p; true if that faulted (fault_* then say how). */
static int
faults(volatile char *p)
{
	fault_code = 0;
	fault_addr = 0;
	if (sigsetjmp(jb, 1) == 0) {
		(void)*p;
		return 0;
	}
	return 1;
}

static char *
map(size_t len, int flags)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS,
	    -1, 0);

	CHECK(p != MAP_FAILED);
	return p;
}

/* Both orders of first write after fork, with a pipe to take turns. */
static void
test_private_cow(void)
{
	char *p = map(2 * PG, MAP_PRIVATE);
	int to_child[2], to_parent[2], st;
	char c = 0;
	pid_t pid;

	memset(p, 'A', 2 * PG);
	CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
	pid = fork();
	if (pid == 0) {
		int bad = p[0] != 'A' || p[PG] != 'A';

		p[0] = 'C';		/* the child writes first here */
		bad |= write(to_parent[1], "1", 1) != 1;
		bad |= read(to_child[0], &c, 1) != 1;
		/* The parent wrote page 1 after the fork: not seen here. */
		bad |= p[0] != 'C' || p[PG] != 'A';
		_exit(bad);
	}
	CHECK(read(to_parent[0], &c, 1) == 1);
	CHECK(p[0] == 'A');		/* the child's write stays there */
	p[PG] = 'P';
	CHECK(write(to_child[1], "2", 1) == 1);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(p[0] == 'A' && p[PG] == 'P');
	munmap(p, 2 * PG);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

static void
test_shared(void)
{
	volatile char *p = map(PG, MAP_SHARED);
	int st;
	pid_t pid;

	p[0] = 'S';
	pid = fork();
	if (pid == 0) {
		int bad = p[0] != 'S';

		p[1] = 'c';
		_exit(bad);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(p[1] == 'c');
	munmap((void *)p, PG);
}

static void
test_mprotect(void)
{
	char *p = map(2 * PG, MAP_PRIVATE);

	p[PG + 5] = 'x';
	CHECK(mprotect(p + PG, PG, PROT_NONE) == 0);
	CHECK(!faults(p));
	CHECK(faults(p + PG + 5));
	CHECK(fault_code == SEGV_ACCERR);
	CHECK(fault_addr == (uintptr_t)(p + PG + 5));
	CHECK(mprotect(p + PG, PG, PROT_READ) == 0);
	CHECK(!faults(p + PG + 5) && p[PG + 5] == 'x');
	munmap(p, 2 * PG);
}

static void
test_fixed_and_holes(void)
{
	char *p = map(3 * PG, MAP_PRIVATE), *q;

	memset(p, 'F', 3 * PG);
	q = mmap(p + PG, PG, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + PG);
	CHECK(p[0] == 'F' && p[PG] == 0 && p[PG + PG - 1] == 0);
	CHECK(p[2 * PG] == 'F');

	CHECK(munmap(p + PG, PG) == 0);
	CHECK(!faults(p) && !faults(p + 2 * PG));
	CHECK(faults(p + PG + 7));
	CHECK(fault_code == SEGV_MAPERR);
	CHECK(fault_addr == (uintptr_t)(p + PG + 7));
	/* Unmapping a hole again is fine. */
	CHECK(munmap(p + PG, PG) == 0);
	CHECK(munmap(p, 3 * PG) == 0);
	CHECK(faults(p + 2 * PG));
}

static void
test_dontneed(void)
{
	char *p = map(2 * PG, MAP_PRIVATE);

	memset(p, 'D', 2 * PG);
	CHECK(madvise(p, PG, MADV_DONTNEED) == 0);
	CHECK(p[0] == 0 && p[PG - 1] == 0 && p[PG] == 'D');
	munmap(p, 2 * PG);
}

static void
test_brk(void)
{
	char *base = (char *)syscall(SYS_brk, 0), *top;

	CHECK(base != NULL);
	top = (char *)syscall(SYS_brk, base + 3 * PG);
	CHECK(top == base + 3 * PG);
	CHECK(base[0] == 0 && base[3 * PG - 1] == 0);
	memset(base, 'B', 3 * PG);
	top = (char *)syscall(SYS_brk, base + PG);
	CHECK(top == base + PG);
	CHECK(!faults(base) && base[0] == 'B');
	CHECK(faults(base + 2 * PG));
	CHECK(fault_addr == (uintptr_t)(base + 2 * PG));
	/* Growing again brings back zeros, not the old bytes. */
	top = (char *)syscall(SYS_brk, base + 3 * PG);
	CHECK(top == base + 3 * PG);
	CHECK(!faults(base + 2 * PG) && base[2 * PG] == 0);
	CHECK(syscall(SYS_brk, base) == (long)base);
}

int
main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	test_private_cow();
	test_shared();
	test_mprotect();
	test_fixed_and_holes();
	test_dontneed();
	test_brk();
	if (failures == 0)
		printf("cow: ok\n");
	return failures != 0;
}
