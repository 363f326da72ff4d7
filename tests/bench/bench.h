/*
 * Shared by the benchmark programs in tests/bench (each .c file is one
 * static musl program; tools/bench-build builds them, tools/bench runs
 * them on biscotti and on Linux).
 *
 * A program takes its iteration count as argv[1] (a default sized for
 * QEMU's TCG otherwise), prints a start marker the moment its timed loop
 * begins, and at the end one line in a fixed format:
 *
 *	NAME FIGURE UNIT n=ITERATIONS t=SECONDS
 *
 * The start marker and the figure line let the host time the loop by
 * the arrival of the two lines on the serial console and compare that
 * with t, the guest's own clock (emulated timers can drift).  A program
 * that the kernel cannot run prints "NAME n/a REASON" and exits 77.
 */
#ifndef BENCH_H
#define BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_UNSUPPORTED 77

static const char *bench_name;
static double bench_t0;

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A failed call ends the benchmark with status 1: no figure is printed. */
static inline void bench_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", bench_name, what, strerror(errno));
	exit(1);
}

/* The iteration count: argv[1] if given, dflt otherwise. */
static inline long bench_iters(const char *name, int argc, char **argv,
    long dflt)
{
	long n = dflt;

	bench_name = name;
	if (argc > 1)
		n = strtol(argv[1], NULL, 10);
	if (n <= 0) {
		fprintf(stderr, "usage: %s [ITERATIONS]\n", name);
		exit(2);
	}
	return n;
}

/* Print the start marker and start the clock. */
static inline void bench_start(void)
{
	printf("@@bench: start %s@@\n", bench_name);
	fflush(stdout);
	bench_t0 = bench_now();
}

/* Stop the clock and print the figure: n events per second. */
static inline void bench_report(const char *unit, long n)
{
	double t = bench_now() - bench_t0;

	printf("%s %.1f %s n=%ld t=%.6f\n", bench_name, n / t, unit, n, t);
	fflush(stdout);
}

/* The kernel lacks what the benchmark needs: say so and exit 77. */
static inline void bench_unsupported(const char *what)
{
	printf("%s n/a unsupported: %s: %s\n", bench_name, what,
	    strerror(errno));
	fflush(stdout);
	exit(BENCH_UNSUPPORTED);
}

#endif
