/*
 * execve through the VFS in the hosted bake: no user code runs here, so
 * each test execs and then reads the new image's stack (argc, argv,
 * envp, AT_ENTRY) back through copyin() from the new address space.
 * An ELF executable is assembled byte by byte; #! scripts, nested ones,
 * and the errors (EACCES, ENOEXEC, ENOENT, E2BIG, EFAULT, ELOOP).
 */
#include "contract/uctx.h"
#include "exec/elf.h"
#include "fs/vfs.h"
#include "kern/printk.h"
#include "mm/reserve.h"
#include "test_sys.h"

#define TEXT	0x400000
#define ENTRY	(TEXT + 0x80)

static uaddr_t scratch;
static int slot;

/* A user copy of s, in rotating 512-byte slots of a scratch area. */
static uaddr_t
U(const char *s)
{
	uaddr_t u;

	if (scratch == 0)
		scratch = umem(16 * PG);
	u = scratch + (uaddr_t)(slot++ % 16) * 512;
	poke_str(u, s);
	return u;
}

/* A NULL-terminated user array of user strings. */
static uaddr_t
V(const char *const *v)
{
	uaddr_t arr = U("");
	uint64_t p;
	int i;

	for (i = 0; v[i] != NULL; i++) {
		p = U(v[i]);
		ck_assert_int_eq(copyout(arr + (uaddr_t)i * 8, &p, 8), 0);
	}
	p = 0;
	ck_assert_int_eq(copyout(arr + (uaddr_t)i * 8, &p, 8), 0);
	return arr;
}

/* Write data[0, n) to path with mode. */
static void
put(const char *path, const void *data, size_t n, unsigned mode)
{
	uaddr_t b = umem(PG);
	long fd = sys(SYS_open, U(path), O_CREAT | O_WRONLY | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(copyout(b, data, n), 0);
	ck_assert_int_eq(sys(SYS_write, fd, b, n), (long)n);
	ck_assert_int_eq(sys(SYS_close, fd), 0);
	ck_assert_int_eq(sys(SYS_chmod, U(path), mode), 0);
}

/* A static ET_EXEC: one PT_LOAD of 256 bytes at TEXT. */
static void
put_elf(const char *path)
{
	uint8_t img[256];
	Elf64_Ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB,
		    EV_CURRENT },
		.e_type = ET_EXEC, .e_machine = EM_X86_64,
		.e_version = EV_CURRENT, .e_entry = ENTRY,
		.e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 1,
	};
	Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
	    .p_vaddr = TEXT, .p_filesz = sizeof(img),
	    .p_memsz = sizeof(img), .p_align = 0x1000 };

	memset(img, 0, sizeof(img));
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), &ph, sizeof(ph));
	put(path, img, sizeof(img), 0755);
}

static uint64_t
peek64(uaddr_t va)
{
	uint64_t v;

	ck_assert_int_eq(copyin(&v, va, 8), 0);
	return v;
}

/* The user string at va equals s. */
static void
check_str(uaddr_t va, const char *s)
{
	char k[256];

	ck_assert_int_eq(copyinstr(k, va, sizeof(k)), (long)strlen(s));
	ck_assert_str_eq(k, s);
}

/* After a successful exec: the stack holds argv and envp as given. */
static void
check_stack(const char *const *argv, const char *const *envp)
{
	uaddr_t sp = uctx_stack_pointer(curthread()->uctx), p, auxv;
	int i, argc;

	for (argc = 0; argv[argc] != NULL; argc++)
		continue;
	ck_assert_int_eq(peek64(sp), argc);
	p = sp + 8;
	for (i = 0; i < argc; i++, p += 8)
		check_str(peek64(p), argv[i]);
	ck_assert_int_eq(peek64(p), 0);
	for (p += 8, i = 0; envp[i] != NULL; i++, p += 8)
		check_str(peek64(p), envp[i]);
	ck_assert_int_eq(peek64(p), 0);
	for (auxv = p + 8; peek64(auxv) != AT_NULL; auxv += 16)
		if (peek64(auxv) == AT_ENTRY)
			ck_assert_int_eq(peek64(auxv + 8), ENTRY);
}

static int
errors_body(void *arg)
{
	static const char *const argv[] = { "x", NULL };
	uaddr_t big;
	uint64_t ptrs[2];

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/bin"), 0755), 0);
	put_elf("/bin/prog");
	put("/bin/noexec", "\x7f" "ELF", 4, 0644);
	put("/bin/garbage", "\x7f" "ELFnonsense", 11, 0755);
	put("/bin/loop", "#!/bin/loop\n", 12, 0755);
	put("/bin/badint", "#!/bin/none\n", 12, 0755);
	put("/bin/empty", "#!   \n", 6, 0755);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/none"), V(argv), 0),
	    -ENOENT);
	ck_assert_int_eq(sys(SYS_execve, U(""), V(argv), 0), -ENOENT);
	ck_assert_int_eq(sys(SYS_execve, U("/bin"), V(argv), 0), -EACCES);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/noexec"), V(argv), 0),
	    -EACCES);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/garbage"), V(argv), 0),
	    -ENOEXEC);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/loop"), V(argv), 0),
	    -ELOOP);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/badint"), V(argv), 0),
	    -ENOENT);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/empty"), V(argv), 0),
	    -ENOEXEC);
	ck_assert_int_eq(sys(SYS_execve, BAD, V(argv), 0), -EFAULT);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/prog"), BAD, 0), -EFAULT);
	/*
	 * Regression: the file is checked before argv is read, as Linux
	 * does (argv was copied first: EFAULT); a bad format shows only
	 * after the copy.
	 */
	ck_assert_int_eq(sys(SYS_execve, U("/bin/noexec"), BAD, 0), -EACCES);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/none"), BAD, 0), -ENOENT);
	ck_assert_int_eq(sys(SYS_execve, U("/bin"), BAD, BAD), -EACCES);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/garbage"), BAD, 0), -EFAULT);
	/* One string of 2.5 MiB: E2BIG. */
	big = umem(3 * MiB);
	{
		static char chunk[4096];
		size_t off;

		memset(chunk, 'a', sizeof(chunk));
		for (off = 0; off < 5 * MiB / 2; off += sizeof(chunk))
			ck_assert_int_eq(copyout(big + off, chunk,
			    sizeof(chunk)), 0);
		ck_assert_int_eq(copyout(big + off, "", 1), 0);
	}
	ptrs[0] = big;
	ptrs[1] = 0;
	ck_assert_int_eq(copyout(big + 3 * MiB - 16, ptrs, 16), 0);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/prog"), big + 3 * MiB - 16,
	    0), -E2BIG);
	/* Nothing changed: the old program carries on. */
	ck_assert_int_eq(sys(SYS_getpid), 1);
	return 0;
}

START_TEST(exec_errors)
{
	sys_run(errors_body);
}
END_TEST

static int
elf_body(void *arg)
{
	static const char *const argv[] = { "prog", "one", "two", NULL };
	static const char *const envp[] = { "HOME=/", "X=y", NULL };
	long fd;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/bin"), 0755), 0);
	put_elf("/bin/prog");
	fd = sys(SYS_open, U("/bin"), O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(fd, 3);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/prog"), V(argv), V(envp)),
	    0);
	scratch = 0;	/* that memory went with the old image */
	check_stack(argv, envp);
	/* Close-on-exec fds are gone, the others stay. */
	ck_assert_int_eq(sys(SYS_close, 3), -EBADF);
	ck_assert_int_eq(sys(SYS_close, 1), 0);
	return 0;
}

START_TEST(exec_elf)
{
	sys_run(elf_body);
}
END_TEST

static int
script_body(void *arg)
{
	static const char *const argv[] = { "script", "arg1", NULL };
	static const char *const envp[] = { "E=1", NULL };
	static const char *const want[] = { "/bin/prog", "-x  y",
	    "/bin/script", "arg1", NULL };
	static const char *const nested[] = { "/bin/prog", "/bin/plain",
	    "/bin/outer", "arg1", NULL };
	static const char *const none[] = { NULL };

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/bin"), 0755), 0);
	put_elf("/bin/prog");
	put("/bin/script", "#! /bin/prog  -x  y \t\nbody\n", 27, 0755);
	put("/bin/plain", "#!/bin/prog\n", 12, 0755);
	put("/bin/outer", "#!/bin/plain\n", 13, 0755);
	if (arg == NULL) {
		ck_assert_int_eq(sys(SYS_execve, U("/bin/script"), V(argv),
		    V(envp)), 0);
		check_stack(want, envp);
	} else {
		/* Nested: outer runs plain runs prog. */
		ck_assert_int_eq(sys(SYS_execve, U("/bin/outer"), V(argv),
		    0), 0);
		check_stack(nested, none);
	}
	return 0;
}

START_TEST(exec_script)
{
	sys_run(script_body);
}
END_TEST

static int
nested_body(void *arg)
{
	(void)arg;
	return script_body((void *)1);
}

START_TEST(exec_script_nested)
{
	sys_run(nested_body);
}
END_TEST

/* The mark of the execve syscall's reservations. */
static struct reserve_mark
execve_mark(void)
{
	struct reserve_mark m[128];
	int n = reserve_marks(m, 128), i;

	for (i = 0; i < n && i < 128; i++)
		if (strcmp(m[i].site, "execve") == 0)
			return m[i];
	ck_abort_msg("no execve mark");
	return m[0];
}

#define BIG_ARGC	10000	/* of 10 bytes each: 100,000 bytes */

/*
 * Regression: setup_stack() put the argv/envp pointer array on the
 * heap, so a large argv overran execve's reservation (278080 bytes of
 * 65536 for an xargs line).  Exec with 100,000 bytes of arguments: the
 * new stack holds them all, and execve stays inside its bound.
 */
static int
big_args_body(void *arg)
{
	static const char *const envp[] = { "E=1", NULL };
	size_t ptrs = (BIG_ARGC + 1) * 8;
	uaddr_t area = umem(ROUNDUP(ptrs + BIG_ARGC * 10, PG));
	uaddr_t sp, p;
	uint64_t u;
	char s[16];
	int i;

	(void)arg;
	ck_assert_int_eq(sys(SYS_mkdir, U("/bin"), 0755), 0);
	put_elf("/bin/prog");
	for (i = 0; i < BIG_ARGC; i++) {
		ksnprintf(s, sizeof(s), "a%08d", i);
		u = area + ptrs + (uaddr_t)i * 10;
		poke_str(u, s);
		ck_assert_int_eq(copyout(area + (uaddr_t)i * 8, &u, 8), 0);
	}
	u = 0;
	ck_assert_int_eq(copyout(area + BIG_ARGC * 8, &u, 8), 0);
	ck_assert_int_eq(sys(SYS_execve, U("/bin/prog"), area, V(envp)), 0);
	scratch = 0;	/* that memory went with the old image */
	sp = uctx_stack_pointer(curthread()->uctx);
	ck_assert_int_eq(peek64(sp), BIG_ARGC);
	for (i = 0, p = sp + 8; i < BIG_ARGC; i++, p += 8) {
		ksnprintf(s, sizeof(s), "a%08d", i);
		check_str(peek64(p), s);
	}
	ck_assert_int_eq(peek64(p), 0);
	check_str(peek64(p + 8), "E=1");
	ck_assert_int_eq(peek64(p + 16), 0);
	ck_assert_uint_eq(execve_mark().overruns, 0);
	ck_assert_uint_le(execve_mark().high_water, execve_mark().bound);
	return 0;
}

START_TEST(exec_big_args)
{
	sys_run(big_args_body);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("fs_exec");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, exec_errors);
	tcase_add_test(tc, exec_elf);
	tcase_add_test(tc, exec_script);
	tcase_add_test(tc, exec_script_nested);
	tcase_add_test(tc, exec_big_args);
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
