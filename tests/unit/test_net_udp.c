/*
 * UDP over the loopback device, through the real socket syscalls:
 * sendto/recvfrom with source addresses, bind conflicts and
 * SO_REUSEADDR, ephemeral ports, connect/disconnect, MSG_PEEK and
 * MSG_TRUNC, non-blocking and timed receives, poll and epoll readiness,
 * ECONNREFUSED after an ICMP port unreachable, 64 KiB datagrams, a full
 * receive buffer dropping and counting, the address errnos of bind,
 * and the IP-level and SO_BROADCAST options.
 */
#include "contract/clock.h"
#include "net/inet.h"
#include "test_socket.h"

#define MS		1000000ull
#define LO		0x7f000001u
#define K_IPPROTO_IP	0
#define K_EPOLL_CTL_ADD	1

/* struct sockaddr_in for addr:port (host order) in user memory. */
static uaddr_t
sin_addr(uint32_t addr, uint16_t port)
{
	struct ksockaddr_in a;
	uaddr_t u = umem(PG);

	memset(&a, 0, sizeof(a));
	a.sin_family = K_AF_INET;
	a.sin_port = htons(port);
	a.sin_addr = htonl(addr);
	ck_assert_int_eq(copyout(u, &a, sizeof(a)), 0);
	return u;
}

static int
udp_sock(void)
{
	long fd = sys(SYS_socket, K_AF_INET, K_SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	return (int)fd;
}

static long
bind_in(int fd, uint32_t addr, uint16_t port)
{
	return sys(SYS_bind, fd, sin_addr(addr, port), 16);
}

static long
connect_in(int fd, uint32_t addr, uint16_t port)
{
	return sys(SYS_connect, fd, sin_addr(addr, port), 16);
}

static long
send_to(int fd, const char *s, uint32_t addr, uint16_t port)
{
	uaddr_t u = umem(PG);

	ck_assert_int_eq(copyout(u, s, strlen(s)), 0);
	return sys(SYS_sendto, fd, u, strlen(s), 0, sin_addr(addr, port), 16);
}

/* recvfrom into out (NUL-terminated); the source in *from. */
static long
recv_from(int fd, char *out, size_t n, int flags, struct ksockaddr_in *from)
{
	uaddr_t u = umem(PG), a = umem(PG);
	long r;

	poke32(a + 512, sizeof(*from));
	r = sys(SYS_recvfrom, fd, u, n, flags, a, a + 512);
	out[0] = '\0';
	if (r > 0) {
		ck_assert_int_eq(copyin(out, u, MIN((size_t)r, n)), 0);
		out[MIN((size_t)r, n)] = '\0';
	}
	if (r >= 0 && from != NULL) {
		ck_assert_int_eq(peek32(a + 512), 16);
		ck_assert_int_eq(copyin(from, a, sizeof(*from)), 0);
	}
	return r;
}

/* The local (or peer) address of fd. */
static long
name_of(int fd, bool peer, struct ksockaddr_in *out)
{
	uaddr_t u = umem(PG);
	long r;

	poke32(u + 512, sizeof(*out));
	r = sys(peer ? SYS_getpeername : SYS_getsockname, fd, u, u + 512);
	if (r == 0)
		ck_assert_int_eq(copyin(out, u, sizeof(*out)), 0);
	return r;
}

static long
setopt_int(int fd, int level, int name, int v)
{
	uaddr_t u = umem(PG);

	poke32(u, v);
	return sys(SYS_setsockopt, fd, level, name, u, 4);
}

static int
getopt_int(int fd, int level, int name)
{
	uaddr_t u = umem(PG);

	poke32(u + 8, 4);
	ck_assert_int_eq(sys(SYS_getsockopt, fd, level, name, u, u + 8), 0);
	return peek32(u);
}

static int
loopback_body(void *arg)
{
	struct ksockaddr_in from, me;
	char buf[64];
	int a = udp_sock(), b = udp_sock();

	(void)arg;
	ck_assert_int_eq(bind_in(a, LO, 5000), 0);
	ck_assert_int_eq(send_to(b, "hello", LO, 5000), 5);
	ck_assert_int_eq(recv_from(a, buf, 63, 0, &from), 5);
	ck_assert_str_eq(buf, "hello");
	ck_assert_int_eq(from.sin_family, K_AF_INET);
	ck_assert_uint_eq(ntohl(from.sin_addr), LO);
	/* The sender got an ephemeral port in Linux's range. */
	ck_assert_int_eq(name_of(b, false, &me), 0);
	ck_assert_uint_eq(me.sin_port, from.sin_port);
	ck_assert_uint_ge(ntohs(me.sin_port), 32768);
	ck_assert_uint_le(ntohs(me.sin_port), 60999);
	ck_assert_uint_eq(me.sin_addr, 0);
	/* Answer to the source address; datagram boundaries hold. */
	ck_assert_int_eq(send_to(a, "one", LO, ntohs(from.sin_port)), 3);
	ck_assert_int_eq(send_to(a, "two", LO, ntohs(from.sin_port)), 3);
	ck_assert_int_eq(recv_from(b, buf, 63, 0, &from), 3);
	ck_assert_str_eq(buf, "one");
	ck_assert_uint_eq(ntohs(from.sin_port), 5000);
	ck_assert_int_eq(read_str(b, buf, 63), 3);
	ck_assert_str_eq(buf, "two");
	/* INADDR_ANY receives what is sent to 127.0.0.1 (and 0.0.0.0). */
	ck_assert_int_eq(bind_in(b, 0, 5001), -EINVAL);	/* bound already */
	ck_assert_int_eq(sys(SYS_close, a), 0);
	a = udp_sock();
	ck_assert_int_eq(bind_in(a, 0, 5002), 0);
	ck_assert_int_eq(send_to(b, "any", 0, 5002), 3);
	ck_assert_int_eq(recv_from(a, buf, 63, 0, NULL), 3);
	ck_assert_str_eq(buf, "any");
	ck_assert_uint_ge(net_stats.udp_in, 4);
	ck_assert_uint_ge(net_stats.udp_out, 4);
	/* SO_PROTOCOL, SO_TYPE, SO_DOMAIN */
	ck_assert_int_eq(getopt_int(a, K_SOL_SOCKET, SO_PROTOCOL), 17);
	ck_assert_int_eq(getopt_int(a, K_SOL_SOCKET, SO_TYPE), K_SOCK_DGRAM);
	ck_assert_int_eq(getopt_int(a, K_SOL_SOCKET, SO_DOMAIN), K_AF_INET);
	return 0;
}

START_TEST(test_loopback)
{
	sys_run(loopback_body);
}
END_TEST

static int
bind_body(void *arg)
{
	struct ksockaddr_in me;
	int a = udp_sock(), b = udp_sock(), c = udp_sock(), d;
	uaddr_t u;

	(void)arg;
	ck_assert_int_eq(bind_in(a, LO, 6000), 0);
	ck_assert_int_eq(bind_in(b, LO, 6000), -EADDRINUSE);
	/* INADDR_ANY overlaps every address. */
	ck_assert_int_eq(bind_in(b, 0, 6000), -EADDRINUSE);
	/* SO_REUSEADDR on both lets them share (Linux's UDP rule). */
	ck_assert_int_eq(setopt_int(a, K_SOL_SOCKET, SO_REUSEADDR, 1), 0);
	ck_assert_int_eq(bind_in(b, LO, 6000), -EADDRINUSE);
	ck_assert_int_eq(setopt_int(b, K_SOL_SOCKET, SO_REUSEADDR, 1), 0);
	ck_assert_int_eq(bind_in(b, LO, 6000), 0);
	/* Not this host's address. */
	ck_assert_int_eq(bind_in(c, 0x0a010203u, 6001), -EADDRNOTAVAIL);
	/* Any 127/8 address is this host's. */
	ck_assert_int_eq(bind_in(c, 0x7f000002u, 6001), 0);
	/* Short address, wrong family, AF_UNSPEC with a specific address. */
	d = udp_sock();
	u = sin_addr(LO, 6002);
	ck_assert_int_eq(sys(SYS_bind, d, u, 15), -EINVAL);
	poke32(u, K_AF_UNIX);
	ck_assert_int_eq(sys(SYS_bind, d, u, 16), -EAFNOSUPPORT);
	poke32(u, 0);
	ck_assert_int_eq(sys(SYS_bind, d, u, 16), -EAFNOSUPPORT);
	/* Port 0 picks an ephemeral port. */
	ck_assert_int_eq(bind_in(d, LO, 0), 0);
	ck_assert_int_eq(name_of(d, false, &me), 0);
	ck_assert_uint_ge(ntohs(me.sin_port), 32768);
	ck_assert_uint_eq(ntohl(me.sin_addr), LO);
	/* Closing frees the port. */
	ck_assert_int_eq(sys(SYS_close, c), 0);
	c = udp_sock();
	ck_assert_int_eq(bind_in(c, 0x7f000002u, 6001), 0);
	/* A stream or seqpacket socket of AF_INET: not UDP's business. */
	ck_assert_int_eq(sys(SYS_socket, K_AF_INET, K_SOCK_SEQPACKET, 0),
	    -ESOCKTNOSUPPORT);
	ck_assert_int_eq(sys(SYS_socket, K_AF_INET, K_SOCK_DGRAM, 6),
	    -EPROTONOSUPPORT);
	return 0;
}

START_TEST(test_bind)
{
	sys_run(bind_body);
}
END_TEST

/* Many unbound senders: each gets its own ephemeral port. */
static int
ephemeral_body(void *arg)
{
	struct ksockaddr_in me;
	uint16_t ports[64];
	int i, j, fd;

	(void)arg;
	for (i = 0; i < 64; i++) {
		fd = udp_sock();
		ck_assert_int_eq(send_to(fd, "x", LO, 9), 1);
		ck_assert_int_eq(name_of(fd, false, &me), 0);
		ports[i] = ntohs(me.sin_port);
		ck_assert_uint_ge(ports[i], 32768);
		ck_assert_uint_le(ports[i], 60999);
		for (j = 0; j < i; j++)
			ck_assert_uint_ne(ports[i], ports[j]);
	}
	return 0;
}

START_TEST(test_ephemeral)
{
	sys_run(ephemeral_body);
}
END_TEST

static int
connect_body(void *arg)
{
	struct ksockaddr_in peer, me;
	char buf[64];
	int srv = udp_sock(), cl = udp_sock(), other = udp_sock();
	uaddr_t u = umem(PG);

	(void)arg;
	ck_assert_int_eq(bind_in(srv, LO, 7000), 0);
	/* Unconnected: send needs an address, getpeername fails. */
	ck_assert_int_eq(put_str(cl, "x"), -EDESTADDRREQ);
	ck_assert_int_eq(name_of(cl, true, &peer), -ENOTCONN);
	ck_assert_int_eq(connect_in(cl, LO, 7000), 0);
	ck_assert_int_eq(name_of(cl, true, &peer), 0);
	ck_assert_uint_eq(ntohs(peer.sin_port), 7000);
	ck_assert_uint_eq(ntohl(peer.sin_addr), LO);
	/* connect bound it, with the route's source address. */
	ck_assert_int_eq(name_of(cl, false, &me), 0);
	ck_assert_uint_eq(ntohl(me.sin_addr), LO);
	ck_assert_uint_ne(me.sin_port, 0);
	ck_assert_int_eq(put_str(cl, "hi"), 2);
	ck_assert_int_eq(recv_from(srv, buf, 63, 0, &peer), 2);
	ck_assert_uint_eq(peer.sin_port, me.sin_port);
	/* A connected socket hears only its peer. */
	ck_assert_int_eq(send_to(other, "stranger", LO, ntohs(me.sin_port)),
	    8);
	ck_assert_int_eq(send_to(srv, "peer", LO, ntohs(me.sin_port)), 4);
	ck_assert_int_eq(recv_from(cl, buf, 63, 0, NULL), 4);
	ck_assert_str_eq(buf, "peer");
	ck_assert_int_eq(recv_from(cl, buf, 63, K_MSG_DONTWAIT, NULL),
	    -EAGAIN);
	/* AF_UNSPEC dissolves the association; the port stays. */
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(copyout(u, buf, 16), 0);
	ck_assert_int_eq(sys(SYS_connect, cl, u, 16), 0);
	ck_assert_int_eq(name_of(cl, true, &peer), -ENOTCONN);
	ck_assert_int_eq(name_of(cl, false, &peer), 0);
	ck_assert_uint_eq(peer.sin_port, me.sin_port);
	ck_assert_uint_eq(peer.sin_addr, 0);
	ck_assert_int_eq(put_str(cl, "x"), -EDESTADDRREQ);
	/* Connect errors. */
	ck_assert_int_eq(sys(SYS_connect, cl, sin_addr(LO, 1), 8), -EINVAL);
	ck_assert_int_eq(connect_in(cl, 0x0a000001u, 7), -ENETUNREACH);
	return 0;
}

START_TEST(test_connect)
{
	sys_run(connect_body);
}
END_TEST

static int
peek_body(void *arg)
{
	char buf[64], out[128];
	int a = udp_sock(), b = udp_sock(), mflags, nfds, fds[8];

	(void)arg;
	ck_assert_int_eq(bind_in(a, LO, 7100), 0);
	ck_assert_int_eq(send_to(b, "abcdefgh", LO, 7100), 8);
	ck_assert_int_eq(send_to(b, "second", LO, 7100), 6);
	ck_assert_int_eq(recv_from(a, buf, 3, K_MSG_PEEK, NULL), 3);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(recv_from(a, buf, 63, K_MSG_PEEK, NULL), 8);
	ck_assert_str_eq(buf, "abcdefgh");
	/* FIONREAD: the next datagram's size. */
	{
		uaddr_t u = umem(PG);

		ck_assert_int_eq(sys(SYS_ioctl, a, 0x541b, u), 0);
		ck_assert_int_eq(peek32(u), 8);
	}
	/* MSG_TRUNC returns the real length; the rest is discarded. */
	ck_assert_int_eq(recv_from(a, buf, 2, K_MSG_TRUNC, NULL), 8);
	ck_assert_str_eq(buf, "ab");
	/* recvmsg says MSG_TRUNC in msg_flags. */
	ck_assert_int_eq(send_to(b, "0123456789012345678901234567890123"
	    "4567890123456789012345678901234567890", LO, 7100), 71);
	ck_assert_int_eq(recv_fds(a, out, fds, &nfds, 0, 0, &mflags), 6);
	ck_assert_str_eq(out, "second");
	ck_assert_int_eq(mflags & K_MSG_TRUNC, 0);
	ck_assert_int_eq(recv_fds(a, out, fds, &nfds, 0, 0, &mflags), 64);
	ck_assert_int_eq(mflags & K_MSG_TRUNC, K_MSG_TRUNC);
	ck_assert_int_eq(recv_from(a, buf, 63, K_MSG_DONTWAIT, NULL),
	    -EAGAIN);
	return 0;
}

START_TEST(test_peek_trunc)
{
	sys_run(peek_body);
}
END_TEST

static int
nonblock_body(void *arg)
{
	struct { int64_t sec, usec; } tv = { 0, 50000 };
	uaddr_t u = umem(PG);
	uint64_t t0;
	char buf[16];
	long fd = sys(SYS_socket, K_AF_INET, K_SOCK_DGRAM | K_SOCK_NONBLOCK,
	    0);
	int b = udp_sock();

	(void)arg;
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind_in((int)fd, LO, 7200), 0);
	ck_assert_int_eq(read_str((int)fd, buf, 15), -EAGAIN);
	/* A timed receive ends in EAGAIN. */
	ck_assert_int_eq(bind_in(b, LO, 7201), 0);
	ck_assert_int_eq(copyout(u, &tv, sizeof(tv)), 0);
	ck_assert_int_eq(sys(SYS_setsockopt, b, K_SOL_SOCKET, SO_RCVTIMEO, u,
	    sizeof(tv)), 0);
	t0 = clock_ns();
	ck_assert_int_eq(read_str(b, buf, 15), -EAGAIN);
	ck_assert_uint_ge(clock_ns() - t0, 45 * MS);
	return 0;
}

START_TEST(test_nonblock)
{
	sys_run(nonblock_body);
}
END_TEST

struct kev {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

static int
poll_body(void *arg)
{
	struct { int32_t fd; int16_t events, revents; } pfd;
	uaddr_t pu = umem(PG), eu = umem(PG);
	struct kev ev = { K_POLLIN, 42 };
	char buf[16];
	int a = udp_sock(), b = udp_sock(), ep;
	uint64_t t0;

	(void)arg;
	ck_assert_int_eq(bind_in(a, LO, 7300), 0);
	pfd.fd = a;
	pfd.events = K_POLLIN | K_POLLOUT;
	pfd.revents = 0;
	ck_assert_int_eq(copyout(pu, &pfd, sizeof(pfd)), 0);
	ck_assert_int_eq(sys(SYS_poll, pu, 1, 0), 1);
	ck_assert_int_eq(copyin(&pfd, pu, sizeof(pfd)), 0);
	ck_assert_int_eq(pfd.revents, K_POLLOUT);
	ep = (int)sys(SYS_epoll_create1, 0);
	ck_assert_int_ge(ep, 0);
	ck_assert_int_eq(copyout(eu, &ev, sizeof(ev)), 0);
	ck_assert_int_eq(sys(SYS_epoll_ctl, ep, K_EPOLL_CTL_ADD, a, eu), 0);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, eu, 1, 0), 0);
	ck_assert_int_eq(send_to(b, "wake", LO, 7300), 4);
	/* The datagram arrives through netrx: poll waits for it. */
	pfd.events = K_POLLIN;
	ck_assert_int_eq(copyout(pu, &pfd, sizeof(pfd)), 0);
	t0 = clock_ns();
	ck_assert_int_eq(sys(SYS_poll, pu, 1, 2000), 1);
	ck_assert_uint_lt(clock_ns() - t0, 1000 * MS);
	ck_assert_int_eq(copyin(&pfd, pu, sizeof(pfd)), 0);
	ck_assert_int_eq(pfd.revents, K_POLLIN);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, eu, 1, 1000), 1);
	ck_assert_int_eq(copyin(&ev, eu, sizeof(ev)), 0);
	ck_assert_uint_eq(ev.events, K_POLLIN);
	ck_assert_uint_eq(ev.data, 42);
	ck_assert_int_eq(read_str(a, buf, 15), 4);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, eu, 1, 0), 0);
	return 0;
}

START_TEST(test_poll_epoll)
{
	sys_run(poll_body);
}
END_TEST

/* A blocked reader wakes when a datagram arrives from another process. */
static int
sender_child(void *arg)
{
	int fd = udp_sock();

	(void)arg;
	thread_sleep_ns(30 * MS);
	ck_assert_int_eq(send_to(fd, "late", LO, 7400), 4);
	return 0;
}

static int
refused_body(void *arg)
{
	char buf[16];
	int cl = udp_sock(), r;
	long pid;

	(void)arg;
	/* Nothing on port 7401: the ICMP port unreachable comes back. */
	ck_assert_int_eq(connect_in(cl, LO, 7401), 0);
	ck_assert_int_eq(put_str(cl, "anyone?"), 7);
	ck_assert_int_eq(read_str(cl, buf, 15), -ECONNREFUSED);
	/* The error is reported once. */
	ck_assert_int_eq(getopt_int(cl, K_SOL_SOCKET, SO_ERROR), 0);
	ck_assert_uint_ge(net_stats.udp_no_port, 1);
	ck_assert_uint_ge(net_stats.icmp_errors_out, 1);
	/* The next send learns of the next refusal. */
	ck_assert_int_eq(put_str(cl, "again"), 5);
	for (r = 0; r < 100; r++) {
		if (getopt_int(cl, K_SOL_SOCKET, SO_ERROR) == ECONNREFUSED)
			break;
		thread_sleep_ns(2 * MS);
	}
	ck_assert_int_lt(r, 100);
	/* Blocking reader woken by a datagram from another process. */
	{
		int srv = udp_sock();

		ck_assert_int_eq(bind_in(srv, LO, 7400), 0);
		pid = hosted_fork(sender_child, NULL);
		ck_assert_int_eq(read_str(srv, buf, 15), 4);
		ck_assert_str_eq(buf, "late");
		ck_assert_int_eq(wait_status(pid), 0);
	}
	return 0;
}

START_TEST(test_econnrefused)
{
	sys_run(refused_body);
}
END_TEST

static int
large_body(void *arg)
{
	size_t max = 65507, i;
	uaddr_t u = umem(128 * 1024), v = umem(128 * 1024);
	static uint8_t pat[65508], got[65508];
	int a = udp_sock(), b = udp_sock();

	(void)arg;
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + (i >> 8));
	ck_assert_int_eq(copyout(u, pat, sizeof(pat)), 0);
	ck_assert_int_eq(bind_in(a, LO, 7500), 0);
	ck_assert_int_eq(sys(SYS_sendto, b, u, max + 1, 0, sin_addr(LO, 7500),
	    16), -EMSGSIZE);
	ck_assert_int_eq(sys(SYS_sendto, b, u, max, 0, sin_addr(LO, 7500),
	    16), (long)max);
	ck_assert_int_eq(sys(SYS_recvfrom, a, v, 128 * 1024, 0, 0, 0),
	    (long)max);
	ck_assert_int_eq(copyin(got, v, max), 0);
	ck_assert_int_eq(memcmp(got, pat, max), 0);
	/* An empty datagram is a datagram. */
	ck_assert_int_eq(sys(SYS_sendto, b, u, 0, 0, sin_addr(LO, 7500), 16),
	    0);
	ck_assert_int_eq(sys(SYS_recvfrom, a, v, 16, 0, 0, 0), 0);
	return 0;
}

START_TEST(test_large)
{
	sys_run(large_body);
}
END_TEST

static int
rcvbuf_body(void *arg)
{
	uaddr_t u = umem(8192);
	uint64_t before = net_stats.udp_rcvbuf_full;
	int a = udp_sock(), b = udp_sock(), i, got = 0;

	(void)arg;
	ck_assert_int_eq(setopt_int(a, K_SOL_SOCKET, SO_RCVBUF, 4096), 0);
	ck_assert_int_eq(getopt_int(a, K_SOL_SOCKET, SO_RCVBUF), 8192);
	ck_assert_int_eq(bind_in(a, LO, 7600), 0);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(sys(SYS_sendto, b, u, 1000, 0,
		    sin_addr(LO, 7600), 16), 1000);
	thread_sleep_ns(50 * MS);
	while (sys(SYS_recvfrom, a, u, 8192, K_MSG_DONTWAIT, 0, 0) == 1000)
		got++;
	/* 8192 bytes of room: 8 datagrams, the other 12 dropped. */
	ck_assert_int_eq(got, 8);
	ck_assert_uint_eq(net_stats.udp_rcvbuf_full - before, 12);
	return 0;
}

START_TEST(test_rcvbuf_full)
{
	sys_run(rcvbuf_body);
}
END_TEST

static int
options_body(void *arg)
{
	uaddr_t u = umem(PG);
	int a = udp_sock();

	(void)arg;
	ck_assert_int_eq(getopt_int(a, K_IPPROTO_IP, IP_TTL), 64);
	ck_assert_int_eq(setopt_int(a, K_IPPROTO_IP, IP_TTL, 7), 0);
	ck_assert_int_eq(getopt_int(a, K_IPPROTO_IP, IP_TTL), 7);
	ck_assert_int_eq(setopt_int(a, K_IPPROTO_IP, IP_TTL, 256), -EINVAL);
	ck_assert_int_eq(setopt_int(a, K_IPPROTO_IP, IP_TTL, 0), -EINVAL);
	ck_assert_int_eq(setopt_int(a, K_IPPROTO_IP, IP_TTL, -1), 0);
	ck_assert_int_eq(getopt_int(a, K_IPPROTO_IP, IP_TTL), 64);
	ck_assert_int_eq(setopt_int(a, K_IPPROTO_IP, IP_TOS, 0x10), 0);
	ck_assert_int_eq(getopt_int(a, K_IPPROTO_IP, IP_TOS), 0x10);
	ck_assert_int_eq(setopt_int(a, K_IPPROTO_IP, 9999, 1), -ENOPROTOOPT);
	ck_assert_int_eq(getopt_int(a, K_SOL_SOCKET, SO_BROADCAST), 0);
	/* Broadcast needs SO_BROADCAST. */
	ck_assert_int_eq(send_to(a, "b", 0xffffffffu, 9), -EACCES);
	ck_assert_int_eq(setopt_int(a, K_SOL_SOCKET, SO_BROADCAST, 1), 0);
	ck_assert_int_eq(getopt_int(a, K_SOL_SOCKET, SO_BROADCAST), 1);
	/* Short option buffers. */
	ck_assert_int_eq(sys(SYS_setsockopt, a, K_IPPROTO_IP, IP_TTL, u, 0),
	    -EINVAL);
	return 0;
}

START_TEST(test_options)
{
	sys_run(options_body);
}
END_TEST

/* Read a whole (small) file into out, NUL-terminated. */
static long
slurp(const char *file, char *out, size_t max)
{
	uaddr_t u = umem(4 * PG), pu = umem(PG);
	long fd, n, total = 0;

	poke_str(pu, file);
	fd = sys(SYS_open, pu, 0, 0);
	if (fd < 0)
		return fd;
	while ((n = sys(SYS_read, fd, u + (uaddr_t)total, 256)) > 0)
		total += n;
	sys(SYS_close, fd);
	ck_assert_int_lt(total, (long)max);
	ck_assert_int_eq(copyin(out, u, (size_t)total), 0);
	out[total] = '\0';
	return total;
}

static int
procnet_body(void *arg)
{
	static char text[16384];
	uaddr_t u = umem(PG);
	char buf[16];
	int a = udp_sock(), b = udp_sock();

	(void)arg;
	poke_str(u, "/proc");
	poke_str(u + 64, "proc");
	sys(SYS_mkdir, u, 0555);
	ck_assert_int_eq(sys(SYS_mount, u + 64, u, u + 64, 0, 0), 0);
	ck_assert_int_eq(bind_in(a, LO, 7700), 0);
	ck_assert_int_eq(send_to(b, "count", LO, 7700), 5);
	ck_assert_int_eq(read_str(a, buf, 15), 5);
	ck_assert_int_gt(slurp("/proc/net/dev", text, sizeof(text)), 0);
	ck_assert_ptr_nonnull(strstr(text, "Inter-|"));
	ck_assert_ptr_nonnull(strstr(text, "    lo: "));
	ck_assert_int_gt(slurp("/proc/net/snmp", text, sizeof(text)), 0);
	ck_assert_ptr_nonnull(strstr(text, "Udp: InDatagrams NoPorts"));
	ck_assert_ptr_nonnull(strstr(text, "\nUdp: 1 0 0 1 0 0 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "Biscotti: eth_short"));
	return 0;
}

START_TEST(test_proc_net)
{
	sys_run(procnet_body);
}
END_TEST

/* Four processes on four vCPUs send to one socket at once. */
#define SMP_SENDERS	4
#define SMP_EACH	250

static int
smp_sender(void *arg)
{
	int me = (int)(uintptr_t)arg, i, fd = udp_sock();
	uaddr_t u = umem(PG);
	uint32_t msg[2];

	for (i = 0; i < SMP_EACH; i++) {
		msg[0] = (uint32_t)me;
		msg[1] = (uint32_t)i;
		ck_assert_int_eq(copyout(u, msg, sizeof(msg)), 0);
		ck_assert_int_eq(sys(SYS_sendto, fd, u, sizeof(msg), 0,
		    sin_addr(LO, 7800), 16), 8);
	}
	return 0;
}

static int
smp_body(void *arg)
{
	int next[SMP_SENDERS] = { 0 }, srv = udp_sock(), i;
	long pid[SMP_SENDERS];
	uaddr_t u = umem(PG);
	uint32_t msg[2];

	(void)arg;
	ck_assert_int_eq(bind_in(srv, LO, 7800), 0);
	for (i = 0; i < SMP_SENDERS; i++)
		pid[i] = hosted_fork(smp_sender, (void *)(uintptr_t)i);
	for (i = 0; i < SMP_SENDERS * SMP_EACH; i++) {
		ck_assert_int_eq(sys(SYS_recvfrom, srv, u, PG, 0, 0, 0), 8);
		ck_assert_int_eq(copyin(msg, u, sizeof(msg)), 0);
		ck_assert_uint_lt(msg[0], SMP_SENDERS);
		/* Each sender's datagrams arrive in its order. */
		ck_assert_uint_eq(msg[1], (uint32_t)next[msg[0]]);
		next[msg[0]]++;
	}
	for (i = 0; i < SMP_SENDERS; i++)
		ck_assert_int_eq(wait_status(pid[i]), 0);
	return 0;
}

START_TEST(test_four_cpus)
{
	sys_run_on(4, smp_body);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_four_cpus);
	tcase_add_test(tc, test_proc_net);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_bind);
	tcase_add_test(tc, test_ephemeral);
	tcase_add_test(tc, test_connect);
	tcase_add_test(tc, test_peek_trunc);
	tcase_add_test(tc, test_nonblock);
	tcase_add_test(tc, test_poll_epoll);
	tcase_add_test(tc, test_econnrefused);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_rcvbuf_full);
	tcase_add_test(tc, test_options);
}

int
main(void)
{
	return run_suite("net_udp", add_tests);
}
