/*
 * The socket layer: socket(2)'s errors and flags, ENOTSOCK, SOL_SOCKET
 * options (SO_TYPE, SO_ERROR, buffers, timeouts, SO_REUSEADDR,
 * SO_KEEPALIVE, SO_PEERCRED), read/write/readv/writev/fcntl/ioctl and
 * poll/select on sockets, and sendmsg/recvmsg with iovecs and names.
 */
#include "test_socket.h"

#define K_FIONREAD	0x541b
#define K_FIONBIO	0x5421

static long
getopt_int(int fd, int name, int *v)
{
	uaddr_t u = umem(PG);
	long r;

	poke32(u + 64, 4);
	r = sys(SYS_getsockopt, fd, K_SOL_SOCKET, name, u, u + 64);
	*v = peek32(u);
	if (r == 0)
		ck_assert_int_eq(peek32(u + 64), 4);
	return r;
}

static long
setopt_int(int fd, int name, int v)
{
	uaddr_t u = umem(PG);

	poke32(u, v);
	return sys(SYS_setsockopt, fd, K_SOL_SOCKET, name, u, 4);
}

static int
create_body(void *arg)
{
	uaddr_t u = umem(PG);
	int fd, v;

	(void)arg;
	ck_assert_int_eq(sys(SYS_socket, 1234, K_SOCK_STREAM, 0),
	    -EAFNOSUPPORT);
	ck_assert_int_eq(sys(SYS_socket, 44, K_SOCK_STREAM, 0),
	    -EAFNOSUPPORT);
	ck_assert_int_eq(sys(SYS_socket, K_AF_UNIX, K_SOCK_STREAM, 6),
	    -EPROTONOSUPPORT);
	ck_assert_int_eq(sys(SYS_socket, K_AF_UNIX, 4, 0), -ESOCKTNOSUPPORT);
	ck_assert_int_eq(sys(SYS_socket, K_AF_UNIX, 12, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_socket, K_AF_UNIX, K_SOCK_STREAM | 0x10, 0),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_socketpair, K_AF_UNIX, K_SOCK_STREAM, 0,
	    BAD), -EFAULT);
	/* The flags: close-on-exec and O_NONBLOCK. */
	fd = (int)sys(SYS_socket, K_AF_UNIX,
	    K_SOCK_DGRAM | K_SOCK_NONBLOCK | K_SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_fcntl, fd, 1, 0), 1);
	ck_assert_int_eq(sys(SYS_fcntl, fd, 3, 0), 02 | K_SOCK_NONBLOCK);
	ck_assert_int_eq(sys(SYS_read, fd, u, 1), -EAGAIN);
	/* fcntl and FIONBIO turn blocking back on and off. */
	ck_assert_int_eq(sys(SYS_fcntl, fd, 4, 0), 0);
	ck_assert_int_eq(sys(SYS_fcntl, fd, 3, 0), 02);
	poke32(u, 1);
	ck_assert_int_eq(sys(SYS_ioctl, fd, K_FIONBIO, u), 0);
	ck_assert_int_eq(sys(SYS_recvfrom, fd, u, 1, 0, 0, 0), -EAGAIN);
	ck_assert_int_eq(getopt_int(fd, 3, &v), 0);	/* SO_TYPE */
	ck_assert_int_eq(v, K_SOCK_DGRAM);
	/* SOCK_RAW is a datagram socket for AF_UNIX, as on Linux. */
	fd = (int)sys(SYS_socket, K_AF_UNIX, 3, 1);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(getopt_int(fd, 3, &v), 0);
	ck_assert_int_eq(v, K_SOCK_DGRAM);
	/* Socket calls on other files and bad fds. */
	ck_assert_int_eq(sys(SYS_bind, 0, u, 3), -ENOTSOCK);
	ck_assert_int_eq(sys(SYS_getsockname, 99, u, u + 8), -EBADF);
	ck_assert_int_eq(sys(SYS_getsockopt, 0, K_SOL_SOCKET, 3, u, u + 64),
	    -ENOTSOCK);
	return 0;
}

START_TEST(test_create)
{
	sys_run(create_body);
}
END_TEST

static int
options_body(void *arg)
{
	uaddr_t u = umem(PG);
	int a, b, v;
	int64_t tv[2];
	int32_t cred[3];

	(void)arg;
	mkpair(K_SOCK_STREAM, &a, &b);
	ck_assert_int_eq(getopt_int(a, 2, &v), 0);	/* SO_REUSEADDR */
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(setopt_int(a, 2, 1), 0);
	ck_assert_int_eq(getopt_int(a, 2, &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(setopt_int(a, 9, 1), 0);	/* SO_KEEPALIVE */
	ck_assert_int_eq(getopt_int(a, 9, &v), 0);
	ck_assert_int_eq(v, 1);
	/* Buffers are doubled as Linux does, with a floor. */
	ck_assert_int_eq(setopt_int(a, 8, 10000), 0);	/* SO_RCVBUF */
	ck_assert_int_eq(getopt_int(a, 8, &v), 0);
	ck_assert_int_eq(v, 20000);
	ck_assert_int_eq(setopt_int(a, 7, 1), 0);	/* SO_SNDBUF */
	ck_assert_int_eq(getopt_int(a, 7, &v), 0);
	ck_assert_int_eq(v, 4608);
	/* Clamped to [rw]mem_max before doubling, negative as huge... */
	ck_assert_int_eq(setopt_int(a, 8, 1 << 20), 0);
	ck_assert_int_eq(getopt_int(a, 8, &v), 0);
	ck_assert_int_eq(v, 425984);
	ck_assert_int_eq(setopt_int(a, 7, -1), 0);
	ck_assert_int_eq(getopt_int(a, 7, &v), 0);
	ck_assert_int_eq(v, 425984);
	/* ...unless forced, which root may. */
	ck_assert_int_eq(setopt_int(a, 33, 1 << 20), 0);
	ck_assert_int_eq(getopt_int(a, 8, &v), 0);
	ck_assert_int_eq(v, 2 << 20);
	/* SO_LINGER is kept as given. */
	{
		int32_t lg[2] = { 1, 5 };

		ck_assert_int_eq(copyout(u, lg, sizeof(lg)), 0);
		ck_assert_int_eq(sys(SYS_setsockopt, a, K_SOL_SOCKET, 13, u,
		    4), -EINVAL);
		ck_assert_int_eq(sys(SYS_setsockopt, a, K_SOL_SOCKET, 13, u,
		    8), 0);
		poke32(u + 64, 8);
		ck_assert_int_eq(sys(SYS_getsockopt, a, K_SOL_SOCKET, 13,
		    u + 32, u + 64), 0);
		ck_assert_int_eq(peek32(u + 32), 1);
		ck_assert_int_eq(peek32(u + 36), 5);
	}
	ck_assert_int_eq(getopt_int(a, 4, &v), 0);	/* SO_ERROR */
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(getopt_int(a, 39, &v), 0);	/* SO_DOMAIN */
	ck_assert_int_eq(v, K_AF_UNIX);
	ck_assert_int_eq(getopt_int(a, 30, &v), 0);	/* SO_ACCEPTCONN */
	ck_assert_int_eq(v, 0);
	/* Read-only, unknown, and short values. */
	ck_assert_int_eq(setopt_int(a, 3, 1), -ENOPROTOOPT);
	ck_assert_int_eq(setopt_int(a, 9999, 1), -ENOPROTOOPT);
	ck_assert_int_eq(sys(SYS_setsockopt, a, K_SOL_SOCKET, 2, u, 2),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_setsockopt, a, K_SOL_SOCKET, 2, BAD, 4),
	    -EFAULT);
	poke32(u + 64, -1);
	ck_assert_int_eq(sys(SYS_getsockopt, a, K_SOL_SOCKET, 2, u, u + 64),
	    -EINVAL);
	/* Timeouts round-trip as timevals. */
	tv[0] = 2;
	tv[1] = 500000;
	ck_assert_int_eq(copyout(u, tv, sizeof(tv)), 0);
	ck_assert_int_eq(sys(SYS_setsockopt, a, K_SOL_SOCKET, 21, u, 16), 0);
	poke32(u + 64, 16);
	ck_assert_int_eq(sys(SYS_getsockopt, a, K_SOL_SOCKET, 21, u + 32,
	    u + 64), 0);
	ck_assert_int_eq(copyin(tv, u + 32, sizeof(tv)), 0);
	ck_assert(tv[0] == 2 && tv[1] == 500000);
	tv[1] = 1000000;
	ck_assert_int_eq(copyout(u, tv, sizeof(tv)), 0);
	ck_assert_int_eq(sys(SYS_setsockopt, a, K_SOL_SOCKET, 20, u, 16),
	    -EDOM);
	/* SO_PEERCRED of a pair: ourselves. */
	poke32(u + 64, 12);
	ck_assert_int_eq(sys(SYS_getsockopt, b, K_SOL_SOCKET, 17, u, u + 64),
	    0);
	ck_assert_int_eq(copyin(cred, u, sizeof(cred)), 0);
	ck_assert_int_eq(cred[0], sys(SYS_getpid));
	ck_assert_int_eq(cred[1], 0);
	return 0;
}

START_TEST(test_options)
{
	sys_run(options_body);
}
END_TEST

static int
io_body(void *arg)
{
	struct { int32_t fd; int16_t ev, rev; } p[2];
	uaddr_t u = umem(PG), pf = umem(PG);
	struct k_iov iov[2];
	struct k_msghdr h;
	struct k_sun from;
	char buf[64];
	int a, b, v;

	(void)arg;
	mkpair(K_SOCK_STREAM, &a, &b);
	/* writev/readv across iovecs; FIONREAD counts what waits. */
	poke_str(u, "hello ");
	poke_str(u + 100, "world");
	iov[0] = (struct k_iov){ u, 6 };
	iov[1] = (struct k_iov){ u + 100, 5 };
	ck_assert_int_eq(copyout(u + 200, iov, sizeof(iov)), 0);
	ck_assert_int_eq(sys(SYS_writev, a, u + 200, 2), 11);
	ck_assert_int_eq(sys(SYS_ioctl, b, K_FIONREAD, u + 300), 0);
	ck_assert_int_eq(peek32(u + 300), 11);
	/* poll: readable b, writable a; select agrees. */
	p[0].fd = b;
	p[0].ev = K_POLLIN | K_POLLOUT;
	p[1].fd = a;
	p[1].ev = K_POLLIN;
	ck_assert_int_eq(copyout(pf, p, sizeof(p)), 0);
	ck_assert_int_eq(sys(SYS_poll, pf, 2, 0), 1);
	ck_assert_int_eq(copyin(p, pf, sizeof(p)), 0);
	ck_assert_int_eq(p[0].rev, K_POLLIN | K_POLLOUT);
	ck_assert_int_eq(p[1].rev, 0);
	{
		uint64_t rs = 1ull << a | 1ull << b, zero[2] = { 0, 0 };

		ck_assert_int_eq(copyout(u + 800, &rs, 8), 0);
		ck_assert_int_eq(copyout(u + 816, zero, 16), 0);
		ck_assert_int_eq(sys(SYS_select, b + 1, u + 800, 0, 0,
		    u + 816), 1);
		ck_assert_int_eq(copyin(&rs, u + 800, 8), 0);
		ck_assert_uint_eq(rs, 1ull << b);
	}
	/* recvmsg with two iovecs and a name buffer (unbound peer: 0). */
	iov[0] = (struct k_iov){ u + 400, 3 };
	iov[1] = (struct k_iov){ u + 500, 20 };
	ck_assert_int_eq(copyout(u + 200, iov, sizeof(iov)), 0);
	memset(&h, 0, sizeof(h));
	h.name = u + 600;
	h.namelen = sizeof(from);
	h.iov = u + 200;
	h.iovlen = 2;
	ck_assert_int_eq(copyout(u + 700, &h, sizeof(h)), 0);
	ck_assert_int_eq(sys(SYS_recvmsg, b, u + 700, 0), 11);
	ck_assert_int_eq(copyin(&h, u + 700, sizeof(h)), 0);
	ck_assert_int_eq(h.namelen, 0);
	ck_assert_int_eq(h.flags, 0);
	ck_assert_int_eq(copyin(buf, u + 400, 3), 0);
	ck_assert_int_eq(copyin(buf + 3, u + 500, 8), 0);
	buf[11] = '\0';
	ck_assert_str_eq(buf, "hello world");
	/* sendmsg: too many iovecs is EMSGSIZE, a bad header EFAULT. */
	h.iovlen = 1025;
	ck_assert_int_eq(copyout(u + 700, &h, sizeof(h)), 0);
	ck_assert_int_eq(sys(SYS_sendmsg, a, u + 700, 0), -EMSGSIZE);
	ck_assert_int_eq(sys(SYS_sendmsg, a, BAD, 0), -EFAULT);
	/* A bad buffer with nothing moved: EFAULT. */
	ck_assert_int_eq(put_str(a, "x"), 1);
	ck_assert_int_eq(sys(SYS_read, b, BAD, 1), -EFAULT);
	/* Datagram socketpair: read and write keep boundaries. */
	mkpair(K_SOCK_DGRAM, &a, &b);
	ck_assert_int_eq(put_str(a, "abc"), 3);
	ck_assert_int_eq(put_str(a, "de"), 2);
	ck_assert_int_eq(read_str(b, buf, 63), 3);
	ck_assert_int_eq(sys(SYS_ioctl, b, K_FIONREAD, u + 300), 0);
	ck_assert_int_eq(peek32(u + 300), 2);
	ck_assert_int_eq(read_str(b, buf, 63), 2);
	ck_assert_str_eq(buf, "de");
	ck_assert_int_eq(getopt_int(a, 4, &v), 0);
	return 0;
}

START_TEST(test_io)
{
	sys_run(io_body);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_io);
}

int
main(void)
{
	return run_suite("socket", add_tests);
}
