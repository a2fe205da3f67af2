#!/usr/bin/env python3
"""ctypes calls through the system's libffi and through libjitcall_ffi.so, run by hand.

Each case is a Python loop of ctypes calls (CPython's ctypes prepares a fresh ffi_cif
for every call, then calls ffi_call): `labs` and the struct-returning `div` and `ldiv`
from libc, and `vadd` (two doubles) and `bigmk` (24 bytes, returned through memory)
from benches/targets.c, built here with gcc. The script runs itself twice per round,
once as is and once with the replacement preloaded (LD_PRELOAD; its soname is
libffi.so.8), checks in each child which libffi is mapped and every result, and prints
the best per-call time of each over the rounds (the machine's noise only adds time).

    cargo build --release -p jitcall-ffi
    python3 benches/ctypes_loop.py [rounds]

(JITCALL_FFI_LIB=<path> measures another build of the replacement.)

Numbers: docs/PERFORMANCE.md, "The libffi replacement".
"""

import ctypes
import ctypes.util
import os
import subprocess
import sys
import tempfile
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# JITCALL_FFI_LIB=<path> measures another build of the replacement.
LIB = os.environ.get("JITCALL_FFI_LIB", os.path.join(ROOT, "target", "release", "libjitcall_ffi.so"))
CALLS = 200_000


class Vec2(ctypes.Structure):
    _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double)]


class Big3(ctypes.Structure):
    _fields_ = [("a", ctypes.c_long), ("b", ctypes.c_long), ("c", ctypes.c_long)]


class Div(ctypes.Structure):
    _fields_ = [("quot", ctypes.c_int), ("rem", ctypes.c_int)]


class LDiv(ctypes.Structure):
    _fields_ = [("quot", ctypes.c_long), ("rem", ctypes.c_long)]


def targets():
    """benches/targets.c as a shared library, built in a temporary directory."""
    out = os.path.join(tempfile.mkdtemp(prefix="jitcall-ctypes-"), "targets.so")
    subprocess.run(
        ["gcc", "-O2", "-shared", "-fPIC", "-o", out, os.path.join(ROOT, "benches", "targets.c")],
        check=True,
    )
    return out


def cases(targets_so):
    """(name, call, check) for each case."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.labs.restype = ctypes.c_long
    libc.labs.argtypes = [ctypes.c_long]
    libc.div.restype = Div
    libc.div.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.ldiv.restype = LDiv
    libc.ldiv.argtypes = [ctypes.c_long, ctypes.c_long]
    t = ctypes.CDLL(targets_so)
    t.vadd.restype = Vec2
    t.vadd.argtypes = [Vec2, Vec2]
    t.bigmk.restype = Big3
    t.bigmk.argtypes = [ctypes.c_long, Big3]
    labs, div, ldiv, vadd, bigmk = libc.labs, libc.div, libc.ldiv, t.vadd, t.bigmk
    p, q, s = Vec2(1, 2), Vec2(3, 4), Big3(1, 2, 3)
    return [
        ("labs(long)", lambda: labs(-5), lambda r: r == 5),
        ("div_t div(int, int)", lambda: div(17, 5), lambda r: (r.quot, r.rem) == (3, 2)),
        ("ldiv_t ldiv(long, long)", lambda: ldiv(17, 5), lambda r: (r.quot, r.rem) == (3, 2)),
        ("vec2 vadd(vec2, vec2)", lambda: vadd(p, q), lambda r: (r.x, r.y) == (4.0, 6.0)),
        ("big3 bigmk(long, big3)", lambda: bigmk(4, s), lambda r: (r.a, r.b, r.c) == (5, 6, 7)),
    ]


def child(targets_so):
    """Times each case once in this process: prints `name<TAB>ns per call`."""
    maps = [l.split()[-1] for l in open("/proc/self/maps") if "ffi" in l.split()[-1]]
    print("maps\t" + ",".join(sorted(set(maps))))
    for name, call, check in cases(targets_so):
        assert check(call()), name
        loop = timeit.Timer(call)
        best = min(loop.repeat(repeat=3, number=CALLS)) / CALLS * 1e9
        print(f"{name}\t{best:.1f}")


def run(env, targets_so):
    out = subprocess.run(
        [sys.executable, __file__, "--child", targets_so],
        env=env, check=True, capture_output=True, text=True,
    ).stdout
    rows = dict(line.split("\t") for line in out.splitlines())
    return rows.pop("maps"), {k: float(v) for k, v in rows.items()}


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if not os.path.exists(LIB):
        sys.exit(f"{LIB} not built: cargo build --release -p jitcall-ffi")
    so = targets()
    system_env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    jitcall_env = dict(system_env, LD_PRELOAD=LIB)
    best = {"system": {}, "jitcall": {}}
    for _ in range(rounds):
        for which, env in (("system", system_env), ("jitcall", jitcall_env)):
            maps, times = run(env, so)
            mapped_jitcall = "libjitcall_ffi.so" in maps
            assert mapped_jitcall == (which == "jitcall"), f"{which}: {maps}"
            for name, ns in times.items():
                best[which][name] = min(ns, best[which].get(name, ns))
    print(f"{sys.executable} {sys.version.split()[0]}, {CALLS} calls per loop, best of "
          f"{rounds} rounds x 3 loops, ns per call")
    print(f"{'case':28} {'system':>8} {'jitcall':>8} {'ratio':>6}")
    for name in best["system"]:
        s, j = best["system"][name], best["jitcall"][name]
        print(f"{name:28} {s:8.1f} {j:8.1f} {s / j:6.2f}")


if __name__ == "__main__":
    main()
