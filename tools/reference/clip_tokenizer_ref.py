"""CLIP's byte-level BPE tokenizer, written from the published algorithm.

Sources: openai/CLIP `clip/simple_tokenizer.py` (bytes_to_unicode, get_pairs, bpe,
the token pattern, <|startoftext|>/<|endoftext|>, 77 positions) and transformers'
CLIPTokenizerFast `tokenizer.json` normalizer (NFC, whitespace runs -> one space,
lowercase).  Text cleanup follows tokenizer.json: NFC, then every run of Unicode
White_Space (what the `regex` module's \\s matches) becomes one space, then
str.lower(); the Python `regex` module is not on Debian, so the token pattern

    <\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+

is matched by hand with unicodedata categories (L* letters, N* numbers).  FLUX pads
with <|endoftext|> to 77 (CLIPTokenizer's pad token) and truncates to 75 tokens
between the start and end tokens.

Only the standard library is used.
"""

import json
import unicodedata

START, END = "<|startoftext|>", "<|endoftext|>"
CONTEXT = 77

# Unicode White_Space (the `regex` module's \s for str patterns)
WHITESPACE = set(chr(c) for c in [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680,
                                  *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F,
                                  0x3000])
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]


def bytes_to_unicode():
    """The 256 printable stand-ins for bytes (simple_tokenizer.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def get_pairs(word):
    return set(zip(word[:-1], word[1:]))


def clean(text):
    text = unicodedata.normalize("NFC", text)
    out, in_ws = [], False
    for ch in text:
        if ch in WHITESPACE:
            if not in_ws:
                out.append(" ")
            in_ws = True
        else:
            out.append(ch)
            in_ws = False
    return "".join(out).strip().lower()


def _is_letter(ch):
    return unicodedata.category(ch)[0] == "L"


def _is_number(ch):
    return unicodedata.category(ch)[0] == "N"


def pre_tokenize(text):
    """re.findall of the CLIP pattern (leftmost alternative that matches wins)."""
    out, i, n = [], 0, len(text)
    while i < n:
        for lit in (START, END, *CONTRACTIONS):
            if text.startswith(lit, i):
                out.append(lit)
                i += len(lit)
                break
        else:
            ch = text[i]
            j = i + 1
            if _is_letter(ch):
                while j < n and _is_letter(text[j]):
                    j += 1
            elif _is_number(ch):
                pass
            elif ch in WHITESPACE:
                i = j  # not matched by any alternative: skipped by findall
                continue
            else:
                # [^\s\p{L}\p{N}]+ is greedy; a later contraction or special token
                # inside the run does not stop it
                while j < n and not (text[j] in WHITESPACE or _is_letter(text[j])
                                     or _is_number(text[j])):
                    j += 1
            out.append(text[i:j])
            i = j
    return out


class ClipTokenizer:
    def __init__(self, vocab, merges):
        """vocab: piece -> id; merges: list of (a, b) in rank order."""
        self.encoder = dict(vocab)
        self.ranks = {tuple(m): i for i, m in enumerate(merges)}
        self.byte_encoder = bytes_to_unicode()

    @classmethod
    def from_files(cls, vocab_json, merges_txt):
        with open(vocab_json, encoding="utf-8") as f:
            vocab = json.load(f)
        with open(merges_txt, encoding="utf-8") as f:
            lines = f.read().split("\n")
        merges = [tuple(ln.split()) for ln in lines[1:] if ln and not ln.startswith("#version")]
        return cls(vocab, merges)

    def bpe(self, token):
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        pairs = get_pairs(word)
        if not pairs:
            return [token + "</w>"]
        while True:
            bigram = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if bigram not in self.ranks:
                break
            first, second = bigram
            new_word, i = [], 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new_word.extend(word[i:])
                    break
                new_word.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second)
                    i += 2
                else:
                    new_word.append(word[i])
                    i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        return list(word)

    def encode(self, text):
        """Ids of the text without start/end tokens (unknown pieces -> <|endoftext|>)."""
        ids = []
        for tok in pre_tokenize(clean(text)):
            if tok in (START, END):
                ids.append(self.encoder[tok])
                continue
            chars = "".join(self.byte_encoder[b] for b in tok.encode("utf-8"))
            ids.extend(self.encoder.get(p, self.encoder[END]) for p in self.bpe(chars))
        return ids

    def __call__(self, text, pad=True):
        """FLUX's call: start + at most 75 tokens + end, padded with end to 77."""
        ids = [self.encoder[START]] + self.encode(text)[:CONTEXT - 2] + [self.encoder[END]]
        if pad:
            ids += [self.encoder[END]] * (CONTEXT - len(ids))
        return ids
