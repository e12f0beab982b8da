"""Schemathesis checks for the gateway's status policy (loaded through
SCHEMATHESIS_HOOKS by conformance.py).

The OpenAPI documents allow 501 on every operation, but a 5xx must never hide
a bug: `sdmx_status_policy` accepts 501 only for what docs/server.md lists as
not supported, demands 501 (not 404 or 500) for those, and demands an SDMX-ML
error message with the matching code on every error answer of an SDMX
resource.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

import schemathesis

# Structure and item-scheme types of REST 1.5 and 2.x that the gateway does
# not serve (docs/server.md, "Not supported").
UNSERVED_TYPES = {
    "metadatastructure", "metadataflow", "structureset", "process", "categorisation",
    "attachmentconstraint", "metadataconstraint", "categoryscheme", "hierarchicalcodelist",
    "hierarchy", "hierarchyassociation", "organisationscheme", "dataconsumerscheme",
    "organisationunitscheme", "transformationscheme", "rulesetscheme",
    "userdefinedoperatorscheme", "customtypescheme", "namepersonalisationscheme",
    "namealiasscheme", "vtlmappingscheme", "valuelist", "structuremap", "representationmap",
    "conceptschememap", "categoryschememap", "organisationschememap", "reportingtaxonomymap",
    "metadataproviderscheme", "reportingtaxonomy", "metadataprovisionagreement",
}
SERVED_TYPES = {
    "dataflow", "datastructure", "codelist", "conceptscheme", "contentconstraint",
    "dataconstraint", "actualconstraint", "allowedconstraint", "dataproviderscheme",
    "agencyscheme", "provisionagreement", "*",
}
OTHER_DETAILS = {
    "allstubs", "referencestubs", "referencepartial", "allcompletestubs",
    "referencecompletestubs", "raw",
}
SUPPORTED_REFERENCES = {"", "none", "parents", "parentsandsiblings", "children", "descendants", "all"}
UNSUPPORTED_V2_DATA_PARAMS = {"offset", "limit", "sort", "asOf", "reportingYearStartDay"}


def unsupported(path: str, query: dict[str, str]) -> tuple[str, bool] | None:
    """Why a GET request uses something the gateway documents as unsupported,
    and whether 501 is then required (True) or only allowed (False, when a
    syntax error may be reported first)."""
    seg = [unquote(s) for s in path.strip("/").split("/")]
    first = seg[0] if seg else ""
    if first in ("metadata", "registration"):
        return (f"/{first} queries", True)
    if first in UNSERVED_TYPES:
        return (f"structure type {first}", True)
    if first == "structure" and len(seg) >= 2 and seg[1] in UNSERVED_TYPES:
        return (f"structure type {seg[1]}", True)
    structure = first in SERVED_TYPES or first == "structure"
    if structure:
        detail = query.get("detail", "full")
        if detail in OTHER_DETAILS:
            return (f"detail={detail}", False)
        if "asOf" in query:
            return ("asOf", False)
        for r in query.get("references", "none").replace("+", ",").split(","):
            if r not in SUPPORTED_REFERENCES:
                return (f"references={r}", False)
    if first == "data" and len(seg) >= 4 and seg[1] in ("datastructure", "provisionagreement"):
        return (f"data context {seg[1]}", False)
    if first == "availability" and len(seg) >= 4 and seg[1] in ("datastructure", "provisionagreement"):
        return (f"availability context {seg[1]}", False)
    if first == "data" and len(seg) >= 4 and seg[1] in ("dataflow", "*"):
        if any("," in s for s in seg[2:5]) or seg[3] == "*":
            return ("several dataflows in one query", False)
        if len(seg) > 5 and "," in seg[5]:
            return ("several keys in one query", False)
        for p in UNSUPPORTED_V2_DATA_PARAMS:
            if p in query:
                return (f"parameter {p}", False)
        for p, default in (("attributes", {"dsd", "all"}), ("measures", {"all"})):
            if p in query and query[p] not in default:
                return (f"{p}={query[p]}", False)
    if first == "availability" and len(seg) >= 4 and seg[1] == "dataflow":
        if any("," in s for s in seg[2:5]) or seg[3] == "*":
            return ("several dataflows in one query", False)
        if len(seg) > 5 and "," in seg[5]:
            return ("several keys in one query", False)
        if query.get("mode", "exact") != "exact":
            return ("mode=available", False)
        if "reportingYearStartDay" in query:
            return ("parameter reportingYearStartDay", False)
        if any(r not in ("", "none") for r in query.get("references", "none").split(",")):
            return ("references on availability", False)
    if first == "availableconstraint":
        if query.get("mode", "exact") != "exact":
            return ("mode=available", False)
        if any(r not in ("", "none") for r in query.get("references", "none").split(",")):
            return ("references on availability", False)
    if first in ("data", "availableconstraint") and len(seg) >= 4 and seg[1] not in (
        "dataflow", "datastructure", "provisionagreement", "*"
    ):
        if seg[3] not in ("all", "*"):
            return ("a provider filter", False)
    if first == "schema" and len(seg) >= 2:
        if seg[1] in ("metadatastructure", "metadataflow", "provisionagreement", "metadataprovisionagreement"):
            return (f"schema context {seg[1]}", False)
        if query.get("deletion") == "true":
            return ("deletion schemas", False)
        if "asOf" in query:
            return ("asOf", False)
    if first in ("data",) and "dimensionAtObservation" in query:
        d = query["dimensionAtObservation"]
        if d not in ("TIME_PERIOD", "AllDimensions"):
            return (f"dimensionAtObservation={d}", False)
    return None


ERROR_CODE = re.compile(rb'<mes:ErrorMessage code="(\d+)"')


@schemathesis.check
def sdmx_status_policy(ctx, response, case):
    """5xx only as a documented 501; unsupported features answer 501; SDMX
    error messages on errors."""
    url = urlsplit(response.request.url)
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    method = response.request.method
    status = response.status_code
    reason = unsupported(url.path, query) if method == "GET" else None
    if status >= 500 and status != 501:
        raise AssertionError(f"server error {status} for {method} {url.path}")
    if status == 501 and reason is None:
        raise AssertionError(
            f"501 for {method} {url.path}?{url.query}, which docs/server.md does not list as unsupported"
        )
    if reason is not None and reason[1] and status != 501:
        raise AssertionError(f"{reason[0]} is documented as not supported: expected 501, got {status}")
    if method == "GET" and status >= 400 and status != 405:
        ctype = ",".join(response.headers.get("content-type", []) or [])
        if "application/vnd.sdmx.error+xml" not in ctype:
            raise AssertionError(f"error {status} is not an SDMX error message (Content-Type {ctype!r})")
        m = ERROR_CODE.search(response.content or b"")
        if m is None:
            raise AssertionError(f"error {status} has no SDMX ErrorMessage code")
        code = int(m.group(1))
        expected = {404: {100}, 400: {140}, 406: {406}, 413: {413, 130, 510}, 501: {501}, 401: {110}, 403: {120, 150}}
        if status in expected and code not in expected[status]:
            raise AssertionError(f"HTTP {status} carries SDMX error code {code}")
    return None
