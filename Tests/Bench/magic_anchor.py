"""python-magic's from_file on upload_bench.py's small files (granary bench ingest): prints the median in µs, or
"none" when python-magic is not installed. The files are made here, so Granary's inspector reads the same ones.

Usage: magic_anchor.py SHARED_BENCH_FOLDER FOLDER COUNT
"""
import shutil
import sys
import time

sys.path.insert(0, sys.argv[1])
import upload_bench as u  # noqa: E402

shutil.rmtree(sys.argv[2], ignore_errors=True)
paths = u.make_small_files(int(sys.argv[3]), sys.argv[2])
try:
    import magic
except ImportError:
    print("none")
    sys.exit(0)
m = magic.Magic(mime=True)
m.from_file(paths[0])
lat = []
for p in paths:
    t0 = time.perf_counter()
    m.from_file(p)
    lat.append((time.perf_counter() - t0) * 1e6)
lat.sort()
print(lat[len(lat) // 2])
