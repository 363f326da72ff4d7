/*
 * Thread-local storage: musl points FS at its thread block with
 * arch_prctl(ARCH_SET_FS) before main, and __thread variables are
 * FS-relative.  Check they read back, that ARCH_GET_FS agrees with the
 * thread pointer, and that the pointer survives a sleep (context switches).
 */
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARCH_GET_FS	0x1003

static __thread int counter = 41;
static __thread char tag[8] = "tls";

int main(void)
{
	unsigned long fs = 0, self;
	int i;

	__asm__ volatile("movq %%fs:0, %0" : "=r"(self));
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &fs) != 0 || fs != self) {
		printf("tls: FAILED: fs %#lx, %%fs:0 %#lx\n", fs, self);
		return 1;
	}
	for (i = 0; i < 100; i++) {
		counter++;
		sched_yield();
	}
	if (counter != 141 || tag[0] != 't') {
		printf("tls: FAILED: counter %d tag %s\n", counter, tag);
		return 1;
	}
	printf("tls: ok (fs %#lx)\n", fs);
	return 0;
}
