/*
 * AF_UNIX under load on 4 vCPUs: many processes connecting to one
 * server and echoing, and many senders filling a datagram mailbox past
 * its queue limit so that they block and are woken by the reader (the
 * mail benchmark's pattern); nothing may be lost, duplicated or hang.
 */
#include "test_socket.h"

#define CLIENTS		6
#define ROUNDS		40
#define SENDERS		5
#define LETTERS		200

/* Connect, send a line, read it back, close; ROUNDS times. */
static int
stress_client(void *arg)
{
	char want[32] = "client x round yy", buf[64];
	int i, fd;

	for (i = 0; i < ROUNDS; i++) {
		want[7] = (char)('a' + (int)(intptr_t)arg);
		want[15] = (char)('0' + i / 10);
		want[16] = (char)('0' + i % 10);
		fd = mksock(K_SOCK_STREAM);
		ck_assert_int_eq(connect_to(fd, "/stress"), 0);
		ck_assert_int_eq(put_str(fd, want), (long)strlen(want));
		ck_assert_int_eq(sys(SYS_shutdown, fd, 1), 0);
		ck_assert_int_eq(get_str(fd, buf, 63, K_MSG_WAITALL),
		    (long)strlen(want));
		ck_assert_str_eq(buf, want);
		ck_assert_int_eq(sys(SYS_close, fd), 0);
	}
	return 0;
}

/* Echo what one connection sends until its EOF. */
static void
echo(int c)
{
	uaddr_t u = umem(PG);
	long r, w;

	while ((r = sys(SYS_read, c, u, PG)) > 0)
		for (w = 0; w < r; )
			w += sys(SYS_write, c, u + (uaddr_t)w, r - w);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(sys(SYS_close, c), 0);
}

static int
stream_body(void *arg)
{
	long pid[CLIENTS];
	int lfd, i, c;

	(void)arg;
	lfd = listener(K_SOCK_STREAM, "/stress", 2);
	for (i = 0; i < CLIENTS; i++)
		pid[i] = hosted_fork(stress_client, (void *)(intptr_t)i);
	for (i = 0; i < CLIENTS * ROUNDS; i++) {
		c = (int)sys(SYS_accept, lfd, 0, 0);
		ck_assert_int_ge(c, 0);
		echo(c);
	}
	for (i = 0; i < CLIENTS; i++)
		ck_assert_int_eq(wait_status(pid[i]), 0);
	return 0;
}

START_TEST(test_stream_stress)
{
	sys_run_on(4, stream_body);
}
END_TEST

/* LETTERS datagrams of two bytes: the sender and a sequence number. */
static int
letter_sender(void *arg)
{
	int fd = mksock(K_SOCK_DGRAM), i;
	long len;
	uaddr_t to = sun_addr("/box", &len), u = umem(PG);
	unsigned char m[2];

	for (i = 0; i < LETTERS; i++) {
		m[0] = (unsigned char)(intptr_t)arg;
		m[1] = (unsigned char)i;
		ck_assert_int_eq(copyout(u, m, 2), 0);
		ck_assert_int_eq(sys(SYS_sendto, fd, u, 2, 0, to, len), 2);
	}
	return 0;
}

static int
dgram_body(void *arg)
{
	int next[SENDERS] = { 0 }, box, i;
	long pid[SENDERS];
	uaddr_t u = umem(PG);
	unsigned char m[2];

	(void)arg;
	box = listener(K_SOCK_DGRAM, "/box", 0);
	for (i = 0; i < SENDERS; i++)
		pid[i] = hosted_fork(letter_sender, (void *)(intptr_t)i);
	for (i = 0; i < SENDERS * LETTERS; i++) {
		ck_assert_int_eq(sys(SYS_read, box, u, 16), 2);
		ck_assert_int_eq(copyin(m, u, 2), 0);
		ck_assert_int_lt(m[0], SENDERS);
		/* Each sender's letters arrive in order, none lost. */
		ck_assert_int_eq(m[1], next[m[0]] % 256);
		next[m[0]]++;
	}
	for (i = 0; i < SENDERS; i++)
		ck_assert_int_eq(wait_status(pid[i]), 0);
	return 0;
}

START_TEST(test_dgram_stress)
{
	sys_run_on(4, dgram_body);
}
END_TEST

static void
add_tests(TCase *tc)
{
	tcase_add_test(tc, test_stream_stress);
	tcase_add_test(tc, test_dgram_stress);
}

int
main(void)
{
	return run_suite("unix_stress", add_tests);
}
