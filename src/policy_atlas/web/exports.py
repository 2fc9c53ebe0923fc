"""Page data as files: CSV from any list, GeoJSON / SVG / PNG of the map, GraphML / SVG of the network,
JSON-LD of entities and search results."""
from __future__ import annotations

import datetime as dt
import json
from typing import Callable, Iterator

import networkx as nx
from fastapi.responses import Response, StreamingResponse

from .. import export, network, svgmap
from ..export.tables import csv_lines
from ..geo import geojson
from .rendering import environment


MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8", "svg": "image/svg+xml", "png": "image/png",
         "geojson": "application/geo+json", "graphml": "application/graphml+xml", "jsonld": "application/ld+json",
         "ttl": "text/turtle", "nt": "application/n-triples", "zip": "application/zip", "atom": "application/atom+xml"}


def _file(body: bytes | str, media: str, name: str) -> Response:
    return Response(body, media_type=media, headers={"Content-Disposition": f'inline; filename="{name}"'})


def csv_rows(name: str, rows_of: Callable[[dict], list[dict]]):
    """Every row, streamed, under the page's declared columns (so the header is there for no rows too)."""
    def respond(data: dict, ctx) -> Response:
        return StreamingResponse(csv_lines(rows_of(data), CSV_COLUMNS[name]), media_type=MEDIA["csv"])
    return respond


def csv_of(name: str, key: str):
    return csv_rows(name, lambda data: data[key])


STATEMENT_COLUMNS = ["id", "property", "value", "value_type", "lang", "valid_from", "valid_to", "rank", "source",
                     "locator", "quote", "note"]
CSV_COLUMNS = {  # each page's CSV download, documented in docs/export.md
    "search": ["id", "type", "label", "label_lang", "tier", "regions", "governments", "start", "end", "score"],
    "municipality": ["municipality", "as_of", "list", "id", "label", "why", "start", "end", "source", "locator"],
    "overview": ["row", "government", "id", "label", "start", "end", "source", "locator"],
    "map": ["nis", "name", "count", "grants", "area", "share", "status", "source", "locator"],
    "map_municipality": ["nis", "name", "subsidy", "label", "start", "end", "funders", "via", "source", "locator"],
    "network": ["source", "source_label", "relation", "target", "target_label", "via", "statement"],
    "timeline": ["id", "type", "label", "label_lang", "tier", "start", "end"],
    "trainings": ["id", "type", "label", "label_lang", "providers", "funders", "government", "audience",
                  "languages", "regions", "evaluated", "evaluation"],
    "sources": ["id", "label", "author", "year", "url", "footnote", "cited_by"],
    "source": ["subject", "subject_label", *STATEMENT_COLUMNS],
}


def linked(fmt: str, ids_of: Callable[[dict], list[str]] = lambda data: [data["id"]]):
    """The page's entities as linked data (`jsonld`, `ttl` or `nt`), identifiers from the configured base URL."""
    def respond(data: dict, ctx) -> Response:
        return _file("".join(export.serialize(ctx.atlas, fmt, ids_of(data))), MEDIA[fmt], f"policy-atlas.{fmt}")
    return respond


def profile_rows(data: dict) -> Iterator[dict]:
    """One row per item of a municipality profile, every item (`every`: (list, item) pairs worked out as the
    download is read), with the list it is in and why it applies."""
    for section, item in data["every"]:
        yield {"municipality": data["municipality"]["nis"], "as_of": data["as_of"], "list": section, "id": item["id"],
               "label": item["label"], "why": item["why"], "start": item["start"], "end": item["end"],
               "source": (item.get("cites") or {}).get("source"), "locator": (item.get("cites") or {}).get("locator")}


def map_rows(data: dict) -> list[dict]:
    """One row per municipality: the subsidies it received (subsidy view) or its region's LIVC-R share."""
    return [{**m, "grants": [g["subsidy"] for g in m.get("grants") or ()],
             "source": (m.get("cites") or {}).get("source"), "locator": (m.get("cites") or {}).get("locator")}
            for m in data["municipalities"]]


def map_municipality_rows(data: dict) -> list[dict]:
    """One row per citation of each grant one municipality received (the map's filters applied)."""
    mun = data["municipality"]
    return [{"nis": mun["nis"], "name": mun["name"], "subsidy": g["subsidy"], "label": g["label"], "start": g["start"],
             "end": g["end"], "funders": g["funders"], "via": (g["via"] or {}).get("nis"), "source": c["source"],
             "locator": c["locator"]} for g in data["grants"] for c in g["cites"]]


def network_rows(data: dict) -> list[dict]:
    labels = data.get("labels", {})
    return [{**e, "source_label": labels.get(e["source"]), "target_label": labels.get(e["target"])}
            for e in data["edges"]]


def map_svg(data: dict, ctx) -> Response:
    svg = environment(ctx.lang).get_template("partials/map.svg").render(**data, standalone=True, href=None)
    return _file(svg, "image/svg+xml", "policy-atlas-map.svg")


def map_png(data: dict, ctx) -> Response:
    fills = {m["nis"]: m["fill"] for m in data["municipalities"]}
    return _file(svgmap.png(fills, day=_day(data["map"]["as_of"])), "image/png", "policy-atlas-map.png")


MAP_DISPLAY_KEYS = {"d", "fill"}  # drawing attributes of the SVG, not data


def map_geojson(data: dict, ctx) -> Response:
    """RFC 7946 GeoJSON from the source coordinates (see geo.geojson), with the map's data as properties."""
    features = [{"nis": m["nis"], "properties": {k: v for k, v in m.items() if k not in MAP_DISPLAY_KEYS}}
                for m in data["municipalities"]]
    doc = geojson.feature_collection(features, _day(data["map"]["as_of"]), data["filters"]["precision"])
    return _file(json.dumps(doc, ensure_ascii=False), "application/geo+json", "policy-atlas-map.geojson")


def _day(iso: str | None):
    return dt.date.fromisoformat(iso) if iso else None


def network_graphml(data: dict, ctx) -> Response:
    g = nx.MultiDiGraph()
    for node in data["nodes"]:
        g.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in data["edges"]:
        g.add_edge(edge["source"], edge["target"], relation=edge["relation"], via=edge["via"],
                   statement=edge["statement"])
    return _file(network.graphml(g), "application/graphml+xml", "policy-atlas-network.graphml")


def network_svg(data: dict, ctx) -> Response:
    svg = environment(ctx.lang).get_template("partials/network.svg").render(**data, standalone=True, href=None)
    return _file(svg, "image/svg+xml", "policy-atlas-network.svg")
