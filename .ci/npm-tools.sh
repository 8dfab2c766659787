# Sourced by the .ci scripts that run npm tools: npm_tools NAME PINS... installs
# the pinned packages once into a cache directory of their own
# ($CONTRACT_TOOLS_CACHE or ~/.cache/alertmock-contract-tools, then NAME) and
# sets npm_bin to its node_modules/.bin. A change of pins reinstalls.
npm_tools() {
  local name=$1; shift
  local pins="$*"
  local cache="${CONTRACT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alertmock-contract-tools}"
  [ "$name" = contract ] || cache="$cache-$name"
  local stamp="$cache/installed"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$pins" ]; then
    rm -rf "$cache"
    mkdir -p "$cache"
    (cd "$cache" && echo '{"private":true}' >package.json &&
      npm install --no-audit --no-fund --loglevel=error $pins)
    echo "$pins" >"$stamp"
  fi
  npm_bin="$cache/node_modules/.bin"
  npm_modules="$cache/node_modules"
}
