#!/usr/bin/env python3
"""The durable floor of an append-only log on this disk: what a log-structured store would pay per commit.

usage: bench/append-floor.py <postings per commit> <bytes per posting> <commits>
       e.g. bench/append-floor.py 20 1100 2000

Each commit appends its postings' bytes in one write() to a file opened O_APPEND and fdatasync()s it, as a
write-ahead log with no b-tree behind it would. Compare with the SQLite writer's milliseconds per commit
in bench/run's host table (README, Benchmarks, session 11). Not part of bench/run; it writes to /tmp.
"""
import os
import sys
import time


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    group, size, commits = (int(value) for value in sys.argv[1:])
    path = "/tmp/ledger-append-floor.bin"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
    try:
        payload = os.urandom(group * size)
        latencies = []
        started = time.perf_counter()
        for _ in range(commits):
            before = time.perf_counter()
            os.write(fd, payload)
            os.fdatasync(fd)
            latencies.append(time.perf_counter() - before)
        elapsed = time.perf_counter() - started
    finally:
        os.close(fd)
        os.remove(path)
    latencies.sort()
    print(f"commits of {group} x {size} B: {commits * group / elapsed:,.0f} postings/s, "
          f"commit p50 {latencies[commits // 2] * 1000:.2f} ms, p99 {latencies[int(commits * 0.99)] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
