/*
 * fork + exec + wait per second: the child execs a tiny static program
 * (nop, beside this one; argv[2] names another) that exits at once.
 */
#include <sys/wait.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_iters("fork_exec", argc, argv, 500);
	const char *prog = argc > 2 ? argv[2] : "/bench/nop";
	char *const args[] = { "nop", NULL };
	char *const env[] = { NULL };
	int status;

	if (access(prog, X_OK) < 0)
		bench_die(prog);
	bench_start();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			bench_die("fork");
		if (pid == 0) {
			execve(prog, args, env);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0)
			bench_die("waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "fork_exec: child status %#x\n",
			    status);
			return 1;
		}
	}
	bench_report("execs/s", n);
	return 0;
}
