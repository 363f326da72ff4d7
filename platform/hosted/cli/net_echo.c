/*
 * echo [--tcp-port P] [--udp-port P]: TCP and UDP echo servers (RFC 862)
 * on biscotti's stack; discard [--port P]: a TCP discard server (RFC
 * 863), the benchmark's sink, which prints each connection's bytes and
 * rate when it ends.
 *
 * One epoll loop serves the listener, the UDP socket and every
 * connection.  An echo connection reads up to a buffer's worth, writes
 * it back, and while a write is short it stops reading (waits for
 * EPOLLOUT only), so a client that sends without reading is slowed by
 * TCP's own flow control instead of growing our buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define BUF		(64 * 1024)
#define EV_MAX		128
#define TCP_LISTENER	(~(uint64_t)0)
#define UDP_SOCKET	(~(uint64_t)1)

struct echo_conn {
	int fd;
	uint8_t buf[BUF];
	size_t len, off;	/* bytes read, bytes written back */
	bool out;		/* waiting for EPOLLOUT, not reading */
	uint64_t bytes, t0;
};

struct server {
	int ep;
	bool discard;
	uint64_t accepted, closed;
};

static uint16_t
port_be(unsigned p)
{
	return (uint16_t)((p & 0xff) << 8 | (p >> 8 & 0xff));
}

static void
econn_close(struct server *s, struct echo_conn *c)
{
	uint64_t ms = net_now_ms() - c->t0;

	if (s->discard)
		printf("discard: %lu bytes in %lu ms (%.1f MB/s)\n",
		    (unsigned long)c->bytes, (unsigned long)ms,
		    ms ? (double)c->bytes / 1000.0 / (double)ms : 0.0);
	u_epoll_ctl(s->ep, K_EPOLL_CTL_DEL, c->fd, 0, 0);
	u_close(c->fd);
	free(c);
	s->closed++;
}

/* Move data; false when the connection is finished. */
static bool
econn_run(struct server *s, struct echo_conn *c)
{
	long n;

	for (;;) {
		if (c->off < c->len) {
			n = u_send(c->fd, c->buf + c->off, c->len - c->off);
			if (n == -K_EAGAIN) {
				if (!c->out)
					u_epoll_ctl(s->ep, K_EPOLL_CTL_MOD,
					    c->fd, K_EPOLLOUT,
					    (uint64_t)(uintptr_t)c);
				c->out = true;
				return true;
			}
			if (n <= 0)
				return false;
			c->off += (size_t)n;
			if (c->off < c->len)
				continue;
			/* Drained: back to reading. */
			if (c->out)
				u_epoll_ctl(s->ep, K_EPOLL_CTL_MOD, c->fd,
				    K_EPOLLIN | K_EPOLLRDHUP,
				    (uint64_t)(uintptr_t)c);
			c->out = false;
		}
		n = u_recv(c->fd, c->buf, sizeof(c->buf));
		if (n == -K_EAGAIN)
			return true;
		if (n <= 0)
			return false;
		c->bytes += (uint64_t)n;
		if (s->discard)
			continue;
		c->len = (size_t)n;
		c->off = 0;
	}
}

static void
accept_all(struct server *s, int lfd)
{
	struct echo_conn *c;
	long fd;

	while ((fd = u_accept(lfd, K_SOCK_NONBLOCK | K_SOCK_CLOEXEC)) >= 0) {
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			u_close((int)fd);
			continue;
		}
		c->fd = (int)fd;
		c->t0 = net_now_ms();
		s->accepted++;
		if (u_epoll_ctl(s->ep, K_EPOLL_CTL_ADD, c->fd, K_EPOLLIN |
		    K_EPOLLRDHUP, (uint64_t)(uintptr_t)c) < 0)
			econn_close(s, c);
	}
}

/* Echo every waiting datagram to its sender. */
static void
udp_echo(int fd)
{
	static uint8_t buf[65536];
	uint32_t addr;
	uint16_t port;
	long n;

	while ((n = u_recvfrom(fd, buf, sizeof(buf), &addr, &port)) >= 0)
		u_sendto(fd, buf, (size_t)n, addr, port);
}

static long
listen_on(int ep, int type, unsigned port, uint64_t tag)
{
	long fd = u_socket(type | K_SOCK_NONBLOCK | K_SOCK_CLOEXEC), r;

	if (fd < 0)
		return fd;
	if ((r = u_setsockopt_int((int)fd, K_SOL_SOCKET, K_SO_REUSEADDR,
	    1)) < 0 || (r = u_bind((int)fd, 0, port_be(port))) < 0 ||
	    (type == K_SOCK_STREAM && (r = u_listen((int)fd, 1024)) < 0) ||
	    (r = u_epoll_ctl(ep, K_EPOLL_CTL_ADD, (int)fd, K_EPOLLIN,
	    tag)) < 0) {
		u_close((int)fd);
		return r;
	}
	return fd;
}

static int
serve(struct server *s, unsigned tcp_port, unsigned udp_port,
    const char *name)
{
	struct k_epoll_event ev[EV_MAX];
	long lfd = -1, ufd = -1, n, i;
	struct echo_conn *c;

	if ((s->ep = (int)u_epoll_create()) < 0) {
		fprintf(stderr, "%s: epoll: %s\n", name, u_strerror(s->ep));
		return 1;
	}
	if (tcp_port && (lfd = listen_on(s->ep, K_SOCK_STREAM, tcp_port,
	    TCP_LISTENER)) < 0) {
		fprintf(stderr, "%s: TCP port %u: %s\n", name, tcp_port,
		    u_strerror(lfd));
		return 1;
	}
	if (udp_port && (ufd = listen_on(s->ep, K_SOCK_DGRAM, udp_port,
	    UDP_SOCKET)) < 0) {
		fprintf(stderr, "%s: UDP port %u: %s\n", name, udp_port,
		    u_strerror(ufd));
		return 1;
	}
	printf("%s: TCP port %u, UDP port %u\n", name, tcp_port, udp_port);
	fflush(stdout);
	while (!net_stopping()) {
		n = u_epoll_wait(s->ep, ev, EV_MAX, 200);
		for (i = 0; i < n; i++) {
			if (ev[i].data == TCP_LISTENER)
				accept_all(s, (int)lfd);
			else if (ev[i].data == UDP_SOCKET)
				udp_echo((int)ufd);
			else {
				c = (struct echo_conn *)(uintptr_t)ev[i].data;
				if (!econn_run(s, c))
					econn_close(s, c);
			}
		}
	}
	printf("%s: stopped; %lu connections accepted, %lu closed\n", name,
	    (unsigned long)s->accepted, (unsigned long)s->closed);
	return 0;
}

int
net_echo(int argc, char **argv)
{
	struct server s = { .discard = false };
	int tcp = 7, udp = 7, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tcp-port") == 0 && i + 1 < argc &&
		    (tcp = net_parse_port(argv[i + 1], true)) >= 0)
			i++;
		else if (strcmp(argv[i], "--udp-port") == 0 && i + 1 < argc &&
		    (udp = net_parse_port(argv[i + 1], true)) >= 0)
			i++;
		else {
			fprintf(stderr, "usage: echo [--tcp-port P] "
			    "[--udp-port P] (0: none)\n");
			return 2;
		}
	}
	return serve(&s, (unsigned)tcp, (unsigned)udp, "echo");
}

int
net_discard(int argc, char **argv)
{
	struct server s = { .discard = true };
	int port = 9, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc &&
		    (port = net_parse_port(argv[i + 1], false)) > 0)
			i++;
		else {
			fprintf(stderr, "usage: discard [--port P]\n");
			return 2;
		}
	}
	return serve(&s, (unsigned)port, 0, "discard");
}
