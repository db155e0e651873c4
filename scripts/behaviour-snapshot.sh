#!/usr/bin/env bash
# Writes what otwatch says about fixed inputs into one folder, so that two builds can be compared with
# `diff -r`: `otwatch stats` on every corpus capture, and `analyze --report` of the bundled plant against
# its policy (the report's timestamps and the database path blanked). Used to prove a refactoring changed
# no behaviour:  scripts/behaviour-snapshot.sh /tmp/before; (change); scripts/behaviour-snapshot.sh /tmp/after; diff -r /tmp/before /tmp/after
set -euo pipefail
out="${1:?usage: behaviour-snapshot.sh OUT_DIR}"
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$(cd "${OTWATCH_CORPUS:-$root/../shared/corpus}" && pwd)"
mkdir -p "$out/stats"
cd "$root"
while IFS= read -r f; do
  name="$(echo "$f" | tr '/' '_')"
  node bin/otwatch.js stats "$corpus/$f" > "$out/stats/$name.json" 2> "$out/stats/$name.err" || echo "exit $?" >> "$out/stats/$name.err"
done < <(tail -n +2 "$corpus/MANIFEST.tsv" | cut -f1)
db="$(mktemp -d)/plant.db"
node bin/otwatch.js analyze fixtures/plant/plant.pcap --policy fixtures/plant/policy.yaml --db "$db" --report "$out/plant-report.json" > "$out/plant-analyze.txt" 2>&1 || echo "exit $?" >> "$out/plant-analyze.txt"
# times, durations and the temporary path differ between runs
node -e '
  const fs = require("fs");
  const VARYING = new Set(["ts", "firstDetected", "lastDetected", "db", "ms", "analysedAt", "generatedAt", "createdAt", "updatedAt"]);
  const blank = (v) => Array.isArray(v) ? v.map(blank) : v && typeof v === "object"
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, VARYING.has(k) ? "-" : blank(x)])) : v;
  const f = process.argv[1];
  fs.writeFileSync(f, JSON.stringify(blank(JSON.parse(fs.readFileSync(f, "utf8"))), null, 2) + "\n");
' "$out/plant-report.json" 2>/dev/null || true
sed -i -E "s#$(dirname "$db")#DB#g; s/[0-9.]+ ?(s|ms)\b/T/g" "$out/plant-analyze.txt"
echo "snapshot in $out: $(ls "$out/stats" | grep -c json) stats outputs"
