/*
 * A mail server after CMailbench (the Biscuit paper's mail benchmark):
 * per message, the enqueuer creates a uniquely named file in the spool
 * directory with O_EXCL, writes the message, fsyncs it and renames it
 * into place, then notifies the deliverer over an AF_UNIX datagram
 * socket; the deliverer appends the message to the mailbox file and
 * unlinks it from the spool.  Messages per second, counted until the
 * deliverer has delivered the last one.  argv[2] names the mail
 * directory (/tmp/mail by default).
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "bench.h"

#define QUIT "quit"

static char dir[64];
static char body[1024];

/* A socket call failing this way means the kernel lacks AF_UNIX. */
static void sock_fail(const char *what)
{
	if (errno == ENOSYS || errno == EAFNOSUPPORT ||
	    errno == EPROTONOSUPPORT || errno == EOPNOTSUPP)
		bench_unsupported(what);
	bench_die(what);
}

/* Append spool/name to the mailbox and unlink it. */
static void deliver(int mbox, const char *name)
{
	char path[256], buf[2048];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s/spool/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		bench_die("deliverer open");
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		if (write(mbox, buf, r) != r)
			bench_die("mailbox write");
	if (r < 0)
		bench_die("deliverer read");
	close(fd);
	if (fsync(mbox) < 0)
		bench_die("mailbox fsync");
	if (unlink(path) < 0)
		bench_die("deliverer unlink");
}

static void deliverer(int sock)
{
	char path[256], name[64];
	ssize_t r;
	int mbox;

	snprintf(path, sizeof(path), "%s/mailbox", dir);
	mbox = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (mbox < 0)
		bench_die("mailbox open");
	for (;;) {
		r = recv(sock, name, sizeof(name) - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			bench_die("recv");
		name[r] = '\0';
		if (strcmp(name, QUIT) == 0)
			break;
		deliver(mbox, name);
	}
	_exit(0);
}

/* Spool message i and notify the deliverer at addr. */
static void enqueue(long i, int sock, const struct sockaddr_un *addr)
{
	char tmp[256], final[256], name[64], head[128];
	int fd, len;

	snprintf(tmp, sizeof(tmp), "%s/spool/tmp.%ld", dir, i);
	len = snprintf(name, sizeof(name), "msg.%ld", i);
	snprintf(final, sizeof(final), "%s/spool/%s", dir, name);
	fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY, 0600);
	if (fd < 0)
		bench_die("spool open");
	snprintf(head, sizeof(head), "From bench\nSubject: message %ld\n\n",
	    i);
	if (write(fd, head, strlen(head)) < 0 ||
	    write(fd, body, sizeof(body)) != sizeof(body))
		bench_die("spool write");
	if (fsync(fd) < 0)
		bench_die("spool fsync");
	close(fd);
	if (rename(tmp, final) < 0)
		bench_die("rename");
	if (sendto(sock, name, len, 0, (const struct sockaddr *)addr,
	    sizeof(*addr)) != len)
		sock_fail("sendto");
}

int main(int argc, char **argv)
{
	long n = bench_iters("mailbench", argc, argv, 2500);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char spool[192];
	int qman, sock, status;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s", argc > 2 ? argv[2] : "/tmp/mail");
	snprintf(spool, sizeof(spool), "%s/spool", dir);
	memset(body, 'm', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\n';
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(spool, 0700) < 0 && errno != EEXIST))
		bench_die("mkdir");
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/qman.sock", dir);
	unlink(addr.sun_path);

	/* Bound before the fork, so no message can precede the binding. */
	qman = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (qman < 0)
		sock_fail("socket");
	if (bind(qman, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		sock_fail("bind");
	sock = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (sock < 0)
		sock_fail("socket");
	pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		close(sock);
		deliverer(qman);
	}
	close(qman);

	bench_start();
	for (long i = 0; i < n; i++)
		enqueue(i, sock, &addr);
	if (sendto(sock, QUIT, strlen(QUIT), 0, (struct sockaddr *)&addr,
	    sizeof(addr)) < 0)
		sock_fail("sendto");
	if (waitpid(pid, &status, 0) < 0)
		bench_die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "mailbench: deliverer status %#x\n", status);
		return 1;
	}
	bench_report("msgs/s", n);
	unlink(addr.sun_path);
	return 0;
}
