/*
 * ELF64 executables for x86-64 (System V gABI and the x86-64 psABI), and
 * the loader that makes a fresh address space run one.
 *
 * Static executables only, for now: ET_EXEC at their link addresses, and
 * static PIE (ET_DYN without PT_INTERP) at ELF_DYN_BASE, where Linux puts
 * them without address randomisation.  A PT_INTERP (a dynamically linked
 * program) is -ENOEXEC until there is a file system to find ld.so in.
 */
#ifndef EXEC_ELF_H
#define EXEC_ELF_H

#include "kern/types.h"

#define ELF_NIDENT	16

typedef struct {
	uint8_t e_ident[ELF_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
} Elf64_Phdr;

#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ET_EXEC		2
#define ET_DYN		3
#define EM_X86_64	62

#define PT_LOAD		1
#define PT_INTERP	3
#define PT_PHDR		6

#define PF_X		0x1
#define PF_W		0x2
#define PF_R		0x4

/* Auxiliary vector keys (Linux's numbers). */
#define AT_NULL		0
#define AT_PHDR		3
#define AT_PHENT	4
#define AT_PHNUM	5
#define AT_PAGESZ	6
#define AT_BASE		7
#define AT_FLAGS	8
#define AT_ENTRY	9
#define AT_UID		11
#define AT_EUID		12
#define AT_GID		13
#define AT_EGID		14
#define AT_PLATFORM	15
#define AT_HWCAP	16
#define AT_CLKTCK	17
#define AT_SECURE	23
#define AT_RANDOM	25
#define AT_EXECFN	31

/* Where a static PIE goes: Linux x86-64's ELF_ET_DYN_BASE, no ASLR. */
#define ELF_DYN_BASE		((uaddr_t)0x555555554000)
/* The stack: 8 MiB (RLIMIT_STACK's default) under the top user page. */
#define ELF_STACK_SIZE		((size_t)8 << 20)
/* Most bytes of argument and environment strings (Linux: 1/4 stack). */
#define ELF_ARG_MAX		((size_t)2 << 20)
#define ELF_PHNUM_MAX		64

struct vmspace;

/* What the new program is told about itself and its caller. */
struct elf_args {
	const char *const *argv;	/* NULL-terminated; NULL: none */
	const char *const *envp;	/* NULL-terminated; NULL: none */
	const char *execfn;		/* the path exec'd (AT_EXECFN) */
	uint32_t uid, euid, gid, egid;	/* AT_UID ... AT_EGID */
	uint64_t hwcap;			/* AT_HWCAP: CPUID.1:EDX on x86-64 */
};

/* Where the loaded program starts, for uctx_exec(). */
struct elf_result {
	uaddr_t entry;		/* first instruction */
	uaddr_t sp;		/* rsp: argc, 16-byte aligned */
	uaddr_t base;		/* load bias: 0 for ET_EXEC */
	uaddr_t brk;		/* start of the heap (page after the image) */
};

/*
 * Load the executable image[0, len) into vs, which must be empty (a
 * fresh vmspace_create()): map and fill its PT_LOAD segments, set the
 * program break after them, map the stack and lay out argc, argv, envp
 * and the auxiliary vector on it as Linux does.  Returns 0 and fills
 * *res, or -ENOEXEC (not a loadable x86-64 executable; never a crash),
 * -E2BIG (arguments too long), -ENOMEM or -EFAULT.  Runs in thread
 * context; vs is made the calling thread's address space while it is
 * written, and the previous one is back on return.
 */
int elf_load(struct vmspace *vs, const void *image, size_t len,
    const struct elf_args *args, struct elf_result *res);

#endif
