/*
 * get http://A.B.C.D[:P]/PATH [-o FILE] [--cwnd-trace FILE]: an HTTP/1.1
 * download over biscotti's stack, the body written to a host file (or
 * counted and dropped without -o).
 *
 * It sends one GET with "Connection: close", reads the status line and
 * headers, then the body: Content-Length bytes when the server gave one,
 * else everything up to the end of the stream.  Exit status 0 only for
 * a 200 whose body arrived whole; 1 otherwise, with the reason.  It
 * prints the size, time and rate, which the benchmark reads.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "net.h"

#define BUF	(256 * 1024)

/* Split url into address, port and path: 0 or -1. */
static int
parse_url(const char *url, uint32_t *addr, unsigned *port, const char **path)
{
	char host[64];
	const char *h, *slash;
	char *colon;
	size_t n;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	h = url + 7;
	slash = strchr(h, '/');
	n = slash ? (size_t)(slash - h) : strlen(h);
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	*path = slash ? slash : "/";
	*port = 80;
	if ((colon = strchr(host, ':')) != NULL) {
		*colon = '\0';
		if (net_parse_port(colon + 1, false) < 0)
			return -1;
		*port = (unsigned)net_parse_port(colon + 1, false);
	}
	return net_parse_ipv4(host, addr);
}

/* Write all of buf to the host fd (or drop it when fd < 0). */
static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (fd >= 0 && len > 0) {
		if ((n = write(fd, buf, len)) <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
net_get(int argc, char **argv)
{
	const char *url = NULL, *out = NULL, *trace = NULL, *path;
	struct cwnd_trace *ct = NULL;
	long long clen = -1, got = 0;
	uint64_t t0, ms;
	uint8_t *buf;
	char req[2048], *hdr_end, *cl;
	size_t have = 0;
	unsigned port;
	uint32_t addr;
	int i, status = 0, ofd = -1, rc = 1;
	long fd, n;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--cwnd-trace") == 0 && i + 1 < argc)
			trace = argv[++i];
		else if (url == NULL && argv[i][0] != '-')
			url = argv[i];
		else
			url = NULL, i = argc;
	}
	if (url == NULL || parse_url(url, &addr, &port, &path) < 0) {
		fprintf(stderr, "usage: get http://A.B.C.D[:PORT]/PATH [-o FILE]"
		    " [--cwnd-trace FILE]\n");
		return 2;
	}
	if ((buf = malloc(BUF + 1)) == NULL)
		return 1;
	if (out != NULL && (ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "get: cannot write %s\n", out);
		goto done;
	}
	if (trace != NULL && (ct = cwnd_trace_open(trace)) == NULL) {
		fprintf(stderr, "get: cannot write %s\n", trace);
		goto done;
	}
	t0 = net_now_ms();
	if ((fd = u_socket(K_SOCK_STREAM | K_SOCK_CLOEXEC)) < 0 ||
	    (n = u_connect((int)fd, addr, (uint16_t)((port & 0xff) << 8 |
	    port >> 8))) < 0) {
		fprintf(stderr, "get: connect %s: %s\n", url,
		    u_strerror(fd < 0 ? fd : n));
		goto done;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %.*s\r\n"
	    "User-Agent: biscotti-get\r\nConnection: close\r\n\r\n", path,
	    (int)strcspn(url + 7, "/"), url + 7);
	for (size_t off = 0, len = strlen(req); off < len; off += (size_t)n)
		if ((n = u_send((int)fd, req + off, len - off)) <= 0) {
			fprintf(stderr, "get: send: %s\n", u_strerror(n));
			goto done;
		}
	/* The status line and headers. */
	for (;;) {
		buf[have] = '\0';
		if ((hdr_end = strstr((char *)buf, "\r\n\r\n")) != NULL)
			break;
		if (have >= BUF || (n = u_recv((int)fd, buf + have,
		    BUF - have)) <= 0) {
			fprintf(stderr, "get: no response header (%s)\n",
			    n < 0 ? u_strerror(n) : "end of stream");
			goto done;
		}
		have += (size_t)n;
	}
	*hdr_end = '\0';
	if (sscanf((char *)buf, "HTTP/1.%*d %d", &status) != 1) {
		fprintf(stderr, "get: bad status line\n");
		goto done;
	}
	for (cl = (char *)buf; (cl = strchr(cl, '\n')) != NULL; cl++)
		if (strncasecmp(cl + 1, "Content-Length:", 15) == 0)
			clen = atoll(cl + 16);
	/* The body: what came with the header, then the rest. */
	got = (long long)(have - (size_t)(hdr_end + 4 - (char *)buf));
	if (write_all(ofd, (uint8_t *)hdr_end + 4, (size_t)got) < 0)
		goto write_err;
	while (clen < 0 || got < clen) {
		n = u_recv((int)fd, buf, BUF);
		if (n <= 0) {
			if (n < 0)
				fprintf(stderr, "get: recv: %s\n",
				    u_strerror(n));
			break;
		}
		cwnd_trace_sample(ct, 0, (int)fd);
		if (write_all(ofd, buf, (size_t)n) < 0)
			goto write_err;
		got += n;
	}
	ms = net_now_ms() - t0;
	u_close((int)fd);
	printf("get: %s: status %d, %lld bytes in %lu ms (%.1f MB/s)\n", url,
	    status, got, (unsigned long)ms,
	    ms ? (double)got / 1000.0 / (double)ms : 0.0);
	if (status != 200)
		fprintf(stderr, "get: status %d\n", status);
	else if (clen >= 0 && got != clen)
		fprintf(stderr, "get: %lld of %lld bytes\n", got, clen);
	else
		rc = 0;
	goto done;
write_err:
	fprintf(stderr, "get: cannot write %s\n", out);
done:
	if (ofd >= 0)
		close(ofd);
	cwnd_trace_close(ct);
	free(buf);
	return rc;
}
