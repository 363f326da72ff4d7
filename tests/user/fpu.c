/*
 * FPU and SSE state across context switches: two processes (or, without
 * fork, one) run the same floating-point series with different inputs,
 * yielding often so the kernel switches between them with live XMM and
 * x87 registers; each checks its result bit for bit against a run of the
 * same code with no switches in between.
 */
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* A series that keeps values in XMM registers across sched_yield(). */
static double series(double x, int yield)
{
	double sum = 0.0, term = 1.0;
	long double ld = 1.0L;
	int i;

	for (i = 1; i <= 2000; i++) {
		term = term * x / (double)i + 1e-3;
		sum += term * term;
		ld = ld * 1.0001L + (long double)x;
		if (yield && i % 50 == 0)
			sched_yield();
	}
	return sum + (double)(ld / 1e6L);
}

static int check(const char *who, double x)
{
	volatile double quiet = series(x, 0);
	double busy = series(x, 1);

	if (busy != quiet) {
		printf("fpu %s: FAILED: %.17g != %.17g\n", who, busy, quiet);
		return 1;
	}
	return 0;
}

int main(void)
{
	int status = 0, bad;
	pid_t pid = fork();

	if (pid == 0)
		_exit(check("child", 0.75));
	bad = check("parent", 1.25);
	if (pid > 0 && (waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0))
		bad = 1;
	printf("fpu: %s (%s)\n", bad ? "FAILED" : "ok",
	    pid > 0 ? "two processes" : "one process");
	return bad;
}
