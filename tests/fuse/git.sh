#!/bin/bash
# fs/git: git init, add, commit, log, status and fsck inside the mount.
. "$(dirname "$0")/lib.sh"

fs_mkfs 256M
fs_mount
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org
export GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
export HOME=$T
cd "$MNT" || fail "cd"
git init -q repo || fail "git init"
cd repo
cp -a "$REPO/docs" "$REPO/core" . || fail "cp"
git add -A || fail "git add"
git commit -qm "first" || fail "git commit"
echo change >> docs/ARCHITECTURE.md
git commit -qam "second" || fail "git commit -a"
[ "$(git log --oneline | wc -l)" -eq 2 ] || fail "git log: $(git log --oneline)"
[ -z "$(git status --porcelain)" ] || fail "git status not clean: $(git status --porcelain)"
git fsck --strict >/dev/null 2>&1 || fail "git fsck"
git gc -q || fail "git gc"
head=$(git rev-parse HEAD)
cd /
fs_umount
fs_fsck_clean
fs_mount
cd "$MNT/repo"
[ "$(git rev-parse HEAD)" = "$head" ] || fail "HEAD changed after remount"
git fsck --strict >/dev/null 2>&1 || fail "git fsck after remount"
[ -z "$(git status --porcelain)" ] || fail "status after remount"
cd /
fs_umount
echo "PASS: git works inside the mount"
