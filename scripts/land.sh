#!/usr/bin/env bash
# Land the current worktree's branch on main (see docs/development.md): under the landing lock,
# rebase onto main, refuse a tree that would put back old versions of files (the land guard),
# then fast-forward the integration checkout. Build and test before calling this.
# Usage: scripts/land.sh            (from your worktree, on your branch)
set -euo pipefail
branch=$(git rev-parse --abbrev-ref HEAD)
[ "$branch" != main ] || { echo "land: run this from your own branch's worktree" >&2; exit 1; }
main_dir=$(git worktree list --porcelain |
  awk '/^worktree /{w=substr($0,10)} /^branch refs\/heads\/main$/{print w}')
[ -n "$main_dir" ] || { echo "land: no worktree has main checked out" >&2; exit 1; }
guard=$(git rev-parse --show-toplevel)/scripts/git-hooks/reference-transaction
lock=${KPP_LAND_LOCK:-$(git rev-parse --git-common-dir)/land.lock}
exec 9>"$lock"
flock 9
git rebase main
old=$(git rev-parse main)
new=$(git rev-parse HEAD)
if [ -x "$guard" ]; then
  echo "$old $new refs/heads/main" | "$guard" prepared
fi
if ! git -C "$main_dir" merge -q --ff-only "$branch"; then
  # A refused ref update leaves the checkout half-updated: put it back to main's commit.
  git -C "$main_dir" reset -q --hard HEAD
  echo "land: main was not moved" >&2
  exit 1
fi
git -C "$main_dir" log --oneline -1
