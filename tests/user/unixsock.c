/*
 * init (tests/qemu/user.sh): AF_UNIX sockets from user mode.  A forked
 * server echoes over a path-named stream socket; a mailbox bound to a
 * path receives datagrams that children send with sendto; a pipe end
 * passes over a socketpair in SCM_RIGHTS and is used; shutdown gives
 * EOF and EPIPE (SIGPIPE ignored); a non-blocking accept and connect
 * see EAGAIN; epoll waits on the listener and a connection.  Prints
 * "unixsock: ok" and exits 0.
 *
 * Before that, between "unixsock: begin" and "unixsock: end", it prints
 * what it observes of sockets in many states (poll and epoll bits,
 * name lengths, options, message flags, errnos), nothing host-specific,
 * so that tests/qemu/linuxdiff.sh can compare biscotti with Linux line
 * by line.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void
fail(const char *what)
{
	printf("unixsock: FAILED: %s (errno %d)\n", what, errno);
	exit(1);
}

static socklen_t
name(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path) + 1);
}

static void
reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		fail("child");
}

/* The echo server: accept connections and echo until EOF, n times. */
static void
echo_server(int lfd, int n)
{
	char buf[256];
	ssize_t r;
	int c;

	while (n-- > 0) {
		if ((c = accept(lfd, NULL, NULL)) < 0)
			_exit(2);
		while ((r = read(c, buf, sizeof(buf))) > 0)
			if (write(c, buf, (size_t)r) != r)
				_exit(3);
		close(c);
	}
	_exit(0);
}

static void
stream_echo(void)
{
	struct sockaddr_un a;
	struct stat st;
	socklen_t len = name(&a, "echo.sock");
	char buf[64];
	int lfd, fd, i;
	pid_t pid;

	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		fail("socket");
	if (bind(lfd, (struct sockaddr *)&a, len) != 0 || listen(lfd, 4) != 0)
		fail("bind/listen");
	if (stat("echo.sock", &st) != 0 || !S_ISSOCK(st.st_mode))
		fail("socket inode");
	if ((pid = fork()) == 0)
		echo_server(lfd, 3);
	close(lfd);
	for (i = 0; i < 3; i++) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			fail("client socket");
		if (connect(fd, (struct sockaddr *)&a, len) != 0)
			fail("connect");
		if (write(fd, "hello, echo", 11) != 11)
			fail("write");
		if (recv(fd, buf, 11, MSG_WAITALL) != 11 ||
		    memcmp(buf, "hello, echo", 11) != 0)
			fail("echo");
		shutdown(fd, SHUT_WR);
		if (read(fd, buf, sizeof(buf)) != 0)
			fail("EOF after shutdown");
		close(fd);
	}
	reap(pid);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		fail("socket");
	if (connect(fd, (struct sockaddr *)&a, len) == 0 ||
	    errno != ECONNREFUSED)
		fail("ECONNREFUSED after the server left");
	close(fd);
}

static void
mailbox(void)
{
	struct sockaddr_un a;
	socklen_t len = name(&a, "mailbox.sock");
	char buf[64];
	int box, fd, i, seen = 0;
	pid_t pid[4];

	if ((box = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 ||
	    bind(box, (struct sockaddr *)&a, len) != 0)
		fail("mailbox");
	for (i = 0; i < 4; i++) {
		if ((pid[i] = fork()) == 0) {
			char msg[16];

			snprintf(msg, sizeof(msg), "letter %d", i);
			fd = socket(AF_UNIX, SOCK_DGRAM, 0);
			if (fd < 0 || sendto(fd, msg, strlen(msg), 0,
			    (struct sockaddr *)&a, len) != (ssize_t)strlen(msg))
				_exit(1);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++) {
		ssize_t r = recvfrom(box, buf, sizeof(buf) - 1, 0, NULL, NULL);

		if (r != 8 || strncmp(buf, "letter ", 7) != 0)
			fail("letter");
		seen |= 1 << (buf[7] - '0');
	}
	for (i = 0; i < 4; i++)
		reap(pid[i]);
	if (seen != 15)
		fail("every letter");
	close(box);
}

static void
pass_fd(void)
{
	char cbuf[CMSG_SPACE(sizeof(int))], buf[16];
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	int sv[2], p[2], got;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || pipe(p) != 0)
		fail("socketpair/pipe");
	memset(&m, 0, sizeof(m));
	iov.iov_base = "fd";
	iov.iov_len = 2;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	if (sendmsg(sv[0], &m, 0) != 2)
		fail("sendmsg");
	close(p[1]);
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	if (recvmsg(sv[1], &m, 0) != 2)
		fail("recvmsg");
	c = CMSG_FIRSTHDR(&m);
	if (c == NULL || c->cmsg_type != SCM_RIGHTS)
		fail("SCM_RIGHTS");
	memcpy(&got, CMSG_DATA(c), sizeof(int));
	if (write(got, "through", 7) != 7)
		fail("write through the passed fd");
	close(got);
	if (read(p[0], buf, sizeof(buf)) != 7 || memcmp(buf, "through", 7))
		fail("read the passed bytes");
	if (read(p[0], buf, sizeof(buf)) != 0)
		fail("EOF once the passed end closed");
	/* The peer gone: EPIPE (SIGPIPE is ignored here). */
	close(sv[1]);
	if (write(sv[0], "x", 1) != -1 || errno != EPIPE)
		fail("EPIPE");
	close(sv[0]);
	close(p[0]);
}

static void
nonblock_epoll(void)
{
	struct sockaddr_un a;
	socklen_t len = name(&a, "nb.sock");
	struct epoll_event ev, out[4];
	int lfd, c1, c2, s, ep;

	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, len) != 0 ||
	    listen(lfd, 0) != 0)
		fail("nb listener");
	if (accept4(lfd, NULL, NULL, SOCK_NONBLOCK) != -1 || errno != EAGAIN)
		fail("accept EAGAIN");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fail("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.u32 = 1;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0)
		fail("epoll_ctl listener");
	if (epoll_wait(ep, out, 4, 0) != 0)
		fail("nothing yet");
	c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (connect(c1, (struct sockaddr *)&a, len) != 0)
		fail("connect c1");
	if (connect(c2, (struct sockaddr *)&a, len) != -1 || errno != EAGAIN)
		fail("connect EAGAIN with a full backlog");
	if (epoll_wait(ep, out, 4, 1000) != 1 || out[0].data.u32 != 1)
		fail("listener readable");
	if ((s = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) < 0)
		fail("accept4");
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.u32 = 2;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) != 0)
		fail("epoll_ctl conn");
	if (write(c1, "abc", 3) != 3)
		fail("write c1");
	if (epoll_wait(ep, out, 4, 1000) != 1 || out[0].data.u32 != 2 ||
	    out[0].events != EPOLLIN)
		fail("EPOLLIN edge");
	if (epoll_wait(ep, out, 4, 0) != 0)
		fail("no second edge");
	close(c1);
	if (epoll_wait(ep, out, 4, 1000) != 1 ||
	    !(out[0].events & EPOLLRDHUP))
		fail("EPOLLRDHUP edge");
	close(s);
	close(c2);
	close(lfd);
	close(ep);
}

/* poll bits of fd, as a number. */
static void
show_poll(const char *what, int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT | POLLRDHUP | POLLPRI, 0 };

	poll(&p, 1, 0);
	printf("poll(%s) = %#x\n", what, (unsigned)p.revents);
}

static void
show_epoll(const char *what, int fd)
{
	struct epoll_event ev = { EPOLLIN | EPOLLOUT | EPOLLRDHUP, { 0 } };
	int ep = epoll_create1(0), n;

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	n = epoll_wait(ep, &ev, 1, 0);
	printf("epoll(%s) = %d %#x\n", what, n, n > 0 ? ev.events : 0);
	close(ep);
}

/* A call's result as "= value" or "= -1 errno". */
static void
show(const char *what, long r)
{
	if (r < 0)
		printf("%s = -1 %d\n", what, errno);
	else
		printf("%s = %ld\n", what, r);
}

static void
show_names(const char *what, int fd)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		printf("getsockname(%s) = %u\n", what, (unsigned)len);
	len = sizeof(a);
	show(what, getpeername(fd, (struct sockaddr *)&a, &len) == 0 ?
	    (long)len : -1);
}

static int
intopt(int fd, int name)
{
	int v = -7;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, name, &v, &len) != 0)
		return -errno;
	return v;
}

static void
observe(void)
{
	struct sockaddr_un a;
	socklen_t len;
	char buf[16], cbuf[64];
	struct msghdr m;
	struct iovec iov = { buf, 4 };
	int s, d, l, c, x, sv[2], n;

	printf("unixsock: begin\n");
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	d = socket(AF_UNIX, SOCK_DGRAM, 0);
	show_poll("new stream", s);
	show_poll("new dgram", d);
	show_epoll("new stream", s);
	show_names("new stream", s);
	printf("SO_TYPE = %d %d\n", intopt(s, SO_TYPE), intopt(d, SO_TYPE));
	printf("SO_ACCEPTCONN = %d\n", intopt(s, SO_ACCEPTCONN));
	printf("SO_ERROR = %d\n", intopt(s, SO_ERROR));
	show("read(new stream)", read(s, buf, 1));
	show("write(new stream)", write(s, "x", 1));
	show("write(new dgram)", write(d, "x", 1));
	show("shutdown(new stream)", shutdown(s, SHUT_RDWR));
	show_poll("new stream after shutdown", s);
	/* A listener, bound by path, then abstract and autobound names. */
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	len = name(&a, "obs.sock");
	show("bind(path)", bind(l, (struct sockaddr *)&a, len));
	show("listen", listen(l, 1));
	show_poll("listener", l);
	show_names("listener", l);
	printf("SO_ACCEPTCONN = %d\n", intopt(l, SO_ACCEPTCONN));
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	show("connect", connect(c, (struct sockaddr *)&a, len));
	show_poll("listener with one", l);
	show_poll("connected, not accepted", c);
	x = accept(l, NULL, NULL);
	show_names("accepted", x);
	show_names("connector", c);
	show("write", write(c, "hello", 5));
	show("FIONREAD", ioctl(x, FIONREAD, &n) == 0 ? n : -1);
	show_poll("with data", x);
	show("shutdown(SHUT_WR)", shutdown(c, SHUT_WR));
	show_poll("peer shut writing", x);
	show_epoll("peer shut writing", x);
	show_poll("shut writing", c);
	show("write after SHUT_WR", write(c, "x", 1));
	show("read", read(x, buf, sizeof(buf)));
	show("read at EOF", read(x, buf, sizeof(buf)));
	show("shutdown(SHUT_RD)", shutdown(x, SHUT_RD));
	show_poll("both shut", x);
	close(c);
	show_poll("peer closed", x);
	show_epoll("peer closed", x);
	show("write to closed peer", write(x, "x", 1));
	close(x);
	/* Unread data at close: the peer's next read. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "lost", 4);
	close(sv[1]);
	show_poll("reset", sv[0]);
	printf("SO_ERROR = %d\n", intopt(sv[0], SO_ERROR));
	show("read after reset", read(sv[0], buf, 1));
	close(sv[0]);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "lost", 4);
	close(sv[1]);
	show("read after reset", read(sv[0], buf, 1));
	show("read after that", read(sv[0], buf, 1));
	close(sv[0]);
	/* Datagram flags and lengths. */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	show_poll("dgram pair", sv[0]);
	show_names("dgram pair", sv[0]);
	send(sv[0], "0123456789", 10, 0);
	show("FIONREAD(dgram)", ioctl(sv[1], FIONREAD, &n) == 0 ? n : -1);
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	show("recvmsg(short)", recvmsg(sv[1], &m, 0));
	printf("msg_flags = %#x controllen = %u\n", (unsigned)m.msg_flags,
	    (unsigned)m.msg_controllen);
	send(sv[0], "0123456789", 10, 0);
	show("recv(MSG_TRUNC)", recv(sv[1], buf, 4, MSG_TRUNC));
	show("recv(empty)", recv(sv[1], buf, 4, MSG_DONTWAIT));
	close(sv[1]);
	show_poll("dgram peer closed", sv[0]);
	show("send(dgram peer closed)", send(sv[0], "x", 1, 0));
	show("send again", send(sv[0], "x", 1, 0));
	close(sv[0]);
	/* Autobind and abstract names. */
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	a.sun_family = AF_UNIX;
	show("bind(autobind)", bind(s, (struct sockaddr *)&a,
	    sizeof(sa_family_t)));
	show_names("autobound", s);
	show("bind(again)", bind(s, (struct sockaddr *)&a, len));
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, "\0obs", 4);
	d = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	show("bind(abstract)", bind(d, (struct sockaddr *)&a,
	    offsetof(struct sockaddr_un, sun_path) + 4));
	show_names("abstract", d);
	show_poll("new seqpacket", d);
	show("listen(seqpacket)", listen(d, 0));
	show_poll("seqpacket listener", d);
	close(s);
	close(d);
	close(l);
	unlink("obs.sock");
	printf("unixsock: end\n");
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	observe();
	stream_echo();
	mailbox();
	pass_fd();
	nonblock_epoll();
	printf("unixsock: ok\n");
	return 0;
}
