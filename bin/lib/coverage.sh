#!/usr/bin/env bash
# Prints line coverage per module and overall from the JaCoCo aggregate CSV, and fails if
# the overall figure is below REYNA_MIN_COVERAGE percent (default 80). bin/test runs it
# after `mvnw verify`; it can also be run alone: bin/lib/coverage.sh [path/to/jacoco.csv]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
csv=${1:-$root/coverage/target/site/jacoco-aggregate/jacoco.csv}
min=${REYNA_MIN_COVERAGE:-80}

if [[ ! $min =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "coverage.sh: REYNA_MIN_COVERAGE must be a number of percent, got '$min'" >&2
  exit 2
fi
if [[ ! -s $csv ]]; then
  echo "coverage.sh: ERROR: no coverage report at $csv" >&2
  echo "coverage.sh: it is written by the 'coverage' module during a full './mvnw verify';" \
    "a build with -pl, -DskipTests or a test failure does not produce it." >&2
  exit 1
fi

# Columns are located by name from the header, counted from the right: only the GROUP
# (the report title plus "/module") may contain commas, which JaCoCo then quotes.
awk -F, -v min="$min" '
  NR == 1 {
    hdr = NF
    for (i = 1; i <= NF; i++) { if ($i == "LINE_MISSED") lm = NF - i; if ($i == "LINE_COVERED") lc = NF - i }
    if (lm == "" || lc == "") { print "coverage.sh: ERROR: no LINE_MISSED/LINE_COVERED columns in " FILENAME > "/dev/stderr"; bad = 1; exit }
    next
  }
  NF >= hdr {
    group = $1
    for (i = 2; i <= NF - hdr + 1; i++) group = group "," $i
    gsub(/^"|"$/, "", group)
    sub(/.*\//, "", group)   # aggregate groups are "<report title>/<artifactId>": keep the module
    if (!(group in missed)) order[++n] = group
    missed[group] += $(NF - lm); covered[group] += $(NF - lc)
  }
  function row(name, m, c) { printf "%-24s %8d %8d %7.1f%%\n", name, m + c, c, (m + c) ? 100 * c / (m + c) : 0 }
  END {
    if (bad) exit 2
    printf "%-24s %8s %8s %8s\n", "module", "lines", "covered", "line %"
    for (i = 1; i <= n; i++) { g = order[i]; row(g, missed[g], covered[g]); tm += missed[g]; tc += covered[g] }
    row("TOTAL", tm, tc)
    if (tm + tc == 0) { print "coverage.sh: ERROR: the report covers no lines at all" > "/dev/stderr"; exit 1 }
    pct = 100 * tc / (tm + tc)
    if (pct < min) { printf "coverage.sh: FAIL: line coverage %.2f%% is below the required %s%%\n", pct, min > "/dev/stderr"; exit 1 }
    printf "coverage.sh: OK: line coverage %.2f%% >= %s%%\n", pct, min
  }
' "$csv"
