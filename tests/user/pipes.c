/*
 * Pipes, as init (and unchanged on Linux):
 *
 *  - pipe2 flags: O_CLOEXEC sets FD_CLOEXEC, O_NONBLOCK shows in
 *    F_GETFL, anything else is EINVAL;
 *  - poll: an empty pipe is writable, not readable; data makes it
 *    readable; the writer's close is POLLHUP (and EOF once drained); the
 *    reader's close is POLLERR for the writer;
 *  - a write with no reader: EPIPE and SIGPIPE (caught, ignored, or
 *    fatal by default);
 *  - O_NONBLOCK: EAGAIN on an empty read and on a full pipe (64 KiB);
 *  - writes of at most PIPE_BUF bytes from two writers never interleave.
 *
 * Prints "pipes: ok" and exits 0, or names the first failed check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("pipes: FAIL line %d: %s\n", __LINE__, #cond);	\
		failures++;						\
	}								\
} while (0)

static short
revents(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

static void
test_flags(void)
{
	int p[2];

	CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
	CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(p[1], F_GETFD) == FD_CLOEXEC);
	CHECK(fcntl(p[0], F_GETFL) == (O_RDONLY | O_NONBLOCK));
	CHECK(fcntl(p[1], F_GETFL) == (O_WRONLY | O_NONBLOCK));
	close(p[0]);
	close(p[1]);
	CHECK(pipe2(p, 0) == 0);
	CHECK(fcntl(p[0], F_GETFD) == 0 && fcntl(p[0], F_GETFL) == O_RDONLY);
	close(p[0]);
	close(p[1]);
	CHECK(pipe2(p, O_APPEND) == -1 && errno == EINVAL);
}

static void
test_poll_eof(void)
{
	char buf[8];
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(revents(p[0], POLLIN) == 0);
	CHECK(revents(p[1], POLLOUT) == POLLOUT);
	CHECK(write(p[1], "hi", 2) == 2);
	CHECK(revents(p[0], POLLIN) == POLLIN);
	close(p[1]);
	CHECK(revents(p[0], POLLIN) == (POLLIN | POLLHUP));
	CHECK(read(p[0], buf, sizeof(buf)) == 2);
	CHECK(revents(p[0], POLLIN) == POLLHUP);
	CHECK(read(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);

	CHECK(pipe(p) == 0);
	close(p[0]);
	CHECK(revents(p[1], POLLOUT) == (POLLOUT | POLLERR));
	close(p[1]);
}

static volatile int got_pipe;

static void
on_pipe(int sig)
{
	got_pipe = sig;
}

static void
test_epipe(void)
{
	int p[2], st;
	pid_t pid;

	CHECK(pipe(p) == 0);
	close(p[0]);
	signal(SIGPIPE, on_pipe);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE);
	CHECK(got_pipe == SIGPIPE);
	signal(SIGPIPE, SIG_IGN);
	got_pipe = 0;
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE);
	CHECK(got_pipe == 0);
	signal(SIGPIPE, SIG_DFL);
	pid = fork();
	if (pid == 0) {
		(void)write(p[1], "x", 1);
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
	close(p[1]);
}

static void
test_nonblock(void)
{
	static char chunk[4096];
	size_t total = 0;
	ssize_t n;
	int p[2];

	CHECK(pipe2(p, O_NONBLOCK) == 0);
	CHECK(read(p[0], chunk, 1) == -1 && errno == EAGAIN);
	while ((n = write(p[1], chunk, sizeof(chunk))) > 0)
		total += (size_t)n;
	CHECK(n == -1 && errno == EAGAIN);
	CHECK(total == 65536);
	/* Room for one byte is not room for an atomic PIPE_BUF write. */
	CHECK(read(p[0], chunk, 1) == 1);
	CHECK(write(p[1], chunk, PIPE_BUF) == -1 && errno == EAGAIN);
	CHECK(read(p[0], chunk, PIPE_BUF - 1) == PIPE_BUF - 1);
	CHECK(write(p[1], chunk, PIPE_BUF) == PIPE_BUF);
	close(p[0]);
	close(p[1]);
}

#define RECORDS	200

/* Write RECORDS records of PIPE_BUF bytes of c. */
static void
writer(int fd, char c)
{
	static char rec[PIPE_BUF];
	int i;

	memset(rec, c, sizeof(rec));
	for (i = 0; i < RECORDS; i++) {
		if (write(fd, rec, sizeof(rec)) != sizeof(rec))
			_exit(1);
	}
	_exit(0);
}

static void
test_atomic(void)
{
	static char rec[PIPE_BUF];
	int p[2], counts[2] = { 0, 0 }, st, i, mixed = 0;
	size_t have;
	ssize_t n;
	pid_t a, b;

	CHECK(pipe(p) == 0);
	if ((a = fork()) == 0) {
		close(p[0]);
		writer(p[1], 'a');
	}
	if ((b = fork()) == 0) {
		close(p[0]);
		writer(p[1], 'b');
	}
	close(p[1]);
	for (;;) {
		/* Reassemble one record, however the reads split it. */
		for (have = 0; have < sizeof(rec); have += (size_t)n) {
			n = read(p[0], rec + have, sizeof(rec) - have);
			if (n <= 0)
				break;
		}
		if (have == 0)
			break;
		CHECK(have == sizeof(rec));
		for (i = 1; i < PIPE_BUF; i++)
			mixed |= rec[i] != rec[0];
		if (rec[0] == 'a' || rec[0] == 'b')
			counts[rec[0] - 'a']++;
	}
	CHECK(!mixed);
	CHECK(counts[0] == RECORDS && counts[1] == RECORDS);
	CHECK(waitpid(a, &st, 0) == a && st == 0);
	CHECK(waitpid(b, &st, 0) == b && st == 0);
	close(p[0]);
}

int
main(void)
{
	test_flags();
	test_poll_eof();
	test_epipe();
	test_nonblock();
	test_atomic();
	if (failures == 0)
		printf("pipes: ok\n");
	return failures != 0;
}
