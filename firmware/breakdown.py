#!/usr/bin/env python3
"""Where an image's flash goes.

Attributes every instruction of a firmware image to the outermost inflight-core function it was
inlined from (a handler such as `deadlock::Node::on_message`, the codec, the mailbox), or, for
code that comes from no core function, to the firmware function it sits in (the glue in
`net.rs`, a scenario, the runtime). Then sums the bytes by part, and says how many of them are
core's own code: what a port of the core adds to its own host.

    python3 firmware/breakdown.py [ELF] [--functions N]

ELF defaults to the six-protocol image for thumbv7m. Needs arm-none-eabi-objdump and
arm-none-eabi-addr2line (binutils-arm-none-eabi), and a release build (it has debug info).
"""
import argparse
import collections
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def instructions(elf):
    """The address of every instruction in .text, in order."""
    out = subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", "-j", ".text", elf],
                         capture_output=True, text=True, check=True).stdout
    return [int(m.group(1), 16) for m in re.finditer(r"^\s+([0-9a-f]+):\s", out, re.M)]


def inline_chains(elf, addrs):
    """For each address, its inline chain as (function, file) pairs, innermost first."""
    text = "\n".join(hex(a) for a in addrs)
    out = subprocess.run(["arm-none-eabi-addr2line", "-e", elf, "-f", "-i", "-C", "-a"],
                         input=text, capture_output=True, text=True, check=True).stdout.split("\n")
    chains, i = [], 0
    while i < len(out):
        if out[i].startswith("0x"):
            chains.append([])
            i += 1
        elif out[i] and chains and i + 1 < len(out):
            chains[-1].append((out[i], out[i + 1]))
            i += 2
        else:
            i += 1
    return chains


def is_core(function, location):
    """Whether a frame is inflight-core's own code."""
    return "inflight_core::" in function and "/core/src/" in location and "/rustc/" not in location


# The parts that are inflight-core's code, as `part` names them.
CORE_PARTS = ("handlers: ", "codec ", "mailbox", "core: ")


def part(chain):
    """The part of the image an instruction belongs to."""
    core = [f for f, loc in reversed(chain) if is_core(f, loc)]
    if core:
        f = core[0]
        if "wire" in f:
            return "codec (core::wire and each message's Message impl)"
        name = re.search(r"inflight_core::(\w+)", f).group(1)
        if name == "mailbox":
            return "mailbox"
        if name in ("rng", "log", "window", "time"):
            return "core: generator, log, window"
        return "handlers: " + name
    outer = chain[-1][0] if chain else "?"
    if any("/firmware/src/scenarios.rs" in loc for _, loc in chain):
        return "scenarios: applications and checks"
    if "scenarios" in outer or "rt_main" in outer or "run_one" in outer or "selftest" in outer:
        return "scenarios: applications and checks"
    if "net::" in outer:
        return "glue: effects sink, timer table, calls (net.rs)"
    return "runtime: reset, link interrupt, semihosting, panic, mem*, div"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("elf", nargs="?",
                    default=os.path.join(HERE, "target/thumbv7m-none-eabi/release/all"))
    ap.add_argument("--functions", type=int, default=0,
                    help="also list the N largest outermost functions")
    args = ap.parse_args()
    if not os.path.exists(args.elf):
        sys.exit(f"{args.elf}: no such image; build it first (bash firmware/run.sh)")
    addrs = instructions(args.elf)
    chains = inline_chains(args.elf, addrs)
    if len(chains) != len(addrs):
        sys.exit("addr2line answered for a different number of addresses")
    parts, functions = collections.Counter(), collections.Counter()
    for k, chain in enumerate(chains[:-1]):
        size = addrs[k + 1] - addrs[k]
        if not 0 < size <= 4:  # a gap (literal pool, padding): count the instruction as 2 B
            size = 2
        parts[part(chain)] += size
        core = [f for f, loc in reversed(chain) if is_core(f, loc)]
        functions[core[0] if core else (chain[-1][0] if chain else "?")] += size
    total = sum(parts.values())
    print(f"{os.path.relpath(args.elf)}: {total} B of code")
    for name, size in parts.most_common():
        print(f"{size:7} B  {100 * size / total:5.1f} %  {name}")
    core = sum(size for name, size in parts.items() if name.startswith(CORE_PARTS))
    print(f"{core:7} B  {100 * core / total:5.1f} %  of which inflight-core's own code "
          "(handlers, codec, mailbox, generator, log, window): what a port adds to its host")
    for name, size in functions.most_common(args.functions):
        print(f"{size:7} B  {name[:150]}")


if __name__ == "__main__":
    main()
