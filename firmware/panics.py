#!/usr/bin/env python3
"""Which panics an image can reach, and whether inflight-core's code or the host reaches any.

The core promises that input from a peer never makes it panic. Fuzzing tests that promise on the
host; this checks the machine code the firmware actually runs. It finds every call to a panic
entry point (`core::panicking::*`, `unwrap_failed`, the slice-index and `clamp` failures …) in an
image, follows the calls back through any library function that can reach one, and reports each
call site with the chain of functions it was inlined from. The innermost of them that is the
project's own says whose the panic is:

- core (`core/src/`): the image fails;
- the host a port copies (`firmware/src/` bar the scenarios: the link, the main loop, output,
  the runtime's routines): the image fails;
- the scenarios' applications and checks, and the images' `main`s: listed with `-v`, allowed;
- on-target tests (core's `selftest` module, the firmware's checks of its memory and division
  routines), whose assertions panic by design: allowed, unless `--include-tests` counts core's
  as core's. The `selftest` image then fails, which is how
  CI shows the check can fail.

    python3 firmware/panics.py [-v] [--include-tests] ELF [ELF ...]

Needs arm-none-eabi-objdump and arm-none-eabi-addr2line (binutils-arm-none-eabi), and a release
build (it has debug info). Exits 1 if any image has a panic that core or the host can reach.
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from breakdown import inline_chains  # noqa: E402

# What a panic entry point is called: the functions that only ever end in the panic handler.
PANIC = re.compile(r"panicking|panic_|unwrap_failed|expect_failed|_fail\b|do_panic|"
                   r"rust_begin_unwind|slice_index_fail|slice_\w+_fail|::panic\b")

CALL = re.compile(r"^\s+([0-9a-f]+):\s+(?:bl|blx|b|b\.w|b\.n|b\w\w\.w|b\w\w\.n|b\w\w)\s+"
                  r"[0-9a-f]+ <([^>+]+)>")
FUNCTION = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")


def calls(elf):
    """Every direct call or branch to the start of a function: (site, caller, callee)."""
    out = subprocess.run(["arm-none-eabi-objdump", "-d", "-C", "--no-show-raw-insn", "-j", ".text",
                          elf], capture_output=True, text=True, check=True).stdout
    caller, found = None, []
    for line in out.split("\n"):
        m = FUNCTION.match(line)
        if m:
            caller = m.group(2)
            continue
        m = CALL.match(line)
        if m and caller and m.group(2) != caller:
            found.append((int(m.group(1), 16), caller, m.group(2)))
    return found


def ours(function):
    """Whether a function is the project's (core, firmware, an image's entry points) rather than
    a library's (Rust's `core`, heapless, cortex-m …)."""
    return "inflight_" in function or "__cortex_m_rt" in function or "::" not in function


def check(elf):
    """Lists the image's panic sites; returns how many fail the check (core's and the host's)."""
    sites = calls(elf)
    # Library functions that can panic: the entry points, then any library function that calls
    # one, to a fixed point. The project's own functions are not followed: each of their panic
    # sites is reported where it is, with the functions it was inlined from.
    panicky = {callee for _, _, callee in sites if PANIC.search(callee)}
    while True:
        more = {caller for _, caller, callee in sites
                if callee in panicky and not ours(caller)} - panicky
        if not more:
            break
        panicky |= more
    # A site: a call from the project's code into a panic entry point or a library function
    # that can panic.
    reported = [(a, caller, callee) for a, caller, callee in sites
                if callee in panicky and ours(caller)]
    chains = inline_chains(elf, [a for a, _, _ in reported])
    failing = 0
    lines = []
    for (a, caller, callee), chain in zip(reported, chains):
        kind = whose(chain)
        where = " <- ".join(f"{f.split('::<')[0][-60:]} ({os.path.basename(loc)})"
                            for f, loc in chain)
        lines.append(f"  {kind} {a:#07x} {callee[:50]}: {where}")
        failing += kind in ("CORE", "HOST")
    name = os.path.relpath(elf)
    counts = {k: sum(line.startswith(f"  {k} ") for line in lines) for k in ("CORE", "HOST")}
    verdict = "none in core or the host" if failing == 0 else \
        f"{counts['CORE']} in core, {counts['HOST']} in the host"
    print(f"{name}: {len(reported)} call sites that can panic, {verdict}")
    for line in lines:
        if args.verbose or line.startswith(("  CORE", "  HOST")):
            print(line)
    return failing


# The firmware's own on-target tests, of its memory and division routines.
FIRMWARE_TESTS = ("inflight_firmware::mem::check", "inflight_firmware::div::check")


def whose(chain):
    """Whose a panic site is, by the innermost of its frames that is the project's."""
    for function, loc in chain:  # innermost first
        if "/core/src/" in loc and "/rustc/" not in loc:
            tests = loc.rsplit("/core/src/", 1)[1].startswith("selftest.rs")
            return "test" if tests and not args.include_tests else "CORE"
        if "/firmware/src/" in loc:
            if function.startswith(FIRMWARE_TESTS):
                return "test"
            app = re.search(r"/firmware/src/(scenarios\.rs|selftest\.rs|bin/)", loc)
            return "app" if app else "HOST"
    return "app"  # no frame of the project's: an entry point's own code


ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
ap.add_argument("elf", nargs="+")
ap.add_argument("-v", "--verbose", action="store_true",
                help="also list the allowed sites (applications, tests)")
ap.add_argument("--include-tests", action="store_true",
                help="count the sites in core's on-target tests as the core's")
args = ap.parse_args()
failed = sum(check(elf) > 0 for elf in args.elf)
sys.exit(1 if failed else 0)
