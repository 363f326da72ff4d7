/*
 * The loop around every fuzzer program (driver.c): the syscall fuzzer
 * (main.c), the packet fuzzer (packet_main.c) and the disk-image fuzzer
 * (image_main.c) differ only in what one input does, which each gives as
 * a struct fuzz_driver; running it in a forked child, replaying files
 * and AFL's persistent loop are shared.
 */
#ifndef TESTS_FUZZ_DRIVER_H
#define TESTS_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FUZZ_REPLAY_ALARM	60	/* seconds: a backstop for kernel hangs */

struct fuzz_driver {
	const char *name;	/* for messages: "fuzz", "packet fuzz", ... */
	size_t max_input;	/* bytes of the largest input worth reading */
	const char *unit;	/* what replay counts in an input: "bytes" */
	size_t unit_size;	/* bytes per unit */
	/*
	 * Run one input in the child, which has booted nothing yet.  It
	 * returns only when the kernel's init died: a bug (the child
	 * aborts).  arg is the caller's, as given to the calls below.
	 */
	void (*run)(const uint8_t *data, size_t size, void *arg);
};

/* Re-exec with the host's address randomisation off (main.c says why). */
void fuzz_no_aslr(char **argv);

/* waitpid() past EINTR: pid's wait status, or -1. */
int fuzz_wait(pid_t pid);

/* Up to max bytes of path into buf: the count, or (size_t)-1. */
size_t fuzz_read_file(const char *path, uint8_t *buf, size_t max);

/* Run one input in a forked child; its wait status. */
int fuzz_run_child(const struct fuzz_driver *d, const uint8_t *data,
    size_t size, void *arg, unsigned alarm_s);

/*
 * Run each of the n files, printing "PATH: ok", HANG, CRASH or FAIL
 * (with "== PATH: N units" first when trace); 0 when all passed.
 */
int fuzz_replay_files(const struct fuzz_driver *d, int n, char **paths,
    void *arg, int trace);

/*
 * Under afl-fuzz (built with afl-clang-fast): AFL's persistent loop,
 * passing a child's crash on to AFL by dying of the same signal.  Built
 * with the normal compiler: one input from stdin.
 */
int fuzz_afl_loop(const struct fuzz_driver *d, void *arg);

#endif
