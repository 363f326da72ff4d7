/*
 * The ELF64 loader: from an executable's bytes in kernel memory to an
 * address space ready for uctx_exec().
 *
 * Everything in the image is untrusted input.  The headers are checked
 * before anything is mapped: identity (ELF64, little-endian, x86-64,
 * ET_EXEC or ET_DYN), a program header table inside the image, and for
 * every PT_LOAD a file range inside the image, filesz <= memsz, an
 * address range that neither wraps nor leaves the user half nor reaches
 * the stack, and file offset and address congruent modulo the page size
 * (else no page-granular mapping can hold them).  Anything else is
 * -ENOEXEC.
 *
 * Segments become private anonymous memory, filled by copying: there is
 * no page cache to map file pages from yet.  Three passes, because two
 * segments may share a page (the end of text and the start of data, in
 * images not linked with -z separate-code): map every segment's pages
 * writable, then copy every segment's file bytes, then give each its
 * final protection.  The rest of each segment (bss, and the tail of its
 * last file page) is zero because fresh anonymous memory is.
 *
 * The copies are ordinary copyout() calls made while the new address
 * space is the calling thread's own (a temporary vmspace_switch()), so
 * they fault pages in through vm_fault() exactly as the program itself
 * will; the caller's address space is back before elf_load() returns.
 *
 * The stack is laid out as Linux's create_elf_tables() does, from the
 * top down: an 8-byte end marker, the AT_EXECFN string, the environment
 * strings, the argument strings, the AT_PLATFORM string, 16 random bytes
 * (AT_RANDOM, musl's and glibc's stack-protector seed), then, 16-byte
 * aligned at rsp: argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
 */
#include "contract/clock.h"
#include "contract/usercopy.h"
#include "exec/elf.h"
#include "kern/errno.h"
#include "lib/hash.h"
#include "lib/string.h"
#include "proc/thread.h"
#include "vm/vm.h"

#define AUXV_PAIRS	18	/* fill_auxv()'s entries, AT_NULL included */

static uint64_t page_down(uint64_t a)
{
	return a & ~(uint64_t)PAGE_MASK;
}

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE_MASK) & ~(uint64_t)PAGE_MASK;
}

/* The checked view of an image that the passes share. */
struct elf_image {
	const uint8_t *bytes;
	size_t len;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;	/* eh->e_phnum entries inside bytes */
	uaddr_t base;		/* load bias */
	uaddr_t end;		/* highest segment end, biased */
	uaddr_t phdr;		/* user address of the program headers, or 0 */
};

/* The ELF header: an x86-64 ELF64 executable with a sane table. */
static int check_ehdr(struct elf_image *im)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->bytes;

	if (im->len < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4) != 0 ||
	    eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB ||
	    eh->e_ident[6] != EV_CURRENT || eh->e_machine != EM_X86_64 ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > ELF_PHNUM_MAX || eh->e_phoff > im->len ||
	    im->len - eh->e_phoff < (size_t)eh->e_phnum * sizeof(Elf64_Phdr) ||
	    eh->e_phoff % 8 != 0)
		return -ENOEXEC;
	im->eh = eh;
	im->ph = (const Elf64_Phdr *)(im->bytes + eh->e_phoff);
	return 0;
}

/* One PT_LOAD, unbiased: inside the file, the user half, congruent. */
static bool load_ok(const struct elf_image *im, const Elf64_Phdr *p)
{
	if (p->p_filesz > p->p_memsz || p->p_offset > im->len ||
	    im->len - p->p_offset < p->p_filesz)
		return false;
	if (p->p_memsz == 0 || p->p_vaddr >= USER_END ||
	    USER_END - p->p_vaddr < p->p_memsz)
		return false;
	return (p->p_vaddr - p->p_offset) % PAGE_SIZE == 0;
}

/*
 * The program headers: no interpreter, loadable segments, and a load
 * bias that keeps all of them between VM_MMAP_MIN and the stack.
 */
static int check_phdrs(struct elf_image *im)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	int i, nload = 0;

	for (i = 0; i < im->eh->e_phnum; i++) {
		const Elf64_Phdr *p = &im->ph[i];

		if (p->p_type == PT_INTERP)
			return -ENOEXEC;
		if (p->p_type != PT_LOAD)
			continue;
		if (!load_ok(im, p))
			return -ENOEXEC;
		if (p->p_vaddr < lo)
			lo = p->p_vaddr;
		if (p->p_vaddr + p->p_memsz > hi)
			hi = p->p_vaddr + p->p_memsz;
		nload++;
	}
	if (nload == 0)
		return -ENOEXEC;
	im->base = im->eh->e_type == ET_DYN ? ELF_DYN_BASE - page_down(lo) : 0;
	if (im->base + page_down(lo) < VM_MMAP_MIN ||
	    im->base + page_up(hi) > VM_USER_TOP - ELF_STACK_SIZE ||
	    im->eh->e_entry >= USER_END - im->base)
		return -ENOEXEC;
	im->end = im->base + page_up(hi);
	return 0;
}

/* User address of the program headers: PT_PHDR, or inside a segment. */
static uaddr_t find_phdr(const struct elf_image *im)
{
	uint64_t off = im->eh->e_phoff;
	int i;

	for (i = 0; i < im->eh->e_phnum; i++)
		if (im->ph[i].p_type == PT_PHDR)
			return im->base + im->ph[i].p_vaddr;
	for (i = 0; i < im->eh->e_phnum; i++) {
		const Elf64_Phdr *p = &im->ph[i];

		if (p->p_type == PT_LOAD && off >= p->p_offset &&
		    off - p->p_offset < p->p_filesz)
			return im->base + p->p_vaddr + (off - p->p_offset);
	}
	return 0;
}

/* ELF segment flags as page protections. */
static unsigned seg_prot(uint32_t flags)
{
	unsigned prot = 0;

	if (flags & PF_R)
		prot |= PROT_R;
	if (flags & PF_W)
		prot |= PROT_W;
	if (flags & PF_X)
		prot |= PROT_X;
	return prot;
}

/* The three passes over the PT_LOAD segments (see the top). */
static int load_segments(struct vmspace *vs, const struct elf_image *im)
{
	const unsigned flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	int i, pass, error = 0;

	for (pass = 0; pass < 3 && error == 0; pass++) {
		for (i = 0; i < im->eh->e_phnum && error == 0; i++) {
			const Elf64_Phdr *p = &im->ph[i];
			uaddr_t va = im->base + p->p_vaddr;
			uaddr_t start = page_down(va);
			size_t size = page_up(va + p->p_memsz) - start;
			int64_t r;

			if (p->p_type != PT_LOAD)
				continue;
			if (pass == 0) {
				r = vm_mmap(vs, start, size, PROT_R | PROT_W,
				    flags);
				error = r < 0 ? (int)r : 0;
			} else if (pass == 1) {
				error = copyout(va, im->bytes + p->p_offset,
				    p->p_filesz);
			} else {
				error = vm_mprotect(vs, start, size,
				    seg_prot(p->p_flags));
			}
		}
	}
	return error;
}

/* Count the strings of a NULL-terminated vector and their bytes. */
static int count_strings(const char *const *v, size_t *n, size_t *bytes)
{
	*n = 0;
	if (v == NULL)
		return 0;
	for (; v[*n] != NULL; (*n)++) {
		*bytes += strlen(v[*n]) + 1;
		if (*bytes > ELF_ARG_MAX)
			return -E2BIG;
	}
	return 0;
}

/* Pointers put_strings() gathers on the kernel stack between copies. */
#define PTR_CHUNK	32

/*
 * Copy n strings of v to user memory from *p up, and their pointers,
 * NULL-terminated, to the user array at uptrs.  The pointers go out
 * PTR_CHUNK at a time from the kernel stack, so execve's heap use does
 * not grow with the number of arguments (a heap array of them overran
 * its reservation once argv had a few thousand names).
 */
static int put_strings(const char *const *v, size_t n, uaddr_t *p,
    uaddr_t uptrs)
{
	uint64_t chunk[PTR_CHUNK];
	size_t i, k = 0, len;
	int error;

	for (i = 0; i <= n; i++) {
		if (i < n) {
			len = strlen(v[i]) + 1;
			if ((error = copyout(*p, v[i], len)) != 0)
				return error;
			chunk[k++] = *p;
			*p += len;
		} else {
			chunk[k++] = 0;
		}
		if (k == PTR_CHUNK || i == n) {
			error = copyout(uptrs, chunk, k * sizeof(chunk[0]));
			if (error)
				return error;
			uptrs += k * sizeof(chunk[0]);
			k = 0;
		}
	}
	return 0;
}

/* 16 bytes that differ between boots and between calls (AT_RANDOM). */
static void random_bytes(uint8_t out[16], const void *salt)
{
	static uint64_t calls;
	uint64_t h = hash_combine(clock_ns(), hash_ptr(salt));
	uint64_t w[2];

	h = hash_combine(h, __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED));
	w[0] = hash_u64(h);
	w[1] = hash_combine(h, w[0]);
	memcpy(out, w, sizeof(w));
}

/* The auxiliary vector, AT_NULL last, into aux (AUXV_PAIRS pairs). */
static void fill_auxv(uint64_t *aux, const struct elf_image *im,
    const struct elf_args *a, uaddr_t random, uaddr_t platform,
    uaddr_t execfn)
{
	const uint64_t pairs[AUXV_PAIRS][2] = {
		{ AT_PHDR, im->phdr }, { AT_PHENT, sizeof(Elf64_Phdr) },
		{ AT_PHNUM, im->eh->e_phnum }, { AT_PAGESZ, PAGE_SIZE },
		{ AT_BASE, 0 }, { AT_FLAGS, 0 },
		{ AT_ENTRY, im->base + im->eh->e_entry },
		{ AT_UID, a->uid }, { AT_EUID, a->euid }, { AT_GID, a->gid },
		{ AT_EGID, a->egid }, { AT_SECURE, 0 }, { AT_RANDOM, random },
		{ AT_HWCAP, a->hwcap }, { AT_CLKTCK, 100 },
		{ AT_EXECFN, execfn }, { AT_PLATFORM, platform },
		{ AT_NULL, 0 },
	};

	memcpy(aux, pairs, sizeof(pairs));
}

/*
 * Map the stack and lay out strings, argc, argv, envp and auxv (see the
 * top of the file); *sp gets the address of argc.
 */
static int setup_stack(struct vmspace *vs, const struct elf_image *im,
    const struct elf_args *a, uaddr_t *sp)
{
	static const char platform[] = "x86_64";
	const char *execfn = a->execfn != NULL ? a->execfn : "";
	size_t argc, envc, bytes = strlen(execfn) + 1, words;
	uaddr_t p = VM_USER_TOP - 8, strs, u_execfn, u_plat, u_rand;
	uint64_t aux[2 * AUXV_PAIRS], argc64;
	uint8_t rnd[16];
	int64_t r;
	int error;

	if (count_strings(a->argv, &argc, &bytes) != 0 ||
	    count_strings(a->envp, &envc, &bytes) != 0)
		return -E2BIG;
	r = vm_mmap(vs, VM_USER_TOP - ELF_STACK_SIZE, ELF_STACK_SIZE,
	    PROT_R | PROT_W, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
	if (r < 0)
		return (int)r;
	u_execfn = p - (strlen(execfn) + 1);
	strs = p - bytes;		/* argv strings, then envp's, then execfn */
	u_plat = strs - sizeof(platform);
	u_rand = (u_plat - sizeof(rnd)) & ~(uaddr_t)15;
	words = 1 + argc + 1 + envc + 1 + 2 * AUXV_PAIRS;
	*sp = (u_rand - words * 8) & ~(uaddr_t)15;
	argc64 = argc;
	p = strs;
	random_bytes(rnd, sp);
	fill_auxv(aux, im, a, u_rand, u_plat, u_execfn);
	error = copyout(*sp, &argc64, sizeof(argc64));
	if (error == 0)
		error = put_strings(a->argv, argc, &p, *sp + 8);
	if (error == 0)
		error = put_strings(a->envp, envc, &p, *sp + 8 * (2 + argc));
	if (error == 0)
		error = copyout(u_execfn, execfn, strlen(execfn) + 1);
	if (error == 0)
		error = copyout(u_plat, platform, sizeof(platform));
	if (error == 0)
		error = copyout(u_rand, rnd, sizeof(rnd));
	if (error == 0)
		error = copyout(*sp + 8 * (3 + argc + envc), aux, sizeof(aux));
	return error;
}

/* Everything that writes into vs, with vs the current address space. */
static int elf_fill(struct vmspace *vs, struct elf_image *im,
    const struct elf_args *args, struct elf_result *res)
{
	int error;

	error = load_segments(vs, im);
	if (error)
		return error;
	im->phdr = find_phdr(im);
	vm_brk_init(vs, im->end);
	error = setup_stack(vs, im, args, &res->sp);
	if (error)
		return error;
	res->entry = im->base + im->eh->e_entry;
	res->base = im->base;
	res->brk = im->end;
	return 0;
}

int elf_load(struct vmspace *vs, const void *image, size_t len,
    const struct elf_args *args, struct elf_result *res)
{
	struct elf_image im = { .bytes = image, .len = len };
	struct vmspace *old = curthread()->vmspace;
	int error;

	error = check_ehdr(&im);
	if (error == 0)
		error = check_phdrs(&im);
	if (error)
		return error;
	if (old != NULL)
		vmspace_ref(old);
	vmspace_switch(vs);
	error = elf_fill(vs, &im, args, res);
	vmspace_switch(old);
	if (old != NULL)
		vmspace_unref(old);
	return error;
}
