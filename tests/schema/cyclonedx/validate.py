"""Validates a CycloneDX 1.6 JSON document against the schema files beside this script.

Usage: python3 validate.py BOM.json. Exit 0 if valid; 1 with the errors otherwise.
Needs the `jsonschema` package (Draft 7, with `referencing`, as jsonschema >= 4.18).
"""
import json
import pathlib
import sys

import jsonschema
from referencing import Registry, Resource

here = pathlib.Path(__file__).parent
resources = []
for name in ("bom-1.6.SNAPSHOT.schema.json", "spdx.SNAPSHOT.schema.json",
             "jsf-0.82.SNAPSHOT.schema.json"):
    schema = json.loads((here / name).read_text())
    resource = Resource.from_contents(schema)
    # Referenced by file name, relative to the bom schema's $id.
    resources.append(("http://cyclonedx.org/schema/" + name, resource))
    if "$id" in schema:
        resources.append((schema["$id"], resource))
registry = Registry().with_resources(resources)
bom_schema = json.loads((here / "bom-1.6.SNAPSHOT.schema.json").read_text())
validator = jsonschema.Draft7Validator(
    bom_schema, registry=registry, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
)
document = json.loads(pathlib.Path(sys.argv[1]).read_text())
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
for e in errors:
    print("/".join(map(str, e.path)) or "(root)", ":", e.message)
sys.exit(1 if errors else 0)
