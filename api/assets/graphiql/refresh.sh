#!/usr/bin/env bash
# Refreshes GraphiQL's assets from the npm registry: the UMD production builds of
# GraphiQL 4 and React 18, with their licences. They are committed and embedded in the
# binary (include_bytes!), so GraphiQL works offline and runs no script from a CDN.
# Change the versions here, run this, review the diff, and commit.
set -euo pipefail
cd "$(dirname "$0")"
GRAPHIQL=4.1.2
REACT=18.3.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
tar xzf "$tmp/graphiql-$GRAPHIQL.tgz" -C "$tmp" package/graphiql.min.js package/graphiql.min.css package/LICENSE
cp "$tmp/package/graphiql.min.js" "$tmp/package/graphiql.min.css" .
cp "$tmp/package/LICENSE" LICENSE.graphiql
rm -rf "$tmp/package"
tar xzf "$tmp/react-$REACT.tgz" -C "$tmp" package/umd/react.production.min.js package/LICENSE
cp "$tmp/package/umd/react.production.min.js" .
cp "$tmp/package/LICENSE" LICENSE.react
rm -rf "$tmp/package"
tar xzf "$tmp/react-dom-$REACT.tgz" -C "$tmp" package/umd/react-dom.production.min.js package/LICENSE
cp "$tmp/package/umd/react-dom.production.min.js" .
cp "$tmp/package/LICENSE" LICENSE.react-dom
printf 'graphiql %s\nreact %s\nreact-dom %s\n' "$GRAPHIQL" "$REACT" "$REACT" > VERSIONS
echo "GraphiQL $GRAPHIQL and React $REACT refreshed"
