/*
 * fork + exit + wait per second: a child that exits at once, reaped
 * before the next fork.  Measures copying and tearing down a small
 * address space and the process life cycle.
 */
#include <sys/wait.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_iters("fork_exit", argc, argv, 1500);
	int status;

	bench_start();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			bench_die("fork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) < 0)
			bench_die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "fork_exit: child status %#x\n",
			    status);
			return 1;
		}
	}
	bench_report("forks/s", n);
	return 0;
}
