/*
 * Virtual memory: user address spaces and the operations of mmap(2),
 * munmap(2), mprotect(2), brk(2) and madvise(2), with Linux's semantics
 * and error numbers.  The page-fault handler, vm_fault(), is declared in
 * contract/entry.h; it resolves faults in curthread()->vmspace.
 *
 * An address space (struct vmspace) is a pmap plus a set of regions, each
 * a page-aligned range [start, end) with a protection and a backing:
 * private anonymous memory (demand zero, copy-on-write after fork), or a
 * vm_object (vm/object.h) shared by every mapping of it, or privately
 * copied on write.  The design and the locking are described atop
 * core/vm/vmspace.c.
 *
 * The threads of one process share one vmspace; each holds a reference.
 * Operations take the vmspace explicitly, so a syscall passes
 * curthread()->vmspace and a test may drive any address space.
 */
#ifndef VM_VM_H
#define VM_VM_H

#include "contract/pmap.h"
#include "kern/types.h"

/* Protections: PROT_R, PROT_W, PROT_X (contract/pmap.h) or none. */
#define PROT_NONE		0x0u

/* mmap(2) flags, with Linux x86-64's values. */
#define MAP_SHARED		0x01u
#define MAP_PRIVATE		0x02u
#define MAP_SHARED_VALIDATE	0x03u	/* shared, refusing unknown flags */
#define MAP_TYPE		0x0fu	/* the sharing type field */
#define MAP_FIXED		0x10u
#define MAP_ANONYMOUS		0x20u
#define MAP_GROWSDOWN		0x100u
#define MAP_DENYWRITE		0x800u
#define MAP_EXECUTABLE		0x1000u
#define MAP_LOCKED		0x2000u
#define MAP_NORESERVE		0x4000u
#define MAP_POPULATE		0x8000u
#define MAP_NONBLOCK		0x10000u
#define MAP_STACK		0x20000u
#define MAP_HUGETLB		0x40000u
#define MAP_SYNC		0x80000u
#define MAP_FIXED_NOREPLACE	0x100000u

/* madvise(2) advice. */
#define MADV_NORMAL		0
#define MADV_RANDOM		1
#define MADV_SEQUENTIAL		2
#define MADV_WILLNEED		3
#define MADV_DONTNEED		4
#define MADV_FREE		8

/*
 * The layout Linux x86-64 gives a process without address randomisation:
 * the top user page is never mapped (Linux keeps it free so that a return
 * to user mode can never land on a non-canonical address), no mapping
 * goes below vm.mmap_min_addr's default, and mmap() searches top-down
 * from 128 MiB (the smallest stack gap) below the top.
 */
#define VM_USER_TOP		(USER_END - PAGE_SIZE)
#define VM_MMAP_MIN		((uaddr_t)0x10000)
#define VM_MMAP_BASE		(VM_USER_TOP - ((uaddr_t)128 << 20))

struct pmap;
struct vm_object;
struct vmspace;

/* A new, empty address space with one reference, or NULL (no memory). */
struct vmspace *vmspace_create(void);

/*
 * A copy of parent for fork(): shared regions are shared with it, private
 * ones become copy-on-write in both.  Returns the child with one
 * reference, or NULL when memory is exhausted.  Takes parent's lock.
 */
struct vmspace *vmspace_fork(struct vmspace *parent);

/* Take a reference; drop one, destroying vs (pages, pmap) with the last. */
void vmspace_ref(struct vmspace *vs);
void vmspace_unref(struct vmspace *vs);

/*
 * Make vs (or NULL) the current thread's address space and activate its
 * pmap on this CPU.  The thread takes a reference to vs and drops the one
 * it held to its previous address space.
 */
void vmspace_switch(struct vmspace *vs);

/* The pmap of vs (immutable). */
struct pmap *vmspace_pmap(const struct vmspace *vs);

/* Private pages currently held by vs (demand-zero and copied pages). */
size_t vmspace_private_pages(struct vmspace *vs);
/* Private pages plus estimated page tables, lock-free (the OOM killer). */
size_t vmspace_footprint(struct vmspace *vs);
/* The most private pages vs ever held at once: the peak resident set. */
size_t vmspace_rss_peak(struct vmspace *vs);

/* A region as reported by vmspace_region_at() (for /proc maps, tests). */
struct vm_region_info {
	uaddr_t start, end;
	unsigned prot;
	bool shared;
	struct vm_object *obj;	/* NULL for private anonymous memory */
	uint64_t offset;	/* in obj, bytes */
};

/*
 * The first region of vs that ends above addr: fill *info and return
 * true, or return false when there is none.  Takes vs's lock.
 */
bool vmspace_region_at(struct vmspace *vs, uaddr_t addr,
    struct vm_region_info *info);

/*
 * mmap(2) of anonymous memory: flags must include MAP_ANONYMOUS (without
 * it, there is no file here: -EBADF, as Linux says for fd -1).  Returns
 * the address or a negative errno.
 */
int64_t vm_mmap(struct vmspace *vs, uaddr_t addr, size_t len, unsigned prot,
    unsigned flags);

/*
 * mmap(2) of obj from byte offset off, for the file system: as vm_mmap(),
 * but MAP_ANONYMOUS is ignored and MAP_SHARED_VALIDATE is accepted.
 * maxprot bounds prot and what mprotect() may grant later (-EACCES
 * beyond it), as a file's open mode does; PROT_W is always allowed in a
 * private mapping, whose writes go to copies.  The region takes its own
 * reference to obj; the caller keeps its own.
 */
int64_t vm_mmap_object(struct vmspace *vs, uaddr_t addr, size_t len,
    unsigned prot, unsigned flags, struct vm_object *obj, uint64_t off,
    unsigned maxprot);

/* munmap(2): 0 or a negative errno. */
int vm_munmap(struct vmspace *vs, uaddr_t addr, size_t len);

/* mprotect(2): 0 or a negative errno (nothing changes on an error). */
int vm_mprotect(struct vmspace *vs, uaddr_t addr, size_t len, unsigned prot);

/* madvise(2): 0 or a negative errno. */
int vm_madvise(struct vmspace *vs, uaddr_t addr, size_t len, int advice);

/* Set the start (and the current value) of the program break, for exec. */
void vm_brk_init(struct vmspace *vs, uaddr_t start);

/*
 * brk(2): move the program break to brk and return the new break, or
 * the current one when brk is out of range or the heap cannot grow.
 */
uaddr_t vm_brk(struct vmspace *vs, uaddr_t brk);

#endif
