#!/usr/bin/env python3
"""Validate an event-annotation JSONL file against selected.jsonl (stdlib only).

    python3 validate.py ANNOTATIONS.jsonl [--selected selected.jsonl] [--partial]

Checks
  * every line is a JSON object {"id", "events": [...], optional "note"}
  * every id exists in selected.jsonl and occurs once in the annotation file
  * without --partial: every id of selected.jsonl is present
    (use --partial for a chunk or pilot file: then only ids present are checked,
     and the expected set is the ids of the file given with --selected)
  * event type is one of the 33 [[events]] labels of
    builder/resources/schema.toml
  * 0 <= start < end <= len(text), text[start:end] == trigger (code points),
    trigger has no leading/trailing whitespace
  * no duplicate (type, start, end) in one sentence
Prints counts per type and the share of sentences with at least one event.
Exit status 1 if any error.
"""
import argparse
import json
import os
import sys
from collections import Counter

try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = "builder/resources/schema.toml"


def event_labels(path=SCHEMA):
    if tomllib is not None:
        with open(path, "rb") as f:
            data = tomllib.load(f)
        labels = [e["label"] for e in data.get("events", [])]
    else:  # minimal fallback: label lines inside [[events]] tables
        labels, in_events = [], False
        for line in open(path, encoding="utf-8"):
            s = line.strip()
            if s.startswith("[["):
                in_events = s == "[[events]]"
            elif in_events and s.startswith("label"):
                labels.append(s.split("=", 1)[1].strip().strip('"'))
    if len(labels) != 33:
        print("warning: schema has %d event labels, expected 33" % len(labels), file=sys.stderr)
    return set(labels)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("annotations")
    ap.add_argument("--selected", default=os.path.join(HERE, "selected.jsonl"))
    ap.add_argument("--partial", action="store_true",
                    help="do not require every id of --selected to be present")
    args = ap.parse_args()

    labels = event_labels()
    texts = {}
    for line in open(args.selected, encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            texts[r["id"]] = r["text"]

    errors = []
    seen = Counter()
    per_type = Counter()
    n_sent = n_with = n_events = 0
    for ln, line in enumerate(open(args.annotations, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append("line %d: bad JSON (%s)" % (ln, e))
            continue
        if not isinstance(obj, dict) or "id" not in obj or "events" not in obj:
            errors.append("line %d: need an object with 'id' and 'events'" % ln)
            continue
        extra = set(obj) - {"id", "events", "note"}
        if extra:
            errors.append("line %d: unexpected keys %s" % (ln, sorted(extra)))
        if "note" in obj and not isinstance(obj["note"], str):
            errors.append("line %d: note must be a string" % ln)
        sid = obj["id"]
        seen[sid] += 1
        if sid not in texts:
            errors.append("line %d: unknown id %r" % (ln, sid))
            continue
        text = texts[sid]
        if not isinstance(obj["events"], list):
            errors.append("line %d (%s): events must be a list" % (ln, sid))
            continue
        n_sent += 1
        spans = set()
        for k, ev in enumerate(obj["events"]):
            where = "line %d (%s) event %d" % (ln, sid, k)
            if not isinstance(ev, dict) or set(ev) != {"type", "trigger", "start", "end"}:
                errors.append("%s: need exactly type, trigger, start, end" % where)
                continue
            t, trig, s, e = ev["type"], ev["trigger"], ev["start"], ev["end"]
            if t not in labels:
                errors.append("%s: invalid type %r" % (where, t))
            if not (isinstance(s, int) and isinstance(e, int)) or isinstance(s, bool) or isinstance(e, bool):
                errors.append("%s: start/end must be integers" % where)
                continue
            if not (0 <= s < e <= len(text)):
                errors.append("%s: span %d-%d out of range (len %d)" % (where, s, e, len(text)))
                continue
            if text[s:e] != trig:
                errors.append("%s: text[%d:%d]=%r != trigger %r" % (where, s, e, text[s:e], trig))
            if trig != trig.strip():
                errors.append("%s: trigger has surrounding whitespace" % where)
            key = (t, s, e)
            if key in spans:
                errors.append("%s: duplicate %s %d-%d" % (where, t, s, e))
            spans.add(key)
            per_type[t] += 1
            n_events += 1
        if obj["events"]:
            n_with += 1

    for sid, c in seen.items():
        if c > 1:
            errors.append("id %s occurs %d times" % (sid, c))
    if not args.partial:
        missing = [i for i in texts if i not in seen]
        if missing:
            errors.append("%d ids of %s missing, e.g. %s" % (len(missing), args.selected, missing[:5]))

    print("sentences: %d   with events: %d (%.1f %%)   event mentions: %d"
          % (n_sent, n_with, 100.0 * n_with / max(n_sent, 1), n_events))
    for t in sorted(labels):
        if per_type[t]:
            print("  %-32s %d" % (t, per_type[t]))
    unused = sorted(t for t in labels if not per_type[t])
    print("  types with 0 mentions: %d" % len(unused))
    if errors:
        print("\n%d ERROR(S):" % len(errors))
        for e in errors[:200]:
            print("  " + e)
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
