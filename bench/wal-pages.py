#!/usr/bin/env python3
"""Which b-trees a SQLite WAL's frames belong to, per commit: where the ledger's write amplification is.

usage: bench/wal-pages.py <copy of ledger.db-wal> <ledger.db>

Copy the WAL while a load runs (cp data/ledger.db-wal /tmp/x.wal): it holds the frames written since the
WAL last restarted. Frames of the current generation (the header's salts) are grouped into commits and
each frame's page is named by the b-tree that owns it in the database file (SQLite's dbstat table; a page
the file does not have yet is counted as "new"). Session 11 used it to show that a uniform posting's
commit is mostly random leaves of the key and sort-key indexes (see README, Benchmarks).
"""
import collections
import sqlite3
import struct
import sys


def frames_by_commit(wal_path):
    data = open(wal_path, "rb").read()
    if len(data) < 32:
        sys.exit(f"{wal_path}: not a WAL file")
    _magic, _version, page_size, _sequence, salt1, salt2, _c1, _c2 = struct.unpack(">8I", data[:32])
    commits, current, offset = [], [], 32
    while offset + 24 + page_size <= len(data):
        page, commit_size, frame_salt1, frame_salt2 = struct.unpack(">4I", data[offset:offset + 16])
        if (frame_salt1, frame_salt2) != (salt1, salt2):
            break  # frames of an earlier generation follow: the WAL restarted over them
        current.append(page)
        if commit_size:
            commits.append(current)
            current = []
        offset += 24 + page_size
    return commits


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    commits = frames_by_commit(sys.argv[1])
    if not commits:
        sys.exit("no committed frames in this WAL generation")
    with sqlite3.connect(f"file:{sys.argv[2]}?mode=ro", uri=True) as database:
        owner = dict((page, name) for name, page in database.execute("SELECT name, pageno FROM dbstat"))
    counts = collections.Counter(owner.get(page, "new") for commit in commits for page in commit)
    frames = sum(counts.values())
    print(f"{len(commits)} commits, {frames} frames, {frames / len(commits):.1f} per commit")
    for name, count in counts.most_common():
        print(f"  {name:32s} {count:8d}  {count / len(commits):7.1f} per commit  {100 * count / frames:5.1f} %")


if __name__ == "__main__":
    main()
