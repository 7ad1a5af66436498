"""`make bench`: run every benchmarks/bench_*.py in turn; each prints its own figures.

Benchmarks are not tests: this machine is shared and noisy, so they print
numbers and ratios against their bars instead of failing a build.
"""

import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
only = sys.argv[1:]
status = 0
for script in sorted(here.glob("bench_*.py")):
    if only and not any(name in script.name for name in only):
        continue
    print(f"\n=== {script.name} ===", flush=True)
    # as modules from the checkout, so a benchmark can import the tests' browser driver
    module = f"{here.name}.{script.stem}"
    status |= subprocess.call([sys.executable, "-m", module], cwd=here.parent)
sys.exit(status)
