"""Writes paper_milp.py's bank, its instances' cover points and its constraints as flat files (granary bench papers)."""
import json, os, sys
import numpy as np
work, n, ninst = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, work)
import paper_milp as P
bank = P.make_bank(n)
out = os.path.join(work, "bank")
for key in ("type", "diff", "kp", "score", "value"):
    np.asarray(bank[key], dtype=np.int32).tofile(os.path.join(out, key + ".bin"))
kps = [np.asarray(P.instance_kps(i), dtype=np.int32) for i in range(ninst)]
(np.concatenate(kps) if kps else np.zeros(0, np.int32)).tofile(os.path.join(out, "kps.bin"))
json.dump(dict(types=P.TYPES, quota=[int(q) for q in P.QUOTA], score=P.TOTAL_SCORE, diff=[P.DIFF_LO, P.DIFF_HI],
               max_per_kp=P.MAX_PER_KP, n_paper=P.N_PAPER, n_kps=len(kps[0]) if kps else 0),
          open(os.path.join(out, "constants.json"), "w"))
