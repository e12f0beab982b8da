"""Runs schemathesis with the official SDMX REST OpenAPI documents against a
running gateway. Called by tests/conformance.rs; usable by hand:

    python tests/python/conformance.py --url http://127.0.0.1:8080 \
        --spec tests/fixtures/openapi/sdmx-rest-v1.5.0.yaml --max-examples 10

Exit status 0 when schemathesis finds nothing. The documents are used as
published, with three changes made on a temporary copy (the fixtures stay
byte-for-byte):
  * v1.5.0 refers to `#/components/responses/510`, which it never defines;
  * v2.2.2's `/registration/id/{registrationID}` and
    `/registration/provider/{agencyID}/{providerID}` use path parameters they do
    not declare, so schemathesis cannot call them; they are left out (the
    gateway answers 501 for /registration, tested in tests/conformance.rs).
  * the header parameters (Accept-Encoding, Accept-Language,
    If-Modified-Since) lose their enum/format: HTTP has servers ignore values
    they do not understand, so these are not invalid requests.
The servers list is dropped: the base URL is the gateway's.

Realistic values (the served dataflow, its keys, agencies, ids) are mixed into
the generated path parameters through schemathesis dictionaries, so that the
run reaches the data writers and not only the 404 paths.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

CHECKS = """
[checks.not_a_server_error]
# 501 is judged by the sdmx_status_policy check (conformance_hooks.py).
expected-statuses = ["2xx", "3xx", "4xx", "501"]

[checks.positive_data_acceptance]
# Valid-looking requests may still name nothing (404) or an unsupported
# feature (501); 400 stays a failure.
expected-statuses = ["2xx", "3xx", "401", "403", "404", "406", "413", "501"]
"""

# Resources the gateway does not serve answer 501 whatever the parameters
# (tests/conformance.rs checks each); a couple of generated requests per
# operation is enough, and keeps the run within minutes on two cores.
UNSERVED = """
[[operations]]
include-path-regex = "^/(metadata|registration|{types})(/|$)"
phases = {{ coverage = {{ enabled = false }} }}
generation = {{ max-examples = 2 }}
"""

# REST 1.5: string path parameters, so dictionaries mix real values into
# the generated ones.
DICTIONARIES_V1 = """
[dictionaries.flows]
values = [{flows}]

[dictionaries.keys]
values = [{keys}]

[dictionaries.agencies]
values = ["ILO", "all"]

[dictionaries.ids]
values = [{ids}]

[dictionaries.items]
values = ["SEX_T", "SEX_F", "PHL_PSA", "BRN_DOL", "all", "SEX_T+SEX_F"]

[dictionaries.versions]
values = ["1.0", "latest", "all"]

[dictionaries.contexts]
values = ["dataflow", "datastructure"]

[parameters]
"path.flow" = {{ dictionary = "flows", probability = 0.6 }}
"path.key" = {{ dictionary = "keys", probability = 0.5 }}
"path.agencyID" = {{ dictionary = "agencies", probability = 0.5 }}
"path.resourceID" = {{ dictionary = "ids", probability = 0.5 }}
"path.itemID" = {{ dictionary = "items", probability = 0.5 }}
"path.version" = {{ dictionary = "versions", probability = 0.5 }}
"path.context" = {{ dictionary = "contexts", probability = 0.5 }}
"""



# Parameters docs/server.md lists as not supported (501 in the first pass);
# left out here so that the generated requests reach the data writers.
UNSUPPORTED_PARAMS = {"offset", "limit", "sort", "asOf", "reportingYearStartDay", "attributes", "measures", "mode"}


def fixed_paths(doc: dict, flow: str, key: str) -> dict:
    """REST 2.x: most path parameters are arrays, which dictionaries cannot
    feed, so a second pass fixes the path of the data, availability and
    schema operations on the served dataflow and lets the query parameters
    vary."""
    values = {
        "context": "dataflow",
        "agencyID": "ILO",
        "resourceID": flow,
        "version": "1.0",
        "key": key,
        "componentID": "*",
    }
    params = doc["components"]["parameters"]
    out = dict(doc)
    out["paths"] = {}
    for path, item in doc["paths"].items():
        if not path.startswith(("/data/", "/availability/", "/schema/")):
            continue
        op = dict(item["get"])
        fixed = path
        kept = []
        for p in op.get("parameters", []):
            resolved = params[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
            if resolved.get("in") == "path":
                fixed = fixed.replace("{" + resolved["name"] + "}", values[resolved["name"]])
            elif resolved["name"] not in UNSUPPORTED_PARAMS:
                kept.append(p)
        op["parameters"] = kept
        out["paths"][fixed] = {"get": op}
    return out


def unserved() -> str:
    sys.path.insert(0, str(HERE))
    from conformance_hooks import UNSERVED_TYPES

    return UNSERVED.format(types="|".join(sorted(UNSERVED_TYPES)))


def quoted(values: list[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def prepare_spec(src: Path, out: Path) -> dict:
    """Writes the repaired copy and returns it."""
    doc = yaml.safe_load(src.read_text(encoding="utf-8"))
    responses = doc.setdefault("components", {}).setdefault("responses", {})
    responses.setdefault("510", {"description": "Response size exceeds service limit"})
    doc.pop("servers", None)
    # RFC 9110 has servers ignore content codings they do not know (12.5.3),
    # an If-Modified-Since that is no HTTP-date (13.1.3) and languages they do
    # not have: such headers make no request invalid, so their enum/format
    # is not a rejection rule for negative testing.
    for param in doc["components"].get("parameters", {}).values():
        if param.get("in") == "header":
            param["schema"] = {"type": "string"}
    for path in ("/registration/id/{registrationID}", "/registration/provider/{agencyID}/{providerID}"):
        doc.get("paths", {}).pop(path, None)
    out.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return doc


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--spec", required=True, type=Path)
    ap.add_argument("--max-examples", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20261129)
    # One worker: with two, Hypothesis' lambda descriptions call ast.parse
    # from both threads at once, which the venv's CPython 3.11 refuses now and
    # then ("AST constructor recursion depth mismatch", a schemathesis
    # Runtime Error that fails the run).
    ap.add_argument("--workers", default="1")
    ap.add_argument("--flow", default="DF_MNA_OEMP_SEX_CDS_NB")
    ap.add_argument("--key", action="append", default=[])
    args = ap.parse_args()

    flow = args.flow
    keys = args.key or ["PHL.A..SEX_T.", "all", "*", "PHL", "PHL+THA.A.."]
    with tempfile.TemporaryDirectory(prefix="sdmxgw-conformance-") as tmp:
        tmp_path = Path(tmp)
        spec = tmp_path / "spec.yaml"
        doc = prepare_spec(args.spec, spec)
        v1 = str(doc.get("info", {}).get("version", "")).startswith("1.")
        passes: list[tuple[str, str, Path, int]] = []
        if v1:
            passes.append((
                "1.5, generated and real values",
                CHECKS + unserved() + DICTIONARIES_V1.format(
                    flows=quoted([flow, f"ILO,{flow}", f"ILO,{flow},1.0", f"ILO,{flow},latest"]),
                    keys=quoted(keys),
                    ids=quoted([flow, "all", "CL_AREA", "CL_SEX", "DSD_MNA_OEMP_SEX_CDS_NB", "DATA_PROVIDERS"]),
                ),
                spec,
                args.max_examples,
            ))
        else:
            passes.append(("2.x, generated values", CHECKS + unserved(), spec, args.max_examples))
            fixed = tmp_path / "spec-fixed.yaml"
            fixed.write_text(yaml.safe_dump(fixed_paths(doc, flow, keys[0]), sort_keys=False), encoding="utf-8")
            # Few operations, and the ones that reach the data: more examples.
            passes.append(("2.x, the served dataflow", CHECKS, fixed, 3 * args.max_examples))
        env = dict(os.environ)
        env["SCHEMATHESIS_HOOKS"] = "conformance_hooks"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
        env.setdefault("NO_COLOR", "1")
        status = 0
        for i, (name, config, spec_file, examples) in enumerate(passes):
            config_file = tmp_path / f"schemathesis-{i}.toml"
            config_file.write_text(config, encoding="utf-8")
            cmd = [
                str(Path(sys.executable).parent / "schemathesis"),
                "--config-file",
                str(config_file),
                "run",
                str(spec_file),
                "--url",
                args.url,
                "--checks",
                "all",
                "--max-examples",
                str(examples),
                "--seed",
                str(args.seed),
                "--workers",
                args.workers,
                "--no-shrink",
                "--request-timeout",
                "30",
            ]
            print(f"=== pass: {name}\n+", " ".join(cmd), flush=True)
            rc = subprocess.run(cmd, env=env, cwd=tmp, check=False).returncode
            status = status or rc
        return status


if __name__ == "__main__":
    sys.exit(main())
