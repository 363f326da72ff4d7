/*
 * File create + write 4 KiB + close + unlink per second on tmpfs: the
 * life of a short-lived file in /tmp (argv[2] names another directory).
 */
#include <fcntl.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_iters("file_create", argc, argv, 8000);
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	static char data[4096];
	char path[256];

	memset(data, 'x', sizeof(data));
	snprintf(path, sizeof(path), "%s/bench_file.%d", dir, (int)getpid());
	bench_start();
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0)
			bench_die("open");
		if (write(fd, data, sizeof(data)) != sizeof(data))
			bench_die("write");
		if (close(fd) < 0)
			bench_die("close");
		if (unlink(path) < 0)
			bench_die("unlink");
	}
	bench_report("files/s", n);
	return 0;
}
