"""Page data as files: CSV from any list, GeoJSON / SVG / PNG of the map, GraphML / SVG of the network,
JSON-LD of entities and search results."""
from __future__ import annotations

import csv
import io
import json
from typing import Callable

import networkx as nx
from fastapi.responses import Response

from .. import export, network, svgmap
from .rendering import environment


MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8", "svg": "image/svg+xml", "png": "image/png",
         "geojson": "application/geo+json", "graphml": "application/graphml+xml", "jsonld": "application/ld+json",
         "ttl": "text/turtle", "nt": "application/n-triples", "zip": "application/zip"}


def _file(body: bytes | str, media: str, name: str) -> Response:
    return Response(body, media_type=media, headers={"Content-Disposition": f'inline; filename="{name}"'})


def _flat(value) -> str:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def to_csv(rows: list[dict]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _flat(v) for k, v in row.items()})
    return buffer.getvalue()


def csv_rows(rows_of: Callable[[dict], list[dict]]):
    def respond(data: dict, ctx) -> Response:
        return _file(to_csv(rows_of(data)), "text/csv; charset=utf-8", "policy-atlas.csv")
    return respond


def csv_of(key: str):
    return csv_rows(lambda data: data[key])


def linked(fmt: str, ids_of: Callable[[dict], list[str]] = lambda data: [data["id"]]):
    """The page's entities as linked data (`jsonld`, `ttl` or `nt`), identifiers from the configured base URL."""
    def respond(data: dict, ctx) -> Response:
        return _file("".join(export.serialize(ctx.atlas, fmt, ids_of(data))), MEDIA[fmt], f"policy-atlas.{fmt}")
    return respond


PROFILE_LISTS = ("helplines", "services", "subsidies_received", "subsidies_open", "bodies_taking_part", "bodies",
                 "plans", "rules", "trainings", "tools", "agencies")


def profile_rows(data: dict) -> list[dict]:
    """One row per item of a municipality profile, with the list it is in and why it applies."""
    return [{"municipality": data["municipality"]["nis"], "as_of": data["as_of"], "list": section, "id": item["id"],
             "label": item["label"], "why": item["why"], "start": item["start"], "end": item["end"],
             "source": (item.get("cites") or {}).get("source"), "locator": (item.get("cites") or {}).get("locator")}
            for section in PROFILE_LISTS for item in data[section]]


def map_rows(data: dict) -> list[dict]:
    return [{k: v for k, v in m.items() if k not in ("d", "fill")} for m in data["municipalities"]]


def map_svg(data: dict, ctx) -> Response:
    svg = environment(ctx.lang).get_template("partials/map.svg").render(**data, standalone=True, href=None)
    return _file(svg, "image/svg+xml", "policy-atlas-map.svg")


def map_png(data: dict, ctx) -> Response:
    fills = {m["nis"]: m["fill"] for m in data["municipalities"]}
    return _file(svgmap.png(fills), "image/png", "policy-atlas-map.png")


def map_geojson(data: dict, ctx) -> Response:
    features = [{"nis": m["nis"], "properties": {k: v for k, v in m.items() if k != "d"}}
                for m in data["municipalities"]]
    return _file(json.dumps(svgmap.geojson(features), ensure_ascii=False), "application/geo+json",
                 "policy-atlas-map.geojson")


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
