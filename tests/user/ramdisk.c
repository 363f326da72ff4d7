/*
 * /dev/ram0 from user mode (tests/qemu/ramdisk.sh): the disk image the
 * ISO carries as its second boot module must read back as the pattern
 * the script wrote into it (word k of the image is k * 2654435761 ^
 * 0x5eed, little-endian), in large reads as dd makes them; stat must say
 * a block device 1:0, BLKGETSIZE64 and lseek(SEEK_END) the image's
 * size; a write, fsync'd, must read back through a second open.
 * Prints "ramdisk: ok" when all hold.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define BLKGETSIZE64	0x80081272u
#define CHUNK		(64 * 1024)

static void
fail(const char *what)
{
	printf("ramdisk: FAILED: %s (errno %d)\n", what, errno);
	exit(1);
}

static uint32_t
word(uint64_t k)
{
	return (uint32_t)(k * 2654435761u) ^ 0x5eed;
}

int
main(void)
{
	static uint32_t buf[CHUNK / 4];
	uint64_t size, off = 0, k;
	struct stat st;
	ssize_t n;
	char msg[80];
	int fd;

	if (stat("/dev/ram0", &st) != 0)
		fail("stat /dev/ram0");
	if (!S_ISBLK(st.st_mode) || major(st.st_rdev) != 1 ||
	    minor(st.st_rdev) != 0)
		fail("/dev/ram0 is not block device 1:0");
	if ((fd = open("/dev/ram0", O_RDONLY)) < 0)
		fail("open /dev/ram0");
	if (ioctl(fd, BLKGETSIZE64, &size) != 0)
		fail("BLKGETSIZE64");
	if (size == 0 || size % 4096 != 0 || lseek(fd, 0, SEEK_END) !=
	    (off_t)size || lseek(fd, 0, SEEK_SET) != 0)
		fail("size and lseek");
	while ((n = read(fd, buf, CHUNK)) > 0) {
		for (k = 0; k < (uint64_t)n / 4; k++)
			if (buf[k] != word(off / 4 + k)) {
				snprintf(msg, sizeof(msg), "word %llu",
				    (unsigned long long)(off / 4 + k));
				fail(msg);
			}
		off += (uint64_t)n;
	}
	if (n < 0 || off != size)
		fail("reading the whole disk");
	close(fd);

	/* A write, then a second open sees it. */
	if ((fd = open("/dev/ram0", O_RDWR)) < 0)
		fail("open for writing");
	memset(buf, 0xa5, 4096);
	if (pwrite(fd, buf, 100, 4096 + 10) != 100 || fsync(fd) != 0 ||
	    close(fd) != 0)
		fail("write");
	if ((fd = open("/dev/ram0", O_RDONLY)) < 0 ||
	    pread(fd, buf, 4096, 4096) != 4096)
		fail("read back");
	if (((uint8_t *)buf)[9] != (uint8_t)(word(1024 + 2) >> 8) ||
	    ((uint8_t *)buf)[10] != 0xa5 || ((uint8_t *)buf)[109] != 0xa5 ||
	    ((uint8_t *)buf)[110] != (uint8_t)(word(1024 + 27) >> 16))
		fail("the write did not read back");
	close(fd);
	printf("ramdisk: ok (%llu KiB)\n", (unsigned long long)(size >> 10));
	return 0;
}
