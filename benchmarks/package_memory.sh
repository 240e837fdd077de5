#!/usr/bin/env bash
# Peak memory (RSS) and time of `manage.py deliver` for petitions of the given sizes, on a
# throwaway PostgreSQL database filled with generate_signatures. Run from the project root:
#   bash benchmarks/package_memory.sh 100000 1000000
set -euo pipefail
database="bench_package_memory_$$"
psql_admin() { .venv/bin/python -c 'import sys, psycopg
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
    c.execute(sys.argv[1])' "$1"; }
psql_admin "CREATE DATABASE ${database}"
trap 'psql_admin "DROP DATABASE IF EXISTS ${database} WITH (FORCE)"' EXIT
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${database}" DJANGO_DEBUG=on
DELIVERY_SIGNING_KEY=$(.venv/bin/python manage.py create_delivery_key | cut -d= -f2-)
export DELIVERY_SIGNING_KEY
.venv/bin/python manage.py migrate --verbosity 0
out=$(mktemp -d)
for count in "$@"; do
  .venv/bin/python manage.py shell --no-imports -c "
from petitions.models import Petition
Petition.objects.create(slug='memory-${count}', title='Refugee status for North Koreans',
    summary='s', body='The text.', target='The Government', recipient='The Embassy',
    organiser_name='The Organisers', goal=${count}, status=Petition.Status.OPEN)"
  .venv/bin/python manage.py generate_signatures "memory-${count}" --count "${count}" >/dev/null
  .venv/bin/python - "${count}" "${out}" <<'PY'
import resource, subprocess, sys, time
count, out = sys.argv[1], sys.argv[2]
started = time.perf_counter()
subprocess.run(
    [sys.executable, "manage.py", "deliver", f"memory-{count}", "--recipient", "The Embassy",
     "--out", out],
    check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"deliver {int(count):,} signatures: {time.perf_counter() - started:.0f} s, "
      f"peak RSS {peak:.0f} MiB")
PY
done
rm -rf "${out}"
