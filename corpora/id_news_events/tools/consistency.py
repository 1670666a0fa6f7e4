"""Consistency check over the merged pass-2 annotations.

1. A trigger word (lower-cased) given different types in different sentences.
2. A word that is a trigger in at least two sentences but appears unannotated elsewhere.
Writes flagged.jsonl (one line per sentence to re-read, with the reasons) and prints counts.
"""
import json, re, sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
texts = {}
for line in open(HERE / "selected.jsonl", encoding="utf-8"):
    r = json.loads(line); texts[r["id"]] = r["text"]
ann = {}
for n in range(1, 5):
    for line in open(HERE / f"pass2/chunk_{n}.jsonl", encoding="utf-8"):
        r = json.loads(line); ann[r["id"]] = r
assert set(ann) == set(texts), "every selected sentence must be annotated"

types_of = defaultdict(Counter)          # trigger word -> Counter(type)
sent_types = defaultdict(lambda: defaultdict(set))  # word -> id -> types
for sid, r in ann.items():
    for e in r["events"]:
        w = e["trigger"].lower()
        types_of[w][e["type"]] += 1
        sent_types[w][sid].add(e["type"])

flags = defaultdict(list)
# 1. inconsistent types for one word: flag the minority uses
for w, counts in types_of.items():
    if len(counts) > 1:
        major, major_n = counts.most_common(1)[0]
        for sid, ts in sent_types[w].items():
            if major not in ts:
                flags[sid].append(f"'{w}' typed {sorted(ts)} here but {major} in {major_n} other place(s) ({dict(counts)})")
# 2. unannotated occurrences of frequent triggers (single words only)
frequent = {w: c for w, c in types_of.items() if sum(c.values()) >= 2 and " " not in w}
word_re = re.compile(r"\w+(?:-\w+)*")
for sid, text in texts.items():
    annotated = {(e["start"], e["end"]) for e in ann[sid]["events"]}
    for m in word_re.finditer(text):
        w = m.group().lower()
        if w in frequent and not any(s <= m.start() < e for s, e in annotated):
            top = frequent[w].most_common(1)[0]
            flags[sid].append(f"'{m.group()}' at {m.start()} not annotated; elsewhere {top[0]} x{top[1]}")

out = HERE / "consistency" / "flagged.jsonl"
with open(out, "w", encoding="utf-8") as f:
    for sid in sorted(flags):
        f.write(json.dumps({"id": sid, "text": texts[sid], "events": ann[sid]["events"], "reasons": flags[sid]},
                           ensure_ascii=False) + "\n")
kinds = Counter("typed" if "typed" in r else "unannotated" for rs in flags.values() for r in rs)
print(f"sentences: {len(ann)}; flagged sentences: {len(flags)}; reasons: {dict(kinds)}")
