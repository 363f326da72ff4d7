/*
 * biscfs's orphan list: inodes with no name left that still hold
 * blocks, because a file is open (POSIX keeps an unlinked open file
 * readable) or because a crash came before they were freed.
 *
 * The list is on disk (super.orphan_head -> inode.orphan_next -> ...),
 * and the transaction that drops an inode's last name also pushes it on
 * the list, so a crash at any point leaves every nameless inode either
 * freed or listed.  The last close frees the blocks (truncate, in
 * transactions of its own), then in one transaction takes the inode off
 * the list and frees its number.  Mount frees whatever is still listed
 * (after journal recovery), so a crash leaks nothing.
 *
 * In memory the listed inodes are also on fs->orphans, in disk order,
 * so taking one off finds its predecessor without reading the list.
 */
#include "biscfs_internal.h"
#include "kern/errno.h"
#include "kern/printk.h"
#include "lib/string.h"

int
orphan_add(struct btx *tx, struct inode *ip)
{
	struct binode *bi = BI(ip);
	struct biscfs *fs = bi->fs;
	int err;

	if (bi->is_orphan)
		return biscfs_iupdate(tx, ip);
	mutex_lock(&fs->lock);
	bi->orphan_next = fs->sb.orphan_head;
	fs->sb.orphan_head = INO(ip);
	mutex_unlock(&fs->lock);
	list_push_front(&fs->orphans, &bi->orphan);
	bi->is_orphan = true;
	if ((err = biscfs_iupdate(tx, ip)) != 0)
		return err;
	super_dirty(tx);
	return 0;
}

int
orphan_del(struct btx *tx, struct inode *ip)
{
	struct binode *bi = BI(ip), *prev;
	struct biscfs *fs = bi->fs;
	int err = 0;

	if (!bi->is_orphan)
		return 0;
	if (bi->orphan.prev == &fs->orphans) {
		mutex_lock(&fs->lock);
		fs->sb.orphan_head = bi->orphan_next;
		mutex_unlock(&fs->lock);
		super_dirty(tx);
	} else {
		prev = list_entry(bi->orphan.prev, struct binode, orphan);
		prev->orphan_next = bi->orphan_next;
		err = biscfs_iupdate(tx, prev->vi);
	}
	list_remove(&bi->orphan);
	bi->is_orphan = false;
	bi->orphan_next = 0;
	return err;
}

/*
 * Free nameless ip: its blocks, then (one transaction) its place on the
 * orphan list, its inode and its number.
 */
void
biscfs_evict(struct inode *ip)
{
	struct binode *bi = BI(ip);
	struct btx tx;
	int err;

	err = bmap_truncate(ip, 0);
	if (err != 0) {
		/* Left listed: the next mount tries again. */
		printk("biscfs: %s: inode %u not freed (%d)\n",
		    bi->fs->dev->name, INO(ip), err);
		if (bi->is_orphan)
			list_remove(&bi->orphan);
		return;
	}
	tx_begin(&tx, bi->fs, CR_ORPHAN + CR_INODE + 2);
	orphan_del(&tx, ip);
	biscfs_iclear(&tx, ip);
	ifree(&tx, INO(ip));
	tx_end(&tx);
}

int
orphan_cleanup(struct biscfs *fs)
{
	struct inode *ip;
	struct btx tx;
	uint32_t ino, n = 0;
	int err;

	while ((ino = fs->sb.orphan_head) != 0) {
		if (++n > fs->sb.ninodes)
			return biscfs_corrupt(fs, ino, 0, "orphan list loops");
		if ((err = biscfs_iget(fs, ino, &ip)) != 0)
			return err;
		list_push_back(&fs->orphans, &BI(ip)->orphan);
		BI(ip)->is_orphan = true;
		if (ip->nlink != 0) {
			/* Listed but named: just off the list. */
			tx_begin(&tx, fs, CR_ORPHAN + CR_INODE);
			orphan_del(&tx, ip);
			biscfs_iupdate(&tx, ip);
			tx_end(&tx);
		} else
			printk("biscfs: %s: freeing orphan inode %u\n",
			    fs->dev->name, ino);
		/* nlink 0: biscfs_release frees it. */
		inode_put(ip);
		if (fs->sb.orphan_head == ino)
			return biscfs_corrupt(fs, ino, 0, "orphan not freed");
	}
	return 0;
}
