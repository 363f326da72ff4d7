/*
 * UDP clients on biscotti's stack:
 *
 *	udpsend HOST PORT MSG
 *		send MSG in one datagram; print the reply if one comes
 *		within a second (exit 0 either way once sent)
 *	udpecho-client HOST PORT [--count N] [--size S]
 *		send N numbered datagrams of S bytes to an echo server and
 *		check that each comes back intact; a datagram whose echo
 *		does not come within 300 ms is sent again, up to 5 times,
 *		since UDP may lose it.  Exit 0 when all N came back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define TRIES		5
#define WAIT_MS		300

static int
parse_dest(const char *host, const char *port, uint32_t *addr,
    uint16_t *port_be)
{
	int p = net_parse_port(port, false);

	if (net_parse_ipv4(host, addr) < 0 || p < 0) {
		fprintf(stderr, "udp: bad destination %s:%s\n", host, port);
		return -1;
	}
	*port_be = (uint16_t)((p & 0xff) << 8 | p >> 8);
	return 0;
}

static long
udp_socket(void)
{
	return u_socket(K_SOCK_DGRAM | K_SOCK_CLOEXEC);
}

/* Wait up to ms for fd to be readable: true when it is. */
static bool
wait_readable(int ep, unsigned ms)
{
	struct k_epoll_event ev;

	return u_epoll_wait(ep, &ev, 1, (int)ms) > 0;
}

int
net_udpsend(int argc, char **argv)
{
	static char reply[65536];
	uint32_t addr, from;
	uint16_t port, fport;
	long fd, ep, n;

	if (argc != 4) {
		fprintf(stderr, "usage: udpsend HOST PORT MSG\n");
		return 2;
	}
	if (parse_dest(argv[1], argv[2], &addr, &port) < 0)
		return 2;
	if ((fd = udp_socket()) < 0 || (ep = u_epoll_create()) < 0 ||
	    u_epoll_ctl((int)ep, K_EPOLL_CTL_ADD, (int)fd, K_EPOLLIN, 0) < 0) {
		fprintf(stderr, "udpsend: socket: %s\n", u_strerror(fd));
		return 1;
	}
	n = u_sendto((int)fd, argv[3], strlen(argv[3]), addr, port);
	if (n < 0) {
		fprintf(stderr, "udpsend: sendto: %s\n", u_strerror(n));
		return 1;
	}
	printf("udpsend: sent %ld bytes\n", n);
	if (wait_readable((int)ep, 1000) && (n = u_recvfrom((int)fd, reply,
	    sizeof(reply) - 1, &from, &fport)) >= 0) {
		reply[n] = '\0';
		printf("udpsend: reply: %s\n", reply);
	}
	return 0;
}

/* Datagram i of size bytes: its number, then a pattern from it. */
static void
fill(uint8_t *buf, size_t size, uint32_t i)
{
	size_t k;

	for (k = 0; k < size; k++)
		buf[k] = (uint8_t)(i * 131 + k * 7 + (k >> 8));
	if (size >= 4)
		memcpy(buf, &i, 4);
}

int
net_udpecho_client(int argc, char **argv)
{
	static uint8_t want[65536], got[65536];
	unsigned count = 100, size = 512, ok = 0, resent = 0, try;
	uint32_t addr, from, i;
	uint16_t port, fport;
	long fd, ep, n;
	int a;

	for (a = 3; a < argc; a++) {
		if (strcmp(argv[a], "--count") == 0 && a + 1 < argc)
			count = (unsigned)atoi(argv[++a]);
		else if (strcmp(argv[a], "--size") == 0 && a + 1 < argc)
			size = (unsigned)atoi(argv[++a]);
		else
			argc = 0;
	}
	if (argc < 3 || count == 0 || size < 4 || size > 65507) {
		fprintf(stderr, "usage: udpecho-client HOST PORT [--count N] "
		    "[--size S (4..65507)]\n");
		return 2;
	}
	if (parse_dest(argv[1], argv[2], &addr, &port) < 0)
		return 2;
	if ((fd = udp_socket()) < 0 || (ep = u_epoll_create()) < 0 ||
	    u_epoll_ctl((int)ep, K_EPOLL_CTL_ADD, (int)fd, K_EPOLLIN, 0) < 0) {
		fprintf(stderr, "udpecho-client: socket: %s\n",
		    u_strerror(fd));
		return 1;
	}
	for (i = 0; i < count && !net_stopping(); i++) {
		fill(want, size, i);
		for (try = 0; try < TRIES; try++) {
			if (try > 0)
				resent++;
			n = u_sendto((int)fd, want, size, addr, port);
			if (n != (long)size) {
				fprintf(stderr, "udpecho-client: sendto: %s\n",
				    u_strerror(n));
				return 1;
			}
			/* Take replies until ours (stale echoes are skipped). */
			while (wait_readable((int)ep, WAIT_MS)) {
				n = u_recvfrom((int)fd, got, sizeof(got),
				    &from, &fport);
				if (n == (long)size && from == addr &&
				    fport == port && memcmp(got, want, size)
				    == 0)
					goto echoed;
			}
		}
		fprintf(stderr, "udpecho-client: datagram %u: no echo after %d "
		    "tries\n", i, TRIES);
		break;
echoed:
		ok++;
	}
	printf("udpecho-client: %u of %u datagrams of %u bytes echoed (%u "
	    "resent)\n", ok, count, size, resent);
	return ok == count ? 0 : 1;
}
