"""Reads a data message the gateway wrote with an independent SDMX tool and
prints what it found as JSON: {"count": observations, "value": OBS_VALUE of the
one observation matching KEY, "attrs": that observation's OBS_STATUS}.

usage: read_any.py pysdmx|sdmx1 FILE KEY [STRUCTURE_FILE DSD_ID]
  KEY is DIM=CODE,DIM=CODE,... (TIME_PERIOD included).
"""

import json
import sys


def main() -> None:
    tool, path, key = sys.argv[1], sys.argv[2], sys.argv[3]
    want = dict(kv.split("=", 1) for kv in key.split(","))
    if tool == "pysdmx":
        from pysdmx.io import read_sdmx

        msg = read_sdmx(path, validate=False)
        rows = [r for ds in msg.data for r in ds.data.to_dict("records")]
        hit = [r for r in rows if all(str(r.get(k)) == v for k, v in want.items())]
        status = hit[0].get("OBS_STATUS") if hit else None
        print(json.dumps({
            "count": len(rows),
            "value": str(hit[0]["OBS_VALUE"]) if hit else None,
            "status": None if status is None or status != status else str(status),
        }))
    elif tool == "sdmx1":
        import sdmx

        kwargs = {}
        if len(sys.argv) > 5:
            structures = sdmx.read_sdmx(sys.argv[4])
            kwargs["structure"] = structures.structure[sys.argv[5]]
        msg = sdmx.read_sdmx(path, **kwargs)
        obs = [o for ds in msg.data for o in ds.obs]

        def value_of(o, k):
            if k in o.key.values:
                return str(o.key[k].value)
            if k == "TIME_PERIOD" and o.dimension is not None and k in o.dimension.values:
                return str(o.dimension[k].value)
            return None

        hit = [o for o in obs if all(value_of(o, k) == v for k, v in want.items())]
        status = None
        if hit and "OBS_STATUS" in hit[0].attrib:
            status = str(hit[0].attrib["OBS_STATUS"].value)
        print(json.dumps({
            "count": len(obs),
            "value": str(hit[0].value) if hit else None,
            "status": status,
        }))
    else:
        sys.exit(f"unknown tool {tool}")


if __name__ == "__main__":
    main()
