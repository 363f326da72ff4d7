/*
 * Job control on the console tty from a real program, as init
 * (tests/qemu/ttyjob.sh types into the serial port when asked):
 *   - ^C ends a foreground child spinning in user mode, one that never
 *     reads the terminal: input is processed when it arrives;
 *   - ^Z stops a foreground child asleep in nanosleep;
 *   - a background reader is stopped by SIGTTIN, and reads the line
 *     typed once it is continued in the foreground;
 *   - a background reader of an orphaned group gets EIO;
 *   - VMIN 0 with VTIME 3 returns 0 after 0.3 s without input.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static void
fail(const char *what)
{
	printf("ttyjob: FAIL %s (errno %d)\n", what, errno);
	exit(1);
}

static void
say(const char *s)
{
	printf("ttyjob: %s\n", s);
	fflush(stdout);
}

/* Fork child() into its own group and give it the foreground. */
static pid_t
fg_job(void (*child)(void))
{
	pid_t pid = fork();

	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		setpgid(0, 0);
		child();
		_exit(0);
	}
	setpgid(pid, pid);
	if (tcsetpgrp(0, pid) != 0)
		fail("tcsetpgrp to the job");
	return pid;
}

static void
spin(void)
{
	volatile unsigned long n = 0;

	for (;;)
		n++;
}

static void
nap(void)
{
	struct timespec ts = { 100, 0 };

	nanosleep(&ts, NULL);
}

/* Take the terminal back (SIGTTOU is ignored: init's group is orphaned). */
static void
fg_self(void)
{
	if (tcsetpgrp(0, getpgrp()) != 0)
		fail("tcsetpgrp back");
}

static void
test_sigint(void)
{
	int st;
	pid_t pid = fg_job(spin);

	say("type ^C");
	if (waitpid(pid, &st, 0) != pid || !WIFSIGNALED(st) ||
	    WTERMSIG(st) != SIGINT)
		fail("^C did not end the spinning job");
	fg_self();
	say("sigint ok");
}

static void
test_sigtstp(void)
{
	int st;
	pid_t pid = fg_job(nap);

	say("type ^Z");
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st) ||
	    WSTOPSIG(st) != SIGTSTP)
		fail("^Z did not stop the job");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	fg_self();
	say("sigtstp ok");
}

/*
 * A shell's part: its background job reads, stops on SIGTTIN, is moved
 * to the foreground and continued, then reads the typed line.
 */
static void
shell(void)
{
	char buf[64];
	ssize_t n;
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0);
		n = read(0, buf, sizeof(buf));
		_exit(n == 6 && memcmp(buf, "fg ok\n", 6) == 0 ? 0 : 1);
	}
	setpgid(pid, pid);
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st) ||
	    WSTOPSIG(st) != SIGTTIN)
		fail("the background read did not stop on SIGTTIN");
	signal(SIGTTOU, SIG_IGN);
	if (tcsetpgrp(0, pid) != 0)
		fail("tcsetpgrp for the stopped job");
	kill(pid, SIGCONT);
	say("type a line");
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		fail("the continued job did not read its line");
	fg_self();
	_exit(0);
}

static void
test_sigttin(void)
{
	int st;
	pid_t pid = fork();
	char c;

	if (pid == 0)
		shell();
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		exit(1);
	say("sigttin ok");
	/* A child of init in its own group: orphaned, so EIO. */
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		_exit(read(0, &c, 1) < 0 && errno == EIO ? 0 : 1);
	}
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		fail("an orphaned background read was not EIO");
	say("orphaned ok");
}

static void
test_vtime(void)
{
	struct termios t, raw;
	struct timespec a, b;
	char c;
	long ms;

	if (tcgetattr(0, &t) != 0)
		fail("tcgetattr");
	raw = t;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 3;
	if (tcsetattr(0, TCSANOW, &raw) != 0)
		fail("tcsetattr");
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (read(0, &c, 1) != 0)
		fail("VTIME read");
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	if (ms < 290)
		fail("VTIME returned early");
	tcsetattr(0, TCSANOW, &t);
	say("vtime ok");
}

int
main(void)
{
	signal(SIGTTOU, SIG_IGN);
	if (tcgetpgrp(0) != getpgrp())
		fail("init's group is not in the foreground");
	test_sigint();
	test_sigtstp();
	test_sigttin();
	test_vtime();
	say("ok");
	return 0;
}
