/*
 * getppid calls per second: the cheapest round trip into the kernel and
 * back (musl's getppid is the bare syscall, never cached).
 */
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_iters("getppid", argc, argv, 400000);
	volatile pid_t sink;

	bench_start();
	for (long i = 0; i < n; i++)
		sink = getppid();
	(void)sink;
	bench_report("calls/s", n);
	return 0;
}
