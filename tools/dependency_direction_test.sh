#!/usr/bin/env bash
# Fails when a library depends on something above it in Vigil's data flow.
# Input: one `deps(...)` listing per library root, produced by genquery.
set -euo pipefail
dir="$TEST_SRCDIR/vigil/tools"
fail=0

# forbid <listing> <pattern> <why>
forbid() {
  local file="$dir/$1_deps" pattern="$2" why="$3"
  if [ ! -s "$file" ]; then
    echo "FAIL: $file is missing or empty"; fail=1; return
  fi
  local bad
  bad=$(grep -E "$pattern" "$file" || true)
  if [ -n "$bad" ]; then
    echo "FAIL: $1 must not depend on $why:"; echo "$bad" | sed 's/^/    /'
    fail=1
  else
    echo "ok: $1 has no dependency on $why"
  fi
}

# require <listing> <pattern>: proves the listing is the real graph.
require() {
  if grep -qE "$2" "$dir/$1_deps"; then
    echo "ok: $1 depends on $2"
  else
    echo "FAIL: $1 should list $2 (is the genquery broken?)"; fail=1
  fi
}
require promql '^//libpromql:engine$'
require promql_engine '^//libtsdb/storage:storage$'
require promql_engine '^//model:labels$'
require rules '^//libpromql:value$'

# PromQL runs over any storage: only the storage interfaces, never the TSDB
# engine, the scraper, discovery or rules.
forbid promql '^//(libscrape|libsd|librules|examples)[/:]' "libscrape, libsd, librules or examples"
forbid promql '^//libtsdb(:|/(chunkenc|index|wal|chunks)[:/])' "the TSDB engine"
forbid promql_engine '^//(libscrape|libsd|librules|examples)[/:]' "libscrape, libsd, librules or examples"
forbid promql_engine '^//libtsdb(:|/(chunkenc|index|wal|chunks)[:/])' "the TSDB engine"
forbid promql_parser '^//(libtsdb|libscrape|libsd|librules|examples)[/:]' "storage or any other library"
# The TSDB knows nothing above it.
forbid tsdb '^//(libpromql|libscrape|libsd|librules|examples)[/:]' "PromQL, scraping, discovery or rules"
forbid tsdb_storage '^//(libpromql|libscrape|libsd|librules|examples)[/:]|^//libtsdb:' "anything but the model"
# Discovery and relabeling sit at the start of the flow.
forbid relabel '^//(libtsdb|libpromql|libscrape|librules|examples)[/:]' "anything downstream"
forbid discovery '^//(libtsdb|libpromql|libscrape|librules|examples)[/:]' "anything downstream"
forbid sd '^//(libtsdb|libpromql|libscrape|librules|examples)[/:]' "anything downstream"
# Scraping writes through the storage interfaces only.
forbid scrape '^//(libpromql|librules|examples)[/:]' "PromQL, rules or examples"
forbid scrape '^//libtsdb(:|/(chunkenc|index|wal|chunks)[:/])' "the TSDB engine"
# The exposition parsers stand alone.
forbid textparse '^//(libtsdb|libpromql|libsd|librules|examples)[/:]' "other libraries"
# Rules evaluate through PromQL and write through the storage interfaces.
forbid rules '^//(libscrape|examples)[/:]' "libscrape or examples"
forbid rules '^//libtsdb(:|/(chunkenc|index|wal|chunks)[:/])' "the TSDB engine"
# Remote write/read sits beside the storage interfaces: relabeling and the
# HTTP client of libsd, the XOR chunk decoder for streamed remote read;
# never PromQL, scraping, rules, the TSDB engine or examples.
require remote '^//libtsdb/storage:storage$'
forbid remote '^//(libpromql|libscrape|librules|examples)[/:]' "PromQL, scraping, rules or examples"
forbid remote '^//libtsdb(:|/(index|wal|chunks)[:/])' "the TSDB engine"
# The HTTP layer serves any handler: nothing of the data flow below it;
# the web config reads YAML with libsd's config helpers only.
require web_server '^//libweb/http:router$'
forbid web_server '^//(libsd|libscrape|libtsdb|libpromql|librules|libremote|examples)[/:]' "any other Vigil library"
forbid web_config '^//(libscrape|libtsdb|libpromql|librules|libremote|examples)[/:]' "libraries of the data flow"
forbid web_config '^//libsd:(relabel|discovery|http_client)$' "libsd beyond its YAML helpers"

exit $fail
