"""The one tokenizer: tokens with half-open code point offsets, used by every stage.

Tokens come from one hand-written regular expression, `_TOKEN`, matched left to right over
the paragraph by `re` (in C). Its branches, tried in this order at each token start:

* URLs (`https://…`, `www.…`) up to the punctuation that closes them;
* abbreviations that keep their period (`Jl.`, `PT.`, `Rp.`, `dll.`, `M.Si.`, `a.n.`, `d/h`),
  when only closing punctuation or a space follows (or, for `Jl.Sudirman`, a capital);
* a currency code glued to a number (`Rp5.000` → `Rp` `5.000`), a clitic `-nya`/`-ku`/`-mu`,
  and a number glued to a unit (`10km` → `10` `km`; `4G.` stays whole, as in spaCy);
* a word: letters, digits and combining marks, joined by a hyphen between letters
  (`Kassym-Jomart`, `kota-kota`), a period except between a lower-case and an upper-case
  letter (`2.000`, `10.30`, `detik.com`, `S.H`), a comma not between two letters (`2,5`),
  `:` before a digit (`10:30`), `'`/`’` (`Jum'at`, not an English `'s`), `&`, `@`, `+`;
  with `$` (`US$`), a trailing `+` (`HD+`), a URL path after a domain (`merdeka.com/foto`),
  or a period after a lone capital (initials `H.`, `U.S.`);
* an ellipsis `...`, an English `'s`, a flag or emoji sequence (ZWJ, skin tone), and
  otherwise any single non-space character.

The rules are those of spaCy 3.8's blank "id" tokenizer (its prefixes, suffixes, infixes and
the exceptions that end in a period), minus its hyphen infix, which is what this module used
before. They are hand-written because spaCy's tokenizer was the slowest step of ingest: on
the first 175k tokens of the 39,843 IndoSum paragraphs it took 0.87 s warm and 1.4 s cold
(`Token` objects included), plus 3.4 s per process to import spaCy and build it; this takes
0.16 s warm or cold and 0.04 s to import (all 1.23M tokens: 7.6 s → 1.1 s warm). It gives
spaCy's tokens for 98.5% of those paragraphs. Where it differs, spaCy had kept punctuation
glued inside a token (`Kamis(6`, `--yang`, `NAJWA/`), merged a date's last digit and
bracket into the emoticon `8)`, or made tokens of whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from builder.core.records import Token

# spaCy 3.8's Indonesian and base exceptions that the rules below would otherwise split.
# Dotted initials that end in a lone capital (S.H., M.A., R.) need no entry.
_SPACY_ABBREVIATIONS = (
    "A.AB. A.Ma. A.Md. A.Md.Keb. A.Md.Kep. Ags. Agu. Apr. B.Ch.E. B.Sc. Des. Dr. Dra. Drs. Feb. "
    "Hj. Jan. Jul. Jun. KH. Ka. Kp. M.Ag. M.Eng. M.Eng.Sc. M.Hum. M.I.Kom. M.Kom. M.Pd. "
    "M.Pharm. M.Psi. M.Psi.T. M.Sc. M.Si. M.Sn. M.Th. Mar. No. Nov. Okt. Pdt. Pjs. Plt. Prof. "
    "Ps. R.Ay. R.Ng. R.Ngt. Rm. Rr. S.Ag. S.Gz. S.Hut. S.I.Kom. S.IK. S.In. S.Kedg. S.Kedh. "
    "S.Kom. S.Pd. S.Pd.I. S.Pol. S.Psi. S.SArl. S.SI. S.ST. S.Si. S.Si.Teol. S.Sos. S.Sy. "
    "S.Tekp. S.Th. S.Th.IS.TI. Sep. St. Ust. a.l. a.n. a.s. b.d. d.a. d.l. dll. dr. drg. drh. "
    "ds. dsb. dst. faks. fax. hlm. n.b. p.p.pjs. s.d. tel. u.p. d/h i/o "
    "mahasiswa/i Mahasiswa/i Mahasiswa/I MAHASISWA/I muda/i Muda/i Muda/I MUDA/I "
    "putra/i Putra/i Putra/I PUTRA/I siswa/i Siswa/i Siswa/I SISWA/I "
    "a. b. c. d. e. f. g. h. i. j. k. l. m. n. o. p. q. r. s. t. u. v. w. x. y. z. ä. ö. ü."
)

# Abbreviations common in Indonesian news that spaCy 3.8's "id" exceptions lack.
EXTRA_ABBREVIATIONS = (
    "Bpk. Brigjen. CV. Gg. Ir. Irjen. Jend. Jl. Jln. Kab. Kapt. Kec. Kel. Kol. Kombes. "
    "Letjen. Mayjen. Ny. PT. Pol. Prov. RT. RW. Rp. Sdr. Sdri. Tbk. Telp. Tlp. Tn. Yth. "
    "dkk. tgl. vs. Mr. Mrs. Ms. Inc. Ltd. Co. Corp."
).split()

#: Tokens kept whole although the rules would split them.
ABBREVIATIONS = frozenset(_SPACY_ABBREVIATIONS.split() + EXTRA_ABBREVIATIONS)

# Character classes. `re` has no Unicode case classes, so upper/lower case is Latin only.
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_LETTER = r"[^\W\d_]"
_ALNUM = r"[^\W_]"
# Soft hyphen, zero-width and direction marks, invisible: they stay on the word they touch.
_GLUE = r"\u00ad\u200b-\u200f\u2060\ufeff"
# Word characters: also combining marks and variation selectors, which do not start a word.
_RUN = rf"[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f{_GLUE}]"
# Only closing punctuation is left before the next space (or the end).
_END = r"""(?=[.,:;!?()\[\]{}<>"'”“`‘´’‚„»«…*&_#—–\-]*+(?!\S))"""
_EMOJI = r"\u2190-\u21ff\u2300-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
_UNITS = (  # spaCy's units; a number glued to one is split from it
    "km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb oz "
    "kmh mph hPa Pa mbar mb MB kb KB gb GB tb TB T G M K bit ƒ Gbps Mbps mbps Kbps kbps ppi px "
    "Hz kHz MHz GHz mAh ratus rb ribu ribuan juta jt jutaan miliar milliar million biliun "
    "billiun bilyun billion"
)


def _trie(words: Iterable[str], before: str) -> str:
    """A regex matching any of `words` (longest first), each only where `before` does not
    match the character before it; a trie, so that `re` rejects most positions at once."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict], depth: int) -> str:
        branches = [re.escape(char) + build(child, depth + 1) for char, child in sorted(node.items()) if char]
        if "" in node:  # checked behind the whole word, so only candidates pay for it
            branches.append(f"(?<!{before}{'.' * depth})")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(root, 0)


# Between two characters of a word (each alternative starts with its character, for speed).
_JOIN = "|".join([
    rf"-(?<={_LETTER}-)(?={_LETTER})(?!(?:[Nn]ya|[KkMm]u){_END})",  # not the clitic -nya
    rf"\.(?={_ALNUM})(?:(?<![{_LOWER}]\.)|(?![{_UPPER}]))",  # not kata.Dia
    rf",(?={_ALNUM})(?:(?<!{_LETTER},)|(?!{_LETTER}))",  # not kata,dia
    r":(?=\d)",
    rf"/(?<={_LETTER}/)(?=\d)",  # as spaCy: 6/1 and ant/rdk split, but not x/1
    rf"['’](?={_ALNUM})(?![sS]{_END})",
    rf"[&@](?={_ALNUM})",
    rf"\+(?<!\d\+)(?={_ALNUM})",  # H+4, but 1+1 splits
])
_UNIT = "|".join(sorted(map(re.escape, _UNITS.split()), key=len, reverse=True))
_TLD = "|".join(rf"(?<=\.[a-z]{{{n}}}.)" for n in range(2, 7))
_WORD = (
    rf"[{_GLUE}]*+[@#]?{_ALNUM}{_RUN}*+(?:(?:{_JOIN}){_RUN}++)*+"
    rf"(?:\$(?<=[A-Za-z]\$)|\+(?<={_LETTER}\+)\+*|[/?#](?:{_TLD})\S*?{_END})?"
    rf"(?:\.(?<=[{_UPPER}]\.)(?<![{_UPPER}°][{_UPPER}]\.)(?!\.))?"
)
_TOKEN = "|".join([
    rf"https?://\S+?{_END}",
    rf"www\.\S+?{_END}",
    _trie(ABBREVIATIONS, r"""[^\s(\[{"'“‘«„‚`/—–.]""") + rf"(?:{_END}|(?<=[{_LOWER}]\.)(?=[{_UPPER}]))",
    r"R(?:p\.?|MB)(?=\d)|USD(?=\d)|IDR(?=\d)|SGD(?=\d)",
    rf"-(?:[Nn]ya|[KkMm]u){_END}",
    rf"\d++(?:[.,:]\d++)*+(?=(?:{_UNIT}){_END})(?![TGMK]\.)",
    _WORD,
    r"\.\.+",
    rf"['’](?<=\w.)[sS]{_END}",
    r"[\U0001f1e6-\U0001f1ff]{2}",
    rf"[{_EMOJI}](?:[\ufe0f\u20e3\U0001f3fb-\U0001f3ff]|\u200d[{_EMOJI}])*",
    r"\S",
])
# Each match is (the whitespace before a token, the token): the offsets follow from the lengths.
_SPACE_AND_TOKEN = re.compile(rf"(\s*)({_TOKEN})")


def token_offsets(text: str) -> tuple[list[str], list[int], list[int]]:
    """Token texts, starts and ends (half-open code point offsets) of `text`."""
    texts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    end = 0
    for space, token in _SPACE_AND_TOKEN.findall(text):
        start = end + len(space)
        end = start + len(token)
        texts.append(token)
        starts.append(start)
        ends.append(end)
    return texts, starts, ends


def tokenize(text: str) -> tuple[Token, ...]:
    """The one tokenisation used everywhere: tokens with half-open code point offsets.

    Tokens never contain whitespace, and every other character is in exactly one token.
    """
    return tuple(map(Token, *token_offsets(text)))
