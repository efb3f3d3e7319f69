#!/usr/bin/env python3
"""A lossy, slow link between two network namespaces, for the tests.

This kernel has no netem, so this does what netem would: it opens two TUN
devices (the test then moves each into a namespace of its own and gives it
an address), and copies every IP packet from one to the other after a
delay, dropping each with a given probability, in both directions.

    tun-relay.py NAME_A NAME_B --delay-ms 20 --loss 0.1 [--seed N]

Prints "ready" once both devices exist, then relays until killed. On
SIGUSR1 it prints one line of JSON with its counts (packets each way,
dropped each way) to stdout.
"""
import argparse
import collections
import fcntl
import json
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--loss", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    fds = {"a": open_tun(args.a), "b": open_tun(args.b)}
    other = {"a": "b", "b": "a"}
    # Packets waiting for their time, per direction: (due, packet). The delay
    # is the same for all, so each queue stays in order.
    queues = {"a": collections.deque(), "b": collections.deque()}
    counts = {"a_to_b": 0, "b_to_a": 0, "dropped_a_to_b": 0, "dropped_b_to_a": 0}

    def report(signum, frame):
        sys.stdout.write(json.dumps(counts) + "\n")
        sys.stdout.flush()

    signal.signal(signal.SIGUSR1, report)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    delay = args.delay_ms / 1000.0
    while True:
        now = time.monotonic()
        wait = None
        for side, queue in queues.items():
            while queue and queue[0][0] <= now:
                _, packet = queue.popleft()
                try:
                    os.write(fds[other[side]], packet)
                except (BlockingIOError, OSError):
                    pass  # the device is down or full: the packet is lost, as on a real link
            if queue:
                left = queue[0][0] - now
                wait = left if wait is None else min(wait, left)
        try:
            readable, _, _ = select.select(list(fds.values()), [], [], wait)
        except InterruptedError:
            continue
        now = time.monotonic()
        for side, fd in fds.items():
            if fd not in readable:
                continue
            while True:
                try:
                    packet = os.read(fd, 65535)
                except (BlockingIOError, OSError):
                    break
                direction = "a_to_b" if side == "a" else "b_to_a"
                counts[direction] += 1
                if rng.random() < args.loss:
                    counts["dropped_" + direction] += 1
                    continue
                queues[side].append((now + delay, packet))


if __name__ == "__main__":
    main()
