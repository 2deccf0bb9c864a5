"""Reads files into the page cache before a timed run, untimed, so a 'hot' run is hot.

This VM's page cache loses pages of a file left alone for about a minute (a DAMON 'pageout'
scheme runs here: /sys/kernel/mm/damon), with memory to spare; a run that starts on such a file
times the disk too. The comparison harness warms its files before every round; these scripts do
the same with this."""
import os


def warm(paths):
    """Reads every file named, and every file under every folder named, to its end."""
    for path in paths:
        files = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs] if os.path.isdir(path) else [path]
        for name in files:
            with open(name, "rb", buffering=0) as f:
                while f.read(1 << 20):
                    pass
