"""Writes kg_bench.py's graph and queries as flat files, with the answers its own traversal gives (granary bench graph)."""
import json, os, random, sys
import numpy as np
work, nq, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, work)
import kg_bench as K
N, kind, base, E = K.make_graph(seed)
# The same draws, in the same order, as kg_bench.main().
rng = random.Random(seed)
courses = [rng.randrange(*base["course"]) for _ in range(nq)]
out_adj, req, typed = {}, {}, {}
for s_, d_, t_ in E.tolist():
    out_adj.setdefault(s_, []).append(d_)
    typed.setdefault((s_, t_), []).append(d_)
    if t_ == K.REQUIRED_BY: req.setdefault(d_, []).append(s_)
def reach(m):
    seen, stack = set(), [m]
    while stack:
        u = stack.pop()
        for v in out_adj.get(u, ()):
            if v not in seen:
                seen.add(v); stack.append(v)
    return sorted(v for v in seen if kind[v] == 4)
pairs = []
for i in range(nq):
    m = rng.randrange(*base["major"])
    js = reach(m) if i % 2 == 0 else []
    pairs.append((rng.choice(js) if js else rng.randrange(*base["job"]), m))
def uncovered(j, m):
    cov = set()
    for c in typed.get((m, K.HAS_COURSE), ()):
        for k in typed.get((c, K.TEACHES), ()):
            cov.update(typed.get((k, K.SUPPORTS), ()))
    return sorted(set(req.get(j, ())) - cov)
out = os.path.join(work, "graph")
np.asarray(kind, dtype=np.int8).tofile(os.path.join(out, "kinds.bin"))
np.asarray(E, dtype=np.int64).tofile(os.path.join(out, "edges.bin"))
json.dump(dict(courses=courses, pairs=pairs, jobs=[reach(c) for c in courses],
               skills=[uncovered(j, m) for j, m in pairs]), open(os.path.join(out, "queries.json"), "w"))
