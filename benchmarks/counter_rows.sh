#!/usr/bin/env bash
# The database side of a confirmation, isolated with pgbench: mark one signature confirmed and
# add one to the petition's counter, with every client on one counter row, then with a random
# one of 16 (as signatures.counting does). Prints transactions per second for each and the ratio.
# Usage: benchmarks/counter_rows.sh [clients] [seconds]   (PostgreSQL on 127.0.0.1:5432)
set -euo pipefail
clients=${1:-16}
seconds=${2:-10}
db="petitions_counter_rows_$$"
pg="psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -q"
work=$(mktemp -d)
trap '$pg -c "DROP DATABASE IF EXISTS ${db}"; rm -rf "$work"' EXIT

$pg -c "CREATE DATABASE ${db}"
$pg -d "$db" <<'SQL'
CREATE TABLE tally (petition int, country text, shard int, count int NOT NULL,
                    PRIMARY KEY (petition, country, shard));
INSERT INTO tally SELECT 1, 'KR', s, 0 FROM generate_series(0, 15) s;
CREATE TABLE signature (id serial PRIMARY KEY, status text NOT NULL, confirmed_at timestamptz);
INSERT INTO signature (status) SELECT 'pending' FROM generate_series(1, 200000);
SQL

for rows in 1 16; do
  cat >"$work/rows-$rows.sql" <<SQL
\set id random(1, 200000)
\set shard random(0, $((rows - 1)))
BEGIN;
UPDATE signature SET status = 'confirmed', confirmed_at = now() WHERE id = :id;
UPDATE tally SET count = count + 1 WHERE petition = 1 AND country = 'KR' AND shard = :shard;
COMMIT;
SQL
done

echo "pgbench, ${clients} clients, ${seconds} s per run, two runs each, alternating"
declare -A best=([1]=0 [16]=0)
for run in 1 2; do
  for rows in 1 16; do
    tps=$(pgbench -h 127.0.0.1 -U postgres -n -c "$clients" -j 2 -T "$seconds" \
          -f "$work/rows-$rows.sql" "$db" 2>/dev/null | awk '/^tps/ {print int($3)}')
    printf 'run %d  counter rows %-2d  %6d confirmations/s\n' "$run" "$rows" "$tps"
    (( tps > best[$rows] )) && best[$rows]=$tps
  done
done
awk -v a="${best[16]}" -v b="${best[1]}" 'BEGIN {printf "best 16 rows / best 1 row: %.2fx\n", a / b}'
