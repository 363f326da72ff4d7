/*
 * httpd DIR [--port P] [--cwnd-trace FILE]: a static-file HTTP/1.1
 * server on biscotti's stack.
 *
 * One epoll loop over non-blocking sockets serves every connection, so
 * hundreds at once cost no threads.  A connection reads a request up to
 * the blank line, answers GET and HEAD for regular files under DIR (the
 * host's files: read with pread(2) in 64 KiB pieces as the socket drains,
 * so a large file never sits in memory), with Content-Length, and keeps
 * the connection open for the next request unless the client or
 * HTTP/1.0 says otherwise.  Errors get a short body: 400 for a request
 * it cannot parse, 404 for a missing file or a path with "..", 405 for
 * other methods, 431 for headers over 8 KiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"

#define REQ_MAX		8192
#define CHUNK		(64 * 1024)
#define EV_MAX		64
#define LISTENER	(~(uint64_t)0)

struct conn {
	int fd, id;
	bool writing, keepalive;
	char req[REQ_MAX];
	size_t reqlen;
	int file;		/* host fd of the body, or -1 */
	uint64_t off, end;	/* the body still to read from it */
	uint8_t buf[CHUNK];	/* header + body piece being sent */
	size_t buflen, bufoff;
};

struct httpd {
	const char *dir;
	int ep;
	int nconns, next_id;
	struct cwnd_trace *ct;
	uint64_t requests;
};

static void
conn_close(struct httpd *h, struct conn *c)
{
	u_epoll_ctl(h->ep, K_EPOLL_CTL_DEL, c->fd, 0, 0);
	u_close(c->fd);
	if (c->file >= 0)
		close(c->file);
	free(c);
	h->nconns--;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	default: return "Internal Server Error";
	}
}

/* Start an error response with a one-line body. */
static void
respond_error(struct conn *c, int status)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status,
	    reason(status));

	c->keepalive = false;
	c->buflen = (size_t)snprintf((char *)c->buf, sizeof(c->buf),
	    "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
	    "Content-Length: %d\r\nConnection: close\r\n\r\n%s", status,
	    reason(status), n, body);
	c->bufoff = 0;
}

/* Decode %XX escapes in place and drop a query: -1 when malformed. */
static int
decode_path(char *p)
{
	char *w = p, hex[3] = { 0 };

	for (; *p != '\0' && *p != '?'; p++) {
		if (*p != '%') {
			*w++ = *p;
			continue;
		}
		if (p[1] == '\0' || p[2] == '\0')
			return -1;
		hex[0] = p[1];
		hex[1] = p[2];
		*w++ = (char)strtol(hex, NULL, 16);
		p += 2;
	}
	*w = '\0';
	return 0;
}

/* Does path climb out of the root ("..", a NUL from %00)? */
static bool
unsafe_path(const char *path)
{
	const char *s = path;

	if (path[0] != '/')
		return true;
	while ((s = strstr(s, "..")) != NULL) {
		if ((s == path || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return true;
		s += 2;
	}
	return false;
}

/* A header's value in the request (case-insensitive name), or NULL. */
static const char *
header(const char *req, const char *name, char *val, size_t len)
{
	const char *line = strstr(req, "\r\n"), *v, *e;
	size_t n = strlen(name);

	for (; line != NULL && line[2] != '\r'; line = strstr(line + 2,
	    "\r\n")) {
		if (strncasecmp(line + 2, name, n) != 0 || line[2 + n] != ':')
			continue;
		for (v = line + 3 + n; *v == ' ' || *v == '\t'; v++)
			;
		e = strstr(v, "\r\n");
		if (e == NULL || (size_t)(e - v) >= len)
			return NULL;
		memcpy(val, v, (size_t)(e - v));
		val[e - v] = '\0';
		return val;
	}
	return NULL;
}

/* Parse the request that ends at req[hdrlen] and set up its response. */
static void
respond(struct httpd *h, struct conn *c, size_t hdrlen)
{
	char method[16], target[2048], version[16], path[4096], val[64];
	struct stat st;
	bool head;
	int fd;

	c->req[hdrlen] = '\0';
	h->requests++;
	if (sscanf(c->req, "%15s %2047s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		respond_error(c, 400);
		return;
	}
	c->keepalive = strcmp(version, "HTTP/1.0") != 0;
	if (header(c->req, "Connection", val, sizeof(val)) != NULL)
		c->keepalive = strcasecmp(val, "close") != 0 &&
		    (c->keepalive || strcasecmp(val, "keep-alive") == 0);
	head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		respond_error(c, 405);
		return;
	}
	if (decode_path(target) < 0) {
		respond_error(c, 400);
		return;
	}
	if (unsafe_path(target) ||
	    strlen(target) != strcspn(target, "\r\n")) {
		respond_error(c, 404);
		return;
	}
	snprintf(path, sizeof(path), "%s%s%s", h->dir, target,
	    target[strlen(target) - 1] == '/' ? "index.html" : "");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		respond_error(c, 404);
		return;
	}
	c->buflen = (size_t)snprintf((char *)c->buf, sizeof(c->buf),
	    "HTTP/1.1 200 OK\r\nServer: biscotti\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Length: %lld\r\nConnection: %s\r\n\r\n",
	    (long long)st.st_size, c->keepalive ? "keep-alive" : "close");
	c->bufoff = 0;
	c->off = 0;
	c->end = head ? 0 : (uint64_t)st.st_size;
	c->file = fd;
}

/* Refill buf from the file when it is empty: false on a read error. */
static bool
refill(struct conn *c)
{
	size_t room = sizeof(c->buf) - c->buflen;
	ssize_t n;

	if (c->bufoff < c->buflen || c->off >= c->end)
		return true;
	if (c->bufoff == c->buflen)
		c->bufoff = c->buflen = 0, room = sizeof(c->buf);
	if (room > c->end - c->off)
		room = (size_t)(c->end - c->off);
	n = pread(c->file, c->buf + c->buflen, room, (off_t)c->off);
	if (n <= 0)
		return false;
	c->buflen += (size_t)n;
	c->off += (uint64_t)n;
	return true;
}

static bool conn_read(struct httpd *h, struct conn *c);

/* Send what is ready; false when the connection is done with. */
static bool
conn_write(struct httpd *h, struct conn *c)
{
	long n;

	for (;;) {
		if (!refill(c))
			return false;
		if (c->bufoff == c->buflen)
			break;
		n = u_send(c->fd, c->buf + c->bufoff, c->buflen - c->bufoff);
		if (n == -K_EAGAIN)
			return true;
		if (n <= 0)
			return false;
		c->bufoff += (size_t)n;
		cwnd_trace_sample(h->ct, c->id, c->fd);
	}
	/* The response is out. */
	if (c->file >= 0)
		close(c->file);
	c->file = -1;
	c->writing = false;
	if (!c->keepalive)
		return false;
	u_epoll_ctl(h->ep, K_EPOLL_CTL_MOD, c->fd, K_EPOLLIN | K_EPOLLRDHUP,
	    (uint64_t)(uintptr_t)c);
	/* A pipelined request may already be here. */
	return conn_read(h, c);
}

/* Read request bytes; respond when one is whole. */
static bool
conn_read(struct httpd *h, struct conn *c)
{
	char *end;
	size_t used;
	long n;

	for (;;) {
		c->req[c->reqlen] = '\0';
		if ((end = strstr(c->req, "\r\n\r\n")) != NULL)
			break;
		if (c->reqlen >= sizeof(c->req) - 1) {
			respond_error(c, 431);
			goto write;
		}
		n = u_recv(c->fd, c->req + c->reqlen,
		    sizeof(c->req) - 1 - c->reqlen);
		if (n == -K_EAGAIN)
			return true;
		if (n <= 0)
			return false;
		c->reqlen += (size_t)n;
	}
	used = (size_t)(end + 4 - c->req);
	respond(h, c, used - 2);
	/* Keep the bytes after this request for the next one. */
	memmove(c->req, c->req + used, c->reqlen - used);
	c->reqlen -= used;
write:
	c->writing = true;
	u_epoll_ctl(h->ep, K_EPOLL_CTL_MOD, c->fd, K_EPOLLOUT,
	    (uint64_t)(uintptr_t)c);
	return conn_write(h, c);
}

static void
accept_all(struct httpd *h, int lfd)
{
	struct conn *c;
	long fd;

	while ((fd = u_accept(lfd, K_SOCK_NONBLOCK | K_SOCK_CLOEXEC)) >= 0) {
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			u_close((int)fd);
			continue;
		}
		c->fd = (int)fd;
		c->file = -1;
		c->id = h->next_id++;
		h->nconns++;
		if (u_epoll_ctl(h->ep, K_EPOLL_CTL_ADD, c->fd, K_EPOLLIN |
		    K_EPOLLRDHUP, (uint64_t)(uintptr_t)c) < 0)
			conn_close(h, c);
	}
	if (fd != -K_EAGAIN && fd != -K_EINTR)
		fprintf(stderr, "httpd: accept: %s\n", u_strerror(fd));
}

int
net_httpd(int argc, char **argv)
{
	struct k_epoll_event ev[EV_MAX];
	struct httpd h = { .ep = -1 };
	const char *trace = NULL;
	int port = 80;
	struct conn *c;
	long lfd, n = 0, i;
	bool keep;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc &&
		    (port = net_parse_port(argv[i + 1], false)) > 0)
			i++;
		else if (strcmp(argv[i], "--cwnd-trace") == 0 && i + 1 < argc)
			trace = argv[++i];
		else if (argv[i][0] != '-' && h.dir == NULL)
			h.dir = argv[i];
		else {
			fprintf(stderr, "usage: httpd DIR [--port P] "
			    "[--cwnd-trace FILE]\n");
			return 2;
		}
	}
	if (h.dir == NULL || access(h.dir, R_OK | X_OK) < 0) {
		fprintf(stderr, "httpd: no readable directory %s\n",
		    h.dir ? h.dir : "(none)");
		return 2;
	}
	if (trace != NULL && (h.ct = cwnd_trace_open(trace)) == NULL) {
		fprintf(stderr, "httpd: cannot write %s\n", trace);
		return 2;
	}
	lfd = u_socket(K_SOCK_STREAM | K_SOCK_NONBLOCK | K_SOCK_CLOEXEC);
	if (lfd < 0 || u_setsockopt_int((int)lfd, K_SOL_SOCKET,
	    K_SO_REUSEADDR, 1) < 0 || (n = u_bind((int)lfd, 0,
	    (uint16_t)((port & 0xff) << 8 | port >> 8))) < 0 ||
	    (n = u_listen((int)lfd, 512)) < 0 ||
	    (h.ep = (int)u_epoll_create()) < 0 ||
	    (n = u_epoll_ctl(h.ep, K_EPOLL_CTL_ADD, (int)lfd, K_EPOLLIN,
	    LISTENER)) < 0) {
		fprintf(stderr, "httpd: cannot listen on port %u: %s\n", port,
		    u_strerror(lfd < 0 ? lfd : n));
		return 1;
	}
	printf("httpd: serving %s on port %u\n", h.dir, port);
	fflush(stdout);
	while (!net_stopping()) {
		n = u_epoll_wait(h.ep, ev, EV_MAX, 200);
		if (n < 0 && n != -K_EINTR) {
			fprintf(stderr, "httpd: epoll_wait: %s\n",
			    u_strerror(n));
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data == LISTENER) {
				accept_all(&h, (int)lfd);
				continue;
			}
			c = (struct conn *)(uintptr_t)ev[i].data;
			keep = c->writing ? conn_write(&h, c) :
			    conn_read(&h, c);
			if (!keep)
				conn_close(&h, c);
		}
	}
	printf("httpd: stopped after %lu requests\n",
	    (unsigned long)h.requests);
	cwnd_trace_close(h.ct);
	return 0;
}
