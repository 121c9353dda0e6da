#!/bin/sh
# Checks generated HTML reports: well-formed as XML (the report is written XHTML-compatible) and read by the
# libxml2 HTML parser without errors other than its not knowing the inline-SVG and the HTML5 details/summary
# element names (an HTML4 parser).
# Usage: html_check.sh <xmllint> <expected svg count> <file>...
set -e
xmllint=$1
svgs=$2
shift 2
for f in "$@"; do
  "$xmllint" --noout "$f"
  # --memory: libxml2 2.9.14 reading an HTML file in chunks reports "error parsing attribute name" for a long
  # attribute value (a trace's polyline points) that crosses a chunk boundary; the same bytes parsed from memory
  # are clean, and the XML parse above has already checked every attribute.
  errs=$("$xmllint" --html --memory --noout "$f" 2>&1 | grep 'parser error' |
         grep -v -E 'Tag (svg|g|line|polyline|rect|text|title|details|summary) invalid' || true)
  if [ -n "$errs" ]; then
    echo "$f: $errs" >&2
    exit 1
  fi
  n=$(grep -c '<svg ' "$f")
  if [ "$n" -ne "$svgs" ]; then
    echo "$f: $n SVGs, expected $svgs (one per test case)" >&2
    exit 1
  fi
done
