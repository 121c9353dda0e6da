#!/usr/bin/env python3
"""Validates every rig/examples/*.yaml against rig/io/schema/rig.schema.json. Exit 77 (skipped) without jsonschema."""
import glob
import json
import os
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:
    print(f"SKIPPED: {e} (install python3-jsonschema python3-yaml)")
    sys.exit(77)

schema_path, examples_dir = sys.argv[1], sys.argv[2]
with open(schema_path) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
files = sorted(glob.glob(os.path.join(examples_dir, "*.yaml")))
if not files:
    print("no example files")
    sys.exit(1)
failed = False
for path in files:
    with open(path) as f:
        doc = yaml.safe_load(f)
    errors = list(validator.iter_errors(doc))
    for err in errors:
        print(f"{path}: {'/'.join(str(p) for p in err.absolute_path)}: {err.message}")
    failed = failed or bool(errors)
    print(f"{path}: {'INVALID' if errors else 'ok'}")
# The schema must also reject what the loader rejects: an output without a safe state.
bad = {"rig": "t", "channels": {"remote/h_v": {"out": {"gpiod": {"chip": "c", "line": 1}}}}}
if not list(validator.iter_errors(bad)):
    print("schema accepts an output without 'safe'")
    failed = True
sys.exit(1 if failed else 0)
