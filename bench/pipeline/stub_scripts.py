#!/usr/bin/env python3
"""bench/pipeline/stub_scripts.py: turn bench/flink/gen.py's pairs into qaflow-llm-stub scripts for one tag.

stdin: gen.py lines (key<TAB>llm-responses-success JSON). argv: TAG SCRIPTS_OUT PAIRS_OUT MAX_WORDS.
Each question (the dataset title, as qaflow-traffic sends it: "[TAG] title...") gets one scripted
answer: gen.py's candidate (the reference with every third word dropped) cut to MAX_WORDS words,
which is what the stub would send anyway for the worker's max_tokens. PAIRS_OUT gets the same
pairs, cut the same way, in gen.py's format, for bench/flink/scorer_alone.py.
"""
import json
import sys


def main():
    tag, scripts_out, pairs_out, max_words = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    scripts = []
    with open(pairs_out, "w", encoding="utf-8") as pairs:
        for line in sys.stdin:
            key, body = line.rstrip("\n").split("\t", 1)
            m = json.loads(body)
            cand = " ".join(m["llm_response"].split()[:max_words])
            m["llm_response"] = cand
            pairs.write(key + "\t" + json.dumps(m) + "\n")
            scripts.append({"match": "[%s] %s" % (tag, m["question_text"]),
                            "responses": [{"status": 200, "answer": cand}]})
    with open(scripts_out, "w", encoding="utf-8") as f:
        json.dump({"scripts": scripts}, f)


if __name__ == "__main__":
    main()
