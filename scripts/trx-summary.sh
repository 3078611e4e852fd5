#!/usr/bin/env bash
# Sums the <Counters .../> elements of VSTest .trx files (no python needed).
# Sourced by test.sh; run directly, `scripts/trx-summary.sh DIR` prints the closing line for DIR's .trx files.

# Prints "passed failed skipped" summed over every .trx under $1. failed includes error, timeout and
# aborted; skipped is total - executed (xunit's skipped tests are counted there, not in notExecuted).
trx_counts() {
    local files=() f
    while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$1" -name '*.trx' -print0 2>/dev/null)
    if [[ ${#files[@]} -eq 0 ]]; then
        echo "0 0 0"
        return
    fi
    cat "${files[@]}" | tr '\r\n' '  ' | { grep -o '<Counters [^>]*>' || true; } | awk '
        {
            for (i = 1; i <= NF; i++) {
                if (split($i, kv, "=") == 2) { v = kv[2]; gsub(/[^0-9]/, "", v); c[kv[1]] += v }
            }
        }
        END {
            skipped = c["total"] - c["executed"]
            if (c["notExecuted"] > skipped) skipped = c["notExecuted"]
            printf "%d %d %d\n", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], skipped
        }'
}

# Prints "FAILED <test name>" plus the first lines of its message for every failed test under $1, so that a CI log
# whose middle was cut still names what failed just above the closing line.
trx_failures() {
    local f
    while IFS= read -r -d '' f; do
        tr '\r\n' '  ' < "$f" | awk 'BEGIN { RS = "<UnitTestResult " } NR > 1 {
            head = $0; sub(/>.*/, "", head) # the element'"'"'s own attributes (the last record runs on to the summary)
            if (head !~ /outcome="Failed"/) next
            name = head; sub(/.*testName="/, "", name); sub(/".*/, "", name); gsub(/&quot;/, "\"", name)
            msg = ""; if (match($0, /<Message>[^<]*<\/Message>/)) msg = substr($0, RSTART + 9, RLENGTH - 19)
            gsub(/&quot;/, "\"", msg); gsub(/&lt;/, "<", msg); gsub(/&gt;/, ">", msg); gsub(/&amp;/, "\\&", msg)
            print "FAILED " name; if (msg != "") print "    " substr(msg, 1, 600)
        }'
    done < <(find "$1" -name '*.trx' -print0 2>/dev/null)
}

# The closing line: "N passed, N failed", plus ", N skipped" when some were skipped.
trx_summary_line() { # passed failed skipped
    if [[ "$3" -gt 0 ]]; then echo "$1 passed, $2 failed, $3 skipped"; else echo "$1 passed, $2 failed"; fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    read -r p f s < <(trx_counts "${1:?usage: trx-summary.sh DIR}")
    trx_summary_line "$p" "$f" "$s"
    [[ $f -eq 0 && $((p + f)) -gt 0 ]]
fi
