/*
 * Running out of memory in the x86_64 kernel (tests/qemu/oom.sh, QEMU
 * with -m 64).  As init: mount the biscfs RAM disk and /proc, write a
 * file and fsync it, then run a busybox shell whose script starts this
 * program as "hog" -- which forks a child that touches memory until
 * there is none -- and then runs more commands.  The child must be
 * ended by the OOM killer (SIGKILL), the shell and init must survive,
 * /proc/meminfo must count the kill, and the fsync'd file must read back
 * with its checksum after a remount.  Prints "oom: ok".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEP_BYTES	(512 * 1024)
#define HOG_BYTES	((size_t)1 << 30)	/* far more than the machine */

static void
fail(const char *what)
{
	printf("oom: FAILED: %s (errno %d)\n", what, errno);
	exit(1);
}

/* FNV-1a over n bytes. */
static uint64_t
checksum(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n-- > 0)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

/* The checksum of the whole of path, which must be KEEP_BYTES long. */
static uint64_t
file_sum(const char *path)
{
	static unsigned char buf[KEEP_BYTES];
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		fail(path);
	while ((n = read(fd, buf + len, sizeof(buf) - (size_t)len)) > 0)
		len += n;
	if (n < 0 || len != KEEP_BYTES)
		fail("reading the kept file back");
	close(fd);
	return checksum(buf, KEEP_BYTES);
}

/* The number after key in /proc/meminfo, or -1. */
static long
meminfo(const char *key)
{
	char buf[4096], *at;
	ssize_t n, len = 0;
	int fd = open("/proc/meminfo", O_RDONLY);

	if (fd < 0)
		fail("open /proc/meminfo");
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	at = strstr(buf, key);
	return at != NULL ? strtol(at + strlen(key), NULL, 10) : -1;
}

/* "hog": a child touches memory until it runs out; it must die of SIGKILL. */
static int
hog(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		char *p = mmap(NULL, HOG_BYTES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		size_t off;

		if (p == MAP_FAILED)
			_exit(2);
		for (off = 0; off < HOG_BYTES; off += 4096)
			p[off] = 1;
		_exit(3);	/* a gigabyte in a 64 MiB machine? */
	}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid");
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		printf("oom: FAILED: the hog's status is %#x\n", status);
		return 1;
	}
	printf("oomtest: the hog was killed by SIGKILL\n");
	return 0;
}

/* The shell's script: the hog, then more commands, which must still run. */
static const char script[] =
    "/sbin/init hog; echo \"oomtest: hog exit $?\"; "
    "/bin/busybox grep OOMKills /proc/meminfo; "
    "/bin/busybox ls /mnt >/dev/null && echo 'oomtest: shell alive'; "
    "/sbin/init hog; echo \"oomtest: second hog exit $?\"";

int
main(int argc, char **argv)
{
	static unsigned char buf[KEEP_BYTES];
	uint64_t sum;
	int fd, status;
	size_t i;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "hog") == 0)
		return hog();
	if (mkdir("/mnt", 0755) != 0 && errno != EEXIST)
		fail("mkdir /mnt");
	if (mount("/dev/ram0", "/mnt", "biscfs", 0, NULL) != 0)
		fail("mount /dev/ram0");
	if (mkdir("/proc", 0555) != 0 && errno != EEXIST)
		fail("mkdir /proc");
	if (mount("proc", "/proc", "proc", 0, NULL) != 0)
		fail("mount /proc");
	if (meminfo("OOMKills:") != 0)
		fail("OOMKills is not 0 at the start");

	for (i = 0; i < KEEP_BYTES; i++)
		buf[i] = (unsigned char)(i * 13 + i / 4096);
	sum = checksum(buf, KEEP_BYTES);
	fd = open("/mnt/keep", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, KEEP_BYTES) != KEEP_BYTES)
		fail("writing /mnt/keep");
	if (fsync(fd) != 0 || close(fd) != 0)
		fail("fsync /mnt/keep");
	printf("oomtest: /mnt/keep written, checksum %016llx\n",
	    (unsigned long long)sum);

	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		execl("/bin/busybox", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid for the shell");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("oom: FAILED: the shell's status is %#x\n", status);
		return 1;
	}
	printf("oomtest: OOMKills %ld\n", meminfo("OOMKills:"));
	if (meminfo("OOMKills:") < 2)
		fail("OOMKills did not count both kills");

	/* From the disk, not the cache: remount first. */
	if (umount("/mnt") != 0)
		fail("umount");
	if (mount("/dev/ram0", "/mnt", "biscfs", 0, NULL) != 0)
		fail("mount again");
	if (file_sum("/mnt/keep") != sum)
		fail("/mnt/keep changed");
	if (umount("/mnt") != 0)
		fail("second umount");
	printf("oom: ok\n");
	return 0;
}
