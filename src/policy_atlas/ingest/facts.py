"""New facts in a page, beyond recipients and amounts of subsidies the atlas holds: legal acts (kind, date,
numac), subsidies and calls (funder, amounts, period, recipients — across the sentences of one paragraph, or a
heading and the list under it), dated figures (counts with their as-of date), events with dates, and a
municipality's LIVC-R.

Every proposal is one statement in the atlas's model (subject, property, value, validity) with its evidence; the
statements of an entity the atlas does not hold share a temporary subject id `new:Type/key`, so a reviewer (or
curation) creates that entity once and adds its statements. The shape is documented in docs/ingest.md."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .mentions import fold
from .values import Mention

ACT_KINDS = [("royal_decree", r"koninklijk|arrete royal|koniglich|\bkb\b"), ("circular", r"omzendbrief|circulaire|rundschreiben"),
             ("decree", r"decreet|decret|dekret|ordonnan|besluit van de vlaamse"), ("law", r"\bwet\b|\bloi\b|gesetz")]
SUBSIDY_CUES = re.compile(r"\b(?:project)?(?:subsidie|toelage|projectoproep|oproep|subvention|subside|appel\s+[àa]\s+projets|"
                          r"zuschu(?:ss|ß)|forderung|projektaufruf|financement|middelen)\w*", re.I)
STRONG_CUES = re.compile(r"\b(?:project)?(?:subsidie|toelage|projectoproep|subvention|subside|appel\s+[àa]\s+projets|"
                         r"zuschu(?:ss|ß)|projektaufruf)\w*", re.I)
COUNT_NOUNS = re.compile(r"\s*(?:\w+\s+){0,2}?(gemeenten|steden|communes|villes|gemeinden|livc-?r?'?s?|csil(?:-?r)?|"
                         r"cellen|cellules|zellen)\b", re.I)
EVENT_CUES = re.compile(
    r"goedgekeurd|keurt\b.*\bgoed|opgericht|opgestart|gelanceerd|lanceerde|ondertekend|aangenomen|ingevoerd|"
    r"vond\b.*\bplaats|aanslag|approuv|adopt|cre[eé]{1,2}e?\b|lanc[eé]|sign[eé]|institu|a fait place|a eu lieu|attentat|"
    r"beschlossen|gegr[uü]ndet|unterzeichn|ins leben gerufen|fand\b.*\bstatt|legte\b|vorgelegt|eingerichtet|"
    r"verabschiedet|zu gast|besuchte|anschl[aä]g", re.I)
STAMP = re.compile(r"(?:gepubliceerd|publicatie|publié|publication|veröffentlicht|datum|date|question écrite|"
                   r"schriftliche frage|vraag|frage|réponse|antwoord|indiening|ontvangst|réception|imprimé|mis en ligne)"
                   r"[^.\n]{0,25}$", re.I)
SINCE = {"sinds", "vanaf", "depuis", "since", "seit"}
ESTABLISHED = re.compile(r"actief|opgericht|operationeel|active|opérationnel|installé|aktiv|eingerichtet|sinds|depuis|seit", re.I)
FUNDER_TYPES = ("Government", "Agency", "Organisation")
OFFER_TYPES = [
    ("Helpline", r"hulplijn|infolijn|meldpunt|groen nummer|numéro vert|ligne d'écoute|ligne d'aide|hotline|hilfetelefon"),
    ("Training", r"opleiding|vorming|training|studiedag|formation|journée d'étude|fortbildung|schulung|weiterbildung"),
    ("Tool", r"toolbox|toolkit|handleiding|gids|brochure|outil|guide|kit pédagogique|leitfaden|handreichung|werkzeug"),
    ("Service", r"steunpunt|expertisecentrum|anlaufstelle|beratungsstelle|centre d'aide|service d'accompagnement"),
    ("Body", r"platform|netwerk|werkgroep|plateforme|réseau|groupe de travail|netzwerk|arbeitsgruppe|plattform"),
]
OFFER = re.compile(r"\b((?i:" + "|".join(rx for _, rx in OFFER_TYPES) + r"))\b\s*(?:[:–-]\s*)?"
                   r"(?:[«\"„“‘']\s*([^«»\"„“”‘’'\n]{3,90}?)\s*[»\"“”’']|"
                   r"((?:[A-ZÀ-ÝÄÖÜ][\w’'\-]+)(?:\s+(?:[A-ZÀ-ÝÄÖÜ][\w’'\-]+|van|voor|de|du|des|der|für|et|en|und|la|le|het)){0,7}))")
AUDIENCE = re.compile(r"\b(?:voor|pour|für|for)\s+(?:de\s+|les\s+|die\s+|the\s+)?((?:[\w-]+\s+){0,2}?(?:leerkrachten|"
                      r"ouders|jongeren|gemeenten|professionals|hulpverleners|scholen|enseignants|parents|jeunes|communes|"
                      r"professionnels|écoles|lehrkräfte|eltern|jugendliche|fachkräfte|gemeinden|schulen|teachers|parents))\b",
                      re.I)
NAMES = ("entity", "region", "municipality", "province", "arrondissement")
PHONE = re.compile(r"\b0\d{2,3}(?:[ ./]?\d{2,3}){2,3}\b")


@dataclass
class PageView:
    """What the fact finders read: the page text, its sentences and paragraphs, and the mentions in each."""
    file: str
    page: int
    column: int | None
    text: str
    sentences: list  # Span
    by_sentence: list[list[Mention]]
    paragraphs: list  # Span
    line_of: object  # offset -> line
    heading: str = ""


class FactFinder:
    def __init__(self, ingester):
        self.ing = ingester
        self.atlas = ingester.atlas
        self.held_events: dict[str, list[str]] = {}
        for event in self.atlas.chunked(self.atlas.entities_of("Event")):
            for st in self.atlas.values(event, "date"):
                self.held_events.setdefault(str(st.value), []).append(event)

    def find(self, view: PageView) -> list[dict]:
        out: list[dict] = []
        for finder in (self.legal_acts, self.figures, self.events, self.livcr, self.subsidies, self.offers):
            out += finder(view)
        return out

    # -- helpers ---------------------------------------------------------------------------------------------
    def _where(self, view: PageView, index: int) -> dict:
        span = view.sentences[index]
        from ..sourcetext import unwrap

        return {"file": view.file, "page": view.page, "column": view.column, "line": view.line_of(span.start),
                "quote": unwrap(view.text[span.start:span.end])}

    def _statement(self, view, index, subject, subject_label, subject_type, prop, value, *, kind, evidence,
                   confidence, valid_from=None, valid_to=None, value_label=None) -> dict:
        if subject.startswith("new:"):
            status, held = "new", []
        else:
            status, held = self.ing.compare(subject, prop, value, valid_from, valid_to)
        return {"kind": kind, "subject": subject, "subject_label": subject_label, "subject_type": subject_type,
                "property": prop, "value": value, "value_label": value_label or value, "valid_from": valid_from,
                "valid_to": valid_to, "status": status, "atlas": held, "confidence": confidence,
                "evidence": evidence, **self._where(view, index)}

    def _type(self, m: Mention) -> str | None:
        return self.atlas.types.get(m.id) if m.kind == "entity" else None

    # -- legal acts ------------------------------------------------------------------------------------------
    def legal_acts(self, view: PageView) -> list[dict]:
        out = []
        for index, ms in enumerate(view.by_sentence):
            numacs = [m for m in ms if m.kind == "numac"]
            for m in ms:
                linked = m.kind == "entity" and self._type(m) == "LegalAct" and m.value
                if m.kind != "legal" and not linked:
                    continue
                act_word, _, date = (m.value or "").rpartition(" ")
                if not re.fullmatch(r"\d{4}-\d\d-\d\d", date):
                    continue
                kind = next((k for k, rx in ACT_KINDS if re.search(rx, fold(act_word))), None)
                label = re.sub(r"\s+", " ", m.surface)
                subject = m.id if linked else f"new:LegalAct/{kind or 'act'}-{date}"
                after = [n for n in numacs if n.start > m.start]
                ev = [m.surface]
                out.append(self._statement(view, index, subject, self.atlas.label(subject) if linked else label,
                                           "LegalAct", "signed", date, kind="legal_act", evidence=ev, confidence=0.9))
                if kind and not linked:
                    out.append(self._statement(view, index, subject, label, "LegalAct", "kind", kind,
                                               kind="legal_act", evidence=ev, confidence=0.8))
                if after:
                    out.append(self._statement(view, index, subject, label, "LegalAct", "numac", after[0].value,
                                               kind="legal_act", evidence=ev + [after[0].surface], confidence=0.8))
        return out

    # -- dated figures ---------------------------------------------------------------------------------------
    def figures(self, view: PageView) -> list[dict]:
        out = []
        taken = bytearray(len(view.text) + 1)  # numbers inside a date, amount or name are no counts
        for ms in view.by_sentence:
            for m in ms:
                if m.kind != "footnote":
                    taken[m.start:m.end] = b"\x01" * (m.end - m.start)
        for index, span in enumerate(view.sentences):
            sentence = view.text[span.start:span.end]
            ms = view.by_sentence[index]
            for number in re.finditer(r"(?<![\d.,/])\b(\d{1,4})\b(?![\d.,/]\d)", sentence):
                at = span.start + number.start()
                if taken[at] or not (noun := COUNT_NOUNS.match(sentence, number.end())):
                    continue
                count = int(number.group(1))
                livcr = "livc" in fold(noun.group(1)) or "csil" in fold(noun.group(1)) or any(
                    m.id == "body/livcr" for m in ms)
                dates = [m.value for m in ms if m.kind == "date" and len(m.value) == 10]
                years = [m.value for m in ms if m.kind == "year"]
                as_of = dates[0] if dates else years[0] if len(years) == 1 else None
                key = f"{'livcr' if livcr else 'count'}-{count}-{as_of or 'undated'}"
                subject = f"new:Measure/{key}"
                label = re.sub(r"\s+", " ", sentence[number.start():noun.end()])
                ev = [label]
                out.append(self._statement(view, index, subject, label, "Measure", "count", count, kind="figure",
                                           evidence=ev, confidence=0.7 if as_of else 0.5))
                if as_of:
                    out.append(self._statement(view, index, subject, label, "Measure", "as_of", as_of, kind="figure",
                                               evidence=ev, confidence=0.7))
                if livcr:
                    out.append(self._statement(view, index, subject, label, "Measure", "subject", "body/livcr",
                                               kind="figure", evidence=ev, confidence=0.7,
                                               value_label=self.atlas.label("body/livcr")))
                taken[at:at + len(number.group())] = b"\x01" * len(number.group())
        return out

    # -- events ----------------------------------------------------------------------------------------------
    def events(self, view: PageView) -> list[dict]:
        out = []
        held = self.held_events
        for index, span in enumerate(view.sentences):
            sentence = view.text[span.start:span.end]
            dates = [m for m in view.by_sentence[index] if m.kind == "date" or (m.kind == "period" and len(m.value) > 9)]
            if len(dates) != 1 or STAMP.search(view.text[max(0, dates[0].start - 40):dates[0].start]):
                continue
            near = view.text[max(span.start, dates[0].start - 80):min(span.end, dates[0].end + 120)]
            if not EVENT_CUES.search(near):
                continue
            date = dates[0].value.split("/")[0]
            events = held.get(date, [])
            subject = events[0] if len(events) == 1 else f"new:Event/{date}"
            label = re.sub(r"\s+", " ", sentence.strip())[:160]
            out.append(self._statement(view, index, subject, self.atlas.label(subject) if events else label, "Event",
                                       "date", date, kind="event", evidence=[dates[0].surface], confidence=0.6))
        return out

    # -- LIVC-R of a municipality ------------------------------------------------------------------------------
    def livcr(self, view: PageView) -> list[dict]:
        out = []
        for index, ms in enumerate(view.by_sentence):
            if not any(m.id == "body/livcr" for m in ms):
                continue
            sentence = view.text[view.sentences[index].start:view.sentences[index].end]
            muns = {m.id: m for m in ms if m.kind == "municipality"}
            if len(muns) != 1 or not ESTABLISHED.search(sentence):
                continue
            mun = next(iter(muns.values()))
            years = [m for m in ms if m.kind == "year"]
            since = years[0].value if len(years) == 1 else None
            out.append(self._statement(view, index, mun.id, self.atlas.label(mun.id), "Municipality", "livcr_status",
                                       "established", kind="livcr", evidence=[mun.surface], confidence=0.7,
                                       valid_from=since))
        return out

    # -- new bodies, services, helplines, trainings and tools -----------------------------------------------
    def offers(self, view: PageView) -> list[dict]:
        """A kind word (platform, hulplijn, formation, Leitfaden, …) followed by a name — quoted, or capitalised
        words — that is no entity the atlas holds: a new entity of that kind with its name, and its provider (a
        government, agency or organisation named in the sentence), audience and phone number when the sentence
        gives them."""
        out = []
        for index, span in enumerate(view.sentences):
            sentence = view.text[span.start:span.end]
            ms = view.by_sentence[index]
            for m in OFFER.finditer(sentence):
                name = re.sub(r"\s+", " ", m.group(2) or m.group(3) or "").strip(" .,;")
                at, end = span.start + m.start(m.lastindex), span.start + m.end(m.lastindex)
                cue_at = span.start + m.start()
                if len(name) < 4 or any(n.kind in NAMES and n.start < end and (at < n.end or cue_at < n.end)
                                        for n in ms):
                    continue
                kind = next(t for t, rx in OFFER_TYPES if re.fullmatch(rx, m.group(1), re.I))
                subject = f"new:{kind}/{fold(name).replace(' ', '-')[:60]}"
                label = f"{m.group(1)} {name}"
                ev = [re.sub(r"\s+", " ", m.group())]
                out.append(self._statement(view, index, subject, label, kind, "name", name, kind="offer",
                                           evidence=ev, confidence=0.5 if m.group(2) else 0.4))
                providers = [n for n in ms if self._type(n) in FUNDER_TYPES]
                if providers:
                    out.append(self._statement(view, index, subject, label, kind, "provider", providers[0].id,
                                               kind="offer", evidence=[providers[0].surface], confidence=0.4,
                                               value_label=self.atlas.label(providers[0].id)))
                if audience := AUDIENCE.search(sentence):
                    out.append(self._statement(view, index, subject, label, kind, "audience", audience.group(1),
                                               kind="offer", evidence=[audience.group()], confidence=0.4))
                if kind == "Helpline" and (phone := PHONE.search(sentence)):
                    out.append(self._statement(view, index, subject, label, kind, "phone", phone.group(),
                                               kind="offer", evidence=[phone.group()], confidence=0.6))
        return out

    # -- subsidies and calls ---------------------------------------------------------------------------------
    def subsidies(self, view: PageView) -> list[dict]:
        """A paragraph with amounts (or a funder and a call) and a subsidy word — in the paragraph or in the page's
        heading — that names no subsidy the atlas holds: a new subsidy with its funder, amounts, period and
        recipients. A heading and the list under it count as one paragraph."""
        out = []
        heading_cue = bool(SUBSIDY_CUES.search(view.heading))
        for para in view.paragraphs:
            idx = [i for i, s in enumerate(view.sentences) if para.start <= s.start < para.end]
            ms = [m for i in idx for m in view.by_sentence[i]]
            text = view.text[para.start:para.end]
            cue = SUBSIDY_CUES.search(text)
            if any(self._type(m) == "Subsidy" for m in ms) or not (cue or heading_cue):
                continue
            amounts = [(i, m) for i in idx for m in view.by_sentence[i] if m.kind == "amount"]
            funders = [m for m in ms if self._type(m) in FUNDER_TYPES and not _after_recipient_word(view.text, m)]
            if not amounts:  # a call without an amount: its funder and a call word in one sentence
                funders = [m for i in idx if STRONG_CUES.search(view.text[view.sentences[i].start:view.sentences[i].end])
                           for m in view.by_sentence[i] if m in funders]
                if not funders:
                    continue
            first = amounts[0][0] if amounts else idx[0]
            key = amounts[0][1].value if amounts else funders[0].id
            subject = f"new:Subsidy/{view.page}-{para.start if cue else 'heading'}-{key if cue else ''}".rstrip("-")
            label = re.sub(r"\s+", " ", (cue.group() if cue else view.heading)).strip()
            for i, m in amounts:
                period = [p for p in view.by_sentence[i] if p.kind == "period"]
                vf, vt = period[0].value.split("/") if period else (None, None)
                out.append(self._statement(view, i, subject, label, "Subsidy", "amount", m.value, kind="subsidy",
                                           evidence=[m.surface] + ([cue.group()] if cue else []), confidence=0.6,
                                           valid_from=vf, valid_to=vt))
            if funders:
                out.append(self._statement(view, first, subject, label, "Subsidy", "funder", funders[0].id,
                                           kind="subsidy", evidence=[funders[0].surface], confidence=0.6,
                                           value_label=self.atlas.label(funders[0].id)))
            recipients = [m for m in ms if m.kind == "municipality" or (
                self._type(m) == "Organisation" and _after_recipient_word(view.text, m))]
            for m in {r.id: r for r in recipients}.values():
                out.append(self._statement(view, first, subject, label, "Subsidy", "recipient", m.id, kind="subsidy",
                                           evidence=[m.surface], confidence=0.5, value_label=self.atlas.label(m.id)))
        return out


def _after_recipient_word(text: str, m: Mention) -> bool:
    before = fold(text[max(0, m.start - 12):m.start]).split()
    return bool(before) and (before[-1] in {"aan", "a", "an"} or before[-2:-1] in (["aan"], ["a"], ["an"]))
