/*
 * biscfs in the x86_64 kernel (tests/qemu/biscfs.sh): the image that
 * `biscotti mkfs --from` made on the host comes in as the ISO's second
 * boot module, /dev/ram0.  Mount it, read what the host put there (a
 * text file, a 300 KiB patterned file, a symlink, a hard link), run
 * busybox from it, change it (create, fsync, rename, unlink, mkdir),
 * unmount, mount again and see the changes.  Prints "biscfs: ok".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATTERN_BYTES	(300 * 1024)

static void
fail(const char *what)
{
	printf("biscfs: FAILED: %s (errno %d)\n", what, errno);
	exit(1);
}

/* The whole of path into buf (size bytes at most): its length. */
static ssize_t
slurp(const char *path, char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		fail(path);
	while ((n = read(fd, buf + len, size - (size_t)len)) > 0)
		len += n;
	if (n < 0)
		fail("read");
	close(fd);
	return len;
}

static void
check_host_files(void)
{
	static char buf[PATTERN_BYTES + 1];
	char link[64];
	struct stat a, b;
	ssize_t n;
	size_t i;

	n = slurp("/mnt/hello.txt", buf, sizeof(buf));
	if (n != 20 || memcmp(buf, "hello from the host\n", 20) != 0)
		fail("hello.txt contents");
	n = slurp("/mnt/data/pattern", buf, sizeof(buf));
	if (n != PATTERN_BYTES)
		fail("pattern size");
	for (i = 0; i < PATTERN_BYTES; i++)
		if ((unsigned char)buf[i] != (unsigned char)(i * 7 + i / 4096))
			fail("pattern contents");
	n = readlink("/mnt/link", link, sizeof(link));
	if (n != 9 || memcmp(link, "hello.txt", 9) != 0)
		fail("readlink");
	if (stat("/mnt/hello.txt", &a) != 0 || stat("/mnt/data/hard", &b) != 0)
		fail("stat");
	if (a.st_ino != b.st_ino || a.st_nlink != 2 || (a.st_mode & 07777) != 0640)
		fail("hard link or mode");
}

/* Run the image's busybox: its output through a pipe must be "biscfs". */
static void
run_from_disk(void)
{
	char out[32];
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) != 0)
		fail("pipe");
	if ((pid = fork()) < 0)
		fail("fork");
	if (pid == 0) {
		dup2(fds[1], 1);
		execl("/mnt/bin/busybox", "echo", "biscfs", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], out, sizeof(out));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		fail("busybox from the disk");
	if (n != 7 || memcmp(out, "biscfs\n", 7) != 0)
		fail("busybox output");
}

static void
change(void)
{
	int fd = open("/mnt/new", O_WRONLY | O_CREAT | O_EXCL, 0600);

	if (fd < 0)
		fail("create");
	if (write(fd, "written in QEMU\n", 16) != 16 || fsync(fd) != 0)
		fail("write+fsync");
	close(fd);
	if (rename("/mnt/new", "/mnt/renamed") != 0)
		fail("rename");
	if (unlink("/mnt/link") != 0 || mkdir("/mnt/made", 0755) != 0)
		fail("unlink/mkdir");
	if (mount("/dev/ram0", "/mnt", "biscfs", 0, NULL) == 0 ||
	    errno != EBUSY)
		fail("a second mount of a mounted device is not EBUSY");
}

static void
check_changes(void)
{
	char buf[64];
	struct stat st;

	if (slurp("/mnt/renamed", buf, sizeof(buf)) != 16 ||
	    memcmp(buf, "written in QEMU\n", 16) != 0)
		fail("renamed file after remount");
	if (access("/mnt/new", F_OK) == 0 || access("/mnt/link", F_OK) == 0)
		fail("old names after remount");
	if (stat("/mnt/made", &st) != 0 || !S_ISDIR(st.st_mode))
		fail("made directory after remount");
}

int
main(void)
{
	if (mkdir("/mnt", 0755) != 0 && errno != EEXIST)
		fail("mkdir /mnt");
	if (mount("/dev/ram0", "/mnt", "biscfs", 0, NULL) != 0)
		fail("mount");
	check_host_files();
	run_from_disk();
	change();
	if (umount("/mnt") != 0)
		fail("umount");
	if (access("/mnt/hello.txt", F_OK) == 0)
		fail("files visible after umount");
	if (mount("/dev/ram0", "/mnt", "biscfs", MS_RDONLY, NULL) != 0)
		fail("second mount");
	check_changes();
	if (open("/mnt/x", O_WRONLY | O_CREAT, 0600) >= 0 || errno != EROFS)
		fail("create on a read-only mount is not EROFS");
	if (umount("/mnt") != 0)
		fail("second umount");
	printf("biscfs: ok\n");
	return 0;
}
