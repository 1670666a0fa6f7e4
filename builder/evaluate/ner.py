"""Score entity pre-labels against a gold CoNLL file with strict seqeval (IOB2)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from builder.core.metrics import calibration_error, reliability
from builder.core.records import Sentence, Token
from builder.core.spans import spans_to_tags, tags_to_spans
from builder.ner.conll import TaggedSentence
from builder.prelabel.interface import EntityTagger, merge_spans


def sentence_from_tokens(tokens: Sequence[str], sentence_id: str = "gold") -> Sentence:
    """A Sentence whose text is the gold tokens joined by spaces, keeping the gold tokenisation."""
    out: list[Token] = []
    offset = 0
    for text in tokens:
        out.append(Token(text, offset, offset + len(text)))
        offset += len(text) + 1
    return Sentence(sentence_id, "gold", 0, 0, 0, " ".join(tokens), tuple(out))


@dataclass
class NerReport:
    """Strict IOB2 scores per label and the micro average, and what was left out of scoring."""

    scores: dict[str, dict[str, float]]
    sentences: int
    tokens: int
    left_out: list[str] = field(default_factory=list)
    reliability: list[dict[str, float]] = field(default_factory=list)  # scored spans: share exactly right, by score

    @property
    def calibration_error(self) -> float:
        """Expected calibration error of the span scores (0 = a span scored p is right with probability p)."""
        return calibration_error(self.reliability)

    def to_json(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {"sentences": self.sentences, "tokens": self.tokens, "left_out": self.left_out,
                "scores": self.scores, "reliability": self.reliability,
                "calibration_error": self.calibration_error}


def evaluate_ner(gold: Sequence[TaggedSentence], taggers: Sequence[EntityTagger],
                 *, batch_size: int = 256) -> NerReport:
    """Tag the gold tokens with the taggers (merged in priority order) and score strictly.

    Labels the gold never uses (e.g. DATE against a PER/ORG/LOC corpus) are left out. Spans with a
    score (the CRF's: its lowest token marginal) go into a reliability table: how often a span is
    exactly right (same tokens, same label), by its score.
    """
    gold_labels = {tag[2:] for s in gold for tag in s.tags if tag != "O"}
    predicted: list[list[str]] = []
    left_out: Counter[str] = Counter()
    scored: list[tuple[float, bool]] = []
    for start in range(0, len(gold), batch_size):
        chunk = gold[start : start + batch_size]
        sentences = [sentence_from_tokens(s.tokens, s.origin or str(start + i)) for i, s in enumerate(chunk)]
        per_tagger = [t.tag(sentences) for t in taggers]
        for i, sentence in enumerate(sentences):
            spans = merge_spans([spans[i] for spans in per_tagger])
            left_out.update(s.label for s in spans if s.label not in gold_labels)
            kept = [s for s in spans if s.label in gold_labels]
            predicted.append(spans_to_tags(sentence.tokens, kept, sentence.id))
            truth = {(s.start, s.end, s.label)
                     for s in tags_to_spans(sentence.text, sentence.tokens, chunk[i].tags, "gold")}
            scored += [(s.score, (s.start, s.end, s.label) in truth) for s in kept if s.score is not None]
    report = classification_report(
        [list(s.tags) for s in gold], predicted, mode="strict", scheme=IOB2, output_dict=True, zero_division=0
    )
    scores = {
        name: {metric: round(float(value), 4) for metric, value in values.items()}
        for name, values in report.items()
        if name in gold_labels or name == "micro avg"
    }
    notes = [f"{label} ({count} predicted spans): the gold file has no {label}"
             for label, count in sorted(left_out.items())]
    return NerReport(scores, len(gold), sum(len(s.tokens) for s in gold), notes, reliability(scored))


def parse_label_map(pairs: Iterable[str], base: Mapping[str, str]) -> dict[str, str]:
    """`NAME=OURS` pairs (e.g. PERSON=PER, TIME=DATE, EVT=O) on top of a base map."""
    mapping = dict(base)
    for pair in pairs:
        name, sep, ours = pair.partition("=")
        if not sep or not name or not ours:
            raise ValueError(f"--map {pair!r}: write it as GOLDNAME=OURS, e.g. PERSON=PER or TIME=O")
        mapping[name] = ours
    return mapping
