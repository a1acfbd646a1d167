#!/usr/bin/env python3
"""Where a wasm's code bytes go, by function, from its name section (no tool to install).

  scripts/wasm-sizes.py A.wasm [N]        the N largest function families of A
  scripts/wasm-sizes.py A.wasm B.wasm [N]  what A has more of than B (e.g. every lab vs without one)
  scripts/wasm-sizes.py --sections A.wasm B.wasm
                                          code and data (strings, content) A has more than B,
                                          raw and gzip -9 (works on the shipped, optimised wasm)

Use the wasm cargo writes before wasm-bindgen and wasm-opt (it keeps the names):
target/wasm32-unknown-unknown/web-release/distlab-web.wasm, or the *.names.wasm copies that
scripts/size-labs.sh keeps. A "family" is one function name with the hash dropped: every
instance of a generic function (World<M>::step for each model, BTreeMap<K,V>::insert for each
key and value type) adds up in one row, with the number of instances. Sizes are raw body bytes
before wasm-opt, a proxy for the gzip share (roughly a third of it after wasm-opt and gzip).
"""
import collections
import gzip
import re
import sys


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def functions(path):
    b = open(path, "rb").read()
    i, imports, sizes, names = 8, 0, [], {}
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        end = i + size
        if sid == 2:  # imports: function imports come first in the index space
            n, j = leb(b, i)
            for _ in range(n):
                for _ in range(2):
                    l, j = leb(b, j)
                    j += l
                kind = b[j]
                j += 1
                if kind == 0:
                    _, j = leb(b, j)
                    imports += 1
                elif kind == 1:
                    j += 1
                    flags, j = leb(b, j)
                    _, j = leb(b, j)
                    if flags & 1:
                        _, j = leb(b, j)
                elif kind == 2:
                    flags, j = leb(b, j)
                    _, j = leb(b, j)
                    if flags & 1:
                        _, j = leb(b, j)
                elif kind == 3:
                    j += 2
        elif sid == 10:  # code
            n, j = leb(b, i)
            for _ in range(n):
                l, k = leb(b, j)
                sizes.append(l + k - j)
                j = k + l
        elif sid == 0:  # custom: the name section
            l, j = leb(b, i)
            if b[j:j + l] == b"name":
                j += l
                while j < end:
                    sub = b[j]
                    l, j = leb(b, j + 1)
                    if sub == 1:
                        n, k = leb(b, j)
                        for _ in range(n):
                            idx, k = leb(b, k)
                            l2, k = leb(b, k)
                            names[idx] = b[k:k + l2].decode("utf8", "replace")
                            k += l2
                    j += l
        i = end
    return [(names.get(imports + k, "?"), s) for k, s in enumerate(sizes)]


def family(name):
    """A readable name without the hash: `_ZN..World$LT$M$GT$4step17h..E` -> `World<M>::step`."""
    n = re.sub(r"17h[0-9a-f]{16}E$", "", name)
    for a, z in [("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("..", "::"), ("$C$", ","), ("$RF$", "&"),
                 ("$BP$", "*"), ("$u7b$", "{"), ("$u7d$", "}"), ("$u27$", "'"), ("$u5b$", "["), ("$u5d$", "]")]:
        n = n.replace(a, z)
    n = re.sub(r"^_ZN", "", n)
    return re.sub(r"\d+(?=[A-Za-z_<])", "::", n).lstrip(":")


def families(path):
    total, count = collections.Counter(), collections.Counter()
    for name, size in functions(path):
        f = family(name)
        total[f] += size
        count[f] += 1
    return total, count


def sections(path):
    b = open(path, "rb").read()
    i, out = 8, collections.defaultdict(bytes)
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        out[sid] += b[i:i + size]
        i += size
    return out


def main():
    args = sys.argv[1:]
    if args and args[0] == "--sections":
        a, b = sections(args[1]), sections(args[2])
        for sid, what in [(10, "code"), (11, "data")]:
            raw = len(a[sid]) - len(b[sid])
            gz = len(gzip.compress(a[sid], 9)) - len(gzip.compress(b[sid], 9))
            print(f"{what}: {raw:+d} B raw, {gz:+d} B gzip -9")
        return
    top = int(args.pop()) if args and args[-1].isdigit() else 40
    if len(args) == 1:
        total, count = families(args[0])
        print(f"code {sum(total.values())} B in {sum(count.values())} functions")
        for f, s in total.most_common(top):
            print(f"{s:8d} {count[f]:4d}x {f[:150]}")
    elif len(args) == 2:
        (ta, ca), (tb, cb) = families(args[0]), families(args[1])
        print(f"code {sum(ta.values())} B vs {sum(tb.values())} B: {sum(ta.values()) - sum(tb.values()):+d} B")
        rows = sorted(((ta[f] - tb[f], ca[f] - cb[f], f) for f in set(ta) | set(tb) if ta[f] != tb[f]), reverse=True)
        for d, c, f in rows[:top]:
            print(f"{d:+8d} {c:+4d}x {f[:150]}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
