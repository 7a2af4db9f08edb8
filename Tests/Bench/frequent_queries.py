#!/usr/bin/env python3
"""Frequency-weighted query classes for `granary bench search`.

gen_corpus.py draws its query terms uniformly from the vocabulary, so rare and common words appear equally
often. People type the common ones (焊接, 学生, 实训). This script cuts terms from random positions of the corpus
text itself, so a term turns up as often as it occurs: 2-, 3- and 4-character terms of CJK characters only, and
pairs of such terms (2-4 characters each) cut from the same document, so both occur together at least once.

    frequent_queries.py CORPUS_DIR OUT_DIR [SEED]

Writes OUT_DIR/queries.json with the classes named q2, q3, q4 and and2 (so the shared bench_search.py runs them
unchanged) and links OUT_DIR/corpus.jsonl to the corpus. Deterministic for a seed.
"""
import json
import os
import random
import sys

PER_CLASS = 200


def cjk(text):
    return all("\u4e00" <= c <= "\u9fff" for c in text)


def main():
    corpus_dir, out_dir = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    rng = random.Random(seed)
    texts = []
    with open(os.path.join(corpus_dir, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            texts.append(record["title"] + "\n" + record["description"])
    # Every character position of the corpus is equally likely: pick a document by its length, then a position.
    lengths = [len(t) for t in texts]
    cumulative = []
    running = 0
    for length in lengths:
        running += length
        cumulative.append(running)

    def cut(k, text=None):
        for _ in range(1000):
            if text is None:
                at = rng.randrange(running)
                lo, hi = 0, len(cumulative)
                while lo < hi:
                    mid = (lo + hi) // 2
                    if cumulative[mid] <= at:
                        lo = mid + 1
                    else:
                        hi = mid
                source = texts[lo]
            else:
                source = text
            if len(source) < k:
                continue
            start = rng.randrange(len(source) - k + 1)
            term = source[start:start + k]
            if cjk(term):
                return term
        raise SystemExit("no CJK term of %d characters found" % k)

    queries = {"q%d" % k: [cut(k) for _ in range(PER_CLASS)] for k in (2, 3, 4)}
    pairs = []
    while len(pairs) < PER_CLASS:
        text = texts[rng.randrange(len(texts))]
        a, b = cut(rng.choice((2, 3, 4)), text), cut(rng.choice((2, 3, 4)), text)
        if a not in b and b not in a:
            pairs.append([a, b])
    queries["and2"] = pairs
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "queries.json"), "w", encoding="utf-8") as f:
        json.dump(queries, f, ensure_ascii=False, indent=0)
    link = os.path.join(out_dir, "corpus.jsonl")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.abspath(os.path.join(corpus_dir, "corpus.jsonl")), link)


if __name__ == "__main__":
    main()
