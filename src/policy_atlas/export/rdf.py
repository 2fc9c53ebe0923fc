"""The atlas as linked data, modelled the way Wikidata's RDF export is: each statement is a node of its own
with its value, validity, rank and provenance (PROV-O), and the best-ranked values are also given as
"truthy" direct triples in schema.org / W3C ORG terms. One set of triples, written as JSON-LD, Turtle or N-Triples in blocks (fast enough to stream the whole
atlas; rdflib and pyld read each back in the tests).

Identifiers come from the configured base URL (`ATLAS_BASE_URL`), never from a request."""
from __future__ import annotations

import json
import os
import re
from functools import cache
from typing import Iterable, Iterator
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, Literal, Namespace, URIRef

from ..model import FuzzyDate, Statement, load_schema
from ..queries import Atlas

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
DATE_TYPES = {"year": XSD.gYear, "month": XSD.gYearMonth, "day": XSD.date}
MEDIA_TYPES = {"jsonld": "application/ld+json", "ttl": "text/turtle", "nt": "application/n-triples"}


def base_url() -> str:
    """The public address the atlas's identifiers are made from (ATLAS_BASE_URL, else the local default)."""
    return (os.environ.get("ATLAS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


@cache
def _vocabulary() -> tuple[dict, Namespace, Namespace, Namespace]:
    linked = load_schema().linked_data
    atlas = Namespace(linked["context"]["atlas"])
    context = {**linked["context"], "prov": str(PROV), "rdfs": str(RDFS), "xsd": str(XSD),
               "p": f"{atlas}p/", "ps": f"{atlas}ps/"}
    return context, atlas, Namespace(context["p"]), Namespace(context["ps"])


def context() -> dict:
    return dict(_vocabulary()[0])


def _term(compact: str) -> URIRef:
    prefix, local = compact.split(":", 1)
    return URIRef(context()[prefix] + local)


def entity_iri(eid: str, base: str) -> URIRef:
    return URIRef(f"{base}/api/entity/{quote(eid, safe='/')}")


def source_iri(sid: str, base: str) -> URIRef:
    return URIRef(f"{base}/api/sources/{quote(sid, safe='')}")


def _date(value: FuzzyDate) -> Literal:
    return Literal(str(value), datatype=DATE_TYPES[value.precision])


def _value(st: Statement, base: str):
    if st.value_type == "entity":
        return entity_iri(st.value, base)
    if st.value_type == "date":
        return _date(FuzzyDate.parse(st.value))
    if st.value_type == "integer":
        return Literal(st.value, datatype=XSD.integer)
    if st.value_type == "amount":
        return Literal(st.value, datatype=XSD.decimal)
    if st.value_type == "url":
        return Literal(st.value, datatype=XSD.anyURI)
    return Literal(st.value, lang=st.lang) if st.lang else Literal(st.value)


def best(statements: Iterable[Statement]) -> set[str]:
    """Ids of the best-ranked statements per property: the preferred ones if any, else the normal ones."""
    by_prop: dict[str, list[Statement]] = {}
    for st in statements:
        if st.rank != "deprecated":
            by_prop.setdefault(st.prop, []).append(st)
    out: set[str] = set()
    for sts in by_prop.values():
        preferred = [s for s in sts if s.rank == "preferred"]
        out |= {s.id for s in preferred or sts}
    return out


RANKS = {"preferred": "PreferredRank", "normal": "NormalRank", "deprecated": "DeprecatedRank"}


def _statement_triples(st: Statement, is_best: bool, atlas_ns: Namespace, p: Namespace, ps: Namespace,
                       terms: dict, languages: dict, base: str) -> Iterator[tuple]:
    subject = entity_iri(st.subject, base)
    node = URIRef(f"{subject}#{st.id}")
    value = _value(st, base)
    if is_best:
        yield subject, _term(terms[st.prop]) if st.prop in terms else atlas_ns[st.prop], value
    yield subject, p[st.prop], node
    yield node, RDF.type, atlas_ns.Statement
    if is_best:
        yield node, RDF.type, atlas_ns.BestRank
    yield node, ps[st.prop], value
    yield node, atlas_ns.rank, atlas_ns[RANKS[st.rank]]
    if st.prop == "member" and st.value_type == "entity":
        yield node, RDF.type, ORG.Membership
        yield node, ORG.organization, subject
        yield node, ORG.member, value
    if st.valid_from:
        yield node, SCHEMA.validFrom, _date(st.valid_from)
    if st.valid_to:
        yield node, SCHEMA.validThrough, _date(st.valid_to)
    if st.note:
        yield node, RDFS.comment, Literal(st.note)
    source = source_iri(st.source, base)
    yield node, PROV.wasDerivedFrom, source
    if st.locator or st.quote:
        derivation = URIRef(f"{node}-source")
        yield node, PROV.qualifiedDerivation, derivation
        yield derivation, RDF.type, PROV.Derivation
        yield derivation, PROV.entity, source
        if st.locator:
            yield derivation, atlas_ns.locator, Literal(st.locator)
        if st.quote:
            lang = languages.get(st.source)
            yield derivation, atlas_ns.quote, Literal(st.quote, lang=lang) if lang else Literal(st.quote)


def _source_triples(sid: str, record: dict, atlas_ns: Namespace, base: str) -> Iterator[tuple]:
    node = source_iri(sid, base)
    yield node, RDF.type, PROV.Entity
    yield node, RDF.type, SCHEMA.Dataset if record.get("kind") == "dataset" else SCHEMA.CreativeWork
    yield node, atlas_ns.id, Literal(sid)
    if record.get("title"):
        yield node, SCHEMA.name, Literal(record["title"])
    if record.get("url"):
        yield node, SCHEMA.url, Literal(record["url"], datatype=XSD.anyURI)
    if record.get("license"):
        yield node, SCHEMA.license, Literal(record["license"])
    published = record.get("published") or record.get("year")
    if published:
        yield node, SCHEMA.datePublished, _date(FuzzyDate.parse(published))
    if record.get("language"):
        yield node, SCHEMA.inLanguage, Literal(record["language"])


def blocks(atlas: Atlas, eids: Iterable[str], base: str | None = None) -> Iterator[list[tuple]]:
    """Triples in blocks, one per entity (its type, truthy values and statement nodes), then one per source
    those statements rest on; no subject spans two blocks, so each block can be written as it comes."""
    base = base or base_url()
    _, atlas_ns, p, ps = _vocabulary()
    linked = load_schema().linked_data
    terms, types = linked["properties"], linked["types"]
    languages = {k: v.get("language") for k, v in atlas.sources.items()}
    cited: set[str] = set()
    for eid in eids:
        subject = entity_iri(eid, base)
        block = [(subject, RDF.type, _term(types.get(atlas.types[eid], "schema:Thing"))),
                 (subject, atlas_ns.id, Literal(eid))]
        statements = atlas.by_subject.get(eid, ())
        top = best(statements)
        for st in statements:
            cited.add(st.source)
            block += _statement_triples(st, st.id in top, atlas_ns, p, ps, terms, languages, base)
        yield list(dict.fromkeys(block))
    for sid in sorted(cited):
        yield list(_source_triples(sid, atlas.sources.get(sid, {}), atlas_ns, base))


def _every(atlas: Atlas, eids: Iterable[str] | None) -> Iterable[str]:
    return atlas.chunked(sorted(atlas.types)) if eids is None else eids


def _literal(term: Literal, iri=lambda i: f"<{i}>") -> str:
    text = json.dumps(str(term), ensure_ascii=False)  # a JSON string is a valid N-Triples/Turtle string
    if term.language:
        return f"{text}@{term.language}"
    return f"{text}^^{iri(term.datatype)}" if term.datatype else text


def _nt(term) -> str:
    return _literal(term) if isinstance(term, Literal) else f"<{term}>"


def ntriples(atlas: Atlas, eids: Iterable[str] | None = None, base: str | None = None) -> Iterator[str]:
    for block in blocks(atlas, _every(atlas, eids), base):
        yield "".join(f"{_nt(s)} {_nt(p)} {_nt(o)} .\n" for s, p, o in block)


_PN_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _compact(iri: str) -> str | None:
    """prefix:local when the IRI is in one of the context's namespaces (all end in / or #)."""
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    prefix = _prefixes().get(iri[:cut])
    return f"{prefix}:{iri[cut:]}" if prefix and _PN_LOCAL.match(iri[cut:]) else None


@cache
def _prefixes() -> dict[str, str]:
    return {namespace: prefix for prefix, namespace in context().items()}


def _ttl(term) -> str:
    if isinstance(term, Literal):
        return _literal(term, lambda i: _compact(i) or f"<{i}>")
    return _compact(term) or f"<{term}>"


def turtle(atlas: Atlas, eids: Iterable[str] | None = None, base: str | None = None) -> Iterator[str]:
    yield "".join(f"@prefix {k}: <{v}> .\n" for k, v in context().items())
    for block in blocks(atlas, _every(atlas, eids), base):
        out = []
        for subject, pairs in _grouped(block).items():
            body = " ;\n    ".join(("a" if p == RDF.type else _ttl(p)) + " " + ", ".join(_ttl(o) for o in objs)
                                   for p, objs in pairs.items())
            out.append(f"\n{_ttl(subject)}\n    {body} .\n")
        yield "".join(out)


def _grouped(block: list[tuple]) -> dict:
    out: dict = {}
    for s, p, o in block:
        out.setdefault(s, {}).setdefault(p, []).append(o)
    return out


def _jsonld_value(term):
    if not isinstance(term, Literal):
        return {"@id": str(term)}
    if term.language:
        return {"@value": str(term), "@language": term.language}
    if term.datatype:
        return {"@value": str(term), "@type": _compact(term.datatype) or str(term.datatype)}
    return {"@value": str(term)}


def jsonld(atlas: Atlas, eids: list[str], base: str | None = None) -> dict:
    """A flattened JSON-LD document (compact IRIs from the atlas's context): one node per entity, statement,
    derivation and cited source."""
    nodes = []
    for block in blocks(atlas, eids, base):
        for subject, pairs in _grouped(block).items():
            node: dict = {"@id": str(subject)}
            for prop, objs in pairs.items():
                if prop == RDF.type:
                    kinds = [_compact(o) or str(o) for o in objs]
                    node["@type"] = kinds[0] if len(kinds) == 1 else kinds
                else:
                    node[_compact(prop) or str(prop)] = [_jsonld_value(o) for o in objs]
            nodes.append(node)
    return {"@context": context(), "@graph": nodes}


def serialize(atlas: Atlas, fmt: str, eids: list[str] | None = None, base: str | None = None) -> Iterator[str]:
    """`jsonld`, `ttl` or `nt` of the given entities (default: the whole atlas), in chunks."""
    if fmt == "jsonld":
        return iter([json.dumps(jsonld(atlas, list(_every(atlas, eids)), base), ensure_ascii=False)])
    return (turtle if fmt == "ttl" else ntriples)(atlas, eids, base)
