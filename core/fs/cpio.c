/*
 * The initramfs: unpack a "newc" cpio archive (cpio -H newc, what Linux's
 * initramfs uses) into the root tmpfs.
 *
 * An archive is a run of entries, each a 110-byte ASCII header (magic
 * "070701", or "070702" with checksums we do not verify, then thirteen
 * 8-digit hex fields), the NUL-terminated name, padding to 4 bytes, the
 * data, padding to 4 bytes; "TRAILER!!!" ends it.  The archive comes
 * from outside the kernel, so every header is checked before it is
 * believed: the magic, every digit, that the name is NUL-terminated and
 * that name and data lie inside the buffer.  Bad input stops the unpack
 * with -EINVAL (or -ENAMETOOLONG), never a crash; what was unpacked
 * before stays.
 *
 * Entries are created as the archive lists them (find(1) lists parents
 * first): directories (an existing one just takes the new mode),
 * regular files, symlinks (the data is the target).  Device nodes,
 * FIFOs and sockets are skipped until there are file systems for them.
 * Owners, modes and mtimes come from the headers.  Each entry runs in
 * its own heap reservation, so this must be called outside one.
 */
#include "fs/vfs.h"
#include "kern/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/reserve.h"

#define HDR_LEN		110
#define NFIELDS		13
#define ENTRY_BOUND	32768	/* heap one entry may use */

enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
	F_DEVMAJ, F_DEVMIN, F_RDEVMAJ, F_RDEVMIN, F_NAMESIZE, F_CHECK
};

static size_t
pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Parse the header at p: 0, or -EINVAL when any field is not hex. */
static int
parse_header(const char *p, uint32_t *f)
{
	int i, j;

	if (memcmp(p, "07070", 5) != 0 || (p[5] != '1' && p[5] != '2'))
		return -EINVAL;
	for (i = 0; i < NFIELDS; i++) {
		uint32_t v = 0;

		for (j = 0; j < 8; j++) {
			char c = p[6 + i * 8 + j];

			if (c >= '0' && c <= '9')
				v = v << 4 | (uint32_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v << 4 | (uint32_t)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v = v << 4 | (uint32_t)(c - 'A' + 10);
			else
				return -EINVAL;
		}
		f[i] = v;
	}
	return 0;
}

/*
 * Name without leading "/" and "./" or trailing slashes, into buf
 * (PATH_MAX).  An empty result is the root itself.
 */
static int
normalize(const char *name, char *buf)
{
	size_t n;

	for (;;) {
		if (name[0] == '/')
			name++;
		else if (name[0] == '.' && name[1] == '/')
			name += 2;
		else
			break;
	}
	if (name[0] == '.' && name[1] == '\0')
		name++;
	n = strlen(name);
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(buf, name, n + 1);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return 0;
}

/*
 * The directory that will hold path's last component, through existing
 * directories only; *last and *len name the component.  vfs_lock held.
 */
static int
parent_of(const char *path, struct dentry **dir, const char **last,
    size_t *len)
{
	struct dentry *d = vfs_root(), *c;
	const char *p = path, *e;

	for (;;) {
		for (e = p; *e != '\0' && *e != '/'; e++)
			continue;
		if ((size_t)(e - p) > NAME_MAX)
			return -ENAMETOOLONG;
		if (e == p || (e - p == 1 && p[0] == '.') ||
		    (e - p == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (*e == '\0') {
			*dir = d;
			*last = p;
			*len = (size_t)(e - p);
			return 0;
		}
		c = dcache_lookup(d, p, (size_t)(e - p));
		if (c == NULL || !S_ISDIR(c->inode->mode))
			return -EINVAL;
		d = c;
		p = e + 1;
	}
}

/* Remove an existing non-directory that an entry replaces. */
static void
replace(struct dentry *old)
{
	old->inode->nlink--;
	dcache_remove(old);
}

/* Create one entry; vfs_lock held. */
static int
make_entry(const char *path, const uint32_t *f, const char *data)
{
	uint32_t mode = f[F_MODE], type = mode & S_IFMT;
	size_t size = f[F_FILESIZE], len;
	struct dentry *dir, *old;
	struct inode *ip;
	const char *last;
	int err;

	if (type != S_IFDIR && type != S_IFREG && type != S_IFLNK)
		return 0;	/* device nodes, FIFOs, sockets: skipped */
	if (path[0] == '\0') {
		/* The root itself ("."): take its mode and owner. */
		ip = vfs_root()->inode;
		if (type != S_IFDIR)
			return -EINVAL;
		ip->mode = mode;
		ip->uid = f[F_UID];
		ip->gid = f[F_GID];
		return 0;
	}
	if ((err = parent_of(path, &dir, &last, &len)) != 0)
		return err;
	old = dcache_lookup(dir, last, len);
	if (old != NULL && S_ISDIR(old->inode->mode)) {
		if (type != S_IFDIR)
			return -EINVAL;
		old->inode->mode = mode;
		old->inode->uid = f[F_UID];
		old->inode->gid = f[F_GID];
		return 0;
	}
	if (old != NULL)
		replace(old);
	if (type == S_IFLNK && (size == 0 || size >= PATH_MAX))
		return -EINVAL;
	ip = tmpfs_inode(mode, f[F_UID], f[F_GID]);
	if (type == S_IFREG && size > 0 &&
	    ip->ops->write(ip, data, size, 0) != (ssize_t)size) {
		ip->refs++;
		inode_put(ip);
		return -ENOSPC;
	}
	if (type == S_IFLNK) {
		ip->symlink = kmalloc(size + 1);
		memcpy(ip->symlink, data, size);
		ip->symlink[size] = '\0';
		if (strlen(ip->symlink) != size) {
			ip->refs++;
			inode_put(ip);
			return -EINVAL;
		}
		ip->size = size;
	}
	ip->mtime = (int64_t)f[F_MTIME] * 1000000000LL;
	dcache_add(dir, last, len, ip);
	if (type == S_IFDIR)
		dir->inode->nlink++;
	return 0;
}

int
cpio_unpack(const void *archive, size_t len)
{
	const char *base = archive, *name, *data;
	uint32_t f[NFIELDS];
	size_t at = 0, namesz, datasz;
	char *path = kmalloc(PATH_MAX);
	int err = 0;

	if (path == NULL)
		return -ENOMEM;
	for (;;) {
		if (len - at < HDR_LEN) {
			err = -EINVAL;	/* no trailer */
			break;
		}
		if ((err = parse_header(base + at, f)) != 0)
			break;
		namesz = f[F_NAMESIZE];
		datasz = f[F_FILESIZE];
		name = base + at + HDR_LEN;
		if (namesz == 0 || namesz > len - at - HDR_LEN ||
		    name[namesz - 1] != '\0' || strlen(name) != namesz - 1) {
			err = -EINVAL;
			break;
		}
		if (strcmp(name, "TRAILER!!!") == 0)
			break;
		at = pad4(at + HDR_LEN + namesz);
		if (at > len || datasz > len - at) {
			err = -EINVAL;
			break;
		}
		data = base + at;
		at = pad4(at + datasz);
		if (at > len)
			at = len;	/* the last padding may be cut */
		if ((err = normalize(name, path)) != 0)
			break;
		reserve_begin(ENTRY_BOUND, "cpio");
		vfs_lock();
		err = make_entry(path, f, data);
		vfs_unlock();
		reserve_end();
		if (err != 0)
			break;
	}
	kfree(path);
	return err;
}
