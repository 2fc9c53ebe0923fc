"""What each JSON endpoint answers, for the OpenAPI description: the fields listed are always there with
these types; a page may carry more (models allow extra fields), so new fields need no schema change first."""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Rank = Literal["preferred", "normal", "deprecated"]
Date = Optional[str]  # YYYY, YYYY-MM or YYYY-MM-DD; null when unknown or open


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Problem(BaseModel):
    """Every error under /api/: a message, the HTTP status, and one line per problem (parameter: what is wrong)."""
    error: str
    status: int
    problems: list[str]


class Ref(Model):
    id: str
    label: str


class Cites(Model):
    source: str
    source_title: Optional[str]
    locator: Optional[str]
    quote: Optional[str]


class StatementView(Model):
    id: str
    property: str
    value: str
    value_type: Literal["entity", "text", "date", "integer", "amount", "url", "enum"]
    lang: Optional[str]
    valid_from: Date
    valid_to: Date
    rank: Rank
    note: Optional[str]
    source: str
    source_title: Optional[str]
    locator: Optional[str]
    quote: Optional[str]


class Figure(Model):
    id: str
    label: str
    area: str
    count: Optional[str]
    total: Optional[str]
    as_of: Date
    cites: Optional[Cites]


class Figures(Model):
    governments: int
    municipalities: int
    statements: int
    livcr: list[Figure]


class Recommendation(Ref):
    number: Optional[str]


class Home(Model):
    figures: Figures
    recommendations: list[Recommendation]


class Hit(Model):
    id: str
    type: str
    label: str
    label_lang: Optional[str]
    tier: Optional[str]
    regions: list[str]
    governments: list[str]
    start: Optional[int] = Field(description="first year")
    end: Optional[int] = Field(description="last year")


class Search(Model):
    q: str
    filters: dict[str, Any]
    count: int = Field(description="all hits; `results` holds one page of them (CSV and linked data: all)")
    page: int = Field(description="the page shown, counted from 1")
    per_page: int
    facets: dict[str, dict[str, int]] = Field(description="per facet, how many of all hits have each value")
    results: list[Hit]
    government_labels: dict[str, str]


class ListPage(Model):
    """Where a listed page of a longer list stands: `total` items, page `page` of `pages`, `page_size` a page."""
    total: int
    page: int
    pages: int
    page_size: Optional[int]


class ProfileList(ListPage):
    """A profile list: where its page stands, and on the page's first view how many of its first items it shows."""
    first_view: Optional[int] = Field(None, description="the list shows only its first N items (the page's first "
                                                        "view; `section` pages through all of them)")


class PropertyGroup(ListPage):
    property: str
    label: str
    statements: list[StatementView] = Field(description="page `page` of the group (the first 25 unless asked)")


class Change(Model):
    action: Literal["add", "retract"]
    at: str
    prop: str
    value: str


class Entity(Model):
    id: str
    type: str
    type_label: str
    label: str
    label_lang: Optional[str]
    labels: dict[str, str]
    as_of: Date
    properties: list[PropertyGroup]
    incoming: list[PropertyGroup]
    changes: list[Change]
    tier: Optional[str]


class Place(Model):
    nis: str
    label: str
    region: str


class ProfileItem(Model):
    id: str
    label: str
    why: str
    start: Date
    end: Date
    cites: Optional[Cites]


class Profile(Model):
    municipality: Place
    as_of: Date
    governments: list[dict[str, Any]]
    subsidies_received: list[ProfileItem]
    subsidies_open: list[ProfileItem]
    bodies_taking_part: list[ProfileItem]
    helplines: list[ProfileItem]
    services: list[ProfileItem]
    trainings: list[ProfileItem]
    tools: list[ProfileItem]
    plans: list[ProfileItem]
    rules: list[ProfileItem]
    bodies: list[ProfileItem]
    agencies: list[ProfileItem]
    sections: dict[str, ProfileList] = Field(description="each list's total and which page of it is shown (25 a "
                                                         "page), or that only its first items are shown")
    livcr: dict[str, Any]


class OverviewRow(Model):
    id: str
    label: str
    cells: list[dict[str, Any]]


class Overview(Model):
    as_of: Date
    columns: list[Ref]
    rows: list[OverviewRow]


class MapArea(Model):
    nis: str
    name: str


class Map(Model):
    """Per municipality its count and fill (subsidy view); the grants themselves: MapMunicipality."""
    filters: dict[str, Any]
    options: dict[str, list[Ref]]
    options_total: dict[str, int]
    municipalities: list[MapArea]
    legend: list[dict[str, Any]]


class MapGrant(Model):
    subsidy: str
    label: str
    start: Date
    end: Date
    funders: list[str]
    cites: list[Cites]
    via: Optional[dict[str, Any]]


class MapMunicipality(Model):
    """The grants one municipality of the subsidy map received with the map's filters, `per_page` at a time."""
    municipality: MapArea
    filters: dict[str, Any]
    count: int
    page: int
    pages: int
    per_page: int
    grants: list[MapGrant]


class Node(Model):
    id: str
    label: str
    type: str
    tier: Optional[str]


class Edge(Model):
    source: str
    target: str
    relation: str
    via: Optional[str]
    statement: Optional[str]


class Network(Model):
    """The drawn network: per band the best-connected actors, the rest in one `More` node; `left_out` counts."""
    relations: list[str]
    region: Optional[str]
    as_of: Date
    nodes: list[Node]
    edges: list[Edge]
    left_out: dict[str, Any]


class TimelineItem(Model):
    id: str
    type: str
    label: str
    tier: Optional[str]
    start: Date
    end: Date


class YearCount(Model):
    year: int
    count: int


class Timeline(Model):
    """One page of the items of the selection (`count` of them, `total` for the tier) and the count per start year."""
    tier: Optional[str]
    first_year: int
    last_year: int
    items: list[TimelineItem]
    year_from: Optional[int]
    year_to: Optional[int]
    count: int
    total: int
    page: int
    pages: int
    per_page: int
    per_year: list[YearCount]


class Livcr(Model):
    bodies: list[dict[str, Any]]
    chain: list[dict[str, Any]]
    concerns: list[dict[str, Any]]
    helplines: list[dict[str, Any]]
    coverage: list[Figure]


class Training(Model):
    id: str
    type: str
    label: str
    languages: list[str]
    regions: list[str]
    evaluated: bool


class Trainings(Model):
    language: Optional[str]
    region: Optional[str]
    items: list[Training]
    evaluated: int
    gap: list[StatementView]


class SourceSummary(Model):
    id: str
    kind: Optional[str]
    title: Optional[str]
    statements: int


class Document(Model):
    id: str
    label: str
    year: Optional[str]
    url: Optional[str]
    cited_by: list[str]


class Footnote(Model):
    number: int
    line: Optional[int]
    text: str


class Sources(Model):
    sources: list[SourceSummary]
    documents: list[Document]
    footnotes: list[Footnote]


class SourceStatement(StatementView):
    subject: str
    subject_label: str


class Source(Model):
    source: dict[str, Any]
    count: int
    statements: list[SourceStatement]
    footnote: Optional[Footnote]


class ApiIndex(Model):
    openapi: str
    languages: list[str]
    endpoints: dict[str, str]


class IngestReport(Model):
    summary: dict[str, Any]
    files: list[dict[str, Any]]
