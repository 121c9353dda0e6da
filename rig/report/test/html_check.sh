#!/bin/sh
# Checks generated HTML reports: well-formed as XML (the report is written XHTML-compatible) and read by the
# libxml2 HTML parser without errors other than its not knowing the inline-SVG element names (an HTML4 parser).
# Usage: html_check.sh <xmllint> <expected svg count> <file>...
set -e
xmllint=$1
svgs=$2
shift 2
for f in "$@"; do
  "$xmllint" --noout "$f"
  errs=$("$xmllint" --html --noout "$f" 2>&1 | grep 'parser error' |
         grep -v -E 'Tag (svg|g|line|polyline|rect|text|title) invalid' || true)
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
