/*
 * Argument kinds: how a selector byte and a value become an argument.
 *
 * Resources the calls made so far returned -- fds, mapped addresses,
 * pids and tids -- are remembered in small lists, and an argument of
 * that kind picks one of them, so that a read follows an open and an
 * munmap hits a mapping; flag-like kinds pick from the values the
 * kernel tests for and sometimes OR two together or flip a bit; pointer
 * kinds build their struct in the actor's scratch (scratch.c) and now
 * and then pass NULL, an unmapped address, a kernel address or a buffer
 * that runs off the end of the scratch instead.  Selectors from
 * FUZZ_SEL_RAW up pass the value untouched, except for the sigaction,
 * whose handler is called as a host function (hosted.h): a raw one would
 * crash the harness, not the kernel.
 *
 * pid 1 is the supervisor (run.c): a stopped or killed init ends the run
 * early, so the pid kind never names it, even raw.
 */
#include <stdio.h>
#include <string.h>

#include "contract/pmap.h"
#include "contract/usercopy.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "fuzz.h"
#include "vm/vm.h"

#define N(a)		(sizeof(a) / sizeof((a)[0]))
#define PICK(t, v)	((t)[(v) % N(t)])
#define PG		4096ul
#define BAD_ADDR	0x1000ul
#define KERNEL_ADDR	0xffff888000000000ul

unsigned long fuzz_handler_runs;

static long fds[24];
static int nfds;
static uint64_t addrs[16];
static int naddrs;
static long pids[16];
static int npids;

/* Remember v in a list of n slots; when full, replace by hash. */
#define REMEMBER(list, count, v) do {					\
	int i_;								\
	for (i_ = 0; i_ < (count); i_++)				\
		if ((list)[i_] == (v))					\
			break;						\
	if (i_ < (count))						\
		break;							\
	if ((count) < (int)N(list))					\
		(list)[(count)++] = (v);				\
	else								\
		(list)[(uint64_t)(v) % N(list)] = (v);			\
} while (0)

void
fuzz_kinds_reset(void)
{
	nfds = naddrs = npids = 0;
	fuzz_handler_runs = 0;
}

void
fuzz_note_pid(long pid)
{
	if (pid > 1)
		REMEMBER(pids, npids, pid);
}

/* What a successful call handed out, for later arguments to use. */
void
fuzz_note_result(const struct fuzz_call *c, const uint64_t *a, long ret)
{
	int32_t pair[2];
	unsigned f;

	if (c->args == NULL || ret < 0)
		return;
	f = c->args->flags;
	if ((f & F_RET_FD) && ret < 4096)
		REMEMBER(fds, nfds, ret);
	if (f & F_RET_PID)
		fuzz_note_pid(ret);
	if ((f & F_RET_ADDR) && ret != 0)
		REMEMBER(addrs, naddrs, (uint64_t)ret);
	if ((f & (F_FDPAIR | F_FDPAIR3)) && copyin(pair,
	    a[f & F_FDPAIR ? 0 : 3], sizeof(pair)) == 0) {
		REMEMBER(fds, nfds, pair[0]);
		REMEMBER(fds, nfds, pair[1]);
	}
}

void
fuzz_signal_handler(int signo, void *info, void *uc)
{
	(void)signo;
	(void)info;
	(void)uc;
	fuzz_handler_runs++;
}

/* Values the kernel tests for, per flag-like kind. */
static const int64_t raw_vals[] = { 0, 1, 2, 3, 4, 7, 8, 16, 64, 255, 256,
    4095, 4096, 4097, 65536, 0x7fffffff, 0x80000000ll, 0xffffffffll, -1, -2,
    INT64_MAX, INT64_MIN };
static const int64_t len_vals[] = { 0, 1, 2, 7, 8, 16, 24, 64, 100, 512,
    4095, 4096, 4097, 8192, 65536, 1 << 20, -1 };
static const int64_t oflag_vals[] = { O_RDONLY, O_WRONLY, O_RDWR,
    O_CREAT | O_RDWR, O_CREAT | O_EXCL | O_WRONLY, O_TRUNC | O_WRONLY,
    O_APPEND | O_WRONLY, O_DIRECTORY, O_NOFOLLOW, O_PATH,
    O_NONBLOCK | O_RDWR, O_CLOEXEC, O_CREAT | O_DIRECTORY, O_NOCTTY,
    O_NONBLOCK, O_DIRECT, O_ASYNC, 0x400000 /* O_TMPFILE's bit */ };
static const int64_t mode_vals[] = { 0, 1, 2, 4, 7, 0644, 0755, 0777, 0400,
    0200, 0100, 04755, 01777, 07777, 0xffffffffll, 010644 /* fifo */,
    020666 /* chr */, 060644 /* blk */, 0140644 /* sock */, 0100644 };
static const int64_t whence_vals[] = { 0, 1, 2, 3, 4, 5, -1 };
static const int64_t size_vals[] = { 0, PG, 2 * PG, 3 * PG, 4 * PG, 8 * PG,
    16 * PG, 256 * PG, 1, 4095, 4097, 1ll << 30, -1, -(int64_t)PG };
static const int64_t prot_vals[] = { 0, 1, 2, 3, 4, 5, 7, 8, 0x01000000,
    0x02000000 };
static const int64_t mflag_vals[] = { MAP_PRIVATE | MAP_ANONYMOUS,
    MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
    MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, MAP_PRIVATE, MAP_SHARED,
    MAP_SHARED_VALIDATE, MAP_POPULATE, MAP_NORESERVE, MAP_GROWSDOWN,
    0x100000 /* MAP_FIXED_NOREPLACE */, MAP_STACK, 0 };
static const int64_t madv_vals[] = { 0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 14,
    100, -1 };
static const int64_t sig_vals[] = { 0, 1, 2, 3, 9, 10, 11, 12, 13, 14, 15,
    17, 18, 19, 20, 21, 22, 28, 32, 33, 34, 64, 65, -1 };
static const int64_t sigsz_vals[] = { 8, 8, 8, 8, 0, 4, 16, 128 };
static const int64_t how_vals[] = { 0, 1, 2, 3, 4, -1 };
static const int64_t msec_vals[] = { 0, 1, 2, 5, 10, -1 };
static const int64_t clone_vals[] = { 17 /* SIGCHLD */,
    0x7d0f00 /* pthread_create: VM FS FILES SIGHAND THREAD SYSVSEM SETTLS
		PARENT_SETTID CHILD_CLEARTID */,
    0x4111 /* VM VFORK SIGCHLD */, 0x411, 0x100, 0x200, 0x400, 0x800,
    0x8000 /* PARENT */, 0x10000 /* THREAD */, 0x20000 /* NEWNS */,
    0x1000000 /* CHILD_SETTID */, 0x200000 /* CHILD_CLEARTID */,
    0x100000 /* PARENT_SETTID */, 0x80000 /* SETTLS */, 0 };
static const int64_t waitopt_vals[] = { 0, 1, 2, 4, 8, 5, 0x01000004,
    0x40000000, 0x80000000ll, 0x20000000, 0x100 };
static const int64_t iovcnt_vals[] = { 0, 1, 2, 3, 4, 1024, 1025, -1 };
static const int64_t nfds_vals[] = { 0, 1, 2, 3, 4, 64, 1024, 4096, 4097,
    -1 };
static const int64_t fcntl_vals[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1030,
    1031, 1032, 1033, 1034, 1024, 1025, 1026 };
static const int64_t ioctl_vals[] = { 0x5401, 0x5402, 0x5403, 0x5404,
    0x540a, 0x540b, 0x540e, 0x540f, 0x5410, 0x5413, 0x5414, 0x541b,
    0x5421, 0x5422, 0x5429, 0x5450, 0x5451, 0x80045430, 0 };
static const int64_t uid_vals[] = { 0, 1, 1000, 65534, -1 };
static const int64_t atflag_vals[] = { 0, AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR,
    AT_SYMLINK_FOLLOW, AT_EMPTY_PATH, AT_EACCESS, 0x800 /* NO_AUTOMOUNT */,
    0x2000, 0x4000, 0x6000 /* statx sync types */ };
static const int64_t futexop_vals[] = { 0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 128,
    129, 137, 138, 256, 265, 13 };
static const int64_t prctl_vals[] = { 1, 2, 3, 4, 8, 15, 16, 23, 30, 36, 37,
    38, 39, 0x1001, 0x1002, 0x1003, 0x1004, 0, 1000 };
static const int64_t rlimit_vals[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    12, 13, 14, 15, 16, -1 };
static const int64_t clock_vals[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 16,
    -1, -2, -6 };
static const int64_t rename_vals[] = { 0, 1, 2, 3, 4 };
static const int64_t statx_vals[] = { 0x7ff, 0xfff, 0, 1, 0x80000000ll };
static const int64_t sockdom_vals[] = { 1 /* AF_UNIX */, 2 /* AF_INET */,
    10 /* AF_INET6 */, 16 /* AF_NETLINK */, 0, 46 };
static const int64_t socktype_vals[] = { 1 /* STREAM */, 2 /* DGRAM */,
    5 /* SEQPACKET */, 3 /* RAW */, 0x800 /* NONBLOCK */,
    0x80000 /* CLOEXEC */, 0, 10 };
static const int64_t socklen_vals[] = { 110, 16, 2, 3, 0, 12, 28, 128, -1 };
static const int64_t msgflag_vals[] = { 0, 0x40 /* DONTWAIT */, 2 /* PEEK */,
    0x4000 /* NOSIGNAL */, 0x100 /* WAITALL */, 0x20 /* TRUNC */, 1 /* OOB */,
    0x40000000 /* CMSG_CLOEXEC */ };
/* Socket option levels and names (both SO_* and TCP_* are small ints). */
static const int64_t socklevel_vals[] = { 1 /* SOL_SOCKET */,
    6 /* IPPROTO_TCP */, 0 /* IPPROTO_IP */, 17 /* IPPROTO_UDP */, 41, -1 };
static const int64_t sockopt_vals[] = { 1 /* DEBUG, NODELAY */,
    2 /* REUSEADDR, MAXSEG */, 3 /* TYPE, CORK */, 4 /* ERROR, KEEPIDLE */,
    5 /* KEEPINTVL */, 6 /* BROADCAST, KEEPCNT */, 7 /* SNDBUF, SYNCNT */,
    8 /* RCVBUF */, 9 /* KEEPALIVE, DEFER_ACCEPT */, 10 /* OOBINLINE */,
    11 /* TCP_INFO */, 12 /* QUICKACK */, 13 /* LINGER, CONGESTION */,
    15 /* REUSEPORT */, 16 /* PASSCRED */, 17 /* PEERCRED */,
    18 /* RCVLOWAT */, 20 /* RCVTIMEO */, 21 /* SNDTIMEO */,
    30 /* ACCEPTCONN */, 32 /* SNDBUFFORCE */, 33 /* RCVBUFFORCE */,
    38 /* PROTOCOL */, 39 /* DOMAIN */, 0x4243 /* biscotti's trace */, 0,
    1000 };

struct flag_kind {
	const int64_t *vals;
	size_t n;
};

/* Kinds that only pick and mix interesting values. */
#define FK(k, t)	[k] = { t, N(t) }
static const struct flag_kind flag_kinds[K_NKINDS] = {
	FK(K_RAW, raw_vals), FK(K_LEN, len_vals), FK(K_OFLAGS, oflag_vals),
	FK(K_MODE, mode_vals), FK(K_WHENCE, whence_vals),
	FK(K_SIZE, size_vals), FK(K_PROT, prot_vals),
	FK(K_MFLAGS, mflag_vals), FK(K_MADV, madv_vals),
	FK(K_SIG, sig_vals), FK(K_SIGSETSZ, sigsz_vals),
	FK(K_HOW, how_vals), FK(K_MSEC, msec_vals), FK(K_CLONE, clone_vals),
	FK(K_WAITOPT, waitopt_vals), FK(K_IOVCNT, iovcnt_vals),
	FK(K_NFDS, nfds_vals), FK(K_FCNTL, fcntl_vals),
	FK(K_IOCTL, ioctl_vals), FK(K_UID, uid_vals),
	FK(K_ATFLAGS, atflag_vals), FK(K_FUTEXOP, futexop_vals),
	FK(K_PRCTL, prctl_vals), FK(K_RLIMIT, rlimit_vals),
	FK(K_CLOCK, clock_vals), FK(K_RENAME, rename_vals),
	FK(K_STATX, statx_vals), FK(K_SOCKDOM, sockdom_vals),
	FK(K_SOCKTYPE, socktype_vals), FK(K_SOCKLEN, socklen_vals),
	FK(K_MSGFLAGS, msgflag_vals), FK(K_SOCKLEVEL, socklevel_vals),
	FK(K_SOCKOPT, sockopt_vals),
};

/* One value of the table; OR in a second, flip a bit, as sel says. */
static uint64_t
gen_flags(const struct flag_kind *fk, uint8_t sel, uint64_t val)
{
	uint64_t v = (uint64_t)fk->vals[val % fk->n];

	if (sel & 1)
		v |= (uint64_t)fk->vals[(val >> 8) % fk->n];
	if (sel & 2)
		v ^= 1ull << ((val >> 16) % 32);
	if ((sel & 0x1c) == 0x1c)	/* a small count instead */
		v = (val >> 24) % 300;
	return v;
}

/* The path namespace the supervisor builds (run.c), and names near it. */
static const char *const paths[] = {
	"/", "/a", "/a/b", "/a/b/c", "/f", "/a/f", "/a/b/f", "/l", "/a/l",
	"/a/l/f", "/loop", "/x", "/s", "/tmp", "/tmp/t", "/dev", "/dev/null",
	"/dev/zero", "/dev/full", "/dev/urandom", "/dev/tty", "/dev/console",
	".", "..", "a", "f", "b/f", "", "/f/", "/a/", "//a//b/", "/a/./b/../f",
	"/nonexistent/x", "/f/x", "/a/b/c/d", "/l/", "/proc", "/bin/sh",
};
static const char *const leaves[] = { "f", "b", "c", "x", "l", "..", ".",
    "new", "t" };

int
fuzz_path_index(const char *path)
{
	size_t i;

	for (i = 0; i < N(paths); i++)
		if (strcmp(paths[i], path) == 0)
			return (int)i;
	return -1;
}

/*
 * Pointer escapes shared by every pointer kind: NULL, an unmapped page,
 * a kernel address, a mapped address of the list.
 */
static bool
ptr_escape(uint8_t sel, uint64_t val, uint64_t *out)
{
	switch (sel & 0x1f) {
	case 0x1f:
		*out = 0;
		return true;
	case 0x1e:
		*out = BAD_ADDR;
		return true;
	case 0x1d:
		*out = KERNEL_ADDR;
		return true;
	case 0x1c:
		if (naddrs == 0)
			return false;
		*out = addrs[val % (uint64_t)naddrs] + (val >> 8) % (2 * PG);
		return true;
	default:
		return false;
	}
}

/* Build a path in slot's page; long ones run into the next page. */
static uint64_t
gen_path(int actor, int slot, uint8_t sel, uint64_t val)
{
	static char buf[PG];
	uint64_t u = fuzz_scratch(actor, slot);
	size_t n = val % (N(paths) + 2);

	if (n == N(paths)) {		/* one component of 300 bytes */
		memset(buf, 'n', 301);
		buf[0] = '/';
		buf[301] = '\0';
	} else if (n == N(paths) + 1) {	/* PATH_MAX without its NUL */
		memset(buf, 'p', sizeof(buf));
		buf[0] = '/';
		fuzz_put(actor, u, buf, sizeof(buf));
		return u;
	} else if (sel & 0x10) {
		snprintf(buf, sizeof(buf), "%s/%s", paths[n],
		    PICK(leaves, val >> 8));
	} else {
		snprintf(buf, sizeof(buf), "%s", paths[n]);
	}
	fuzz_put(actor, u, buf, strlen(buf) + 1);
	return u;
}

static uint64_t
gen_fstype(int actor, int slot, uint64_t val)
{
	static const char *const types[] = { "tmpfs", "devfs", "proc",
	    "sysfs", "ext2", "", "tmpfsx" };
	const char *t = PICK(types, val);
	uint64_t u = fuzz_scratch(actor, slot);

	fuzz_put(actor, u, t, strlen(t) + 1);
	return u;
}

/* An input buffer: the value's bytes over the first 512. */
static uint64_t
gen_ibuf(int actor, int slot, uint64_t val)
{
	uint64_t b[64], u = fuzz_scratch(actor, slot);
	size_t i;

	for (i = 0; i < N(b); i++)
		b[i] = val;
	fuzz_put(actor, u, b, sizeof(b));
	return u;
}

static uint64_t
gen_fd(uint8_t sel, uint64_t val, bool dir)
{
	static const long extra[] = { 0, 1, 2, -1, 4095, 4096, 63 };

	if (dir && (sel & 3) != 3)
		return (uint64_t)(int64_t)AT_FDCWD;
	if (nfds > 0 && (sel & 0x18) != 0x18)
		return (uint64_t)fds[val % (uint64_t)nfds];
	return (uint64_t)PICK(extra, val);
}

static uint64_t
gen_addr(int actor, uint8_t sel, uint64_t val)
{
	static const uint64_t fixed[] = { 0, 0x20000000, 0x20001000,
	    0x20000123, FUZZ_SCRATCH, USER_END - PG, USER_END, KERNEL_ADDR,
	    BAD_ADDR, 0x7fff0000 };

	if (naddrs > 0 && (sel & 3) != 3)
		return addrs[val % (uint64_t)naddrs] +
		    PG * ((val >> 8) % 4) * ((sel >> 2) & 1);
	if (sel & 4)
		return fuzz_scratch(actor, (int)(val % 8));
	return PICK(fixed, val);
}

static uint64_t
gen_pid(uint8_t sel, uint64_t val)
{
	static const int64_t extra[] = { 0, -1, 99999, INT32_MIN };
	int64_t p;

	if (npids > 0 && (sel & 3) != 3)
		p = pids[val % (uint64_t)npids];
	else
		p = PICK(extra, val);
	if ((sel & 0x0c) == 0x0c && p > 0)	/* a process group */
		p = -p;
	return (uint64_t)p;
}

/* The K_SIGACT struct: struct sigaction as the kernel reads it. */
static uint64_t
gen_sigact(int actor, int slot, uint8_t sel, uint64_t val)
{
	static const uint64_t flags[] = { 0x04000000 /* RESTORER */,
	    0x10000000 /* RESTART */, 4 /* SIGINFO */, 0x40000000 /* NODEFER */,
	    0x80000000ul /* RESETHAND */, 0x08000000 /* ONSTACK */,
	    1 /* NOCLDSTOP */, 2 /* NOCLDWAIT */ };
	uint64_t act[4], u = fuzz_scratch(actor, slot);

	if ((sel & 0x1f) == 0x1f)
		return 0;
	switch (val % 3) {
	case 0:
		act[0] = 0;	/* SIG_DFL */
		break;
	case 1:
		act[0] = 1;	/* SIG_IGN */
		break;
	default:
		act[0] = (uint64_t)(uintptr_t)fuzz_signal_handler;
		break;
	}
	act[1] = PICK(flags, val >> 4) | PICK(flags, val >> 8);
	if (!(sel & 1))
		act[1] |= 0x04000000;
	act[2] = 0;		/* the restorer: hosted calls rt_sigreturn itself */
	act[3] = val >> 16;	/* the mask */
	fuzz_put(actor, u, act, sizeof(act));
	return u;
}

/* Two timespecs (utimensat reads a pair), short: runs stay quick. */
static uint64_t
gen_time(int actor, int slot, enum fuzz_kind k, uint64_t val)
{
	static const int64_t ts[][2] = { { 0, 0 }, { 0, 1 }, { 0, 1000 },
	    { 0, 100000 }, { 0, 1000000 }, { 0, 5000000 }, { 0, 999999999 },
	    { 0, 1000000000 }, { -1, 0 }, { 1, 0 }, { 0, (1 << 30) - 1 },
	    { 0, (1 << 30) - 2 } };
	static const int64_t tv[][2] = { { 0, 0 }, { 0, 1 }, { 0, 1000 },
	    { 0, 999999 }, { 0, 1000000 }, { -1, 0 }, { 1, 0 } };
	int64_t t[4];
	uint64_t u = fuzz_scratch(actor, slot);

	if (k == K_TIMEVAL) {
		memcpy(t, PICK(tv, val), 16);
		memcpy(t + 2, PICK(tv, val >> 8), 16);
	} else if (k == K_ITIMER) {	/* interval, value */
		memcpy(t, PICK(tv, val >> 8), 16);
		memcpy(t + 2, PICK(tv, val), 16);
	} else {
		memcpy(t, PICK(ts, val), 16);
		memcpy(t + 2, PICK(ts, val >> 8), 16);
	}
	fuzz_put(actor, u, t, sizeof(t));
	return u;
}

/* An iovec array at the slot's start over the actor's spare pages. */
static uint64_t
gen_iovec(int actor, int slot, uint64_t val)
{
	uint64_t iov[8], u = fuzz_scratch(actor, slot);
	int i;

	for (i = 0; i < 4; i++) {
		iov[2 * i] = fuzz_scratch(actor, 6 + (int)((val >> i) & 1)) +
		    (val >> (8 * i + 2)) % 64;
		iov[2 * i + 1] = (uint64_t)PICK(len_vals, val >> (8 * i));
		if (((val >> (8 * i)) & 0x1f) == 0x1f)
			iov[2 * i] = BAD_ADDR;
	}
	fuzz_put(actor, u, iov, sizeof(iov));
	return u;
}

static uint64_t
gen_pollfd(int actor, int slot, uint8_t sel, uint64_t val)
{
	static const int16_t events[] = { 1, 4, 5, 2, 0, -1, 0x10, 0x2000 };
	int32_t pfd[8];
	uint64_t u = fuzz_scratch(actor, slot);
	int i;

	for (i = 0; i < 4; i++) {
		pfd[2 * i] = (int32_t)gen_fd(sel, val >> (8 * i), false);
		pfd[2 * i + 1] = (uint16_t)PICK(events, val >> (8 * i + 4));
	}
	fuzz_put(actor, u, pfd, sizeof(pfd));
	return u;
}

/* An fd_set of 1024 bits: the value's bits, and the listed fds. */
static uint64_t
gen_fdset(int actor, int slot, uint8_t sel, uint64_t val)
{
	uint64_t set[16], u = fuzz_scratch(actor, slot);
	int i;

	memset(set, 0, sizeof(set));
	set[0] = (sel & 1) ? val : 0;
	for (i = 0; i < nfds; i++)
		if ((val >> i) & 1 && fds[i] >= 0 && fds[i] < 1024)
			set[fds[i] / 64] |= 1ull << (fds[i] % 64);
	fuzz_put(actor, u, set, sizeof(set));
	return u;
}

static uint64_t
gen_futex(uint8_t sel, uint64_t val)
{
	/* The first actor's spare page: private to a process, so shared
	 * by its threads only (and copied by fork). */
	if (sel & 1)
		return fuzz_scratch(0, 7) + 4 * (val % 4) + ((sel >> 1) & 1);
	/* The shared page the supervisor maps: processes meet there. */
	return FUZZ_SCRATCH - PG + 4 * (val % 8);
}

/* A NULL-terminated vector of path-table strings. */
static uint64_t
gen_argv(int actor, int slot, uint64_t val)
{
	uint64_t v[5], u = fuzz_scratch(actor, slot);
	int i, n = (int)(val % 5);
	char s[64];
	size_t off = 64;

	for (i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "%s", PICK(paths, val >> (8 * i + 3)));
		fuzz_put(actor, u + off, s, strlen(s) + 1);
		v[i] = u + off;
		off += strlen(s) + 1;
	}
	v[n] = 0;
	fuzz_put(actor, u, v, sizeof(v[0]) * (size_t)(n + 1));
	return u;
}

/*
 * A socket address at u: AF_UNIX names in the namespace (bind creates
 * them), the abstract namespace, or AF_INET loopback; its length is the
 * return value's business (K_SOCKLEN).
 */
static void
put_sockaddr(int actor, uint64_t u, uint64_t val)
{
	static const char *const names[] = { "/sock", "/a/sock", "/f", "",
	    "/tmp/s", "/a/b" };
	uint8_t sa[112];

	memset(sa, 0, sizeof(sa));
	switch (val % 4) {
	case 0:
	case 1:
		sa[0] = 1;	/* AF_UNIX */
		strcpy((char *)sa + 2, PICK(names, val >> 4));
		break;
	case 2:
		sa[0] = 1;	/* abstract: a NUL, then the name */
		sa[3] = 'a' + (char)((val >> 4) % 3);
		break;
	default:
		sa[0] = 2;	/* AF_INET 127.0.0.1:port */
		sa[2] = 0x1f;
		sa[3] = (uint8_t)(val >> 4);
		sa[4] = 127;
		sa[7] = 1;
		break;
	}
	fuzz_put(actor, u, sa, sizeof(sa));
}

/* struct msghdr: an address, two iovecs, SCM_RIGHTS with listed fds. */
static uint64_t
gen_msghdr(int actor, int slot, uint8_t sel, uint64_t val)
{
	uint64_t u = fuzz_scratch(actor, slot), msg[7], iov[4];
	uint8_t cmsg[40];
	uint64_t clen = 16 + 4 * (1 + (val >> 12) % 3);
	int32_t lvl[2] = { 1, 1 }, fd;
	int i;

	put_sockaddr(actor, u + 256, val >> 16);
	for (i = 0; i < 2; i++) {
		iov[2 * i] = fuzz_scratch(actor, 6 + i);
		iov[2 * i + 1] = (uint64_t)PICK(len_vals, val >> (8 * i + 2));
	}
	fuzz_put(actor, u + 512, iov, sizeof(iov));
	memset(cmsg, 0, sizeof(cmsg));
	memcpy(cmsg, &clen, 8);
	memcpy(cmsg + 8, lvl, 8);	/* SOL_SOCKET, SCM_RIGHTS */
	for (i = 0; i < (int)(clen - 16) / 4; i++) {
		fd = (int32_t)gen_fd(sel, val >> (4 * i), false);
		memcpy(cmsg + 16 + 4 * i, &fd, 4);
	}
	fuzz_put(actor, u + 1024, cmsg, sizeof(cmsg));
	msg[0] = (sel & 1) ? u + 256 : 0;		/* name */
	msg[1] = (uint64_t)PICK(socklen_vals, val);	/* namelen */
	msg[2] = u + 512;				/* iov */
	msg[3] = 1 + (val >> 8) % 2;			/* iovlen */
	msg[4] = (sel & 2) ? u + 1024 : 0;		/* control */
	msg[5] = (sel & 2) ? (sel & 4 ? sizeof(cmsg) : clen) : 0;
	msg[6] = 0;					/* flags */
	fuzz_put(actor, u, msg, sizeof(msg));
	return u;
}

/* Argument argi of a call issued by actor. */
uint64_t
fuzz_gen(int actor, int argi, enum fuzz_kind k, uint8_t sel, uint64_t val)
{
	uint64_t p;

	if (k == K_NONE)
		return sel >= FUZZ_SEL_RAW ? val : 0;
	if (k == K_PID && sel >= FUZZ_SEL_RAW)
		return (int32_t)val == 1 ? 0 : val;
	if (sel >= FUZZ_SEL_RAW && k != K_SIGACT)
		return val;
	if (flag_kinds[k].vals != NULL)
		return gen_flags(&flag_kinds[k], sel, val);
	switch (k) {
	case K_FD:
		return gen_fd(sel, val, false);
	case K_DIRFD:
		return gen_fd(sel, val, true);
	case K_ADDR:
		return gen_addr(actor, sel, val);
	case K_PID:
		return gen_pid(sel, val);
	case K_SIGACT:
		return gen_sigact(actor, argi, sel, val);
	default:
		break;
	}
	/* The pointer kinds. */
	if (ptr_escape(sel, val, &p))
		return p;
	switch (k) {
	case K_PATH:
		return gen_path(actor, argi, sel, val);
	case K_IBUF:
		return gen_ibuf(actor, argi, val);
	case K_OBUF:
		if ((sel & 0x1f) == 0x1b)	/* runs into the guard page */
			return fuzz_scratch(actor, 8) - 8;
		return fuzz_scratch(actor, argi);
	case K_SIGSET:
		fuzz_put(actor, fuzz_scratch(actor, argi), &val, sizeof(val));
		return fuzz_scratch(actor, argi);
	case K_TIMESPEC:
	case K_TIMEVAL:
	case K_ITIMER:
		return gen_time(actor, argi, k, val);
	case K_IOVEC:
		return gen_iovec(actor, argi, val);
	case K_POLLFD:
		return gen_pollfd(actor, argi, sel, val);
	case K_FDSET:
		return gen_fdset(actor, argi, sel, val);
	case K_FUTEX:
		return gen_futex(sel, val);
	case K_ARGV:
		return gen_argv(actor, argi, val);
	case K_FSTYPE:
		return gen_fstype(actor, argi, val);
	case K_SOCKADDR:
		put_sockaddr(actor, fuzz_scratch(actor, argi), val);
		return fuzz_scratch(actor, argi);
	case K_SOCKLENP: {
		int32_t len = (int32_t)PICK(socklen_vals, val);

		fuzz_put(actor, fuzz_scratch(actor, argi), &len, sizeof(len));
		return fuzz_scratch(actor, argi);
	}
	case K_MSGHDR:
		return gen_msghdr(actor, argi, sel, val);
	default:
		return val;
	}
}

static const char *const kind_names[K_NKINDS] = {
	"none", "raw", "fd", "dirfd", "path", "ibuf", "obuf", "len", "oflags",
	"mode", "whence", "addr", "size", "prot", "mflags", "madv", "pid",
	"sig", "sigact", "sigset", "sigsetsz", "how", "timespec", "timeval",
	"itimer", "msec", "clone", "waitopt", "iovec", "iovcnt", "pollfd",
	"nfds", "fdset", "fcntl", "ioctl", "uid", "atflags", "futexop",
	"futex", "argv", "fstype", "prctl", "rlimit", "clock", "rename",
	"statx", "sockdom", "socktype", "sockaddr", "socklen", "socklenp",
	"msgflags", "msghdr",
};

const char *
fuzz_kind_name(enum fuzz_kind k)
{
	return k < K_NKINDS && kind_names[k] != NULL ? kind_names[k] : "?";
}

enum fuzz_kind
fuzz_kind_named(const char *name)
{
	int k;

	for (k = 0; k < K_NKINDS; k++)
		if (kind_names[k] != NULL && strcmp(kind_names[k], name) == 0)
			return (enum fuzz_kind)k;
	return K_NKINDS;
}

/* An argument as a trace shows it: strings quoted, small numbers decimal. */
int
fuzz_format_arg(char *buf, size_t size, enum fuzz_kind k, uint64_t v)
{
	char s[48];
	int64_t sv = (int64_t)v;

	if ((k == K_PATH || k == K_FSTYPE) && v != 0 &&
	    copyinstr(s, v, sizeof(s)) >= 0)
		return snprintf(buf, size, "\"%s\"", s);
	if (k == K_DIRFD && sv == AT_FDCWD)
		return snprintf(buf, size, "AT_FDCWD");
	if (sv >= -4096 && sv < 65536 && k != K_OFLAGS && k != K_MFLAGS &&
	    k != K_CLONE)
		return snprintf(buf, size, "%lld", (long long)sv);
	return snprintf(buf, size, "%#llx", (unsigned long long)v);
}
