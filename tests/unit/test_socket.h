/*
 * Helpers shared by the socket and epoll tests (test_socket*.c,
 * test_unix*.c, test_epoll*.c): user-memory sockaddr_un, msghdr and
 * control-message builders over test_sys.h.
 */
#ifndef TEST_SOCKET_H
#define TEST_SOCKET_H

#include "net/socket.h"
#include "test_sys.h"

#define K_AF_UNIX	1
#define K_AF_INET	2
#define K_SOCK_STREAM	1
#define K_SOCK_DGRAM	2
#define K_SOCK_SEQPACKET 5
#define K_SOCK_NONBLOCK	0x800
#define K_SOCK_CLOEXEC	0x80000
#define K_MSG_PEEK	0x2
#define K_MSG_CTRUNC	0x8
#define K_MSG_TRUNC	0x20
#define K_MSG_DONTWAIT	0x40
#define K_MSG_WAITALL	0x100
#define K_MSG_NOSIGNAL	0x4000
#define K_SOL_SOCKET	1
#define K_SCM_RIGHTS	1
#define K_POLLIN	0x001
#define K_POLLOUT	0x004
#define K_POLLERR	0x008
#define K_POLLHUP	0x010
#define K_POLLRDHUP	0x2000
#define K_SIGPIPE	13

/* struct sockaddr_un */
struct k_sun {
	uint16_t family;
	char path[108];
};

/* struct msghdr and the iovec and cmsg it points at. */
struct k_iov {
	uint64_t base, len;
};

struct k_msghdr {
	uint64_t name;
	int32_t namelen, pad0;
	uint64_t iov, iovlen, control, controllen;
	int32_t flags, pad1;
};

struct k_cmsg {
	uint64_t len;
	int32_t level, type;
};

/* A sockaddr_un for path (abstract when path[0] is '@') in user memory. */
static inline uaddr_t
sun_addr(const char *path, long *len)
{
	struct k_sun a;
	uaddr_t u = umem(PG);
	size_t n = strlen(path);

	memset(&a, 0, sizeof(a));
	a.family = K_AF_UNIX;
	memcpy(a.path, path, n);
	if (path[0] == '@') {
		a.path[0] = '\0';
		*len = 2 + (long)n;
	} else
		*len = 2 + (long)n + 1;
	ck_assert_int_eq(copyout(u, &a, sizeof(a)), 0);
	return u;
}

static inline int
mksock(int type)
{
	long fd = sys(SYS_socket, K_AF_UNIX, type, 0);

	ck_assert_int_ge(fd, 0);
	return (int)fd;
}

static inline void
mkpair(int type, int *a, int *b)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(sys(SYS_socketpair, K_AF_UNIX, type, 0, u), 0);
	*a = peek32(u);
	*b = peek32(u + 4);
}

/* A socket of type bound to path and listening (stream types). */
static inline int
listener(int type, const char *path, int backlog)
{
	long len;
	uaddr_t a = sun_addr(path, &len);
	int fd = mksock(type);

	ck_assert_int_eq(sys(SYS_bind, fd, a, len), 0);
	if (type != K_SOCK_DGRAM)
		ck_assert_int_eq(sys(SYS_listen, fd, backlog), 0);
	return fd;
}

static inline long
bind_to(int fd, const char *path)
{
	long len;
	uaddr_t a = sun_addr(path, &len);

	return sys(SYS_bind, fd, a, len);
}

static inline long
connect_to(int fd, const char *path)
{
	long len;
	uaddr_t a = sun_addr(path, &len);

	return sys(SYS_connect, fd, a, len);
}

/* Write and read kernel strings through user memory. */
static inline long
put_str(int fd, const char *s)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(copyout(u, s, strlen(s)), 0);
	return sys(SYS_write, fd, u, strlen(s));
}

/* Read up to n bytes (flags for recvfrom) into out, NUL-terminated. */
static inline long
get_str(int fd, char *out, size_t n, int flags)
{
	uaddr_t u = umem(PG);
	long r = sys(SYS_recvfrom, fd, u, n, flags, 0, 0);

	out[0] = '\0';
	if (r > 0) {
		ck_assert_int_eq(copyin(out, u, (size_t)r), 0);
		out[r] = '\0';
	}
	return r;
}

/* read(2) up to n bytes into out, NUL-terminated (any file). */
static inline long
read_str(int fd, char *out, size_t n)
{
	uaddr_t u = umem(PG);
	long r = sys(SYS_read, fd, u, n);

	out[0] = '\0';
	if (r > 0) {
		ck_assert_int_eq(copyin(out, u, (size_t)r), 0);
		out[r] = '\0';
	}
	return r;
}

/* sendmsg of s with nfds fds in SCM_RIGHTS. */
static inline long
send_fds(int fd, const char *s, const int *fds, int nfds)
{
	uaddr_t u = umem(PG);
	struct k_msghdr h;
	struct k_iov iov = { u + 512, strlen(s) };
	struct k_cmsg c = { 16 + 4 * (uint64_t)nfds, K_SOL_SOCKET,
	    K_SCM_RIGHTS };

	memset(&h, 0, sizeof(h));
	h.iov = u + 256;
	h.iovlen = 1;
	if (nfds > 0) {
		h.control = u + 1024;
		h.controllen = (16 + 4 * (uint64_t)nfds + 7) & ~7ull;
		ck_assert_int_eq(copyout(u + 1024, &c, sizeof(c)), 0);
		ck_assert_int_eq(copyout(u + 1024 + 16, fds,
		    4 * (size_t)nfds), 0);
	}
	ck_assert_int_eq(copyout(u, &h, sizeof(h)), 0);
	ck_assert_int_eq(copyout(u + 256, &iov, sizeof(iov)), 0);
	ck_assert_int_eq(copyout(u + 512, s, strlen(s)), 0);
	return sys(SYS_sendmsg, fd, u, 0);
}

/*
 * recvmsg into a 64-byte buffer with room for `room` bytes of control
 * data; the fds received go to fds (up to 8), their count to *nfds, the
 * data to out (NUL-terminated), msg_flags to *mflags.
 */
static inline long
recv_fds(int fd, char *out, int *fds, int *nfds, size_t room, int flags,
    int *mflags)
{
	uaddr_t u = umem(PG);
	struct k_msghdr h;
	struct k_iov iov = { u + 512, 64 };
	struct k_cmsg c;
	long r;

	memset(&h, 0, sizeof(h));
	h.iov = u + 256;
	h.iovlen = 1;
	h.control = room > 0 ? u + 1024 : 0;
	h.controllen = room;
	ck_assert_int_eq(copyout(u, &h, sizeof(h)), 0);
	ck_assert_int_eq(copyout(u + 256, &iov, sizeof(iov)), 0);
	r = sys(SYS_recvmsg, fd, u, flags);
	*nfds = 0;
	if (r < 0)
		return r;
	ck_assert_int_eq(copyin(out, u + 512, (size_t)r), 0);
	out[r] = '\0';
	ck_assert_int_eq(copyin(&h, u, sizeof(h)), 0);
	*mflags = h.flags;
	if (h.controllen >= 16) {
		ck_assert_int_eq(copyin(&c, u + 1024, sizeof(c)), 0);
		ck_assert_int_eq(c.level, K_SOL_SOCKET);
		ck_assert_int_eq(c.type, K_SCM_RIGHTS);
		*nfds = (int)((c.len - 16) / 4);
		ck_assert_int_le(*nfds, 8);
		ck_assert_int_eq(copyin(fds, u + 1024 + 16,
		    4 * (size_t)*nfds), 0);
	}
	return r;
}

/* Run a Check suite of one test case; the exit status for main. */
static inline int
run_suite(const char *name, void (*add)(TCase *tc))
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	add(tc);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

#endif
