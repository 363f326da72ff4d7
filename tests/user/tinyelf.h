/*
 * A minimal static x86-64 ELF executable around a few bytes of machine
 * code, for tests that must exec a program when the file system holds
 * nothing but themselves (a bare initrd) and that also run unchanged on
 * Linux.  One PT_LOAD segment maps the whole file read-execute at
 * TINYELF_BASE; the code follows the headers and is the entry point.
 */
#ifndef TINYELF_H
#define TINYELF_H

#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define TINYELF_BASE	0x400000ul

/* Write the program to path, mode 0755: 0, or -1 with errno. */
static inline int
tinyelf_write(const char *path, const unsigned char *code, size_t len)
{
	unsigned char img[sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + 256];
	size_t hdrs = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
		    ELFDATA2LSB, EV_CURRENT, ELFOSABI_SYSV },
		.e_type = ET_EXEC,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_entry = TINYELF_BASE + hdrs,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = 1,
	};
	Elf64_Phdr ph = {
		.p_type = PT_LOAD,
		.p_flags = PF_R | PF_X,
		.p_vaddr = TINYELF_BASE,
		.p_paddr = TINYELF_BASE,
		.p_filesz = hdrs + len,
		.p_memsz = hdrs + len,
		.p_align = 0x1000,
	};
	int fd, ok;

	if (len > sizeof(img) - hdrs)
		return -1;
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), &ph, sizeof(ph));
	memcpy(img + hdrs, code, len);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return -1;
	ok = write(fd, img, hdrs + len) == (ssize_t)(hdrs + len);
	return close(fd) == 0 && ok ? 0 : -1;
}

#endif
