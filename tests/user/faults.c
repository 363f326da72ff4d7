/*
 * User faults become signals, and the kernel survives them: a forked
 * child reads address 0 and must die of SIGSEGV; another executes ud2
 * and must die of SIGILL; a third divides by zero (SIGFPE).  The parent
 * checks each wait status.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void null_read(void)
{
	volatile int *p = (volatile int *)0;

	(void)*p;
}

static void bad_opcode(void)
{
	__asm__ volatile("ud2");
}

/* In assembler: GCC rewrites 1 / x without a division. */
static void divide_by_zero(void)
{
	unsigned int eax = 1, edx = 0, zero = 0;

	__asm__ volatile("divl %2" : "+a"(eax), "+d"(edx) : "r"(zero));
}

/* Run fn in a child; 0 when it died of signal want. */
static int expect_signal(const char *name, void (*fn)(void), int want)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		printf("faults: fork failed\n");
		return 1;
	}
	if (pid == 0) {
		fn();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) ||
	    WTERMSIG(status) != want) {
		printf("faults: %s: FAILED: status %#x\n", name, status);
		return 1;
	}
	printf("faults: %s: signal %d\n", name, want);
	return 0;
}

int main(void)
{
	int bad = 0;

	bad |= expect_signal("null read", null_read, SIGSEGV);
	bad |= expect_signal("ud2", bad_opcode, SIGILL);
	bad |= expect_signal("divide", divide_by_zero, SIGFPE);
	printf("faults: %s\n", bad ? "FAILED" : "ok");
	return bad;
}
