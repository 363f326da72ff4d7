/*
 * Unit tests for the ELF64 loader (core/exec/elf.c) in the hosted bake:
 * a small executable is assembled byte by byte here (two PT_LOAD
 * segments: text with the headers, data with a bss tail), loaded into a
 * fresh address space, and read back through copyin(): the segments'
 * bytes and protections, the zeroed bss, the break, and the stack that
 * a Linux program expects at its entry (argc, argv, envp, auxv).  Broken
 * headers must give -ENOEXEC, and no prefix of a valid image may crash.
 *
 * The checks run inside the booted kernel's first thread; the first
 * failing line is reported back to Check.
 */
#include <check.h>
#include <string.h>

#include "contract/usercopy.h"
#include "exec/elf.h"
#include "hosted.h"
#include "kern/errno.h"
#include "proc/thread.h"
#include "vm/vm.h"

#define IMAGE_SIZE	0x1020
#define TEXT_VADDR	0x400000
#define DATA_OFF	0x1010
#define DATA_VADDR	0x402010
#define DATA_MEMSZ	0x2000
#define ENTRY_OFF	0xc0	/* past the program headers */

static uint8_t image[IMAGE_SIZE];
static int failed_line;

#define KCHECK(e) do {							\
	if (!(e) && failed_line == 0)					\
		failed_line = __LINE__;					\
} while (0)

/* Build the test executable: ET_EXEC at TEXT_VADDR, or ET_DYN at 0. */
static void build_image(uint16_t type)
{
	Elf64_Ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB,
		    EV_CURRENT },
		.e_type = type, .e_machine = EM_X86_64,
		.e_version = EV_CURRENT, .e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2,
	};
	uint64_t bias = type == ET_EXEC ? 0 : TEXT_VADDR;
	Elf64_Phdr ph[2] = {
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
		  .p_vaddr = TEXT_VADDR - bias, .p_filesz = 0x100,
		  .p_memsz = 0x100, .p_align = 0x1000 },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_W,
		  .p_offset = DATA_OFF, .p_vaddr = DATA_VADDR - bias,
		  .p_filesz = 16, .p_memsz = DATA_MEMSZ, .p_align = 0x1000 },
	};

	memset(image, 0, sizeof(image));
	eh.e_entry = TEXT_VADDR - bias + ENTRY_OFF;
	memcpy(image, &eh, sizeof(eh));
	memcpy(image + eh.e_phoff, ph, sizeof(ph));
	memset(image + ENTRY_OFF, 0xcc, 16);		/* int3s as "code" */
	memcpy(image + DATA_OFF, "DATA-0123456789!", 16);
	memset(image + 0x1000, 0xee, 0x10);	/* before data: not loaded */
}

static Elf64_Ehdr *ehdr(void)
{
	return (Elf64_Ehdr *)image;
}

static Elf64_Phdr *phdr(int i)
{
	return (Elf64_Phdr *)(image + sizeof(Elf64_Ehdr)) + i;
}

/* Load image[0, len) into a fresh address space; the error. */
static int try_load(size_t len, struct elf_result *res)
{
	static const char *const argv[] = { "prog", "arg1", NULL };
	static const char *const envp[] = { "A=1", NULL };
	struct elf_args args = { .argv = argv, .envp = envp,
	    .execfn = "/bin/prog", .uid = 5, .euid = 6, .gid = 7, .egid = 8,
	    .hwcap = 0x1234 };
	struct vmspace *vs = vmspace_create();
	int error;

	KCHECK(vs != NULL);
	error = elf_load(vs, image, len, &args, res);
	vmspace_unref(vs);
	return error;
}

/* A word of the current address space. */
static uint64_t peek(uaddr_t va)
{
	uint64_t v = 0xdeadbeef;

	KCHECK(copyin(&v, va, sizeof(v)) == 0);
	return v;
}

/* A string of the current address space equals s. */
static bool peek_str(uaddr_t va, const char *s)
{
	char buf[64];

	return copyinstr(buf, va, sizeof(buf)) >= 0 && strcmp(buf, s) == 0;
}

/* The value of auxv key at auxv, or ~0 when absent. */
static uint64_t aux(uaddr_t auxv, uint64_t key)
{
	uint64_t k;
	int i;

	for (i = 0; i < 64 && (k = peek(auxv)) != AT_NULL; i++, auxv += 16)
		if (k == key)
			return peek(auxv + 8);
	return ~0ull;
}

/* The segments (at link address + base): contents, bss, protections. */
static void check_image(struct vmspace *vs, uaddr_t base,
    const struct elf_result *res)
{
	struct vm_region_info ri;
	char data[16];

	KCHECK(res->entry == base + TEXT_VADDR + ENTRY_OFF);
	KCHECK(res->brk == base + 0x405000);
	KCHECK(peek(base + TEXT_VADDR) == *(uint64_t *)image);
	KCHECK(copyin(data, base + DATA_VADDR, 16) == 0);
	KCHECK(memcmp(data, "DATA-0123456789!", 16) == 0);
	KCHECK(peek(base + DATA_VADDR - 0x10) == 0);	/* not file bytes */
	KCHECK(peek(base + DATA_VADDR + 16) == 0);	/* bss */
	KCHECK(peek(base + DATA_VADDR + DATA_MEMSZ - 8) == 0);
	KCHECK(vmspace_region_at(vs, base + TEXT_VADDR, &ri));
	KCHECK(ri.start == base + TEXT_VADDR && ri.prot == (PROT_R | PROT_X));
	KCHECK(vmspace_region_at(vs, base + DATA_VADDR, &ri));
	KCHECK(ri.prot == (PROT_R | PROT_W));
	KCHECK(copyout(base + TEXT_VADDR, "x", 1) == -EFAULT);
}

/* The stack at the entry, as Linux lays it out. */
static void check_stack(uaddr_t base, const struct elf_result *res)
{
	uaddr_t sp = res->sp, auxv = sp + 8 * 6;

	KCHECK(sp % 16 == 0);
	KCHECK(sp < VM_USER_TOP && sp > VM_USER_TOP - ELF_STACK_SIZE);
	KCHECK(peek(sp) == 2);
	KCHECK(peek_str(peek(sp + 8), "prog"));
	KCHECK(peek_str(peek(sp + 16), "arg1"));
	KCHECK(peek(sp + 24) == 0);
	KCHECK(peek_str(peek(sp + 32), "A=1"));
	KCHECK(peek(sp + 40) == 0);
	KCHECK(aux(auxv, AT_PAGESZ) == 4096);
	KCHECK(aux(auxv, AT_PHDR) == base + TEXT_VADDR + sizeof(Elf64_Ehdr));
	KCHECK(aux(auxv, AT_PHENT) == sizeof(Elf64_Phdr));
	KCHECK(aux(auxv, AT_PHNUM) == 2);
	KCHECK(aux(auxv, AT_ENTRY) == res->entry);
	KCHECK(aux(auxv, AT_BASE) == 0);
	KCHECK(aux(auxv, AT_UID) == 5 && aux(auxv, AT_EGID) == 8);
	KCHECK(aux(auxv, AT_HWCAP) == 0x1234);
	KCHECK(aux(auxv, AT_CLKTCK) == 100);
	KCHECK(aux(auxv, AT_SECURE) == 0);
	KCHECK(peek_str(aux(auxv, AT_EXECFN), "/bin/prog"));
	KCHECK(peek_str(aux(auxv, AT_PLATFORM), "x86_64"));
	KCHECK(aux(auxv, AT_RANDOM) > sp && aux(auxv, AT_RANDOM) % 16 == 0);
}

/*
 * Load the image of type, then look at it from inside: its link
 * addresses plus shift are where it must be, and res.base must be base.
 */
static void load_and_check(uint16_t type, uaddr_t base, uaddr_t shift)
{
	struct vmspace *vs = vmspace_create();
	static const char *const argv[] = { "prog", "arg1", NULL };
	static const char *const envp[] = { "A=1", NULL };
	struct elf_args args = { .argv = argv, .envp = envp,
	    .execfn = "/bin/prog", .uid = 5, .euid = 6, .gid = 7, .egid = 8,
	    .hwcap = 0x1234 };
	struct elf_result res;

	build_image(type);
	KCHECK(elf_load(vs, image, sizeof(image), &args, &res) == 0);
	KCHECK(res.base == base);
	KCHECK(curthread()->vmspace == NULL);	/* ours is back */
	vmspace_switch(vs);
	check_image(vs, shift, &res);
	check_stack(shift, &res);
	vmspace_switch(NULL);
	vmspace_unref(vs);
}

static int kernel_exec(void *arg)
{
	load_and_check(ET_EXEC, 0, 0);
	return failed_line;
}

static int kernel_dyn(void *arg)
{
	load_and_check(ET_DYN, ELF_DYN_BASE, ELF_DYN_BASE - TEXT_VADDR);
	return failed_line;
}

/* Each breakage of a valid image is -ENOEXEC. */
static int kernel_malformed(void *arg)
{
	struct elf_result res;
	int i;

	for (i = 0; i < 11; i++) {
		build_image(ET_EXEC);
		switch (i) {
		case 0: image[1] = 'X'; break;
		case 1: ehdr()->e_machine = 3; break;		/* EM_386 */
		case 2: ehdr()->e_ident[4] = 1; break;		/* ELFCLASS32 */
		case 3: ehdr()->e_type = 1; break;		/* ET_REL */
		case 4: ehdr()->e_phoff = IMAGE_SIZE - 8; break;
		case 5: phdr(1)->p_filesz = DATA_MEMSZ + 1; break;
		case 6: phdr(1)->p_offset = IMAGE_SIZE - 8; break;
		case 7: phdr(0)->p_type = PT_INTERP; break;
		case 8: phdr(1)->p_vaddr = 0x7ffffffff000ull; break;
		case 9: phdr(1)->p_vaddr = DATA_VADDR + 1; break;
		default: ehdr()->e_phnum = 0; break;
		}
		KCHECK(try_load(sizeof(image), &res) == -ENOEXEC);
	}
	build_image(ET_EXEC);
	phdr(1)->p_vaddr = ~0ull - 0x1000;	/* wraps */
	KCHECK(try_load(sizeof(image), &res) == -ENOEXEC);
	return failed_line;
}

/* No prefix of a valid image crashes the loader. */
static int kernel_truncated(void *arg)
{
	struct elf_result res;
	size_t len;
	int error;

	build_image(ET_EXEC);
	for (len = 0; len < sizeof(image); len += len < 200 ? 1 : 97) {
		error = try_load(len, &res);
		KCHECK(error == -ENOEXEC || error == 0);
	}
	return failed_line;
}

static void run(int (*fn)(void *))
{
	struct hosted_config cfg = { .ncpus = 1, .mem_bytes = 64 << 20,
	    .quiet = true };
	int line = hosted_boot(&cfg, fn, NULL);

	ck_assert_msg(line == 0, "check failed at test_exec_elf.c:%d", line);
}

START_TEST(test_exec_static)
{
	run(kernel_exec);
}
END_TEST

START_TEST(test_exec_static_pie)
{
	run(kernel_dyn);
}
END_TEST

START_TEST(test_exec_malformed)
{
	run(kernel_malformed);
}
END_TEST

START_TEST(test_exec_truncated)
{
	run(kernel_truncated);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exec_elf");
	TCase *tc = tcase_create("elf");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_exec_static);
	tcase_add_test(tc, test_exec_static_pie);
	tcase_add_test(tc, test_exec_malformed);
	tcase_add_test(tc, test_exec_truncated);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
