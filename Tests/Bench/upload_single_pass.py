"""The shared upload_bench.py's own py_1pass on one file (granary bench ingest): prints its seconds.

Usage: upload_single_pass.py SHARED_BENCH_FOLDER SOURCE OBJECTS
"""
import sys

sys.path.insert(0, sys.argv[1])
import upload_bench as u  # noqa: E402

print(u.py_1pass(sys.argv[2], sys.argv[3]))
