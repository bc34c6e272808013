#!/usr/bin/env python3
"""Which pages of a running binary are resident, by ELF section and, for code, by crate.

Usage: bench/resident_pages.py PID BINARY   (as root, or as the process's owner)

Reads /proc/PID/maps and /proc/PID/pagemap for the mappings of BINARY, maps each resident
page back to the ELF section it holds (readelf) and, for `.text`, to the symbol at the
page's middle (nm -C), and sums them by the symbol's first path segment (the crate, or a
generic's first type). README's "Performance", tenth pass, reads idle RSS with it.
"""
import bisect
import collections
import os
import re
import struct
import subprocess
import sys


def main():
    pid, binary = sys.argv[1], sys.argv[2]
    real = os.path.realpath(binary)
    maps = []
    for line in open(f"/proc/{pid}/maps"):
        p = line.split()
        if len(p) >= 6 and os.path.realpath(p[5]) == real:
            lo, hi = (int(x, 16) for x in p[0].split("-"))
            maps.append((lo, hi, p[1], int(p[2], 16)))
    loads = []
    for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True).stdout.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            off, va, _, fsz = (int(x, 16) for x in f[1:5])
            loads.append((off, va, fsz))
    sections = []
    for line in subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True).stdout.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m and int(m.group(2), 16):
            sections.append((int(m.group(2), 16), int(m.group(4), 16), m.group(1)))
    syms = []
    nm = subprocess.run(["nm", "-C", "-n", "-S", "--defined-only", binary], capture_output=True, text=True).stdout
    for line in nm.splitlines():
        p = line.split(" ", 3)
        if len(p) == 4 and len(p[1]) == 16:
            syms.append((int(p[0], 16), p[3]))
    syms.sort()
    addrs = [s[0] for s in syms]

    def section(va):
        for a, size, name in sections:
            if a <= va < a + size:
                return name
        return "?"

    def crate(name):
        n = name.lstrip("<&*(").replace("dyn ", "").replace("mut ", "")
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)", n)
        return m.group(1) if m else "?"

    by_section, by_crate, total = collections.Counter(), collections.Counter(), collections.Counter()
    with open(f"/proc/{pid}/pagemap", "rb") as pm:
        for lo, hi, perm, off in maps:
            base = next((va - o + off for o, va, fsz in loads if o <= off < o + max(fsz, 1)), None)
            for page in range(lo, hi, 4096):
                pm.seek(page // 4096 * 8)
                present = (struct.unpack("<Q", pm.read(8))[0] >> 63) & 1
                total[perm, "mapped"] += 1
                if not present:
                    continue
                total[perm, "resident"] += 1
                if base is None:
                    continue
                va = base + (page - lo)
                sec = section(va)
                by_section[perm, sec] += 1
                if sec == ".text":
                    i = bisect.bisect_right(addrs, va + 2048) - 1
                    by_crate[crate(syms[i][1]) if i >= 0 else "?"] += 1
    mb = lambda n: f"{n * 4 / 1024:6.1f} MB"
    for (perm, kind), n in sorted(total.items()):
        print(f"{perm} {kind:9} {mb(n)}")
    print("resident by section:")
    for (perm, sec), n in by_section.most_common():
        print(f"  {perm} {sec:24} {mb(n)}")
    print("resident .text by crate:")
    for c, n in by_crate.most_common(40):
        print(f"  {c:30} {mb(n)}")


if __name__ == "__main__":
    main()
