#!/usr/bin/env bash
# Regenerates postgres-15-settings.json: the name, type, range, enum values and unit of every
# PostgreSQL 15 setting, read from pg_settings of a throwaway server. CloudSqlPostgres validates
# database flags against it.
#
# Usage (from anywhere): bash constructs/gcp/data/generate-postgres-settings.sh
# Needs: PostgreSQL 15 server binaries (initdb, pg_ctl, postgres, psql), node, and the repo's
# node_modules (prettier formats the output). The server listens on a unix socket inside a
# temporary directory only (no TCP) and is stopped and removed on exit. When run as root, the
# server runs as the `postgres` user (or `nobody`), since PostgreSQL refuses to run as root.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="$here/postgres-15-settings.json"
pgbin="${PGBIN:-$(dirname "$(readlink -f "$(command -v initdb)")")}"
query="SELECT name, vartype, min_val, max_val, enumvals, unit, context FROM pg_settings ORDER BY name"

tmp="$(mktemp -d)"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  user=postgres
  id -u "$user" >/dev/null 2>&1 || user=nobody
  chown "$user" "$tmp"
  as_user=(runuser -u "$user" --)
fi
cleanup() {
  if [ -f "$tmp/data/postmaster.pid" ]; then
    (cd "$tmp" && ${as_user[@]+"${as_user[@]}"} "$pgbin/pg_ctl" -D "$tmp/data" -m immediate -w stop) >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

${as_user[@]+"${as_user[@]}"} "$pgbin/initdb" -D "$tmp/data" -U postgres -A trust --no-sync >/dev/null
${as_user[@]+"${as_user[@]}"} "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
  -o "-c listen_addresses='' -k $tmp" start >/dev/null

psql_() { ${as_user[@]+"${as_user[@]}"} "$pgbin/psql" -h "$tmp" -U postgres -d postgres -X -At -v ON_ERROR_STOP=1 "$@"; }
version="$(psql_ -c "SHOW server_version")"
case "$version" in
  15.*) ;;
  *) echo "expected PostgreSQL 15, the server is $version" >&2; exit 1 ;;
esac
psql_ -c "SELECT json_agg(s) FROM ($query) s" >"$tmp/settings.json"

VERSION="$version" QUERY="$query" node -e '
const fs = require("fs");
const rows = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const num = (v) => (v === null ? undefined : Number(v));
const settings = {};
for (const r of rows) {
  if (r.context === "internal") continue; // read-only (block_size, server_version, ...): never settable
  settings[r.name] = {
    type: r.vartype,
    min: num(r.min_val),
    max: num(r.max_val),
    enumValues: r.enumvals ?? undefined,
    unit: r.unit ?? undefined,
  };
}
const file = {
  generated: {
    by: "constructs/gcp/data/generate-postgres-settings.sh",
    command: "bash constructs/gcp/data/generate-postgres-settings.sh",
    postgresVersion: process.env.VERSION,
    query: process.env.QUERY,
    kept: "name, type (vartype), min (min_val), max (max_val), enumValues (enumvals), unit",
    leftOut: "settings with context internal: read-only, they cannot be set on any server",
  },
  settings,
};
process.stdout.write(JSON.stringify(file, null, 2) + "\n");
' "$tmp/settings.json" >"$tmp/out.json"

"$repo/node_modules/.bin/prettier" --stdin-filepath "$out" <"$tmp/out.json" >"$tmp/pretty.json"
cp "$tmp/pretty.json" "$out"
echo "wrote $out ($(node -e 'console.log(Object.keys(require(process.argv[1]).settings).length)' "$out") settings, PostgreSQL $version)"
