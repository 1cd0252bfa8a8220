#!/usr/bin/env python3
"""golden_tokens.py -- writes the tokenizer golden fixtures from Hugging Face's slow (Python) BertTokenizer.

Development tool (CI does not run it). Needs `transformers` (no torch):

    python3 -m venv /tmp/tokvenv && /tmp/tokvenv/bin/pip install "transformers<5"
    /tmp/tokvenv/bin/python tools/golden_tokens.py [--model-dir var/models/all-MiniLM-L6-v2]

Writes tests/fixtures/bertscore/tokens.jsonl (the model's own setting, do_lower_case from
tokenizer_config.json) and tests/fixtures/bertscore/tokens_cased.jsonl (same vocab,
do_lower_case=False: exercises NFC without lower-casing). One JSON object per line:
{"text": ..., "max_len": N, "ids": [...], "tokens": [...]}; ids are what
tokenizer.encode(text, add_special_tokens=True, truncation=True, max_length=N) returns,
which is what bert-score's sent_encode does (it also strips the text first; stripping
never changes BERT ids, the C test checks that).

Reference: transformers 4.x `BertTokenizer` (slow), which bert-score uses with use_fast=False.
With transformers >= 5, `BertTokenizer` is the Rust one and the slow one is
`BertTokenizerLegacy`, whose str.lower() runs per word, so a word-final capital sigma
becomes final sigma (U+03C2); 4.x lower-cases character by character first (U+03C3), as
the fast tokenizer does. The fixture records the reference; run with transformers<5.
Agreement with the fast tokenizer is printed as information.
"""
import argparse
import json
import os
import random
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def load_slow(model_dir, lower):
    import transformers

    major = int(transformers.__version__.split(".")[0])
    if major >= 5:
        from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy as Slow
        print(f"warning: transformers {transformers.__version__}: using BertTokenizerLegacy; "
              "4.x is the reference (see the docstring)", file=sys.stderr)
    else:
        from transformers import BertTokenizer as Slow
    return Slow.from_pretrained(model_dir, do_lower_case=lower)


def load_fast(model_dir, lower):
    try:
        from transformers import BertTokenizerFast
        return BertTokenizerFast.from_pretrained(model_dir, do_lower_case=lower)
    except Exception as e:  # informational only
        print(f"fast tokenizer unavailable: {e}", file=sys.stderr)
        return None


def dataset_texts(limit):
    """Real question/answer texts from the dataset sample, if present."""
    import csv
    path = os.path.join(ROOT, "dataset", "sample.csv")
    out = []
    if not os.path.exists(path):
        return out
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            for cell in row[1:]:
                if cell and len(out) < limit:
                    out.append(cell)
    return out


def handwritten():
    t = []
    # empty, whitespace, tiny
    t += ["", " ", "   ", "\t", "\n", "\r\n", " \t\n\r ", "\u00a0", "\u3000", "\u2028", "a", "A",
          ".", "!", "#", "##", "###", "##ing", "a##b", "0", "9", "x y", "  leading", "trailing  "]
    # plain English, case, contractions, numbers
    t += [
        "Hello, world!", "HELLO WORLD", "hElLo WoRlD", "The quick brown fox jumps over the lazy dog.",
        "I don't know what you're talking about, isn't it?", "U.S.A. vs. U.K.", "e.g. i.e. etc.",
        "It costs $3.14, or 1,000,000 yen (approx.)", "Call 555-123-4567 or +1 (800) 555 0199",
        "2024-01-31T12:34:56Z", "3.14159265358979323846264338327950288419716939937510",
        "1st 2nd 3rd 4th 100th", "0.5% of 10^6 = 5,000", "v1.2.3-beta+build.45", "10km/h 5kg 3ml",
        "unaffable unbelievable antidisestablishmentarianism", "supercalifragilisticexpialidocious",
        "What is the capital of France? Paris is the capital.",
        "Why is the sky blue? Rayleigh scattering makes shorter wavelengths scatter more.",
    ]
    # punctuation runs and symbols
    t += ["!!!???...", "...", "--", "---", "a--b", "(((nested)))", "[[[x]]]", "{}[]()<>", "@#$%^&*",
          "\"quoted\" 'single'", "`backticks`", "~tilde~", "a/b\\c|d", "semi;colon:colon",
          "\u2026 ellipsis \u2014 em dash \u2013 en dash", "\u201csmart quotes\u201d \u2018single\u2019",
          "\u00abguillemets\u00bb \u2039x\u203a", "\u00bfQu\u00e9? \u00a1S\u00ed!", "\u00a7 \u00b6 \u2020 \u2021",
          "\u2022 bullet \u00b7 middle dot", "\u3002\u3001\u300c\u300d\u300e\u300f", "\uff01\uff1f\uff0c",
          "$ \u20ac \u00a3 \u00a5 \u20b9 \u20bf", "+ = < > ^ | ~ \u00d7 \u00f7 \u00b1", "\u2211\u222b\u221a\u221e\u2260\u2264",
          "x\u00b2 + y\u00b3 = z\u00b9", "\u00bd \u00bc \u00be", "\u2160 \u216b \u2170", "\ufb01nance \ufb02ow"]
    # URLs, emails, HTML, code
    t += ["https://www.example.com/path/to/page?query=1&b=two#frag", "http://127.0.0.1:8080/",
          "mailto:someone@example.org", "user.name+tag@sub.example.co.uk",
          "<p>Hello <b>bold</b> &amp; <i>italic</i></p>", "<a href=\"http://x.y\">link</a>",
          "&lt;script&gt;alert('x')&lt;/script&gt;", "int main(void) { return 0; }",
          "for (i = 0; i < n; i++) x[i] += y[i] * 2;", "SELECT * FROM t WHERE a = 'b';",
          "#hashtag @mention", "C:\\Program Files\\x.exe", "snake_case_name camelCaseName"]
    # accents and Latin scripts
    t += ["caf\u00e9", "CAF\u00c9", "na\u00efve r\u00e9sum\u00e9", "\u00c5ngstr\u00f6m", "\u212bngstr\u00f6m",
          "Cr\u00e8me Br\u00fbl\u00e9e", "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u", "Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144",
          "\u0130stanbul \u0131\u0069 I\u0131", "stra\u00dfe STRASSE \u1e9e", "\u00c6sir \u00e6 \u0152uvre \u0153",
          "\u00f1and\u00fa \u00d1AND\u00da", "\u010de\u0161tina \u0159\u00ed\u0161e", "Fran\u00e7ais \u00e0 \u00e2 \u00ea \u00ee \u00f4 \u00fb",
          "\u01c4 \u01c5 \u01c6 \u01f1", "\u00de\u00f3r \u00f0", "\u0111\u0110 \u0142\u0141 \u00f8\u00d8"]
    # decomposed and combining marks
    t += ["e\u0301", "cafe\u0301", "a\u0308\u0301", "\u0301", " \u0301 ", "\u0301abc", "abc\u0301\u0302\u0303",
          "o\u0323\u0302", "o\u0302\u0323", "Z\u0351\u0352\u0353a\u0354\u0355l\u0356g\u0357o\u0358", "e\u20dd",
          "n\u0303 vs \u00f1", "A\u030a vs \u00c5 vs \u212b", "\u1100\u1161\u11a8", "\u0915\u094d\u0937"]
    # Greek (final sigma is where transformers 4.x and 5.x slow tokenizers differ)
    t += ["\u0395\u039b\u039b\u0397\u039d\u0399\u039a\u0391", "\u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac",
          "\u039f\u0394\u039f\u03a3", "\u039f\u0394\u039f\u03a3 \u039f\u0394\u039f\u03a3.",
          "\u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1 \u03ba\u03cc\u03c3\u03bc\u03b5", "\u0386\u03b8\u03ae\u03bd\u03b1",
          "\u03a3\u03a3", "\u03c3\u03c2\u03a3"]
    # other scripts
    t += ["\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u0401\u043b\u043a\u0430",
          "\u0423\u043a\u0440\u0430\u0457\u043d\u0430 \u0491 \u0404", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
          "\u0627\u0644\u0633\u0651\u064e\u0644\u0627\u0645\u064f \u0639\u064e\u0644\u064e\u064a\u0652\u0643\u064f\u0645\u0652",
          "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
          "\u0939\u093f\u0928\u094d\u0926\u0940 \u092d\u093e\u0937\u093e", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a",
          "\u0bb5\u0ba3\u0b95\u0bcd\u0b95\u0bae\u0bcd", "\u0532\u0561\u0580\u0587 \u0540\u0561\u0575\u0561\u057d\u057f\u0561\u0576",
          "\u10d2\u10d0\u10db\u10d0\u10e0\u10ef\u10dd\u10d1\u10d0", "\u1230\u120b\u121d", "\u0986\u09ae\u09bf \u09ac\u09be\u0982\u09b2\u09be",
          "\u0a38\u0a24 \u0a38\u0a4d\u0a30\u0a40 \u0a05\u0a15\u0a3e\u0a32"]
    # CJK, Japanese, Korean
    t += ["\u4f60\u597d\u4e16\u754c", "\u6211\u7231\u5317\u4eac\u5929\u5b89\u95e8\u3002", "\u4e2d\u6587abc\u4e2d\u6587",
          "\u6771\u4eac\u306f\u65e5\u672c\u306e\u9996\u90fd\u3067\u3059\u3002", "\u3072\u3089\u304c\u306a \u30ab\u30bf\u30ab\u30ca \u30ab\u30bf\u30ab\u30ca\u30fc",
          "\uff8a\uff9d\uff76\uff78\uff76\uff80\uff76\uff85", "\ud55c\uad6d\uc5b4 \uc548\ub155\ud558\uc138\uc694",
          "\uc11c\uc6b8\uc740 \ud55c\uad6d\uc758 \uc218\ub3c4\uc785\ub2c8\ub2e4.", "\u3400\u4dbf", "\U00020000\U0002a6df\U0002a700",
          "\U0002b740\U0002b820\U0002ceaf", "\uf900\uf901\ufa6d", "\U0002f800\U0002fa1d", "\u2f00\u2e80 radicals",
          "\u3131\u314f \u1100\u1161", "\u4e00-\u4e8c-\u4e09", "\u6f22\u5b57\u4ed3\u9821\u3041\u30a1"]
    # emoji, variation selectors, ZWJ
    t += ["\U0001f600", "I love it \U0001f60d\U0001f60d\U0001f60d!", "\U0001f44d\U0001f3fd thumbs",
          "\U0001f468\u200d\U0001f469\u200d\U0001f467 family", "\U0001f1ea\U0001f1f8 \U0001f1ef\U0001f1f5", "\u2764\ufe0f \u2764",
          "1\ufe0f\u20e3 keycap", "\u263a \u2603 \u2708", "\U0001f914\U0001f937\u200d\u2642\ufe0f", "\u00a9 \u00ae \u2122"]
    # control / zero-width / special unicode
    t += ["a\x00b", "\x00", "a\x01b\x02c", "x\x7fy", "del\x7f", "a\x85b", "a\x0bb\x0cc", "a\x1cb\x1fc",
          "zero\u200bwidth", "zero\u200cnon\u200djoiner", "\ufeffbom at start", "soft\u00adhyphen", "a\u2028b\u2029c",
          "a\u00a0b\u2009c\u202fd\u205fe\u1680f", "rep\ufffdlacement", "\ufffd", "priv\ue000ate\uf8ff",
          "unassigned\u0378x", "lrm\u200ertl\u200f", "\u2060word\u2060joiner", "tab\there\nnew\rline",
          "\u180emongolian", "\U000e0041tag"]
    # special tokens inside text
    t += ["[CLS]", "[SEP]", "[PAD] [MASK] [UNK]", "a[SEP]b", "hello[CLS]world", "[cls] [Sep]",
          "[ CLS ]", "[[CLS]]", "[CLS][SEP][CLS]", "x [MASK]y", "[UNK]nown", "[SEP"]
    # long words (max_input_chars_per_word = 100)
    t += ["a" * 99, "a" * 100, "a" * 101, "b" * 250, "word " + "x" * 150 + " word",
          "\u00e9" * 100, "\u00e9" * 101, "e\u0301" * 60, "e\u0301" * 101, "\u4e00" * 120,
          "a" * 60 + "-" + "b" * 60, "http://" + "a" * 120 + ".com", "ab" * 51, "\u00df" * 101]
    return t


def generated(rng, n):
    pools = [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789",
        " \t\n  ",
        ".,;:!?'\"()[]{}-_/\\@#$%^&*+=<>|~`",
        "\u00e9\u00e8\u00ea\u00eb\u00e0\u00e2\u00e4\u00f4\u00f6\u00fb\u00fc\u00e7\u00c9\u00c0\u00d6\u00d1\u00f1\u00df",
        "\u0301\u0300\u0308\u0327\u0303",
        "\u4f60\u597d\u4e16\u754c\u5b66\u751f\u3042\u3044\u3046\u30a2\u30a4\ud55c\uad6d",
        "\u0430\u0431\u0432\u0413\u0414\u03b1\u03b2\u0393\u0394\u05d0\u0627\u0928",
        "\U0001f600\U0001f44d\u2764\ufe0f\u200d\u200b\x00\x01\ufffd",
    ]
    weights = [40, 8, 14, 10, 8, 3, 6, 6, 3]
    out = []
    for _ in range(n):
        length = rng.randint(1, 60)
        s = []
        for _ in range(length):
            pool = rng.choices(pools, weights)[0]
            s.append(rng.choice(pool))
        out.append("".join(s))
    return out


def long_texts(rng):
    words = ("the of and to in is was for on that with as by it from at this which be are "
             "answer question water computer tennis history science music energy people "
             "government language network between important different development").split()
    out = []
    for n in (300, 450, 600):
        out.append(" ".join(rng.choice(words) for _ in range(n)) + ".")
    out.append(", ".join(str(i) for i in range(400)))
    out.append(("caf\u00e9 \u4e2d\u6587 " * 200).strip())
    return out


def version_skew():
    """Code points whose category differs between Python's unicodedata and the system utf8proc
    (characters assigned in one Unicode version and not the other); None if utf8proc is absent."""
    import ctypes
    try:
        lib = ctypes.CDLL("libutf8proc.so.2")
    except OSError:
        return None
    lib.utf8proc_category.restype = ctypes.c_int
    cats = ["Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps",
            "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co"]
    return {cp for cp in range(0x110000)
            if not 0xD800 <= cp <= 0xDFFF and cats[lib.utf8proc_category(cp)] != unicodedata.category(chr(cp))}


def random_unicode(rng, n, skip=frozenset()):
    """Random strings drawn from the whole code space, weighted toward interesting blocks;
    code points in skip are replaced by a space."""
    ranges = [(0x20, 0x7E, 30), (0x00, 0x20, 3), (0x80, 0x24F, 10), (0x250, 0x36F, 5),
              (0x370, 0x52F, 6), (0x530, 0x10FF, 8), (0x1100, 0x11FF, 3), (0x1E00, 0x1FFF, 5),
              (0x2000, 0x2BFF, 8), (0x2E80, 0x33FF, 5), (0x3400, 0x4DBF, 2), (0x4E00, 0x9FFF, 5),
              (0xA000, 0xD7FF, 5), (0xE000, 0xF8FF, 1), (0xF900, 0xFFFF, 5),
              (0x10000, 0x1FFFF, 5), (0x20000, 0x2FFFF, 2), (0x30000, 0x10FFFF, 1)]
    weights = [r[2] for r in ranges]
    out = []
    for _ in range(n):
        chars = []
        for _ in range(rng.randint(0, 40)):
            lo, hi, _w = rng.choices(ranges, weights)[0]
            cp = rng.randint(lo, hi)
            if 0xD800 <= cp <= 0xDFFF or cp in skip:
                cp = 0x20
            chars.append(chr(cp))
            if rng.random() < 0.15:
                chars.append(" ")
        out.append("".join(chars))
    return out


def differential(args, n):
    """Compares the C tokenizer (tokenizer_bench --dump) with HF on n random strings."""
    import subprocess
    import tempfile

    rng = random.Random(args.seed + 1)
    skew = version_skew()
    if skew is None:
        print("utf8proc not found via ctypes: Unicode-version differences are not excluded",
              file=sys.stderr)
        skew = set()
    else:
        print(f"excluding {len(skew)} code points whose category differs between Python "
              f"{unicodedata.unidata_version} and utf8proc (Unicode version skew)", file=sys.stderr)
    texts = random_unicode(rng, n, frozenset(skew))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
        path = f.name
    total_bad = 0
    for lower in (True, False):
        cmd = [args.bench_bin, "--model-dir", args.model_dir, "--dump", path]
        if not lower:
            cmd.insert(1, "--cased")
        got = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
        slow = load_slow(args.model_dir, lower)
        bad = 0
        for t, line in zip(texts, got):
            want = slow.encode(t, add_special_tokens=True, truncation=True, max_length=512)
            if [int(x) for x in line.split()] != want:
                bad += 1
                unassigned = sorted({f"U+{ord(c):04X}" for c in t if unicodedata.category(c) == "Cn"})
                if bad <= 10:
                    print(f"mismatch (lower={lower}): {t!r}\n  python-unassigned chars: "
                          f"{unassigned}", file=sys.stderr)
        print(f"differential (do_lower_case={lower}): {len(texts)} random strings, {bad} mismatches",
              file=sys.stderr)
        total_bad += bad
    os.unlink(path)
    return 1 if total_bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--differential", type=int, default=0, metavar="N",
                    help="instead of writing fixtures, compare the C tokenizer with HF on N random strings")
    ap.add_argument("--bench-bin", default=os.path.join(ROOT, "build-tokenizer", "bench", "tokenizer",
                                                        "tokenizer_bench"),
                    help="tokenizer_bench binary (for --differential)")
    ap.add_argument("--model-dir", default=os.path.join(ROOT, "var", "models", "all-MiniLM-L6-v2"))
    ap.add_argument("--out-dir", default=os.path.join(ROOT, "tests", "fixtures", "bertscore"))
    ap.add_argument("--seed", type=int, default=20241126)
    args = ap.parse_args()

    if args.differential:
        sys.exit(differential(args, args.differential))

    with open(os.path.join(args.model_dir, "tokenizer_config.json"), encoding="utf-8") as f:
        model_lower = bool(json.load(f).get("do_lower_case", True))

    rng = random.Random(args.seed)
    texts = handwritten() + dataset_texts(40) + generated(rng, 90) + long_texts(rng)
    # (text, max_len): the model maximum for all, plus short limits on a few texts.
    cases = [(t, 512) for t in texts]
    for t in ["Hello, world! How are you today?", "caf\u00e9 \u4e2d\u6587 " * 10, "a[SEP]b c d e f g",
              "unbelievable antidisestablishmentarianism", ""]:
        # max_len=2 is left out: the slow tokenizer then cannot remove enough tokens and
        # returns the text untruncated (longer than max_length); qaflow returns [CLS][SEP],
        # as the fast tokenizer does, and the C test checks that case by itself.
        for m in (3, 5, 8):
            cases.append((t, m))

    import transformers
    print(f"transformers {transformers.__version__}, unicodedata {unicodedata.unidata_version}, "
          f"{len(cases)} cases", file=sys.stderr)

    for lower, name in ((model_lower, "tokens.jsonl"), (not model_lower, "tokens_cased.jsonl")):
        slow = load_slow(args.model_dir, lower)
        fast = load_fast(args.model_dir, lower)
        disagree = 0
        path = os.path.join(args.out_dir, name)
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            for text, max_len in cases:
                ids = slow.encode(text, add_special_tokens=True, truncation=True, max_length=max_len)
                if fast is not None:
                    fids = fast.encode(text, add_special_tokens=True, truncation=True, max_length=max_len)
                    if fids != ids:
                        disagree += 1
                        print(f"info: fast differs ({name}): {text[:60]!r}", file=sys.stderr)
                rec = {"text": text, "max_len": max_len, "ids": ids,
                       "tokens": slow.convert_ids_to_tokens(ids)}
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        print(f"wrote {path}: {len(cases)} cases (do_lower_case={lower}); "
              f"fast tokenizer differs on {disagree}", file=sys.stderr)


if __name__ == "__main__":
    main()
