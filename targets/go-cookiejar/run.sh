#!/bin/sh
# Builds the adapter (standard library only, offline) into a cache directory
# outside the source tree when the binary is missing or older than its source,
# then runs it. Logs go to stderr; stdout belongs to the JSON-RPC stream.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/conformatrix/go-cookiejar"
[ -n "${HOME:-}" ] || cache=/tmp/conformatrix-go-cookiejar-$(id -u)
bin="$cache/adapter"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off GOWORK=off
export GOCACHE="${GOCACHE:-$cache/go-build}"
export GOPATH="${GOPATH:-$cache/gopath}"
if [ ! -x "$bin" ] || [ "$here/adapter.go" -nt "$bin" ] || [ "$here/go.mod" -nt "$bin" ]; then
  mkdir -p "$cache"
  tmp="$bin.$$"
  (cd "$here" && go build -o "$tmp" .) >&2
  mv -f "$tmp" "$bin" # atomic, in case two starts race
fi
exec "$bin"
