/*
 * Page faults per second: map 64 MiB of fresh anonymous memory, touch
 * one byte per 4 KiB page (each touch is a fault that allocates and
 * zeroes a page), unmap; ITERATIONS such rounds.
 */
#include <sys/mman.h>
#include "bench.h"

#define REGION (64L << 20)
#define PAGE 4096L

int main(int argc, char **argv)
{
	long rounds = bench_iters("page_fault", argc, argv, 8);

	bench_start();
	for (long r = 0; r < rounds; r++) {
		volatile char *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			bench_die("mmap");
		for (long off = 0; off < REGION; off += PAGE)
			p[off] = 1;
		if (munmap((void *)p, REGION) < 0)
			bench_die("munmap");
	}
	bench_report("faults/s", rounds * (REGION / PAGE));
	return 0;
}
