"""Training text and test strings from Debian's own files (no downloads).

corpus_lines(): the license texts under /usr/share/common-licenses plus the
translated messages of a few packages' .mo catalogues (German, French,
Russian, Greek, Japanese, Chinese, Korean), so the vocabularies see accents,
Cyrillic, Greek and some CJK.  The file list is fixed and sorted, so the
corpus is the same on every Debian 12 machine that has these packages.

test_strings(n, seed): strings for the tokenizer oracles: corpus slices mixed
with Unicode the normalizers must handle (accents precomposed and combining,
full-width and half-width forms, ligatures, CJK, emoji with modifiers and
joiners, zero-width and control characters, whitespace runs of every kind),
plus fixed edge cases (the empty string, whitespace only, one character).
"""

import gettext
import glob
import os
import random

LICENSE_DIR = "/usr/share/common-licenses"
MO_LANGS = ["de", "fr", "ru", "el", "ja", "zh_CN", "ko"]
MO_DOMAINS = ["apt", "bash", "coreutils", "glib20", "tar", "grep", "sed", "diffutils"]


def corpus_lines():
    lines = []
    for path in sorted(glob.glob(os.path.join(LICENSE_DIR, "*"))):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                lines.extend(ln.strip() for ln in f if ln.strip())
    for lang in MO_LANGS:
        for dom in MO_DOMAINS:
            path = f"/usr/share/locale/{lang}/LC_MESSAGES/{dom}.mo"
            if not os.path.exists(path):
                continue
            with open(path, "rb") as f:
                cat = gettext.GNUTranslations(f)._catalog
            for key in sorted(cat, key=str):
                val = cat[key]
                if isinstance(val, str):
                    lines.extend(ln.strip() for ln in val.split("\n") if ln.strip())
    return lines


EXTRAS = [
    # accents, precomposed and combining
    "é", "è", "ñ", "ü", "Å", "ø", "ß", "e\u0301", "a\u0308", "o\u0302\u0323", "Ç", "İ", "ı",
    # full-width, half-width, compatibility forms (NFKC changes them)
    "ＡＢＣ", "１２３", "ｶﾀｶﾅ", "ﬁ", "ﬀ", "Ⅻ", "①", "™", "½", "㎏", "ℌ", "²", "…",
    # CJK and other scripts
    "漢字", "日本語のテキスト", "中文字符", "한국어", "Ελληνικά", "Русский", "עברית", "العربية", "ไทย",
    # emoji: plain, skin tone, flag, ZWJ sequence, keycap, variation selector
    "😀", "👍🏽", "🇫🇷", "👨\u200d👩\u200d👧", "1\ufe0f\u20e3", "❤\ufe0f", "🦀",
    # zero-width, BOM, soft hyphen, controls
    "\u200b", "\ufeff", "\u00ad", "\u200d", "\x01", "\x7f", "\u0085",
    # whitespace of every kind
    " ", "  ", "   ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u2003", " \t \n ",
    # punctuation and symbols
    "'s", "’", "“quoted”", "--", "!?", "$5.00", "100%", "<|endoftext|>", "</s>", "▁", "http://x.y/z",
]

FIXED = ["", " ", "   ", "\t", "\n", "\t \n", "a", "A", "▁", "é", "😀", "漢", "\u3000",
         "  leading spaces", "trailing spaces   ", "many    inner     spaces",
         "a photo of a cat", "A PHOTO OF A CAT", "ﬁne ﬁsh", "1234567890"]


def test_strings(n, seed):
    rng = random.Random(seed)
    lines = corpus_lines()
    out = list(FIXED)
    while len(out) < n:
        parts = []
        for _ in range(rng.randint(1, 4)):
            r = rng.random()
            if r < 0.55:
                ln = rng.choice(lines)
                a = rng.randrange(len(ln) + 1)
                parts.append(ln[a:a + rng.randint(0, 40)])
            elif r < 0.65:
                parts.append(rng.choice(lines).upper()[:40])
            else:
                parts.append(rng.choice(EXTRAS))
        sep = rng.choice(["", " ", " ", " ", "  ", "\t"])
        out.append(sep.join(parts))
    return out[:n]


def write_strings(out_dir, strings, seed):
    """tests/data/text/strings.json: the test strings both oracles tokenized (both
    generators write the same file)."""
    import json
    with open(os.path.join(out_dir, "strings.json"), "w", encoding="utf-8") as f:
        json.dump({"format": "rectify-tokenizer-strings", "version": 1,
                   "made_by": "tools/tokenizer/debian_text.py test_strings(%d, %d)"
                   % (len(strings), seed), "strings": strings},
                  f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
