"""Run a command and write its peak resident memory (KiB) to the file named first: `rusage.py OUT cmd ...`.

A fresh process per measurement, because RUSAGE_CHILDREN only ever grows within one parent.
"""

import resource
import subprocess
import sys

if __name__ == "__main__":
    completed = subprocess.run(sys.argv[2:])
    with open(sys.argv[1], "w") as handle:
        handle.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
    sys.exit(completed.returncode)
