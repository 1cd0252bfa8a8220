#!/usr/bin/env bash
# topics_test.sh -- the topic names agree: infra/kafka/topics.txt (the one list), the C codec's MSG_TOPIC_*
# (src/common/msg.h) and the Java codec's constants (flink Codec.java) name the same seven topics.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
list="$(grep -v '^[[:space:]]*#' "$ROOT/infra/kafka/topics.txt" | awk 'NF { print $1 }' | sort)"
c="$(sed -nE 's/^#define MSG_TOPIC_[A-Z_]+ +"([^"]+)".*/\1/p' "$ROOT/src/common/msg.h" | sort)"
java="$(sed -nE 's/.*public static final String [A-Z_]+ = "([a-z-]+)";.*/\1/p' \
  "$ROOT/flink/src/main/java/org/qaflow/flink/Codec.java" | sort)"
rc=0
[[ $(wc -l <<<"$list") -eq 7 ]] || { echo "FAIL: topics.txt lists $(wc -l <<<"$list") topics, expected 7" >&2; rc=1; }
[[ "$c" == "$list" ]] || { echo "FAIL: msg.h MSG_TOPIC_* differ from topics.txt:" >&2; diff <(echo "$list") <(echo "$c") >&2; rc=1; }
[[ "$java" == "$list" ]] || { echo "FAIL: Codec.java topics differ from topics.txt:" >&2; diff <(echo "$list") <(echo "$java") >&2; rc=1; }
((rc == 0)) && echo "ok: $(tr '\n' ' ' <<<"$list")"
exit "$rc"
