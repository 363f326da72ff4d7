/*
 * init from an initramfs (tests/qemu/initramfs.sh): the file system
 * through libc, as a real init would use it.  mkdir, create, write,
 * read back, list the directory with getdents64, rename, unlink, then
 * fork and execve a second program from the archive, directly and
 * through a #! script.  Prints "fsinit: ok" and exits 0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
fail(const char *what)
{
	printf("fsinit: FAILED: %s (errno %d)\n", what, errno);
	exit(1);
}

/* Run path with argv in a child; return its exit status. */
static int
run(const char *path, char *const argv[])
{
	static char *const envp[] = { "K=V", NULL };
	int st;
	pid_t pid = fork();

	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		execve(path, argv, envp);
		printf("fsinit: execve %s: errno %d\n", path, errno);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		fail("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int
main(void)
{
	static const char msg[] = "hello vfs";
	char buf[64];
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd, found = 0;

	if (mkdir("/tmp", 01777) != 0)
		fail("mkdir");
	fd = open("/tmp/a", O_CREAT | O_RDWR | O_EXCL, 0644);
	if (fd < 0)
		fail("open");
	if (write(fd, msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		fail("write");
	if (lseek(fd, 0, SEEK_SET) != 0)
		fail("lseek");
	if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(msg) ||
	    strcmp(buf, msg) != 0)
		fail("read");
	close(fd);
	if ((d = opendir("/tmp")) == NULL)
		fail("opendir");
	while ((de = readdir(d)) != NULL)
		found += strcmp(de->d_name, "a") == 0 && de->d_type == DT_REG;
	closedir(d);
	if (found != 1)
		fail("getdents64");
	if (rename("/tmp/a", "/tmp/b") != 0 || stat("/tmp/a", &st) == 0 ||
	    errno != ENOENT)
		fail("rename");
	if (stat("/tmp/b", &st) != 0 || st.st_size != sizeof(msg))
		fail("stat");
	if (unlink("/tmp/b") != 0 || unlink("/tmp/b") == 0 ||
	    errno != ENOENT)
		fail("unlink");
	if (run("/bin/fsecho", (char *const[]){ "fsecho", "arg1", NULL }))
		fail("exec of /bin/fsecho");
	if (run("/bin/script", (char *const[]){ "script", "x", NULL }))
		fail("exec of /bin/script");
	if (run("/etc/motd", (char *const[]){ "motd", NULL }) != 127)
		fail("exec of a non-executable");
	printf("fsinit: ok\n");
	return 0;
}
