/*
 * tmpfs: files in memory.
 *
 * The namespace lives in the dentry cache (vfs.c), so tmpfs only keeps
 * file data: a table of physical pages indexed by page number, grown on
 * demand.  Data pages come from the page allocator, not the kernel heap,
 * so a large write is not charged to its syscall's heap reservation (it
 * is bounded by memory instead: ENOSPC when none is left), as Linux's
 * page cache is.  A page is allocated the first time a byte in it is
 * written;
 * a hole (NULL) reads as zeroes, so a file written at 1 GiB costs one
 * page plus its table.  Truncation frees whole pages past the new size
 * and zeroes the tail of the last one, so growing the file again shows
 * zeroes, as POSIX requires.  All of it runs under vfs_lock.
 */
#include "contract/physmem.h"
#include "fs/vfs.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/page.h"

#define TPAGE		4096
#define FANOUT		512	/* slots in one table page */
/* The largest tmpfs file: three levels of 512 slots over 4 KiB pages. */
#define TMPFS_MAXSIZE	((uint64_t)FANOUT * FANOUT * FANOUT * TPAGE)

/*
 * A file's pages: a three-level radix tree (like a page table), so a
 * sparse file pays only for the branches it uses: a byte written at
 * 100 GiB costs three table pages and one data page.
 */
struct tmpfs_data {
	void **top;		/* FANOUT middle tables, or NULL */
};

static struct tmpfs_data *
data_of(struct inode *ip)
{
	if (ip->priv == NULL)
		ip->priv = kzalloc(sizeof(struct tmpfs_data));
	return ip->priv;
}

/*
 * A zeroed table page.  Tables, like data, come from the page allocator
 * so that a write's heap use does not grow with its length.
 */
static void *
table_alloc(void)
{
	paddr_t pa = page_alloc(0, PAGE_ZERO);

	return pa != 0 ? phys_to_virt(pa) : NULL;
}

static void
table_free(void *t)
{
	if (t != NULL)
		page_free(virt_to_phys(t), 0);
}

/*
 * The slot of page pg, making the tables on the way when create; NULL
 * when absent, or when memory for a table is exhausted.
 */
static paddr_t *
page_slot(struct tmpfs_data *td, size_t pg, bool create)
{
	void ***mid;
	paddr_t **leaf;

	if (td == NULL)
		return NULL;
	if (td->top == NULL) {
		if (!create || (td->top = table_alloc()) == NULL)
			return NULL;
	}
	mid = (void ***)&td->top[pg / FANOUT / FANOUT];
	if (*mid == NULL) {
		if (!create || (*mid = table_alloc()) == NULL)
			return NULL;
	}
	leaf = (paddr_t **)&(*mid)[pg / FANOUT % FANOUT];
	if (*leaf == NULL) {
		if (!create || (*leaf = table_alloc()) == NULL)
			return NULL;
	}
	return &(*leaf)[pg % FANOUT];
}

/* Free the data pages from page index first on; tables stay. */
static void
free_pages_from(struct inode *ip, size_t first)
{
	struct tmpfs_data *td = ip->priv;
	size_t i, j, k;
	paddr_t *leaf;
	void **mid;

	if (td == NULL || td->top == NULL)
		return;
	for (i = 0; i < FANOUT; i++) {
		if ((mid = td->top[i]) == NULL)
			continue;
		for (j = 0; j < FANOUT; j++) {
			if ((leaf = mid[j]) == NULL)
				continue;
			for (k = 0; k < FANOUT; k++) {
				if (leaf[k] == 0 ||
				    (i * FANOUT + j) * FANOUT + k < first)
					continue;
				page_free(leaf[k], 0);
				leaf[k] = 0;
				ip->blocks -= TPAGE / 512;
			}
		}
	}
}

static ssize_t
tmpfs_read(struct inode *ip, void *kbuf, size_t n, uint64_t off)
{
	struct tmpfs_data *td = ip->priv;
	size_t done = 0;

	if (off >= ip->size)
		return 0;
	if (n > ip->size - off)
		n = (size_t)(ip->size - off);
	while (done < n) {
		size_t pg = (size_t)(off / TPAGE), po = (size_t)(off % TPAGE);
		size_t k = TPAGE - po < n - done ? TPAGE - po : n - done;
		paddr_t *slot = page_slot(td, pg, false);

		if (slot != NULL && *slot != 0)
			memcpy((char *)kbuf + done,
			    (char *)phys_to_virt(*slot) + po, k);
		else
			memset((char *)kbuf + done, 0, k);
		done += k;
		off += k;
	}
	return (ssize_t)done;
}

static ssize_t
tmpfs_write(struct inode *ip, const void *kbuf, size_t n, uint64_t off)
{
	struct tmpfs_data *td = data_of(ip);
	size_t done = 0;

	if (off >= TMPFS_MAXSIZE)
		return -EFBIG;
	if (n > TMPFS_MAXSIZE - off)
		n = (size_t)(TMPFS_MAXSIZE - off);
	while (done < n) {
		size_t pg = (size_t)(off / TPAGE), po = (size_t)(off % TPAGE);
		size_t k = TPAGE - po < n - done ? TPAGE - po : n - done;
		paddr_t *slot = page_slot(td, pg, true);

		if (slot == NULL)
			break;
		if (*slot == 0) {
			if ((*slot = page_alloc(0, PAGE_ZERO)) == 0)
				break;
			ip->blocks += TPAGE / 512;
		}
		memcpy((char *)phys_to_virt(*slot) + po,
		    (const char *)kbuf + done, k);
		done += k;
		off += k;
	}
	if (off > ip->size)
		ip->size = off;
	return done > 0 || n == 0 ? (ssize_t)done : -ENOSPC;
}

static int
tmpfs_truncate(struct inode *ip, uint64_t size)
{
	paddr_t *slot;

	if (size > TMPFS_MAXSIZE)
		return -EFBIG;
	if (size < ip->size) {
		free_pages_from(ip, (size_t)((size + TPAGE - 1) / TPAGE));
		slot = page_slot(ip->priv, (size_t)(size / TPAGE), false);
		if (size % TPAGE != 0 && slot != NULL && *slot != 0)
			memset((char *)phys_to_virt(*slot) + size % TPAGE, 0,
			    TPAGE - size % TPAGE);
	}
	ip->size = size;
	return 0;
}

static void
tmpfs_release(struct inode *ip)
{
	struct tmpfs_data *td = ip->priv;
	size_t i, j;
	void **mid;

	if (td == NULL)
		return;
	free_pages_from(ip, 0);
	if (td->top != NULL) {
		for (i = 0; i < FANOUT; i++) {
			if ((mid = td->top[i]) == NULL)
				continue;
			for (j = 0; j < FANOUT; j++)
				table_free(mid[j]);
			table_free(mid);
		}
		table_free(td->top);
	}
	kfree(td);
}

const struct inode_ops tmpfs_ops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
	.truncate = tmpfs_truncate,
	.release = tmpfs_release,
};

struct inode *
tmpfs_inode(uint32_t mode, uint32_t uid, uint32_t gid)
{
	struct inode *ip = inode_alloc(mode, uid, gid);

	ip->ops = &tmpfs_ops;
	ip->nlink = S_ISDIR(mode) ? 2 : 1;
	return ip;
}
