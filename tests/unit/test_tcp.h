/*
 * Helpers the TCP tests share (test_tcp.c over loopback, test_tcp_lossy.c
 * over a lossy test link): socket option numbers as Linux's x86-64 ABI
 * has them, sockaddr_in in user memory, sockets, ports, options and
 * sleeps through the real syscalls.  Header-only, like test_socket.h.
 */
#ifndef TEST_TCP_H
#define TEST_TCP_H

#include "test_socket.h"

#define K_IPPROTO_TCP	6
#define K_TCP_NODELAY	1
#define K_TCP_MAXSEG	2
#define K_TCP_KEEPIDLE	4
#define K_TCP_KEEPINTVL	5
#define K_TCP_KEEPCNT	6
#define K_TCP_INFO	11
#define K_SO_KEEPALIVE	9

/* struct sockaddr_in for addr_h:port (host order) in user memory. */
static inline uaddr_t
sin_addr(uint32_t addr_h, uint16_t port)
{
	struct ksockaddr_in a;
	uaddr_t u = umem(PG);

	memset(&a, 0, sizeof(a));
	a.sin_family = K_AF_INET;
	a.sin_port = htons(port);
	a.sin_addr = htonl(addr_h);
	ck_assert_int_eq(copyout(u, &a, sizeof(a)), 0);
	return u;
}

/* No syscall or timer ran past its heap reservation (reserve.c says so). */
static inline void
no_overrun(void)
{
	const char *log = hosted_console_log();

	ck_assert_msg(log == NULL || strstr(log, "reservation overrun") == NULL,
	    "%s", log);
}

/* A TCP socket, with SOCK_* flags. */
static inline int
tsock(int flags)
{
	long fd = sys(SYS_socket, K_AF_INET, K_SOCK_STREAM | flags, 0);

	ck_assert_int_ge(fd, 0);
	return (int)fd;
}

/* The local port of fd. */
static inline uint16_t
local_port(int fd)
{
	uaddr_t u = umem(PG);
	struct ksockaddr_in a;

	poke32(u + 64, 16);
	ck_assert_int_eq(sys(SYS_getsockname, fd, u, u + 64), 0);
	ck_assert_int_eq(peek32(u + 64), 16);
	ck_assert_int_eq(copyin(&a, u, sizeof(a)), 0);
	ck_assert_int_eq(a.sin_family, K_AF_INET);
	return ntohs(a.sin_port);
}

/* setsockopt of one int: the syscall's result. */
static inline int
setint(int fd, int level, int name, int v)
{
	uaddr_t u = umem(PG);

	poke32(u, v);
	return (int)sys(SYS_setsockopt, fd, level, name, u, 4);
}

/* Sleep ms milliseconds (nanosleep). */
static inline void
nap(unsigned ms)
{
	uaddr_t u = umem(PG);
	int64_t ts[2] = { ms / 1000, (int64_t)(ms % 1000) * 1000000 };

	ck_assert_int_eq(copyout(u, ts, sizeof(ts)), 0);
	ck_assert_int_eq(sys(SYS_nanosleep, u, 0), 0);
}

#endif
