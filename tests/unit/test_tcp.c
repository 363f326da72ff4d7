/*
 * TCP over loopback through the real syscalls: connect/accept/echo,
 * many connections, a bulk transfer with its data checked, shutdown
 * semantics (half close, EOF, EPIPE and SIGPIPE, MSG_NOSIGNAL),
 * ECONNREFUSED, EADDRINUSE and SO_REUSEADDR over TIME-WAIT,
 * non-blocking connect/accept/recv/send, the listen backlog, RST on
 * close with unread data, TCP_INFO, keepalive options, epoll over TCP
 * sockets, and the socket errors Linux gives.  (Simultaneous open and
 * close are in test_tcp_lossy.c, where a black hole makes them
 * deterministic.)
 */
#include <stdio.h>
#include <stdlib.h>

#include "contract/clock.h"
#include "net/tcp.h"
#include "net/inet.h"
#include "test_tcp.h"

#define MS		1000000ull
#define K_SO_REUSEADDR	2
#define K_SO_ERROR	4
#define K_SO_LINGER	13
#define K_SO_RCVTIMEO	20
#define K_SO_RCVBUF	8
#define K_IP_TTL	2
#define K_EPOLL_CTL_ADD	1
#define K_EPOLLIN	0x001u
#define K_EPOLLOUT	0x004u
#define K_EPOLLET	(1u << 31)
#define K_F_SETFL	4
#define K_O_NONBLOCK	0x800

static long
tbind(int fd, uint16_t port)
{
	return sys(SYS_bind, fd, sin_addr(INADDR_LOOPBACK_H, port), 16);
}

static long
tconnect(int fd, uint16_t port)
{
	return sys(SYS_connect, fd, sin_addr(INADDR_LOOPBACK_H, port), 16);
}

/* A listener on 127.0.0.1 (port 0: any); its port in *port. */
static int
tlistener(uint16_t port, int backlog, uint16_t *out)
{
	int fd = tsock(0);

	ck_assert_int_eq(tbind(fd, port), 0);
	ck_assert_int_eq(sys(SYS_listen, fd, backlog), 0);
	*out = local_port(fd);
	return fd;
}

static int
getint(int fd, int level, int name)
{
	uaddr_t u = umem(PG);

	poke32(u + 8, 4);
	ck_assert_int_eq(sys(SYS_getsockopt, fd, level, name, u, u + 8), 0);
	return peek32(u);
}

/* poll fd for events (plus the ones always reported): revents. */
static unsigned
pollev(int fd, unsigned events, int timeout_ms)
{
	uaddr_t u = umem(PG);
	int32_t pfd[2] = { fd, (int32_t)events };

	ck_assert_int_eq(copyout(u, pfd, sizeof(pfd)), 0);
	ck_assert_int_ge(sys(SYS_poll, u, 1, timeout_ms), 0);
	ck_assert_int_eq(copyin(pfd, u, sizeof(pfd)), 0);
	return (uint32_t)pfd[1] >> 16;
}

/* Readiness now, for every event. */
static unsigned
pollfd(int fd, int timeout_ms)
{
	return pollev(fd, K_POLLIN | K_POLLOUT | K_POLLRDHUP, timeout_ms);
}

/* A connected pair through a listener: the client and the accepted end. */
static void
tpair(int *c, int *s)
{
	uint16_t port;
	int l = tlistener(0, 5, &port);

	*c = tsock(0);
	ck_assert_int_eq(tconnect(*c, port), 0);
	*s = (int)sys(SYS_accept, l, 0, 0);
	ck_assert_int_ge(*s, 0);
	ck_assert_int_eq(sys(SYS_close, l), 0);
}

struct tcp_info_k {
	uint8_t state, ca_state, retransmits, probes, backoff, options;
	uint8_t wscale, flags;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd;
	uint32_t advmss, reordering, rcv_rtt, rcv_space, total_retrans;
};

static void
get_info(int fd, struct tcp_info_k *ti)
{
	uaddr_t u = umem(PG);

	poke32(u + 512, sizeof(*ti));
	ck_assert_int_eq(sys(SYS_getsockopt, fd, K_IPPROTO_TCP, K_TCP_INFO,
	    u, u + 512), 0);
	ck_assert_int_eq(peek32(u + 512), sizeof(*ti));
	ck_assert_int_eq(copyin(ti, u, sizeof(*ti)), 0);
}

/* ---- echo ---- */

static uint16_t echo_port;

static int
echo_client(void *arg)
{
	char buf[64];
	int fd = tsock(0);

	(void)arg;
	ck_assert_int_eq(tconnect(fd, echo_port), 0);
	ck_assert_int_eq(put_str(fd, "ping"), 4);
	ck_assert_int_eq(get_str(fd, buf, 63, K_MSG_WAITALL), 4);
	ck_assert_str_eq(buf, "pong");
	ck_assert_int_eq(get_str(fd, buf, 63, 0), 0);	/* server closed */
	return 0;
}

static int
echo_body(void *arg)
{
	uaddr_t u = umem(PG);
	struct ksockaddr_in a;
	char buf[64];
	int l, s;
	long pid;

	(void)arg;
	l = tlistener(0, 5, &echo_port);
	ck_assert_int_ge(echo_port, 32768);
	pid = hosted_fork(echo_client, NULL);
	poke32(u + 64, 16);
	s = (int)sys(SYS_accept, l, u, u + 64);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(copyin(&a, u, sizeof(a)), 0);
	ck_assert_int_eq(a.sin_addr, htonl(INADDR_LOOPBACK_H));
	ck_assert_int_ge(ntohs(a.sin_port), 32768);
	ck_assert_int_eq(get_str(s, buf, 4, K_MSG_WAITALL), 4);
	ck_assert_str_eq(buf, "ping");
	ck_assert_int_eq(put_str(s, "pong"), 4);
	ck_assert_int_eq(local_port(s), echo_port);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(sys(SYS_close, l), 0);
	return 0;
}

START_TEST(test_echo)
{
	sys_run_on(2, echo_body);
	no_overrun();
}
END_TEST

/* ---- many connections ---- */

#define NCONN	32

static int
many_body(void *arg)
{
	int c[NCONN], s[NCONN], i, l;
	uint16_t port;
	char buf[64], want[64];

	(void)arg;
	l = tlistener(0, NCONN, &port);
	for (i = 0; i < NCONN; i++) {
		c[i] = tsock(0);
		ck_assert_int_eq(tconnect(c[i], port), 0);
	}
	for (i = 0; i < NCONN; i++) {
		s[i] = (int)sys(SYS_accept, l, 0, 0);
		ck_assert_int_ge(s[i], 0);
	}
	for (i = 0; i < NCONN; i++) {
		snprintf(want, sizeof(want), "hello %d", i);
		ck_assert_int_eq(put_str(c[i], want), (long)strlen(want));
	}
	/* Each accepted end has its own client's bytes, in accept order. */
	for (i = 0; i < NCONN; i++) {
		snprintf(want, sizeof(want), "hello %d", i);
		ck_assert_int_eq(get_str(s[i], buf, strlen(want),
		    K_MSG_WAITALL), (long)strlen(want));
		ck_assert_str_eq(buf, want);
		ck_assert_int_eq(put_str(s[i], "bye"), 3);
		ck_assert_int_eq(get_str(c[i], buf, 3, K_MSG_WAITALL), 3);
	}
	for (i = 0; i < NCONN; i++) {
		ck_assert_int_eq(sys(SYS_close, c[i]), 0);
		ck_assert_int_eq(get_str(s[i], buf, 63, 0), 0);
		ck_assert_int_eq(sys(SYS_close, s[i]), 0);
	}
	ck_assert_int_eq(sys(SYS_close, l), 0);
	return 0;
}

START_TEST(test_many)
{
	sys_run_on(2, many_body);
	no_overrun();
}
END_TEST

/* ---- bulk transfer ---- */

#define BULK	(8 * MiB)
#define BLOCK	(64 * 1024)
static uint16_t bulk_port;

static uint8_t
pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 9) + (i >> 17));
}

static int
bulk_sender(void *arg)
{
	uaddr_t u = umem(BLOCK);
	uint8_t *buf = malloc(BLOCK);
	size_t off = 0, i;
	long r;
	int fd = tsock(0);

	(void)arg;
	ck_assert_int_eq(tconnect(fd, bulk_port), 0);
	while (off < BULK) {
		for (i = 0; i < BLOCK; i++)
			buf[i] = pattern(off + i);
		ck_assert_int_eq(copyout(u, buf, BLOCK), 0);
		r = sys(SYS_write, fd, u, BLOCK);
		ck_assert_int_gt(r, 0);
		/* A blocking write sends it all. */
		ck_assert_int_eq(r, BLOCK);
		off += (size_t)r;
	}
	free(buf);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	return 0;
}

static int
bulk_body(void *arg)
{
	uaddr_t u = umem(BLOCK);
	uint8_t *buf = malloc(BLOCK);
	size_t got = 0, i;
	long pid, r;
	int l, s;

	(void)arg;
	l = tlistener(0, 1, &bulk_port);
	pid = hosted_fork(bulk_sender, NULL);
	s = (int)sys(SYS_accept, l, 0, 0);
	ck_assert_int_ge(s, 0);
	for (;;) {
		r = sys(SYS_read, s, u, BLOCK);
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		ck_assert_int_eq(copyin(buf, u, (size_t)r), 0);
		for (i = 0; i < (size_t)r; i++)
			if (buf[i] != pattern(got + i))
				ck_abort_msg("byte %zu: %u, not %u", got + i,
				    buf[i], pattern(got + i));
		got += (size_t)r;
	}
	ck_assert_uint_eq(got, BULK);
	free(buf);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	ck_assert_int_eq(sys(SYS_close, l), 0);
	return 0;
}

START_TEST(test_bulk)
{
	sys_run_on(2, bulk_body);
	no_overrun();
}
END_TEST

/* ---- shutdown, EOF, EPIPE, SIGPIPE ---- */

static int
sigpipe_child(void *arg)
{
	put_str((int)(intptr_t)arg, "x");
	return 0;	/* not reached: SIGPIPE kills */
}

static int
shutdown_body(void *arg)
{
	uaddr_t pu = umem(PG);
	char buf[64];
	int c, s;

	(void)arg;
	tpair(&c, &s);
	ck_assert_int_eq(put_str(c, "last"), 4);
	ck_assert_int_eq(sys(SYS_shutdown, c, 1), 0);	/* SHUT_WR */
	ck_assert_int_eq(sys(SYS_sendto, c, pu, 1, K_MSG_NOSIGNAL, 0, 0),
	    -EPIPE);
	ck_assert_int_eq(get_str(s, buf, 4, K_MSG_WAITALL), 4);
	ck_assert_str_eq(buf, "last");
	ck_assert_int_eq(get_str(s, buf, 63, 0), 0);	/* EOF */
	ck_assert_int_eq(get_str(s, buf, 63, 0), 0);
	ck_assert_uint_eq(pollfd(s, 0) & (K_POLLIN | K_POLLRDHUP),
	    K_POLLIN | K_POLLRDHUP);
	/* Half closed: the other direction still flows. */
	ck_assert_int_eq(put_str(s, "back"), 4);
	ck_assert_int_eq(get_str(c, buf, 4, K_MSG_WAITALL), 4);
	ck_assert_str_eq(buf, "back");
	ck_assert_int_eq(wait_status(hosted_fork(sigpipe_child,
	    (void *)(intptr_t)c)) & 0x7f, K_SIGPIPE);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	ck_assert_int_eq(get_str(c, buf, 63, 0), 0);
	ck_assert_uint_eq(pollfd(c, 0) & (K_POLLIN | K_POLLHUP),
	    K_POLLIN | K_POLLHUP);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_shutdown, tsock(0), 1), -ENOTCONN);
	ck_assert_int_eq(sys(SYS_shutdown, tsock(0), 7), -EINVAL);
	return 0;
}

START_TEST(test_shutdown)
{
	sys_run_on(2, shutdown_body);
	no_overrun();
}
END_TEST

/* ---- RST on close with unread data ---- */

static int
rst_body(void *arg)
{
	uaddr_t pu = umem(PG);
	char buf[64];
	int c, s;

	(void)arg;
	tpair(&c, &s);
	ck_assert_int_eq(put_str(c, "unread"), 6);
	ck_assert_int_eq(put_str(s, "early"), 5);
	nap(50);
	ck_assert_int_eq(sys(SYS_close, s), 0);		/* "unread" unread */
	nap(50);
	/* What came before the RST is still read, then the reset. */
	ck_assert_int_eq(get_str(c, buf, 63, 0), 5);
	ck_assert_int_eq(get_str(c, buf, 63, 0), -ECONNRESET);
	ck_assert_int_eq(get_str(c, buf, 63, 0), 0);
	ck_assert_uint_eq(pollfd(c, 0) & (K_POLLHUP | K_POLLIN),
	    K_POLLHUP | K_POLLIN);
	ck_assert_int_eq(sys(SYS_sendto, c, pu, 1, K_MSG_NOSIGNAL, 0, 0),
	    -EPIPE);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	/* SO_LINGER {1, 0}: close resets even with nothing unread. */
	tpair(&c, &s);
	poke32(pu, 1);
	poke32(pu + 4, 0);
	ck_assert_int_eq(sys(SYS_setsockopt, s, K_SOL_SOCKET, K_SO_LINGER, pu,
	    8), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	nap(50);
	ck_assert_int_eq(get_str(c, buf, 63, 0), -ECONNRESET);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	return 0;
}

START_TEST(test_rst_on_close)
{
	sys_run_on(2, rst_body);
	no_overrun();
}
END_TEST

/* ---- refused, in use, reuse ---- */

static int
ports_body(void *arg)
{
	char buf[64];
	uint16_t port, tw_port;
	int a, b, l, c, s;

	(void)arg;
	/* Nobody listens: RST, ECONNREFUSED. */
	l = tlistener(0, 1, &port);
	ck_assert_int_eq(sys(SYS_close, l), 0);
	a = tsock(0);
	ck_assert_int_eq(tconnect(a, port), -ECONNREFUSED);
	ck_assert_int_eq(sys(SYS_close, a), 0);
	/* A port in use. */
	l = tlistener(0, 1, &port);
	a = tsock(0);
	ck_assert_int_eq(tbind(a, port), -EADDRINUSE);
	ck_assert_int_eq(setint(a, K_SOL_SOCKET, K_SO_REUSEADDR, 1), 0);
	ck_assert_int_eq(tbind(a, port), -EADDRINUSE);	/* a listener */
	ck_assert_int_eq(tbind(a, 0), 0);
	ck_assert_int_eq(tbind(a, 0), -EINVAL);		/* bound already */
	ck_assert_int_eq(sys(SYS_close, a), 0);
	/* TIME-WAIT on the server's port once the server closes first. */
	c = tsock(0);
	ck_assert_int_eq(tconnect(c, port), 0);
	s = (int)sys(SYS_accept, l, 0, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(sys(SYS_close, l), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	ck_assert_int_eq(get_str(c, buf, 63, 0), 0);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	nap(50);
	tw_port = port;
	b = tsock(0);
	ck_assert_int_eq(tbind(b, tw_port), -EADDRINUSE);
	ck_assert_int_eq(setint(b, K_SOL_SOCKET, K_SO_REUSEADDR, 1), 0);
	ck_assert_int_eq(tbind(b, tw_port), 0);
	ck_assert_int_eq(sys(SYS_listen, b, 4), 0);
	c = tsock(0);
	ck_assert_int_eq(tconnect(c, tw_port), 0);
	ck_assert_int_ge(sys(SYS_accept, b, 0, 0), 0);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, b), 0);
	return 0;
}

START_TEST(test_ports)
{
	sys_run_on(2, ports_body);
	no_overrun();
}
END_TEST

/* ---- non-blocking ---- */

static int
nonblock_body(void *arg)
{
	uaddr_t u = umem(256 * 1024);
	uint16_t port;
	long r, total = 0;
	int l, c, s;

	(void)arg;
	l = tlistener(0, 4, &port);
	ck_assert_int_eq(sys(SYS_fcntl, l, K_F_SETFL, K_O_NONBLOCK), 0);
	ck_assert_int_eq(sys(SYS_accept, l, 0, 0), -EAGAIN);
	c = tsock(K_SOCK_NONBLOCK);
	ck_assert_int_eq(tconnect(c, port), -EINPROGRESS);
	ck_assert_uint_eq(pollev(c, K_POLLOUT, 1000) & K_POLLOUT, K_POLLOUT);
	ck_assert_int_eq(getint(c, K_SOL_SOCKET, K_SO_ERROR), 0);
	ck_assert_int_eq(tconnect(c, port), 0);		/* as Linux: done */
	ck_assert_int_eq(tconnect(c, port), -EISCONN);
	ck_assert_uint_eq(pollev(l, K_POLLIN, 1000) & K_POLLIN, K_POLLIN);
	s = (int)sys(SYS_accept4, l, 0, 0, K_SOCK_NONBLOCK);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(sys(SYS_recvfrom, s, u, 16, 0, 0, 0), -EAGAIN);
	ck_assert_int_eq(sys(SYS_recvfrom, c, u, 16, K_MSG_DONTWAIT, 0, 0),
	    -EAGAIN);
	/* Fill the peer's window and our ring until EAGAIN. */
	for (;;) {
		r = sys(SYS_write, c, u, 256 * 1024);
		if (r == -EAGAIN)
			break;
		ck_assert_int_gt(r, 0);
		total += r;
		ck_assert_int_lt(total, 64 * (long)MiB);
	}
	ck_assert_int_gt(total, 64 * 1024);
	/* Drain: everything arrives, and c becomes writable again. */
	while (total > 0) {
		r = sys(SYS_read, s, u, 256 * 1024);
		if (r == -EAGAIN) {
			ck_assert_uint_eq(pollev(s, K_POLLIN, 1000) &
			    K_POLLIN, K_POLLIN);
			continue;
		}
		ck_assert_int_gt(r, 0);
		total -= r;
	}
	ck_assert_uint_eq(pollev(c, K_POLLOUT, 1000) & K_POLLOUT, K_POLLOUT);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	/* A non-blocking connect refused: SO_ERROR says why. */
	ck_assert_int_eq(sys(SYS_close, l), 0);
	c = tsock(K_SOCK_NONBLOCK);
	ck_assert_int_eq(tconnect(c, port), -EINPROGRESS);
	ck_assert_uint_eq(pollfd(c, 1000) & (K_POLLOUT | K_POLLERR |
	    K_POLLHUP), K_POLLOUT | K_POLLERR | K_POLLHUP);
	ck_assert_int_eq(getint(c, K_SOL_SOCKET, K_SO_ERROR), ECONNREFUSED);
	ck_assert_int_eq(getint(c, K_SOL_SOCKET, K_SO_ERROR), 0);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	return 0;
}

START_TEST(test_nonblock)
{
	sys_run_on(2, nonblock_body);
	no_overrun();
}
END_TEST

/* ---- the listen backlog ---- */

static int
backlog_body(void *arg)
{
	uint64_t drops;
	uint16_t port;
	int l, c[3], i;

	(void)arg;
	/* backlog 1 holds two established connections, as Linux's. */
	l = tlistener(0, 1, &port);
	for (i = 0; i < 2; i++) {
		c[i] = tsock(0);
		ck_assert_int_eq(tconnect(c[i], port), 0);
	}
	nap(50);
	/* A third SYN finds the accept queue full and is dropped. */
	drops = net_stats.tcp_listen_drops;
	c[2] = tsock(K_SOCK_NONBLOCK);
	ck_assert_int_eq(tconnect(c[2], port), -EINPROGRESS);
	nap(300);
	ck_assert_uint_eq(pollfd(c[2], 0) & K_POLLOUT, 0);
	ck_assert_uint_gt(net_stats.tcp_listen_drops, drops);
	/* Accepting makes room: the SYN's retransmission gets in. */
	ck_assert_int_ge(sys(SYS_accept, l, 0, 0), 0);
	ck_assert_uint_eq(pollev(c[2], K_POLLOUT, 5000) & K_POLLOUT,
	    K_POLLOUT);
	ck_assert_int_eq(getint(c[2], K_SOL_SOCKET, K_SO_ERROR), 0);
	ck_assert_int_ge(sys(SYS_accept, l, 0, 0), 0);
	ck_assert_int_ge(sys(SYS_accept, l, 0, 0), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(sys(SYS_close, c[i]), 0);
	ck_assert_int_eq(sys(SYS_close, l), 0);
	return 0;
}

START_TEST(test_backlog)
{
	sys_run_on(2, backlog_body);
	no_overrun();
}
END_TEST

/* ---- options and TCP_INFO ---- */

static int
options_body(void *arg)
{
	struct tcp_info_k ti;
	uaddr_t u = umem(PG), u2 = umem(65536);
	char buf[64];
	uint16_t port;
	int c, s, l;

	(void)arg;
	c = tsock(0);
	ck_assert_int_eq(getint(c, K_IPPROTO_TCP, K_TCP_MAXSEG), 536);
	ck_assert_int_eq(getint(c, K_IPPROTO_TCP, K_TCP_KEEPIDLE), 7200);
	ck_assert_int_eq(setint(c, K_IPPROTO_TCP, K_TCP_KEEPIDLE, 0), -EINVAL);
	ck_assert_int_eq(setint(c, K_IPPROTO_TCP, 999, 1), -ENOPROTOOPT);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	tpair(&c, &s);
	ck_assert_int_eq(setint(c, K_IPPROTO_TCP, K_TCP_NODELAY, 1), 0);
	ck_assert_int_eq(getint(c, K_IPPROTO_TCP, K_TCP_NODELAY), 1);
	ck_assert_int_eq(setint(c, K_SOL_SOCKET, K_SO_KEEPALIVE, 1), 0);
	ck_assert_int_eq(setint(c, K_IPPROTO_TCP, K_TCP_KEEPIDLE, 1), 0);
	ck_assert_int_eq(setint(c, K_IPPROTO_TCP, K_TCP_KEEPINTVL, 1), 0);
	ck_assert_int_eq(setint(c, K_IPPROTO_TCP, K_TCP_KEEPCNT, 2), 0);
	ck_assert_int_eq(getint(c, K_IPPROTO_TCP, K_TCP_KEEPCNT), 2);
	ck_assert_int_eq(put_str(c, "x"), 1);
	ck_assert_int_eq(get_str(s, buf, 1, 0), 1);
	get_info(c, &ti);
	ck_assert_int_eq(ti.state, TCP_ESTABLISHED);
	ck_assert_uint_eq(ti.options & 7, 7);	/* TS, SACK, WS */
	ck_assert_uint_eq(ti.wscale, 0x77);	/* both sides shift by 7 */
	ck_assert_uint_gt(ti.rcv_space, 65535);	/* so scaling matters */
	ck_assert_uint_eq(ti.snd_cwnd, 10);
	ck_assert_uint_eq(ti.snd_ssthresh, 0x7fffffff);
	ck_assert_uint_ge(ti.rto, 200000);
	ck_assert_uint_le(ti.snd_mss, 65495);
	ck_assert_uint_eq(ti.total_retrans, 0);
	ck_assert_int_eq(getint(c, K_IPPROTO_TCP, K_TCP_MAXSEG),
	    (int)ti.snd_mss);
	/* A short buffer gets the start of the structure, no more. */
	poke32(u + 64, 4);
	ck_assert_int_eq(sys(SYS_getsockopt, c, K_IPPROTO_TCP, K_TCP_INFO, u,
	    u + 64), 0);
	ck_assert_int_eq(peek32(u + 64), 4);
	ck_assert_int_eq(peek32(u) & 0xff, TCP_ESTABLISHED);
	/* Keepalive with 1 s idle, 1 s interval: the live peer answers. */
	nap(2500);
	ck_assert_int_eq(put_str(s, "y"), 1);
	ck_assert_int_eq(get_str(c, buf, 1, 0), 1);
	get_info(c, &ti);
	ck_assert_int_eq(ti.state, TCP_ESTABLISHED);
	/* MSG_PEEK, FIONREAD and MSG_WAITALL. */
	ck_assert_int_eq(put_str(s, "abcdef"), 6);
	nap(100);	/* Nagle holds it until "y" is acknowledged */
	ck_assert_int_eq(sys(SYS_ioctl, c, 0x541b, u), 0);
	ck_assert_int_eq(peek32(u), 6);
	ck_assert_int_eq(get_str(c, buf, 3, K_MSG_PEEK), 3);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(get_str(c, buf, 63, 0), 6);
	ck_assert_str_eq(buf, "abcdef");
	/* SO_RCVTIMEO: EAGAIN after the time. */
	poke32(u, 0);
	poke32(u + 4, 0);
	poke32(u + 8, 100000);
	poke32(u + 12, 0);
	ck_assert_int_eq(sys(SYS_setsockopt, c, K_SOL_SOCKET, K_SO_RCVTIMEO, u,
	    16), 0);
	ck_assert_int_eq(get_str(c, buf, 63, 0), -EAGAIN);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	/* SO_RCVBUF and TCP_MAXSEG before connect size the connection. */
	l = tlistener(0, 1, &port);
	c = tsock(0);
	ck_assert_int_eq(setint(c, K_SOL_SOCKET, K_SO_RCVBUF, 4096), 0);
	ck_assert_int_eq(setint(c, K_IPPROTO_TCP, K_TCP_MAXSEG, 1000), 0);
	ck_assert_int_eq(setint(c, 0, K_IP_TTL, 33), 0);
	ck_assert_int_eq(getint(c, 0, K_IP_TTL), 33);
	ck_assert_int_eq(tconnect(c, port), 0);
	get_info(c, &ti);
	ck_assert_uint_eq(ti.rcv_space, 4096);
	ck_assert_uint_le(ti.snd_mss, 1000);
	s = (int)sys(SYS_accept, l, 0, 0);
	ck_assert_int_ge(s, 0);
	/* The peer's segments respect the small window: 64 KiB still
	 * arrive whole. */
	ck_assert_int_eq(sys(SYS_write, s, u2, 65536), 65536);
	ck_assert_int_eq(sys(SYS_recvfrom, c, u2, 65536, K_MSG_WAITALL, 0, 0),
	    65536);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	ck_assert_int_eq(sys(SYS_close, l), 0);
	return 0;
}

START_TEST(test_options)
{
	sys_run_on(2, options_body);
	no_overrun();
}
END_TEST

/* ---- errors ---- */

static int
errors_body(void *arg)
{
	struct ksockaddr_in a;
	uaddr_t u = umem(PG);
	char buf[8];
	int fd = tsock(0), c, s;

	(void)arg;
	ck_assert_int_eq(sys(SYS_socket, K_AF_INET, K_SOCK_STREAM, 17),
	    -EPROTONOSUPPORT);
	ck_assert_int_eq(sys(SYS_bind, fd, sin_addr(INADDR_LOOPBACK_H, 0), 8),
	    -EINVAL);
	memset(&a, 0, sizeof(a));
	a.sin_family = K_AF_UNIX;
	ck_assert_int_eq(copyout(u, &a, sizeof(a)), 0);
	ck_assert_int_eq(sys(SYS_bind, fd, u, 16), -EAFNOSUPPORT);
	ck_assert_int_eq(sys(SYS_bind, fd, sin_addr(0x0a0b0c0d, 0), 16),
	    -EADDRNOTAVAIL);
	ck_assert_int_eq(sys(SYS_accept, fd, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_getpeername, fd, u, u + 64), -ENOTCONN);
	ck_assert_int_eq(get_str(fd, buf, 7, 0), -ENOTCONN);
	ck_assert_int_eq(sys(SYS_sendto, fd, u, 1, K_MSG_NOSIGNAL, 0, 0),
	    -EPIPE);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	tpair(&c, &s);
	ck_assert_int_eq(sys(SYS_listen, c, 1), -EINVAL);
	ck_assert_int_eq(tconnect(c, 1), -EISCONN);
	poke32(u + 64, 16);
	ck_assert_int_eq(sys(SYS_getpeername, s, u, u + 64), 0);
	ck_assert_int_eq(sys(SYS_sendto, c, BAD, 4, 0, 0, 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	return 0;
}

START_TEST(test_errors)
{
	sys_run_on(2, errors_body);
	no_overrun();
}
END_TEST

/* ---- epoll ---- */

static int
epoll_body(void *arg)
{
	uaddr_t u = umem(PG);
	uint32_t ev[3];
	int c, s, ep;

	(void)arg;
	tpair(&c, &s);
	ep = (int)sys(SYS_epoll_create1, 0);
	ck_assert_int_ge(ep, 0);
	/* struct epoll_event is packed: u32 events, u64 data. */
	ev[0] = K_EPOLLIN;
	ev[1] = (uint32_t)s;
	ev[2] = 0;
	ck_assert_int_eq(copyout(u, ev, 12), 0);
	ck_assert_int_eq(sys(SYS_epoll_ctl, ep, K_EPOLL_CTL_ADD, s, u), 0);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, u + 64, 4, 0), 0);
	ck_assert_int_eq(put_str(c, "data"), 4);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, u + 64, 4, 1000), 1);
	/* Level-triggered: still ready until read. */
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, u + 64, 4, 0), 1);
	ck_assert_int_eq(sys(SYS_read, s, u + 512, 64), 4);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, u + 64, 4, 0), 0);
	ck_assert_int_eq(sys(SYS_close, ep), 0);
	/* Edge-triggered: one report per arrival. */
	ep = (int)sys(SYS_epoll_create1, 0);
	ev[0] = K_EPOLLIN | K_EPOLLET;
	ck_assert_int_eq(copyout(u, ev, 12), 0);
	ck_assert_int_eq(sys(SYS_epoll_ctl, ep, K_EPOLL_CTL_ADD, s, u), 0);
	ck_assert_int_eq(put_str(c, "more"), 4);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, u + 64, 4, 1000), 1);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, u + 64, 4, 0), 0);
	ck_assert_int_eq(put_str(c, "again"), 5);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, u + 64, 4, 1000), 1);
	ck_assert_int_eq(sys(SYS_close, ep), 0);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	return 0;
}

START_TEST(test_epoll)
{
	sys_run_on(2, epoll_body);
	no_overrun();
}
END_TEST

/* ---- churn: many short connections closed every way ---- */

static int
churn_body(void *arg)
{
	uaddr_t u = umem(PG);
	uint16_t port;
	int l, c, s, i;

	(void)arg;
	l = tlistener(0, 16, &port);
	for (i = 0; i < 150; i++) {
		c = tsock(i % 5 == 4 ? K_SOCK_NONBLOCK : 0);
		ck_assert_int_eq(tconnect(c, port),
		    i % 5 == 4 ? -EINPROGRESS : 0);
		s = (int)sys(SYS_accept, l, 0, 0);
		ck_assert_int_ge(s, 0);
		ck_assert_int_eq(put_str(s, "x"), 1);
		switch (i % 5) {
		case 0:		/* client closes first */
			ck_assert_int_eq(sys(SYS_read, c, u, 8), 1);
			ck_assert_int_eq(sys(SYS_close, c), 0);
			ck_assert_int_eq(sys(SYS_read, s, u, 8), 0);
			ck_assert_int_eq(sys(SYS_close, s), 0);
			break;
		case 1:		/* server closes first */
			ck_assert_int_eq(sys(SYS_close, s), 0);
			ck_assert_int_eq(sys(SYS_read, c, u, 8), 1);
			ck_assert_int_eq(sys(SYS_read, c, u, 8), 0);
			ck_assert_int_eq(sys(SYS_close, c), 0);
			break;
		case 2:		/* unread data: RST */
			nap(1);
			ck_assert_int_eq(sys(SYS_close, c), 0);
			ck_assert_int_eq(sys(SYS_close, s), 0);
			break;
		case 3:		/* both at once */
			ck_assert_int_eq(sys(SYS_shutdown, c, 2), 0);
			ck_assert_int_eq(sys(SYS_shutdown, s, 2), 0);
			ck_assert_int_eq(sys(SYS_close, s), 0);
			ck_assert_int_eq(sys(SYS_close, c), 0);
			break;
		default:	/* closed while the handshake may be going on */
			ck_assert_int_eq(sys(SYS_close, c), 0);
			ck_assert_int_eq(sys(SYS_close, s), 0);
			break;
		}
	}
	/* A listener closed with connections queued resets them. */
	c = tsock(0);
	ck_assert_int_eq(tconnect(c, port), 0);
	nap(20);
	ck_assert_int_eq(sys(SYS_close, l), 0);
	nap(20);
	ck_assert_int_eq(sys(SYS_read, c, u, 8), -ECONNRESET);
	ck_assert_int_eq(sys(SYS_close, c), 0);
	nap(200);
	return 0;
}

START_TEST(test_churn)
{
	sys_run_on(2, churn_body);
	no_overrun();
}
END_TEST

/* TCP_TEST=name runs one test alone (debugging). */
#define ADD(tc, t) do { \
	const char *only = getenv("TCP_TEST"); \
	if (only == NULL || strcmp(only, #t + 5) == 0) \
		tcase_add_test(tc, t); \
} while (0)

static void
add_tests(TCase *tc)
{
	ADD(tc, test_echo);
	ADD(tc, test_many);
	ADD(tc, test_bulk);
	ADD(tc, test_shutdown);
	ADD(tc, test_rst_on_close);
	ADD(tc, test_ports);
	ADD(tc, test_nonblock);
	ADD(tc, test_backlog);
	ADD(tc, test_options);
	ADD(tc, test_errors);
	ADD(tc, test_epoll);
	ADD(tc, test_churn);
}

int
main(void)
{
	return run_suite("tcp", add_tests);
}
