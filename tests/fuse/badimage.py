#!/usr/bin/python3
"""fs/badimage: flip bits in the metadata of a biscfs image, many rounds
from a fixed seed, and require of each damaged copy:
  - `biscotti mount` either refuses with a message, or mounts and lets
    the tree be listed and read (errors allowed) and unmounts;
  - `biscotti fsck --repair` ends 0 or 1, and a second fsck finds the
    file system clean (exit 0); the repaired image mounts;
  - nothing crashes (ASan/UBSan exit codes, signals) or hangs (timeouts).
The metadata blocks are found from the format (core/include/fs/
biscfs_format.h): superblock, both bitmaps, inode-table blocks holding
used inodes, directory blocks and extent-tree node blocks.

usage: badimage.py BISCOTTI WORKDIR [ROUNDS [SEED]]"""
import os
import random
import shutil
import struct
import subprocess
import sys
import time

BS = 4096
BISCOTTI, WORK = sys.argv[1], sys.argv[2]
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 24
SEED = int(sys.argv[4]) if len(sys.argv) > 4 else 1
ENV = dict(os.environ, ASAN_OPTIONS="exitcode=99",
           UBSAN_OPTIONS="exitcode=98:print_stacktrace=1")
CRASH = {98: "UBSan", 99: "ASan"}


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(args, timeout):
    try:
        p = subprocess.run(args, capture_output=True, text=True,
                           errors="replace", timeout=timeout, env=ENV)
    except subprocess.TimeoutExpired:
        fail(f"hang: {' '.join(args)} took over {timeout} s")
    return p.returncode, p.stdout + p.stderr


def crashed(rc):
    return rc in CRASH or rc < 0 or rc >= 128


def make_source(src):
    os.makedirs(f"{src}/big")
    for i in range(600):                      # several hash buckets
        with open(f"{src}/big/entry-with-a-longish-name-{i}", "w") as f:
            f.write(str(i) * (i % 7))
    for d in range(5):
        os.makedirs(f"{src}/d{d}/sub")
        for i in range(20):
            with open(f"{src}/d{d}/sub/f{i}", "wb") as f:
                f.write(os.urandom(100 + i * 300))
        os.symlink("sub/f1", f"{src}/d{d}/link")
        os.symlink("x" * 300, f"{src}/d{d}/longlink")
        os.link(f"{src}/d{d}/sub/f2", f"{src}/d{d}/hard")
    with open(f"{src}/fragmented", "wb") as f:  # > 7 extents: a tree node
        for i in range(40):
            f.seek(i * 2 * BS)
            f.write(os.urandom(BS))
    os.mkfifo(f"{src}/fifo")


def metadata_blocks(img):
    with open(img, "rb") as f:
        data = f.read()
    blk = lambda n: data[n * BS:(n + 1) * BS]
    sb = blk(0)
    (magic, version, _, _, _, bsize, nblocks, ninodes, isize, jstart, jlen,
     ibs, ibl, bbs, bbl, its, itl, ds) = struct.unpack_from(
        "<6IQ2I9Q", sb, 0)
    assert magic == 0x46435342, hex(magic)
    cats = {"superblock": [0],
            "inode bitmap": list(range(ibs, ibs + ibl)),
            "block bitmap": list(range(bbs, bbs + bbl)),
            "inode table": [], "directory": [], "extent node": []}

    def walk(node, is_dir, depth_left=5):
        mg, count, mx, depth = struct.unpack_from("<4H", node, 0)
        if mg != 0xE7B5 or depth_left == 0:
            return
        for i in range(count):
            a, b, c = struct.unpack_from("<IIQ", node, 16 + 16 * i)
            if depth == 0:
                if is_dir:
                    cats["directory"].extend(range(c, c + b))
            else:
                cats["extent node"].append(c)
                walk(blk(c), is_dir, depth_left - 1)

    for ino in range(1, ninodes + 1):
        off = its * BS + (ino - 1) * 256
        mode, = struct.unpack_from("<I", data, off)
        if mode == 0:
            continue
        tb = its + (ino - 1) // 16
        if tb not in cats["inode table"]:
            cats["inode table"].append(tb)
        flags, = struct.unpack_from("<I", data, off + 0x50)
        kind = mode & 0o170000
        if kind in (0o100000, 0o040000) or (kind == 0o120000 and not flags & 1):
            walk(data[off + 0x68:off + 0xE8], kind == 0o040000)
    return cats


def main():
    os.makedirs(WORK, exist_ok=True)
    src, pristine, img, mnt = (f"{WORK}/src", f"{WORK}/pristine",
                               f"{WORK}/img", f"{WORK}/mnt")
    os.makedirs(mnt, exist_ok=True)
    make_source(src)
    rc, out = run([BISCOTTI, "mkfs", pristine, "--size", "32M", "--from",
                   src], 120)
    if rc != 0:
        fail(f"mkfs --from: {out}")
    rc, out = run([BISCOTTI, "fsck", pristine], 60)
    if rc != 0:
        fail(f"the pristine image is not clean: {out}")
    cats = metadata_blocks(pristine)
    for k, v in cats.items():
        if not v:
            fail(f"no {k} blocks found in the image")
    names = sorted(cats)
    rng = random.Random(SEED)
    stats = {"refused": 0, "mounted": 0, "repaired": 0, "clean": 0}
    t0 = time.time()
    for r in range(ROUNDS):
        cat = names[r % len(names)]
        block = rng.choice(cats[cat])
        shutil.copyfile(pristine, img)
        with open(img, "r+b") as f:
            flips = []
            for _ in range(rng.randint(1, 8)):
                bit = rng.randrange(BS * 8)
                f.seek(block * BS + bit // 8)
                byte = f.read(1)[0] ^ (1 << (bit % 8))
                f.seek(block * BS + bit // 8)
                f.write(bytes([byte]))
                flips.append(bit)
        what = f"round {r}: {cat} block {block}, bits {flips}"
        mount_check(img, mnt, what, stats)
        rc, out = run([BISCOTTI, "fsck", img, "--repair"], 120)
        if crashed(rc) or rc not in (0, 1):
            fail(f"{what}: fsck --repair exited {rc}:\n{out}")
        stats["repaired" if rc == 1 else "clean"] += 1
        if os.environ.get("BADIMAGE_VERBOSE"):
            print(f"{what}: fsck --repair exited {rc}:\n{out}")
        rc, out2 = run([BISCOTTI, "fsck", img], 120)
        if rc != 0:
            fail(f"{what}: second fsck exited {rc}:\n{out2}\n"
                 f"(the repair said:\n{out})")
        mount_check(img, mnt, what + " (repaired)", stats, must_mount=True)
    print(f"PASS: {ROUNDS} damaged images in {time.time() - t0:.0f} s: "
          f"{stats}")


def mount_check(img, mnt, what, stats, must_mount=False):
    log = open(f"{WORK}/daemon.log", "w+")
    p = subprocess.Popen([BISCOTTI, "mount", img, mnt, "-f"], stdout=log,
                         stderr=subprocess.STDOUT, env=ENV)
    deadline = time.time() + 60
    while not os.path.ismount(mnt):
        if p.poll() is not None:
            log.seek(0)
            msg = log.read()
            if crashed(p.returncode) or p.returncode != 1 or \
                    "cannot mount" not in msg or must_mount:
                fail(f"{what}: mount exited {p.returncode}:\n{msg}")
            stats["refused"] += 1
            return
        if time.time() > deadline:
            p.kill()
            fail(f"{what}: mount hung")
        time.sleep(0.05)
    stats["mounted"] += 1
    try:
        subprocess.run(["ls", "-lR", mnt], capture_output=True, timeout=60)
        subprocess.run(f"find {mnt} -type f -exec cat {{}} + >/dev/null",
                       shell=True, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        subprocess.run(["fusermount3", "-uz", mnt])
        p.kill()
        fail(f"{what}: reading the mounted tree hung")
    subprocess.run(["fusermount3", "-u", mnt])
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        fail(f"{what}: mount did not exit after unmount")
    log.seek(0)
    if crashed(rc) or (must_mount and rc != 0):
        fail(f"{what}: mount daemon exited {rc}:\n{log.read()}")


if __name__ == "__main__":
    main()
