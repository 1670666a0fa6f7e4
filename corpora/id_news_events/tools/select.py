#!/usr/bin/env python3
"""Select Indonesian news sentences for ACE-2005 event annotation (phase 1).

Deterministic (fixed seeds), standard library only.  Reads ONLY the allowed,
MIT / CC BY 4.0 sources under ../shared/data (or $SHARED_DATA) and writes

    selected.jsonl           one sentence per line (id, source, file, index, doc,
                             domain_hint, text) -- plus nothing else
    chunks/chunk_{1..4}.jsonl  the same records, shuffled, split in 4
    selection_stats.json     counts per source / domain / heuristic event type

Usage:  python3 select.py            (from any directory)

Provenance:
  index = 0-based index of the sentence block in its file, where a block is a
          maximal run of non-blank lines (blank lines separate sentences; runs of
          several blank lines count as one separator).
  doc   = "<file tag>:<index // 50, zero-padded to 4 digits>".  The files have no
          article boundaries, so 50 consecutive sentence indices of one file form
          one pseudo-document; split train/dev/test by doc, never by sentence.
"""
import json
import os
import random
import re
import unicodedata
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
D = os.environ.get("SHARED_DATA", "../shared/data").rstrip("/") + "/"
SEED = 20240601
TARGET_TOTAL = 1700
N_ENRICHED = 1250         # keyword-enriched event sentences (random part = 1700 - 1250)
TYPE_TARGET = 30          # aim per event type (heuristic hits) in the enriched part
DOC_BLOCK = 50

# (source name, path, column separator, file tag used in doc ids / ids)
SOURCES = [
    ("idner-news-2k", D + "ner/idner-news-2k/train.txt", " ", "idner-train"),
    ("idner-news-2k", D + "ner/idner-news-2k/dev.txt", " ", "idner-dev"),
    ("indolem-nerugm", D + "ner/indolem-nerugm/nerugm.txt", "\t", "nerugm"),
    ("indolem-nerui", D + "ner/indolem-nerui/nergithub.txt", "\t", "nerui"),
    ("nlp-id-postag-kumparan", D + "raw/nlp-id-postag-kumparan/dataset_postag.txt", "\t", "kumparan"),
]
# NOTE: dedup keeps the FIRST occurrence in this order (idner-news-2k before
# indolem-nerugm, which shares ~1,000 sentences of text with it).


def read_blocks(path, sep):
    text = open(path, encoding="utf-8").read().replace("\r\n", "\n")
    blocks, cur = [], []
    for line in text.split("\n"):
        if not line.strip():
            if cur:
                blocks.append(cur)
                cur = []
            continue
        cur.append(line.split(sep)[0])
    if cur:
        blocks.append(cur)
    return blocks


# ---------------------------------------------------------------- detokeniser
NO_SPACE_BEFORE = {",", ".", "!", "?", ":", ";", ")", "]", "}", "%", "...", "…"}
NO_SPACE_AFTER = {"(", "[", "{"}
QUOTES = {'"', "'", "“", "”", "‘", "’", "`"}
# kumparan's tokenizer splits enclitics off: "ada nya", "apa kah", "itu lah"
CLITICS = {"nya", "lah", "kah", "mu", "ku"}
NO_CLITIC_HOST = {"yang", "akan", "telah", "sudah", "tak", "tidak", "pun", "dan", "untuk"}


def detok(tokens, rejoin_clitics):
    out = ""
    open_quote = {}          # quote char -> currently open?
    # a sentence with an odd number of straight quotes that does not start with
    # one continues a quotation opened in an earlier sentence: its first quote closes
    for q in ('"', "'"):
        n = sum(1 for t in tokens if t == q)
        if n % 2 == 1 and tokens and tokens[0] != q:
            open_quote[q] = True
    attach_next = True       # no space before the next token
    prev = None
    for tok in tokens:
        space = not attach_next
        attach_next = False
        if tok in QUOTES:
            q = '"' if tok in {'"', "“", "”"} else "'"
            if tok in {"“", "‘"}:
                is_open = True
            elif tok in {"”", "’"}:
                is_open = False
            else:
                is_open = not open_quote.get(q, False)
            if is_open:
                open_quote[q] = True
                attach_next = True
            else:
                open_quote[q] = False
                space = False
        elif tok in NO_SPACE_BEFORE or re.match(r"^'[a-z]{1,2}$", tok):
            space = False
        elif tok in NO_SPACE_AFTER:
            attach_next = True
        elif (rejoin_clitics and tok in CLITICS and prev is not None
              and re.search(r"[A-Za-z\-]$", prev) and prev.lower() not in NO_CLITIC_HOST):
            space = False
        if out and space:
            out += " "
        out += tok
        prev = tok
    # "Rp ." style leftovers are kept; only whitespace is normalised
    return re.sub(r"\s+", " ", out).strip()


def norm_key(text):
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"[^0-9a-z]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


# ------------------------------------------------------- sentence quality filter
ABBREV_END = re.compile(r"\b(Prof|Dr|dr|Ir|Jl|Jln|No|St|Drs|H|Hj|dll|dsb|Tbk|Bpk|Kol|Brigjen|Irjen|Kapt|Letjen|Mayjen|Sdr)\s?\.$")
END_OK = re.compile(r"[.!?][\"'”’)]*$")


def good_sentence(tokens, text):
    n = len(tokens)
    if n < 6 or n > 80:
        return False
    if not END_OK.search(text):
        return False                     # headline / caption / cut quote
    if text.endswith(('."', ".'")) and text.count('"') % 2 == 1 and text.startswith('"') is False:
        return False                     # tail of a quote that began in a previous sentence
    first = text.lstrip("\"'“‘(")[:1]
    if not (first.isupper() or first.isdigit()) and not text.startswith("kumparan"):
        return False                     # starts mid-sentence
    if ABBREV_END.search(text):
        return False                     # split at an abbreviation
    if re.search(r"https?://|www\.|@\w|#\w|\bBaca [Jj]uga\b|\bFoto\s*:|\bSumber\s*:", text):
        return False
    words = [t for t in tokens if re.match(r"^[A-Za-z]", t)]
    if len(words) < 5:
        return False
    lower = sum(1 for t in words if t[0].islower())
    if lower < 2 or lower / len(words) < 0.2:
        return False                     # title-case headline / list of names
    if re.search(r"\b(Telepon|Alamat|Harga|Jam buka)\s*:", text):
        return False                     # listings
    return True


# kumparan's file contains machine-corrupted forms (stem + "i": "lakui", "buati",
# "gunai", "kerjai" for melakukan/membuat/menggunakan/dikerjakan).  A kumparan
# sentence is dropped if it contains a lower-case token ending in -i that never
# occurs in the three NER corpora while its stem (minus the first letter, to allow
# nasal assimilation) occurs inside an affixed word (me-/di-/ber-/ter-/pe-/ke-/se-).
AFFIXED = ("me", "di", "ber", "ter", "per", "pen", "pem", "peng", "ke")
LEGIT_I = {"cerai", "mandi", "abadi", "kompromi", "torsi", "fikri", "eirini", "seni", "kini", "lagi",
           "pagi", "tinggi", "tali", "kali", "hati", "mati", "nasi", "api", "gigi", "kaki", "diri", "bumi",
           "sapi", "roti", "kopi", "puisi", "janji", "bunyi", "sunyi", "sepi", "duri", "pelangi", "padi"}


def corrupted_vocab(kumparan_blocks, ner_vocab):
    kv = Counter(t.lower() for s in kumparan_blocks for t in s)
    allv = set(kv) | ner_vocab
    big = "\n".join(sorted(w for w in allv if len(w) > 5 and w.startswith(("me", "di", "ber", "ter", "pe", "ke", "se"))))
    bad = set()
    for w in kv:
        if len(w) >= 4 and w.endswith("i") and w.isalpha() and w not in ner_vocab:
            if w in LEGIT_I:
                continue
            if len(w) >= 4 and w[:-1] in kv and w[:-1] not in LEGIT_I:
                bad.add(w)               # root + i: terima -> "terimai", ada -> "adai"
                continue
            if w.startswith(AFFIXED):
                continue
            if re.search(r"[aeiou]si$", w) and w[:-1] not in allv:
                continue                 # loanwords: informasi, akumulasi, tradisi
            core = w[:-1][1:]
            if len(core) >= 3 and core in big:
                bad.add(w)
    return bad | KUMPARAN_FORCED_BAD


KUMPARAN_FORCED_BAD = {"alami", "hargai", "hubungi", "miliki", "temui", "lakukani"}
# capitalised function words in mid-sentence = a headline / sub-heading glued on
GLUED = re.compile(r"[a-z0-9)] (Di|Dalam|Yang|Dan|Untuk|Masih|Tak|Tidak|Bikin|Jangan|Cara|Ini|Itu|Ke|Dari|Pada|Dengan|Bisa|Akan|Jadi|Sudah|Begini|Inilah|Ternyata|Resmi|Usai) [a-z]")


# ------------------------------------------------------------ event heuristics
# Generous root/affix regexes (lower-cased text).  Used ONLY to enrich the sample
# and to estimate the share of event sentences; they are not annotations.
W = r"(?<![a-z])"
E = r"(?![a-z])"
EVENT_RX = {
    "Life.Be-Born": r"(di)?lahir(kan|nya)?|melahirkan|kelahiran(nya)?",
    "Life.Marry": r"(me|di|per|ber)?nikah(i|an|kan|nya)?|(per)?kawin(an|i)?|mempersunting|dipersunting|akad nikah|ijab kabul",
    "Life.Divorce": r"(ber|per|men|di)?cerai(an|kan|nya)?|talak|gugat cerai|menjanda|menduda",
    "Life.Injure": r"(ter)?luka(-luka)?|cedera|mencederai|(di|me|pe)n?(g)?aniaya(an)?|patah tulang|babak belur|kritis",
    "Life.Die": r"tewas|menewaskan|meninggal( dunia)?|wafat|gugur|(ke)?matian|mati|terbunuh|(mem|di|pem)bunuh(an)?|korban jiwa|korban tewas|tutup usia|tenggelam",
    "Movement.Transport": r"tiba|setiba(nya)?|(ke)?berangkat(an|kan)?|(di|me|pe)ngirim(kan|an)?|dikirim(kan)?|(di|meng|peng)angkut(an)?|(di)?evakuasi|mengevakuasi|mengungsi|(di|pe)mulang(kan|an)|(di)?deportasi|dideportasi|diterbangkan|mendarat|(di|pe)mindah(kan|an)|(ber)?kunjung(an)?|mengunjungi|dikunjungi|kedatangan|(di|pe|me)nyelundup(kan|an)|mudik|terbang ke|bertolak",
    "Transaction.Transfer-Ownership": r"(mem|di|pem)beli(an)?|(men|di|pen)jual(an)?|(meng|di)?akuisisi|(di|pe)?lelang(an)?|melelang|(me|di)nyerahkan|diborong|memborong|menghibahkan|dihibahkan",
    "Transaction.Transfer-Money": r"(mem|di|pem)bayar(kan|an)?|(me|di)?nyumbang(kan|an)?|sumbangan|donasi|hibah|bantuan dana|(me|di)?nyuap|suap|gratifikasi|(me|di)?minjam(kan)?|pinjaman|dana talangan|(di|pen)cair(kan|an)|mengucurkan|kucuran|menyuntikkan dana|(me|di)nyalurkan bantuan|tebusan|transfer uang|mentransfer|ditransfer|setoran|menyetor",
    "Business.Start-Org": r"(men|di|pen)diri(kan|an)|berdiri sejak|(mem|di|pem)bentuk(an)? (partai|perusahaan|organisasi|tim|badan|komisi|lembaga|koalisi|pansus|satgas)|didirikan|dibentuk",
    "Business.Merge-Org": r"merger|(peng|di|meng)?gabung(an|kan)? (perusahaan|bank|partai)|(di|pe|me)lebur(an|kan)?|fusi|konsolidasi|bergabung menjadi",
    "Business.Declare-Bankruptcy": r"bangkrut|(ke)?pailit(an)?|kebangkrutan|pkpu|penundaan kewajiban pembayaran utang",
    "Business.End-Org": r"(di|mem|pem)bubar(kan|an)?|bubar|gulung tikar|(di)?likuidasi|berhenti beroperasi|(di|pe)nutup(an)? (perusahaan|pabrik|toko|gerai|bank|usaha)|ditutup permanen",
    "Conflict.Attack": r"(me|di|pe)?nyerang(an)?|serangan|serbuan|(me|di|pe)nyerbu(an)?|(me|di|pe)?nembak(an|kan)?|tembakan|baku tembak|(me|di)?ledak(an|kan)?|meledak|(pe|me|di)?ng?ebom(an)?|bom|(ke)?rusuh(an)?|bentrok(an)?|(me|di|pe)nikam(an)?|(mem|di|pem)bacok(an)?|(per|ber)tempur(an)?|perang|(me|di|pe)ng?aniaya(an)?|(me|di|pe)ngeroyok(an)?|(mem|di|pem)bunuh(an)?|(me|di|pe)mukul(an)?|(mem|di|pem)bakar(an)?|rudal|invasi|menginvasi|teror|penusukan|(me|di)nusuk|(me|di)rampok|perampokan|begal|pembegalan|menggempur|gempuran",
    "Conflict.Demonstrate": r"unjuk rasa|(ber|peng)unjuk rasa|demo|demonstrasi|berdemonstrasi|demonstran|mogok|aksi massa|long march|turun ke jalan|protes",
    "Contact.Meet": r"(ber|me|di|per)?temu(i|an)?|bertemu|pertemuan|menemui|ditemui|bertatap muka|rapat|konferensi|ktt|musyawarah|muktamar|kongres|munas|rapimnas|silaturahmi|audiensi|(ber)?diskusi|wawancara|diwawancarai|menjamu|dijamu|sidang (paripurna|kabinet|umum)",
    "Contact.Phone-Write": r"(me|di)?nelepon|ditelepon|telepon|sambungan telepon|(meng|di)hubungi|(me|di)nyurati|surat|sms|pesan singkat|e-mail|email|pesan whatsapp|berkirim pesan",
    "Personnel.Start-Position": r"(di|me|pe)lantik(an)?|(di|meng|peng)angkat(an)? (sebagai|menjadi)|pengangkatan|(di|pe)nunjuk(an)? (sebagai|menjadi)|resmi menjabat|mulai menjabat|(di|me)rekrut|menggantikan|(di|me)ngontrak|bergabung dengan|bergabung ke",
    "Personnel.End-Position": r"(meng|peng)undur(kan|an)? diri|mundur|(di|men|pen)copot(an)?|(di|mem|pem)berhenti(kan|an)|(di|me|pe)mecat(an)?|phk|pensiun|lengser|purnatugas|digantikan|didepak",
    "Personnel.Nominate": r"(di|men|pen)calon(kan|an)|mencalonkan diri|(di|meng)usung|dinominasikan|diusulkan (sebagai|menjadi)",
    "Personnel.Elect": r"terpilih|dipilih|pemilu|pemilihan|pilkada|pilpres|pileg|pemungutan suara|(pen|men)coblos(an)?|memenangi (pemilu|pilkada|pilpres|pemilihan)|pilgub|pilwalkot|pilbup|aklamasi",
    "Justice.Arrest-Jail": r"(di|me|pe)nangkap(an)?|tertangkap|ditahan|menahan|penahanan|dibekuk|membekuk|diringkus|meringkus|dicokok|diciduk|mengamankan|diamankan|dipenjara|memenjarakan|dijebloskan|mendekam|operasi tangkap tangan|ott",
    "Justice.Release-Parole": r"(di|mem|pem)bebas(kan|an)|bebas bersyarat|(di|me|pe)lepas(kan|an)? dari (tahanan|penjara|lapas|rutan)|keluar dari (penjara|lapas|rutan)|penangguhan penahanan|menghirup udara bebas",
    "Justice.Trial-Hearing": r"(per)?sidang(an|kan)?|disidangkan|(di|meng)adili|peradilan|praperadilan",
    "Justice.Charge-Indict": r"(di|men)dakwa(kan)?|dakwaan|(di|me)tetapkan (sebagai )?tersangka|penetapan tersangka|(di|me)nuntut|tuntutan|dijerat|menjerat",
    "Justice.Sue": r"(di|meng|peng)?gugat(an)?|menggugat|digugat|uji materi|judicial review",
    "Justice.Convict": r"(di|ter)?(vonis|nyatakan|buktikan|bukti) bersalah|terbukti (secara sah|bersalah)|dinyatakan bersalah",
    "Justice.Sentence": r"(di)?vonis|memvonis|(di|men)jatuhi? (hukuman|vonis|pidana)|dihukum|menghukum|hukuman (penjara|mati|seumur)|tahun penjara|bulan penjara|diganjar",
    "Justice.Fine": r"(di)?denda|dikenai denda|sanksi denda",
    "Justice.Execute": r"(di)?eksekusi( mati)?|mengeksekusi|hukuman mati|regu tembak|digantung",
    "Justice.Extradite": r"(di|meng)?ekstradisi(kan)?",
    "Justice.Acquit": r"(di)?vonis bebas|putusan bebas|dibebaskan dari (segala )?(dakwaan|tuntutan)|lepas dari segala tuntutan",
    "Justice.Appeal": r"banding|kasasi|peninjauan kembali",
    "Justice.Pardon": r"grasi|amnesti|abolisi|remisi",
}
EVENT_CRX = {t: re.compile(W + "(?:" + rx + ")" + E) for t, rx in EVENT_RX.items()}


def event_hits(text):
    low = text.lower()
    hits = set()
    for t, rx in EVENT_CRX.items():
        if rx.search(low):
            hits.add(t)
    # cheap negative rules for the most common false friends
    if "Justice.Appeal" in hits and not re.search(W + r"(banding|kasasi|peninjauan kembali)" + E, low):
        hits.discard("Justice.Appeal")
    if "Justice.Release-Parole" in hits and re.search(r"pembebasan lahan|bebas (pajak|bea|biaya)", low) and not re.search(r"dibebaskan|bebas bersyarat|penjara|lapas|rutan", low):
        hits.discard("Justice.Release-Parole")
    return hits


# ------------------------------------------------------------- domain hints
DOMAIN_KW = {
    "politics": r"dpr|dprd|mpr|partai|presiden|wapres|menteri|kabinet|gubernur|bupati|wali ?kota|pemilu|pilkada|pilpres|pileg|capres|cawapres|caleg|kpu|bawaslu|golkar|pdip?|gerindra|demokrat|pkb|pks|ppp|nasdem|hanura|koalisi|oposisi|parlemen|fraksi|legislatif|kampanye|jokowi|prabowo|sby|yudhoyono|megawati|pemerintah|politik|politisi|ketua umum|munas|muktamar|perdana menteri|senat|kongres|undang-undang|ruu|perppu",
    "crime_courts": r"polisi|polres|polda|polsek|polri|kapolres|kapolda|bareskrim|tersangka|terdakwa|kpk|korupsi|pengadilan|hakim|jaksa|kejaksaan|kejati|kejari|sidang|persidangan|vonis|penjara|lapas|rutan|ditangkap|penangkapan|narkoba|sabu|pembunuhan|pencurian|perampokan|begal|pidana|tipikor|penipuan|pelaku|kriminal|suap|gratifikasi|mahkamah agung|banding|kasasi|praperadilan|penyidik",
    "disaster": r"gempa|banjir|longsor|tsunami|kebakaran|terbakar|erupsi|gunung api|letusan|bnpb|bpbd|puting beliung|angin kencang|kecelakaan|tabrakan|tenggelam|karam|jatuh|bencana|bmkg|kekeringan|badai|topan|siklon|basarnas|sar|pengungsi|evakuasi|korban",
    "conflict_military": r"tni|militer|tentara|prajurit|pasukan|perang|serangan|bom|ledakan|teroris|terorisme|isis|rudal|senjata|israel|palestina|suriah|gaza|taliban|afghanistan|irak|konflik|kombatan|pemberontak|separatis|kkb|opm|densus|pertahanan|kapal perang|jet tempur|nato|unjuk rasa|demonstran|demonstrasi|kerusuhan|bentrok",
    "economy_business": r"rupiah|dolar|saham|ihsg|bursa|bank|perbankan|investasi|investor|perusahaan|ekspor|impor|harga|inflasi|bank indonesia|ojk|ekonomi|pasar|penjualan|laba|pendapatan|triliun|miliar|bumn|pertamina|pt|tbk|bisnis|startup|e-commerce|pajak|apbn|bbm|industri|pabrik|produksi|kredit|utang|tarif|dividen|rups|telkom|akuisisi|merger|konsumen|pengusaha|umkm",
    "sport": r"sepak ?bola|liga|gol|pemain|pelatih|klub|timnas|pssi|piala|pertandingan|laga|juara|turnamen|motogp|formula ?1|f1|bulu ?tangkis|badminton|persib|persija|arema|real madrid|barcelona|manchester|liverpool|chelsea|juventus|skor|atlet|olimpiade|asian games|sea games|babak|medali|striker|kiper|bek|gelandang|musim|kompetisi|balapan|pebalap|petenis|tenis|basket|nba|tinju|ufc|maraton|voli|imbang|menit|perempatfinal|semifinal|final|leg|gol|arsenal|leeds|inter|milan|psg|city|united|wolfsburg|dortmund|bayern|federer|nadal|ronaldo|messi|valentino rossi|marquez|lorenzo|premier league|serie a|la liga|bundesliga|ligue 1|grand slam|atp|wta|bwf",
    "entertainment_lifestyle": r"film|aktor|aktris|artis|penyanyi|musik|lagu|album|konser|selebriti|sinetron|drama|k-pop|bts|exo|blackpink|hollywood|netflix|fashion|busana|makeup|kulit|wajah|resep|makanan|kuliner|restoran|wisata|liburan|traveling|hotel|kecantikan|gaya hidup|instagram|youtube|youtuber|mom|moms|bayi|anak|ibu hamil|kehamilan|diet|olahraga ringan",
}
DOMAIN_CRX = {d: re.compile(W + "(?:" + rx + ")" + E) for d, rx in DOMAIN_KW.items()}
DOMAIN_ORDER = list(DOMAIN_KW)
TYPE_DOMAIN_BONUS = {  # event types nudge the domain
    "Justice": "crime_courts", "Conflict.Attack": "conflict_military",
    "Conflict.Demonstrate": "conflict_military", "Personnel.Elect": "politics",
    "Personnel.Nominate": "politics", "Business": "economy_business",
    "Transaction": "economy_business",
}


def domain_hint(text, hits):
    low = text.lower()
    score = Counter()
    for d, rx in DOMAIN_CRX.items():
        score[d] = len(rx.findall(low))
    for h in hits:
        for pre, d in TYPE_DOMAIN_BONUS.items():
            if h.startswith(pre):
                score[d] += 1
    best = max(DOMAIN_ORDER, key=lambda d: (score[d], -DOMAIN_ORDER.index(d)))
    return best if score[best] > 0 else "other"


# ---------------------------------------------------------------------- main
def main():
    rng = random.Random(SEED)
    raw = {}
    for name, path, sep, tag in SOURCES:
        raw[tag] = read_blocks(path, sep)
    ner_vocab = {t.lower() for tag in ("idner-train", "idner-dev", "nerugm", "nerui") for s in raw[tag] for t in s}
    bad_vocab = corrupted_vocab(raw["kumparan"], ner_vocab)

    pool, seen = [], set()
    reasons = Counter()
    for name, path, sep, tag in SOURCES:
        for i, toks in enumerate(raw[tag]):
            if tag == "kumparan" and any(t.lower() in bad_vocab for t in toks):
                reasons["kumparan_corrupted_form"] += 1
                continue
            text = detok(toks, rejoin_clitics=(tag == "kumparan"))
            if tag == "kumparan" and (GLUED.search(text) or text[:1].isdigit()):
                reasons["kumparan_glued_heading_or_fragment"] += 1
                continue
            if not good_sentence(toks, text):
                reasons["filtered_length_or_fragment"] += 1
                continue
            key = norm_key(text)
            if key in seen:
                reasons["duplicate"] += 1
                continue
            seen.add(key)
            hits = event_hits(text)
            if tag.startswith("idner"):
                sid = "idner-news-2k-%s-%d" % (tag.split("-")[1], i)
            else:
                sid = "%s-%d" % (name, i)
            pool.append({
                "id": sid, "source": name, "file": os.path.relpath(path, D), "index": i,
                "doc": "%s:%04d" % (tag, i // DOC_BLOCK),
                "domain_hint": domain_hint(text, hits), "text": text,
                "_hits": sorted(hits), "_tag": tag,
            })

    rng.shuffle(pool)
    # NER-corpus sentences are clean, Kompas-style hard news: give them priority
    # in the enriched part by ordering them first within each type's candidates
    # half of the time (interleave), so both sources are represented.
    selected, sel_ids = [], set()
    type_count = Counter()

    def take(rec, why):
        selected.append(dict(rec, _why=why))
        sel_ids.add(rec["id"])
        for h in rec["_hits"]:
            type_count[h] += 1

    cands = defaultdict(list)
    for r in pool:
        for h in r["_hits"]:
            cands[h].append(r)
    for t in cands:  # interleave NER sentences and kumparan sentences
        ner = [r for r in cands[t] if r["_tag"] != "kumparan"]
        kum = [r for r in cands[t] if r["_tag"] == "kumparan"]
        mixed = []
        for a in range(max(len(ner), len(kum))):
            if a < len(ner):
                mixed.append(ner[a])
            if a < len(kum):
                mixed.append(kum[a])
        cands[t] = mixed

    # 0) realistic random sample FIRST (events or not), independent of the
    #    enrichment: half from the NER corpora, half from kumparan
    rrng = random.Random(SEED + 7)
    ner_pool = [r for r in pool if r["_tag"] != "kumparan"]
    kum_pool = [r for r in pool if r["_tag"] == "kumparan"]
    rrng.shuffle(ner_pool)
    rrng.shuffle(kum_pool)
    n_rand = TARGET_TOTAL - N_ENRICHED
    for r in ner_pool[: n_rand // 2] + kum_pool[: n_rand - n_rand // 2]:
        take(r, "random")
    # 1) rare types first: everything up to 40; then every type up to TYPE_TARGET
    for t in sorted(EVENT_RX, key=lambda t: len(cands[t])):
        cap = 40 if len(cands[t]) <= 60 else TYPE_TARGET
        for r in cands[t]:
            if type_count[t] >= cap:
                break
            if r["id"] not in sel_ids:
                take(r, "type:" + t)
    # 2) fill the enriched part round-robin over domains with any event-hit sentence
    # sports "attacks"/"meetings" are nearly always match reports: skip them here;
    # sentences with several keyword types first (more likely real events)
    weak_sport = {"Conflict.Attack", "Contact.Meet", "Justice.Arrest-Jail", "Transaction.Transfer-Money"}
    by_dom = defaultdict(list)
    for r in pool:
        if r["_hits"] and r["id"] not in sel_ids:
            if r["domain_hint"] == "sport" and set(r["_hits"]) <= weak_sport:
                continue
            by_dom[r["domain_hint"]].append(r)
    for d in by_dom:
        by_dom[d].sort(key=lambda r: -min(len(r["_hits"]), 2))
    doms = ["politics", "crime_courts", "disaster", "conflict_military", "economy_business", "sport", "entertainment_lifestyle", "other"]
    ptr = Counter()
    while len(selected) < TARGET_TOTAL:
        progressed = False
        for d in doms:
            while ptr[d] < len(by_dom[d]) and by_dom[d][ptr[d]]["id"] in sel_ids:
                ptr[d] += 1
            if ptr[d] < len(by_dom[d]) and len(selected) < TARGET_TOTAL:
                take(by_dom[d][ptr[d]], "fill:" + d)
                ptr[d] += 1
                progressed = True
        if not progressed:
            break
    # output: stable order by source file then index
    order = {tag: k for k, (_, _, _, tag) in enumerate(SOURCES)}
    selected.sort(key=lambda r: (order[r["_tag"]], r["index"]))
    pub = ["id", "source", "file", "index", "doc", "domain_hint", "text"]
    with open(os.path.join(HERE, "selected.jsonl"), "w", encoding="utf-8") as f:
        for r in selected:
            f.write(json.dumps({k: r[k] for k in pub}, ensure_ascii=False) + "\n")

    # chunks: shuffle with a fixed seed, deal round-robin into 4 files
    os.makedirs(os.path.join(HERE, "chunks"), exist_ok=True)
    shuffled = selected[:]
    random.Random(SEED + 1).shuffle(shuffled)
    for c in range(4):
        with open(os.path.join(HERE, "chunks", "chunk_%d.jsonl" % (c + 1)), "w", encoding="utf-8") as f:
            for r in shuffled[c::4]:
                f.write(json.dumps({k: r[k] for k in pub}, ensure_ascii=False) + "\n")

    # heuristic sidecar (NOT annotation) + stats
    with open(os.path.join(HERE, "selected_heuristic_hits.jsonl"), "w", encoding="utf-8") as f:
        for r in selected:
            f.write(json.dumps({"id": r["id"], "keyword_types": r["_hits"], "why": r["_why"]}, ensure_ascii=False) + "\n")
    stats = {
        "pool_size": len(pool),
        "pool_by_source": Counter(r["source"] for r in pool),
        "pool_with_hits": sum(1 for r in pool if r["_hits"]),
        "filter_reasons": reasons,
        "corrupted_vocab_size": len(bad_vocab),
        "selected": len(selected),
        "by_source": Counter(r["source"] for r in selected),
        "by_file": Counter(r["file"] for r in selected),
        "by_domain": Counter(r["domain_hint"] for r in selected),
        "by_why": Counter(r["_why"].split(":")[0] for r in selected),
        "with_keyword_hit": sum(1 for r in selected if r["_hits"]),
        "random_part_with_keyword_hit": [sum(1 for r in selected if r["_why"] == "random" and r["_hits"]),
                                         sum(1 for r in selected if r["_why"] == "random")],
        "keyword_type_counts_selected": dict(sorted(Counter(h for r in selected for h in r["_hits"]).items())),
        "keyword_type_counts_pool": dict(sorted(Counter(h for r in pool for h in r["_hits"]).items())),
        "chunk_sizes": [len(shuffled[c::4]) for c in range(4)],
    }
    with open(os.path.join(HERE, "selection_stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, ensure_ascii=False, indent=1)
    print(json.dumps(stats, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
