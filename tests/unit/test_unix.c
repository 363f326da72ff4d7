/*
 * AF_UNIX sockets: stream echo between processes over a path name,
 * datagrams to a bound path with sendto/recvfrom, seqpacket boundaries,
 * SCM_RIGHTS passing a pipe end, shutdown and close semantics (EOF,
 * EPIPE, SIGPIPE, MSG_NOSIGNAL), non-blocking connect and accept with a
 * full backlog, timeouts, and a large transfer through the ring.
 */
#include "contract/clock.h"
#include "mm/kmalloc.h"
#include "test_socket.h"

#define MS	1000000ull

/* The client of the echo test: connect, send, read the answer. */
static int
echo_client(void *arg)
{
	char buf[64];
	int fd = mksock(K_SOCK_STREAM);

	(void)arg;
	ck_assert_int_eq(connect_to(fd, "/srv"), 0);
	ck_assert_int_eq(put_str(fd, "ping"), 4);
	ck_assert_int_eq(get_str(fd, buf, 63, K_MSG_WAITALL), 4);
	ck_assert_str_eq(buf, "pong");
	/* The server closed: end of stream. */
	ck_assert_int_eq(get_str(fd, buf, 63, 0), 0);
	return 0;
}

static int
stream_echo_body(void *arg)
{
	uaddr_t u = umem(PG), lenp = u + 512, st = umem(PG);
	struct k_sun a;
	int32_t creds[3];
	char buf[64];
	int lfd, cfd;
	long pid;

	(void)arg;
	lfd = listener(K_SOCK_STREAM, "/srv", 5);
	/* The name is a socket inode in the file system. */
	poke_str(u, "/srv");
	ck_assert_int_eq(sys(SYS_stat, u, st), 0);
	ck_assert_uint_eq((uint32_t)peek32(st + 24) & 0170000u, 0140000u);
	pid = hosted_fork(echo_client, NULL);
	poke32(lenp, sizeof(a));
	cfd = (int)sys(SYS_accept, lfd, u, lenp);
	ck_assert_int_ge(cfd, 0);
	/* The client is unbound: just the family. */
	ck_assert_int_eq(peek32(lenp), 2);
	ck_assert_int_eq(get_str(cfd, buf, 4, K_MSG_WAITALL), 4);
	ck_assert_str_eq(buf, "ping");
	ck_assert_int_eq(put_str(cfd, "pong"), 4);
	/* Our end has the listener's name; the peer's creds are the child's. */
	poke32(lenp, sizeof(a));
	ck_assert_int_eq(sys(SYS_getsockname, cfd, u, lenp), 0);
	ck_assert_int_eq(peek32(lenp), 2 + 4 + 1);
	ck_assert_int_eq(copyin(&a, u, sizeof(a)), 0);
	ck_assert_str_eq(a.path, "/srv");
	poke32(lenp, 12);
	ck_assert_int_eq(sys(SYS_getsockopt, cfd, K_SOL_SOCKET, 17, u, lenp),
	    0);
	ck_assert_int_eq(copyin(creds, u, sizeof(creds)), 0);
	ck_assert_int_eq(creds[0], pid);
	ck_assert_int_eq(sys(SYS_close, cfd), 0);
	ck_assert_int_eq(wait_status(pid), 0);
	return 0;
}

START_TEST(test_stream_echo)
{
	sys_run_on(2, stream_echo_body);
}
END_TEST

/* A mail sender: bind to its own name when asked, sendto the box. */
static int
mail_sender(void *arg)
{
	int i = (int)(intptr_t)arg, fd = mksock(K_SOCK_DGRAM);
	char name[16] = "/sender0", msg[16] = "mail 0";
	long len;
	uaddr_t to = sun_addr("/mailbox", &len), u = umem(PG);

	name[7] = (char)('0' + i);
	msg[5] = (char)('0' + i);
	if (i == 1) {
		long l2;
		uaddr_t me = sun_addr(name, &l2);

		ck_assert_int_eq(sys(SYS_bind, fd, me, l2), 0);
	}
	ck_assert_int_eq(copyout(u, msg, strlen(msg)), 0);
	ck_assert_int_eq(sys(SYS_sendto, fd, u, strlen(msg), 0, to, len),
	    (long)strlen(msg));
	return 0;
}

static int
dgram_body(void *arg)
{
	uaddr_t u = umem(PG), from = umem(PG), lenp = from + 512;
	int box, i, seen = 0, fd;
	struct k_sun a;
	long r, len;
	char buf[64];

	(void)arg;
	box = listener(K_SOCK_DGRAM, "/mailbox", 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(wait_status(hosted_fork(mail_sender,
		    (void *)(intptr_t)i)), 0);
	for (i = 0; i < 3; i++) {
		poke32(lenp, sizeof(a));
		r = sys(SYS_recvfrom, box, u, 64, 0, from, lenp);
		ck_assert_int_eq(r, 6);
		ck_assert_int_eq(copyin(buf, u, 6), 0);
		buf[6] = '\0';
		ck_assert(strncmp(buf, "mail ", 5) == 0);
		seen |= 1 << (buf[5] - '0');
		if (buf[5] == '1') {
			ck_assert_int_eq(peek32(lenp), 2 + 8 + 1);
			ck_assert_int_eq(copyin(&a, from, sizeof(a)), 0);
			ck_assert_str_eq(a.path, "/sender1");
		} else
			ck_assert_int_eq(peek32(lenp), 0);	/* unbound */
	}
	ck_assert_int_eq(seen, 7);
	/* Truncation, peeking, and MSG_TRUNC's real length. */
	fd = mksock(K_SOCK_DGRAM);
	{
		uaddr_t to = sun_addr("/mailbox", &len);

		poke_str(u, "0123456789");
		ck_assert_int_eq(sys(SYS_sendto, fd, u, 10, 0, to, len), 10);
		ck_assert_int_eq(sys(SYS_sendto, fd, u, 10, 0, to, len), 10);
		ck_assert_int_eq(sys(SYS_sendto, fd, u, 0, 0, to, len), 0);
	}
	ck_assert_int_eq(get_str(box, buf, 4, K_MSG_PEEK), 4);
	ck_assert_str_eq(buf, "0123");
	ck_assert_int_eq(get_str(box, buf, 4, 0), 4);
	ck_assert_int_eq(sys(SYS_recvfrom, box, u, 4, K_MSG_TRUNC, 0, 0), 10);
	/* An empty datagram is a message too. */
	ck_assert_int_eq(sys(SYS_recvfrom, box, u, 4, K_MSG_DONTWAIT, 0, 0),
	    0);
	ck_assert_int_eq(sys(SYS_recvfrom, box, u, 4, K_MSG_DONTWAIT, 0, 0),
	    -EAGAIN);
	/* A full queue (more than 10 from an unconnected sender): EAGAIN. */
	{
		uaddr_t to = sun_addr("/mailbox", &len);

		for (i = 0; i < 11; i++)
			ck_assert_int_eq(sys(SYS_sendto, fd, u, 1,
			    K_MSG_DONTWAIT, to, len), 1);
		ck_assert_int_eq(sys(SYS_sendto, fd, u, 1, K_MSG_DONTWAIT,
		    to, len), -EAGAIN);
	}
	/* Errors: no destination, stream type there, a dead receiver. */
	ck_assert_int_eq(sys(SYS_write, fd, u, 1), -ENOTCONN);
	ck_assert_int_eq(connect_to(fd, "/mailbox"), 0);
	ck_assert_int_eq(sys(SYS_close, box), 0);
	ck_assert_int_eq(sys(SYS_write, fd, u, 1), -ECONNREFUSED);
	ck_assert_int_eq(sys(SYS_write, fd, u, 1), -ENOTCONN);
	return 0;
}

START_TEST(test_dgram_path)
{
	sys_run_on(2, dgram_body);
}
END_TEST

static int
seqpacket_body(void *arg)
{
	int a, b, lfd, c;
	char buf[64];

	(void)arg;
	mkpair(K_SOCK_SEQPACKET, &a, &b);
	ck_assert_int_eq(put_str(a, "one"), 3);
	ck_assert_int_eq(put_str(a, "two!"), 4);
	/* Boundaries kept; a short read truncates. */
	ck_assert_int_eq(get_str(b, buf, 63, 0), 3);
	ck_assert_str_eq(buf, "one");
	ck_assert_int_eq(get_str(b, buf, 2, 0), 2);
	ck_assert_str_eq(buf, "tw");
	ck_assert_int_eq(sys(SYS_close, a), 0);
	ck_assert_int_eq(get_str(b, buf, 63, 0), 0);
	ck_assert_int_eq(sys(SYS_sendto, b, umem(PG), 1, K_MSG_NOSIGNAL, 0,
	    0), -EPIPE);
	/* Connected through a listener; unconnected ones are ENOTCONN. */
	lfd = listener(K_SOCK_SEQPACKET, "@seq", 1);
	c = mksock(K_SOCK_SEQPACKET);
	ck_assert_int_eq(put_str(c, "x"), -ENOTCONN);
	ck_assert_int_eq(get_str(c, buf, 1, 0), -ENOTCONN);
	ck_assert_int_eq(connect_to(c, "@seq"), 0);
	a = (int)sys(SYS_accept, lfd, 0, 0);
	ck_assert_int_ge(a, 0);
	ck_assert_int_eq(put_str(c, "hello"), 5);
	ck_assert_int_eq(get_str(a, buf, 63, 0), 5);
	ck_assert_str_eq(buf, "hello");
	return 0;
}

START_TEST(test_seqpacket)
{
	sys_run(seqpacket_body);
}
END_TEST

static int
rights_body(void *arg)
{
	uaddr_t pu = umem(PG);
	int a, b, rd, wr, fds[8], n, fl;
	char buf[64];

	(void)arg;
	ck_assert_int_eq(sys(SYS_pipe2, pu, 0), 0);
	rd = peek32(pu);
	wr = peek32(pu + 4);
	mkpair(K_SOCK_STREAM, &a, &b);
	/* Pass the pipe's write end and close ours: it lives in flight. */
	ck_assert_int_eq(send_fds(a, "fd!", &wr, 1), 3);
	ck_assert_int_eq(sys(SYS_close, wr), 0);
	ck_assert_int_eq(recv_fds(b, buf, fds, &n, 64, 0, &fl), 3);
	ck_assert_str_eq(buf, "fd!");
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(fl & K_MSG_CTRUNC, 0);
	/* The new fd is the same pipe end. */
	ck_assert_int_eq(put_str(fds[0], "via"), 3);
	ck_assert_int_eq(sys(SYS_close, fds[0]), 0);
	ck_assert_int_eq(read_str(rd, buf, 63), 3);
	ck_assert_str_eq(buf, "via");
	/* Its only writer gone: EOF. */
	ck_assert_int_eq(read_str(rd, buf, 63), 0);
	ck_assert_int_eq(sys(SYS_close, rd), 0);

	/* Files stay with the bytes they came with. */
	ck_assert_int_eq(sys(SYS_pipe2, pu, 0), 0);
	rd = peek32(pu);
	wr = peek32(pu + 4);
	ck_assert_int_eq(put_str(a, "ab"), 2);
	ck_assert_int_eq(send_fds(a, "cd", &rd, 1), 2);
	ck_assert_int_eq(recv_fds(b, buf, fds, &n, 64, 0, &fl), 2);
	ck_assert_str_eq(buf, "ab");
	ck_assert_int_eq(n, 0);
	/* No room for the fd: it is closed, MSG_CTRUNC says so. */
	ck_assert_int_eq(recv_fds(b, buf, fds, &n, 0, 0, &fl), 2);
	ck_assert_str_eq(buf, "cd");
	ck_assert_int_eq(n, 0);
	ck_assert_int_ne(fl & K_MSG_CTRUNC, 0);
	/* Datagrams carry them too; bad fds are EBADF. */
	ck_assert_int_eq(sys(SYS_close, a), 0);
	ck_assert_int_eq(sys(SYS_close, b), 0);
	mkpair(K_SOCK_DGRAM, &a, &b);
	fds[0] = 99;
	ck_assert_int_eq(send_fds(a, "x", fds, 1), -EBADF);
	fds[0] = wr;
	fds[1] = rd = (int)sys(SYS_dup, wr);
	ck_assert_int_eq(send_fds(a, "two", fds, 2), 3);
	ck_assert_int_eq(recv_fds(b, buf, fds, &n, 64, 0, &fl), 3);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(sys(SYS_close, fds[0]), 0);
	ck_assert_int_eq(sys(SYS_close, fds[1]), 0);
	ck_assert_int_eq(sys(SYS_close, wr), 0);
	ck_assert_int_eq(sys(SYS_close, rd), 0);
	/*
	 * Close everything with files in flight, the sockets holding each
	 * other: the collector frees them (at the next release of a
	 * socket), and with them the pipe end they carried.
	 */
	ck_assert_int_eq(sys(SYS_pipe2, pu, 0), 0);
	rd = peek32(pu);
	wr = peek32(pu + 4);
	ck_assert_int_eq(send_fds(a, "y", &wr, 1), 1);
	ck_assert_int_eq(sys(SYS_close, wr), 0);
	ck_assert_int_eq(send_fds(a, "z", &a, 1), 1);
	ck_assert_int_eq(send_fds(b, "w", &b, 1), 1);
	ck_assert_int_eq(sys(SYS_close, a), 0);
	ck_assert_int_eq(sys(SYS_close, b), 0);
	mkpair(K_SOCK_STREAM, &a, &b);
	ck_assert_int_eq(send_fds(a, "s", &a, 1), 1);	/* a stream cycle */
	ck_assert_int_eq(sys(SYS_close, a), 0);
	ck_assert_int_eq(sys(SYS_close, b), 0);
	ck_assert_int_eq(read_str(rd, buf, 7), 0);	/* EOF: wr was freed */
	return 0;
}

START_TEST(test_scm_rights)
{
	sys_run(rights_body);
}
END_TEST

/* SO_PASSCRED: each datagram comes with its sender's credentials. */
static int
creds_body(void *arg)
{
	uaddr_t u = umem(PG);
	struct k_msghdr h;
	struct k_iov iov = { u + 512, 64 };
	struct k_cmsg c;
	int32_t cred[3];
	int a, b;

	(void)arg;
	mkpair(K_SOCK_DGRAM, &a, &b);
	poke32(u, 1);
	ck_assert_int_eq(sys(SYS_setsockopt, b, K_SOL_SOCKET, 16, u, 4), 0);
	ck_assert_int_eq(put_str(a, "who"), 3);
	memset(&h, 0, sizeof(h));
	h.iov = u + 256;
	h.iovlen = 1;
	h.control = u + 1024;
	h.controllen = 64;
	ck_assert_int_eq(copyout(u, &h, sizeof(h)), 0);
	ck_assert_int_eq(copyout(u + 256, &iov, sizeof(iov)), 0);
	ck_assert_int_eq(sys(SYS_recvmsg, b, u, 0), 3);
	ck_assert_int_eq(copyin(&h, u, sizeof(h)), 0);
	ck_assert_uint_eq(h.controllen, 32);	/* CMSG_SPACE(12) */
	ck_assert_int_eq(copyin(&c, u + 1024, sizeof(c)), 0);
	ck_assert_uint_eq(c.len, 28);
	ck_assert_int_eq(c.type, 2);		/* SCM_CREDENTIALS */
	ck_assert_int_eq(copyin(cred, u + 1024 + 16, sizeof(cred)), 0);
	ck_assert_int_eq(cred[0], sys(SYS_getpid));
	ck_assert_int_eq(cred[1], 0);
	return 0;
}

START_TEST(test_passcred)
{
	sys_run(creds_body);
}
END_TEST

/* Write to a socket whose peer is gone, without MSG_NOSIGNAL. */
static int
sigpipe_child(void *arg)
{
	put_str((int)(intptr_t)arg, "x");
	return 0;	/* not reached: SIGPIPE kills */
}

static int
shutdown_body(void *arg)
{
	struct { int32_t fd; int16_t ev, rev; } p;
	uaddr_t pu = umem(PG);
	int a, b;
	char buf[64];

	(void)arg;
	mkpair(K_SOCK_STREAM, &a, &b);
	ck_assert_int_eq(put_str(a, "last"), 4);
	ck_assert_int_eq(sys(SYS_shutdown, a, 1), 0);	/* SHUT_WR */
	ck_assert_int_eq(sys(SYS_sendto, a, pu, 1, K_MSG_NOSIGNAL, 0, 0),
	    -EPIPE);
	/* The peer reads the data, then EOF; POLLRDHUP says so. */
	p.fd = b;
	p.ev = K_POLLIN | K_POLLRDHUP;
	ck_assert_int_eq(copyout(pu, &p, sizeof(p)), 0);
	ck_assert_int_eq(sys(SYS_poll, pu, 1, 0), 1);
	ck_assert_int_eq(copyin(&p, pu, sizeof(p)), 0);
	ck_assert_int_eq(p.rev, K_POLLIN | K_POLLRDHUP);
	ck_assert_int_eq(get_str(b, buf, 63, 0), 4);
	ck_assert_int_eq(get_str(b, buf, 63, 0), 0);
	/* The other way still works. */
	ck_assert_int_eq(put_str(b, "back"), 4);
	ck_assert_int_eq(get_str(a, buf, 63, 0), 4);
	/* SHUT_RD on a: b's writes fail. */
	ck_assert_int_eq(sys(SYS_shutdown, a, 0), 0);
	ck_assert_int_eq(sys(SYS_shutdown, a, 3), -EINVAL);
	ck_assert_int_eq(sys(SYS_sendto, b, pu, 1, K_MSG_NOSIGNAL, 0, 0),
	    -EPIPE);
	ck_assert_int_eq(sys(SYS_close, a), 0);
	ck_assert_int_eq(sys(SYS_close, b), 0);
	/* Peer closed: EPIPE, and SIGPIPE unless MSG_NOSIGNAL. */
	mkpair(K_SOCK_STREAM, &a, &b);
	ck_assert_int_eq(sys(SYS_close, b), 0);
	ck_assert_int_eq(sys(SYS_sendto, a, pu, 1, K_MSG_NOSIGNAL, 0, 0),
	    -EPIPE);
	ck_assert_int_eq(wait_status(hosted_fork(sigpipe_child,
	    (void *)(intptr_t)a)) & 0x7f, K_SIGPIPE);
	p.fd = a;
	p.ev = K_POLLIN;
	ck_assert_int_eq(copyout(pu, &p, sizeof(p)), 0);
	ck_assert_int_eq(sys(SYS_poll, pu, 1, 0), 1);
	ck_assert_int_eq(copyin(&p, pu, sizeof(p)), 0);
	ck_assert_int_eq(p.rev, K_POLLIN | K_POLLHUP);
	/* Unread data at close: the peer reads ECONNRESET. */
	mkpair(K_SOCK_STREAM, &a, &b);
	ck_assert_int_eq(put_str(a, "unread"), 6);
	ck_assert_int_eq(sys(SYS_close, b), 0);
	ck_assert_int_eq(get_str(a, buf, 63, 0), -ECONNRESET);
	ck_assert_int_eq(get_str(a, buf, 63, 0), 0);
	return 0;
}

START_TEST(test_shutdown)
{
	sys_run(shutdown_body);
}
END_TEST

/* Connect (blocking) to "@full" and say so. */
static int
blocked_connector(void *arg)
{
	int fd = mksock(K_SOCK_STREAM);

	(void)arg;
	ck_assert_int_eq(connect_to(fd, "@full"), 0);
	ck_assert_int_eq(put_str(fd, "in"), 2);
	return 0;
}

static int
nonblock_body(void *arg)
{
	int lfd, c1, c2, c3, s;
	long pid;
	char buf[8];

	(void)arg;
	lfd = listener(K_SOCK_STREAM | K_SOCK_NONBLOCK, "@full", 0);
	ck_assert_int_eq(sys(SYS_accept4, lfd, 0, 0, 0), -EAGAIN);
	ck_assert_int_eq(sys(SYS_accept4, lfd, 0, 0, 0x1), -EINVAL);
	/* Backlog 0 holds one; the next non-blocking connect is EAGAIN. */
	c1 = mksock(K_SOCK_STREAM | K_SOCK_NONBLOCK);
	c2 = mksock(K_SOCK_STREAM | K_SOCK_NONBLOCK);
	ck_assert_int_eq(connect_to(c1, "@full"), 0);
	ck_assert_int_eq(connect_to(c1, "@full"), -EISCONN);
	ck_assert_int_eq(connect_to(c2, "@full"), -EAGAIN);
	/* A blocking connector waits until accept makes room. */
	pid = hosted_fork(blocked_connector, NULL);
	s = (int)sys(SYS_accept4, lfd, 0, 0, K_SOCK_NONBLOCK | K_SOCK_CLOEXEC);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(sys(SYS_fcntl, s, 1, 0), 1);	/* F_GETFD */
	ck_assert_int_ne(sys(SYS_fcntl, s, 3, 0) & K_SOCK_NONBLOCK, 0);
	ck_assert_int_eq(get_str(s, buf, 7, 0), -EAGAIN);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	/* Accepted: the child's connection arrives. */
	for (;;) {
		s = (int)sys(SYS_accept, lfd, 0, 0);
		if (s != -EAGAIN)
			break;
		sys(SYS_sched_yield);
	}
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(get_str(s, buf, 7, 0), 2);
	/* The listener closes with a connection pending: ECONNRESET. */
	c3 = mksock(K_SOCK_STREAM);
	ck_assert_int_eq(connect_to(c3, "@full"), 0);
	ck_assert_int_eq(sys(SYS_close, lfd), 0);
	ck_assert_int_eq(get_str(c3, buf, 7, 0), -ECONNRESET);
	ck_assert_int_eq(connect_to(c2, "@full"), -ECONNREFUSED);
	return 0;
}

START_TEST(test_nonblock)
{
	sys_run_on(2, nonblock_body);
}
END_TEST

static int
errors_body(void *arg)
{
	uaddr_t u = umem(PG), pu = umem(PG);
	int s, d, l, rd;
	long len;
	uaddr_t a;

	(void)arg;
	s = mksock(K_SOCK_STREAM);
	d = mksock(K_SOCK_DGRAM);
	/* Names: in use, twice, malformed, missing directories. */
	l = listener(K_SOCK_STREAM, "/l", 1);
	a = sun_addr("/l", &len);
	ck_assert_int_eq(sys(SYS_bind, s, a, len), -EADDRINUSE);
	ck_assert_int_eq(bind_to(l, "/l2"),
	    -EINVAL);
	ck_assert_int_eq(sys(SYS_bind, s, a, 1), -EINVAL);
	ck_assert_int_eq(sys(SYS_bind, s, a, 200), -EINVAL);
	ck_assert_int_eq(bind_to(s, "/no/such"),
	    -ENOENT);
	ck_assert_int_eq(bind_to(d, "@abs"), 0);
	ck_assert_int_eq(bind_to(s, "@abs"),
	    -EADDRINUSE);
	/* Connecting: nobody, wrong type, a file that is no socket. */
	ck_assert_int_eq(connect_to(s, "/nothing"), -ENOENT);
	ck_assert_int_eq(connect_to(s, "@nothing"), -ECONNREFUSED);
	ck_assert_int_eq(connect_to(s, "@abs"), -EPROTOTYPE);
	poke_str(u, "/file");
	rd = (int)sys(SYS_open, u, 0x41, 0644);	/* O_CREAT|O_WRONLY */
	ck_assert_int_ge(rd, 0);
	ck_assert_int_eq(connect_to(s, "/file"), -ECONNREFUSED);
	/* A socket file whose socket closed refuses, and stays in use. */
	ck_assert_int_eq(sys(SYS_close, l), 0);
	ck_assert_int_eq(connect_to(s, "/l"), -ECONNREFUSED);
	a = sun_addr("/l", &len);
	ck_assert_int_eq(sys(SYS_bind, s, a, len), -EADDRINUSE);
	/* Listen and accept misuse. */
	ck_assert_int_eq(sys(SYS_listen, d, 1), -EOPNOTSUPP);
	ck_assert_int_eq(sys(SYS_listen, s, 1), -EINVAL);	/* unbound */
	ck_assert_int_eq(sys(SYS_accept, s, 0, 0), -EINVAL);
	ck_assert_int_eq(sys(SYS_accept, d, 0, 0), -EOPNOTSUPP);
	/* Unconnected. */
	ck_assert_int_eq(sys(SYS_getpeername, s, u, pu), -ENOTCONN);
	ck_assert_int_eq(put_str(s, "x"), -ENOTCONN);
	ck_assert_int_eq(sys(SYS_read, s, u, 1), -EINVAL);
	a = sun_addr("@abs", &len);
	ck_assert_int_eq(sys(SYS_sendto, s, u, 1, 0, a, len), -EOPNOTSUPP);
	/* Not a socket. */
	ck_assert_int_eq(sys(SYS_listen, rd, 1), -ENOTSOCK);
	ck_assert_int_eq(sys(SYS_accept, rd, 0, 0), -ENOTSOCK);
	ck_assert_int_eq(sys(SYS_sendto, rd, u, 1, 0, 0, 0), -ENOTSOCK);
	ck_assert_int_eq(sys(SYS_recvfrom, rd, u, 1, 0, 0, 0), -ENOTSOCK);
	/* The file survives those calls: still open, still writable. */
	ck_assert_int_eq(sys(SYS_write, rd, u, 1), 1);
	ck_assert_int_eq(sys(SYS_shutdown, 77, 0), -EBADF);
	/* A timeout on receive: EAGAIN after it. */
	{
		int64_t tv[2] = { 0, 30000 };
		uint64_t t0;
		int x, y;

		mkpair(K_SOCK_STREAM, &x, &y);
		ck_assert_int_eq(copyout(u, tv, sizeof(tv)), 0);
		ck_assert_int_eq(sys(SYS_setsockopt, x, K_SOL_SOCKET, 20, u,
		    16), 0);
		t0 = clock_ns();
		ck_assert_int_eq(sys(SYS_read, x, u, 1), -EAGAIN);
		ck_assert_uint_ge(clock_ns() - t0, 30 * MS);
	}
	return 0;
}

START_TEST(test_errors)
{
	sys_run(errors_body);
}
END_TEST

#define K_SIGUSR1	10
#define K_SA_RESTORER	0x04000000ul
#define K_SA_RESTART	0x10000000ul

static int handled;

static void
usr1_handler(int sig, void *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	__atomic_fetch_add(&handled, 1, __ATOMIC_SEQ_CST);
}

/* Send SIGUSR1 to the parent after 30 ms. */
static int
poker(void *arg)
{
	thread_sleep_ns(30 * MS);
	return sys(SYS_kill, (int)(intptr_t)arg, K_SIGUSR1) == 0 ? 0 : 1;
}

/*
 * Write one byte into the socket once the parent's handler ran (the
 * hosted processes share this program's globals).
 */
static int
late_byte(void *arg)
{
	while (__atomic_load_n(&handled, __ATOMIC_SEQ_CST) < 2)
		thread_sleep_ns(5 * MS);
	thread_sleep_ns(20 * MS);
	return put_str((int)(intptr_t)arg, "!") == 1 ? 0 : 1;
}

static void
set_handler(uint64_t flags)
{
	uint64_t a[4] = { (uint64_t)(uintptr_t)usr1_handler,
	    K_SA_RESTORER | flags, 0, 0 };
	uaddr_t act = umem(PG);

	ck_assert_int_eq(copyout(act, a, sizeof(a)), 0);
	ck_assert_int_eq(sys(SYS_rt_sigaction, K_SIGUSR1, act, 0, 8), 0);
}

/*
 * Signals end blocking socket calls as on Linux: EINTR after a handler
 * without SA_RESTART; with it, a restart unless the socket has a
 * timeout (sock_intr_errno).
 */
static int
signals_body(void *arg)
{
	int me = (int)sys(SYS_getpid), lfd, a, b;
	int64_t tv[2] = { 5, 0 };
	uaddr_t u = umem(PG);
	char buf[8];
	long pid, pid2;

	(void)arg;
	set_handler(0);
	lfd = listener(K_SOCK_STREAM, "@sig", 1);
	pid = hosted_fork(poker, (void *)(intptr_t)me);
	ck_assert_int_eq(sys(SYS_accept, lfd, 0, 0), -EINTR);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(handled, 1);
	set_handler(K_SA_RESTART);
	mkpair(K_SOCK_STREAM, &a, &b);
	/* Restarted: the read goes on until the byte comes. */
	pid = hosted_fork(poker, (void *)(intptr_t)me);
	pid2 = hosted_fork(late_byte, (void *)(intptr_t)b);
	ck_assert_int_eq(read_str(a, buf, 7), 1);
	ck_assert_int_eq(handled, 2);
	ck_assert_int_eq(wait_status(pid), 0);
	ck_assert_int_eq(wait_status(pid2), 0);
	/* With SO_RCVTIMEO: EINTR even with SA_RESTART. */
	ck_assert_int_eq(copyout(u, tv, sizeof(tv)), 0);
	ck_assert_int_eq(sys(SYS_setsockopt, a, K_SOL_SOCKET, 20, u, 16), 0);
	pid = hosted_fork(poker, (void *)(intptr_t)me);
	ck_assert_int_eq(read_str(a, buf, 7), -EINTR);
	ck_assert_int_eq(handled, 3);
	ck_assert_int_eq(wait_status(pid), 0);
	return 0;
}

START_TEST(test_signals)
{
	sys_run_on(2, signals_body);
}
END_TEST

#define BIG	(1024 * 1024)

/* Send BIG bytes of a pattern through the socket. */
static int
big_writer(void *arg)
{
	uaddr_t u = umem(BIG);
	static unsigned char chunk[4096];
	size_t i;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = (unsigned char)(i * 7);
	for (i = 0; i < BIG; i += sizeof(chunk))
		ck_assert_int_eq(copyout(u + i, chunk, sizeof(chunk)), 0);
	ck_assert_int_eq(sys(SYS_write, (int)(intptr_t)arg, u, BIG), BIG);
	return 0;
}

static int
big_body(void *arg)
{
	uaddr_t u = umem(BIG);
	unsigned char c;
	int a, b;
	long pid;
	size_t i;

	(void)arg;
	mkpair(K_SOCK_STREAM, &a, &b);
	pid = hosted_fork(big_writer, (void *)(intptr_t)a);
	ck_assert_int_eq(sys(SYS_recvfrom, b, u, BIG, K_MSG_WAITALL, 0, 0),
	    BIG);
	for (i = 0; i < BIG; i += 4093) {
		ck_assert_int_eq(copyin(&c, u + i, 1), 0);
		ck_assert_uint_eq(c, (unsigned char)((i % 4096) * 7));
	}
	ck_assert_int_eq(wait_status(pid), 0);
	return 0;
}

START_TEST(test_big_stream)
{
	sys_run_on(2, big_body);
}
END_TEST

/*
 * One round of everything that allocates: a listener and a connection
 * with data left unread, a datagram pair with a file in flight, a
 * cycle for the collector, an epoll set over them.  All user memory
 * comes from u (set up before), so the kernel heap is the sockets'.
 */
static void
leak_round(uaddr_t u)
{
	struct k_sun a = { K_AF_UNIX, "\0leak" };
	struct k_msghdr h = { 0 };
	struct k_iov iov = { u + 512, 1 };
	struct k_cmsg c = { 20, K_SOL_SOCKET, K_SCM_RIGHTS };
	int l, x, y, s, p, q, ep;

	ck_assert_int_eq(copyout(u + 2048, &a, sizeof(a)), 0);
	l = (int)sys(SYS_socket, K_AF_UNIX, K_SOCK_STREAM, 0);
	ck_assert_int_eq(sys(SYS_bind, l, u + 2048, 7), 0);
	ck_assert_int_eq(sys(SYS_listen, l, 4), 0);
	x = (int)sys(SYS_socket, K_AF_UNIX, K_SOCK_STREAM, 0);
	ck_assert_int_eq(sys(SYS_connect, x, u + 2048, 7), 0);
	s = (int)sys(SYS_accept, l, 0, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(sys(SYS_write, x, u, 100), 100);
	y = (int)sys(SYS_socket, K_AF_UNIX, K_SOCK_STREAM, 0);
	ck_assert_int_eq(sys(SYS_connect, y, u + 2048, 7), 0);	/* pending */
	ck_assert_int_eq(sys(SYS_socketpair, K_AF_UNIX, K_SOCK_DGRAM, 0,
	    u + 3000), 0);
	p = peek32(u + 3000);
	q = peek32(u + 3004);
	/* p's own file in flight to q, q's to p: a cycle. */
	h.iov = u + 256;
	h.iovlen = 1;
	h.control = u + 1024;
	h.controllen = 24;
	ck_assert_int_eq(copyout(u, &h, sizeof(h)), 0);
	ck_assert_int_eq(copyout(u + 256, &iov, sizeof(iov)), 0);
	ck_assert_int_eq(copyout(u + 1024, &c, sizeof(c)), 0);
	poke32(u + 1040, p);
	ck_assert_int_eq(sys(SYS_sendmsg, p, u, 0), 1);
	poke32(u + 1040, q);
	ck_assert_int_eq(sys(SYS_sendmsg, q, u, 0), 1);
	ep = (int)sys(SYS_epoll_create1, 0);
	poke32(u + 1100, 1);
	ck_assert_int_eq(sys(SYS_epoll_ctl, ep, 1, s, u + 1100), 0);
	ck_assert_int_eq(sys(SYS_epoll_ctl, ep, 1, p, u + 1100), 0);
	ck_assert_int_eq(sys(SYS_epoll_wait, ep, u + 1200, 4, 0), 2);
	ck_assert_int_eq(sys(SYS_close, s), 0);
	ck_assert_int_eq(sys(SYS_close, p), 0);
	ck_assert_int_eq(sys(SYS_close, q), 0);
	ck_assert_int_eq(sys(SYS_close, ep), 0);
	ck_assert_int_eq(sys(SYS_close, x), 0);
	ck_assert_int_eq(sys(SYS_close, y), 0);
	ck_assert_int_eq(sys(SYS_close, l), 0);
}

static int
leak_body(void *arg)
{
	uaddr_t u = umem(4 * PG);
	size_t before;

	(void)arg;
	leak_round(u);		/* warm: fd table, caches */
	before = kmalloc_live_bytes();
	leak_round(u);
	leak_round(u);
	ck_assert_uint_eq(kmalloc_live_bytes(), before);
	return 0;
}

START_TEST(test_no_leak)
{
	sys_run(leak_body);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_stream_echo);
	tcase_add_test(tc, test_dgram_path);
	tcase_add_test(tc, test_seqpacket);
	tcase_add_test(tc, test_scm_rights);
	tcase_add_test(tc, test_passcred);
	tcase_add_test(tc, test_shutdown);
	tcase_add_test(tc, test_nonblock);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_big_stream);
	tcase_add_test(tc, test_no_leak);
	tcase_add_test(tc, test_signals);
}

int
main(void)
{
	return run_suite("unix", add_tests);
}
