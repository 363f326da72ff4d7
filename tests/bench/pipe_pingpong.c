/*
 * The Biscuit paper's pipe ping-pong: two processes and two pipes; the
 * parent writes a 5-byte message, the child reads it and writes it
 * back, the parent reads the echo.  Round trips per second.
 */
#include <sys/wait.h>
#include "bench.h"

#define MSG "ping!"
#define MSGLEN 5

/* Read exactly len bytes (a pipe may hand over fewer); 0 at EOF. */
static int readn(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			bench_die("read");
		if (r == 0)
			return 0;
		got += r;
	}
	return 1;
}

static void echo(int in, int out)
{
	char buf[MSGLEN];

	while (readn(in, buf, MSGLEN))
		if (write(out, buf, MSGLEN) != MSGLEN)
			bench_die("child write");
	_exit(0);
}

int main(int argc, char **argv)
{
	long n = bench_iters("pipe_pingpong", argc, argv, 5000);
	int to[2], from[2], status;
	char buf[MSGLEN];
	pid_t pid;

	if (pipe(to) < 0 || pipe(from) < 0)
		bench_die("pipe");
	pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		echo(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	bench_start();
	for (long i = 0; i < n; i++) {
		if (write(to[1], MSG, MSGLEN) != MSGLEN)
			bench_die("write");
		if (!readn(from[0], buf, MSGLEN))
			bench_die("echo ended");
	}
	bench_report("roundtrips/s", n);
	close(to[1]);
	if (waitpid(pid, &status, 0) < 0)
		bench_die("waitpid");
	return 0;
}
