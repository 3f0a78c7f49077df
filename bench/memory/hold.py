"""Holds a known amount of memory while it is measured: a memory probe's known answer.

    hold.py [MIB] [--whole | --transient]

MIB mebibytes (default 200) in one bytearray, every page written, allocated
before measuring and held to the end; what the harness times is a small CPU
loop. --whole: no harness, the script is timed as a whole (run_script.py's
whole-script mode). --transient: nothing is held; every loop allocates MIB,
writes it and frees it, so each value's peak has it and the resident set
after the values should not.
"""

import sys

import harness

MIB = 1 << 20


def spin(loops):
    for _ in range(loops):
        sum(range(2000))


def transient(size):
    def work(loops):
        for _ in range(loops):
            block = bytearray(size)  # zero-filled by memset: every page resident
            del block
    return work


def main(argv):
    words = [a for a in argv if not a.startswith("--")]
    size = int(words[0]) * MIB if words else 200 * MIB
    if "--transient" in argv:
        harness.bench("transient", transient(size))
        return
    held = bytearray(size)
    if "--whole" in argv:
        spin(20000)
    else:
        harness.bench("hold", spin)
    print("held %d MiB" % (len(held) // MIB))


main(sys.argv[1:])
