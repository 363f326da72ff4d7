/*
 * The initramfs unpacker (core/fs/cpio.c): a good newc archive lands in
 * the root tmpfs with its modes, owners, data and symlinks; malformed
 * archives (bad magic, bad digits, names and data past the end, missing
 * NULs and trailers, ".." components, every truncation of a good one)
 * give an error, never a crash.
 */
#include <stdio.h>

#include "fs/vfs.h"
#include "test_sys.h"

static char arc[65536];
static size_t arclen;

static void
pad(void)
{
	while (arclen % 4 != 0)
		arc[arclen++] = '\0';
}

/* Append one entry, as `cpio -o -H newc` writes it. */
static void
entry(const char *name, unsigned mode, unsigned uid, const char *data,
    size_t n)
{
	int w = snprintf(arc + arclen, sizeof(arc) - arclen,
	    "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
	    1u, mode, uid, 0u, 1u, 1234u, (unsigned)n, 0u, 0u, 0u, 0u,
	    (unsigned)strlen(name) + 1, 0u);

	ck_assert_int_eq(w, 110);
	arclen += 110;
	memcpy(arc + arclen, name, strlen(name) + 1);
	arclen += strlen(name) + 1;
	pad();
	memcpy(arc + arclen, data, n);
	arclen += n;
	pad();
}

static void
trailer(void)
{
	entry("TRAILER!!!", 0, 0, "", 0);
}

static void
good(void)
{
	arclen = 0;
	entry(".", 040755, 0, "", 0);
	entry("sbin", 040755, 0, "", 0);
	entry("sbin/init", 0100755, 0, "\x7f" "ELF....", 8);
	entry("etc", 040700, 5, "", 0);
	entry("./etc/motd", 0100644, 5, "hi there\n", 9);
	entry("bin", 0120777, 0, "sbin", 4);
	entry("dev", 020666, 0, "", 0);	/* a device node: skipped */
	trailer();
}

static long
fsize(const char *path)
{
	uaddr_t u = umem(PG);

	poke_str(u, path);
	if (sys(SYS_stat, u, u + 1024) != 0)
		return -1;
	return (long)(((uint64_t)(uint32_t)peek32(u + 1024 + 48)) |
	    ((uint64_t)(uint32_t)peek32(u + 1024 + 52) << 32));
}

static uint32_t
fmode(const char *path)
{
	uaddr_t u = umem(PG);

	poke_str(u, path);
	ck_assert_int_eq(sys(SYS_lstat, u, u + 1024), 0);
	return (uint32_t)peek32(u + 1024 + 24);
}

static int
good_body(void *arg)
{
	uaddr_t u = umem(PG);
	long fd;
	char k[16];

	(void)arg;
	good();
	ck_assert_int_eq(cpio_unpack(arc, arclen), 0);
	ck_assert_int_eq(fsize("/sbin/init"), 8);
	ck_assert_int_eq(fmode("/sbin/init"), 0100755);
	ck_assert_int_eq(fmode("/etc"), 040700);
	ck_assert_int_eq(fmode("/bin"), 0120777);
	ck_assert_int_eq(fsize("/bin/init"), 8);
	ck_assert_int_eq(fsize("/dev"), -1);
	poke_str(u, "/etc/motd");
	fd = sys(SYS_open, u, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sys(SYS_read, fd, u + 100, 100), 9);
	ck_assert_int_eq(copyin(k, u + 100, 9), 0);
	ck_assert_int_eq(memcmp(k, "hi there\n", 9), 0);
	/* Unpacking again replaces files and keeps directories. */
	ck_assert_int_eq(cpio_unpack(arc, arclen), 0);
	ck_assert_int_eq(fsize("/etc/motd"), 9);
	return 0;
}

START_TEST(cpio_good)
{
	sys_run(good_body);
}
END_TEST

/* Corrupt byte i of the good archive to c: an error, or 0 if harmless. */
static void
corrupt(size_t i, char c, int want)
{
	char save;

	good();
	save = arc[i];
	arc[i] = c;
	ck_assert_int_eq(cpio_unpack(arc, arclen), want);
	arc[i] = save;
}

static int
bad_body(void *arg)
{
	size_t n, first;

	(void)arg;
	/* Empty, magic, digits. */
	ck_assert_int_eq(cpio_unpack(arc, 0), -EINVAL);
	corrupt(0, 'x', -EINVAL);
	corrupt(5, '3', -EINVAL);
	corrupt(20, 'g', -EINVAL);
	/* A name size past the end, or 0; a name without its NUL. */
	good();
	memcpy(arc + 6 + 11 * 8, "7FFFFFFF", 8);
	ck_assert_int_eq(cpio_unpack(arc, arclen), -EINVAL);
	memcpy(arc + 6 + 11 * 8, "00000000", 8);
	ck_assert_int_eq(cpio_unpack(arc, arclen), -EINVAL);
	corrupt(110 + 1, 'x', -EINVAL);	/* "." loses its NUL */
	/* A file size past the end. */
	good();
	memcpy(arc + 6 + 6 * 8, "FFFFFFF0", 8);
	ck_assert_int_eq(cpio_unpack(arc, arclen), -EINVAL);
	/* No trailer. */
	arclen = 0;
	entry("x", 0100644, 0, "x", 1);
	ck_assert_int_eq(cpio_unpack(arc, arclen), -EINVAL);
	/* A parent that is missing, or "..". */
	arclen = 0;
	entry("no/such", 0100644, 0, "x", 1);
	trailer();
	ck_assert_int_eq(cpio_unpack(arc, arclen), -EINVAL);
	arclen = 0;
	entry("../up", 0100644, 0, "x", 1);
	trailer();
	ck_assert_int_eq(cpio_unpack(arc, arclen), -EINVAL);
	/* A component longer than NAME_MAX. */
	{
		char name[300];

		memset(name, 'n', 280);
		name[280] = '\0';
		arclen = 0;
		entry(name, 0100644, 0, "", 0);
		trailer();
		ck_assert_int_eq(cpio_unpack(arc, arclen), -ENAMETOOLONG);
	}
	/* Every truncation of a good archive fails cleanly. */
	good();
	first = arclen;
	for (n = 0; n < first - 8; n++)
		ck_assert_int_ne(cpio_unpack(arc, n), 0);
	return 0;
}

START_TEST(cpio_malformed)
{
	sys_run(bad_body);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("fs_cpio");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, cpio_good);
	tcase_add_test(tc, cpio_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
