"""Run the benchmark suite: ``python benchmarks/run.py [--quick] [--threads N] [--json PATH] [--plot PNG]``.

Same as ``cnn-scratch bench``; the code lives in ``src/cnn_scratch/bench/`` so the
installed command and this script cannot drift apart. See ``benchmarks/README.md``.
"""

import sys

from cnn_scratch.bench import main

if __name__ == "__main__":
    sys.exit(main())
