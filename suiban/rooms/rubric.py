"""The rubric as data (RR-3): the lines of a round's snapshot, the scores a line accepts, grades (RR-5).

A round keeps the rubric it started with (``Round.rubric``), so everything here reads the snapshot, never the
profile: a district that edits its ``rubric.yaml`` mid-round changes the next round only.
"""

from dataclasses import dataclass, field
from decimal import Decimal

HALF = Decimal("0.5")


@dataclass(frozen=True)
class Line:
    """One C-level line with its indicator (B) and area (A)."""

    code: str
    text: str
    points: Decimal
    methods: tuple
    source: str
    criteria: tuple
    alternatives: tuple
    indicator_code: str
    indicator_name: str
    indicator_points: Decimal
    area_code: str
    area_name: str
    area_points: Decimal
    evidence_kinds: tuple = field(default=())

    def allowed(self) -> list[Decimal]:
        """RUBRIC.md: a line with alternative partial scores offers exactly 0, those and its points; any other
        line accepts 0 to its points in 0.5 steps."""
        if self.alternatives:
            return sorted({Decimal(0), *self.alternatives, self.points})
        steps = int(self.points / HALF)
        return [HALF * i for i in range(steps + 1)]

    def accepts(self, score) -> bool:
        return Decimal(str(score)) in self.allowed()

    def snap_down(self, score) -> Decimal:
        """The highest allowed score not above ``score`` (a proposal is never more generous than the evidence)."""
        s = Decimal(str(score))
        return max((a for a in self.allowed() if a <= s), default=Decimal(0))


def _d(v) -> Decimal:
    return Decimal(str(v))


def lines(rubric: dict) -> list[Line]:
    out = []
    for area in rubric.get("areas", []):
        for ind in area["indicators"]:
            for item in ind["items"]:
                out.append(Line(
                    code=str(item["code"]), text=item["text"], points=_d(item["points"]),
                    methods=tuple(item.get("methods") or ()), source=item.get("source", ""),
                    criteria=tuple((c["text"], _d(c["points"])) for c in item.get("criteria") or ()),
                    alternatives=tuple(_d(a) for a in item.get("alternatives") or ()),
                    indicator_code=str(ind["code"]), indicator_name=ind["name"], indicator_points=_d(ind["points"]),
                    area_code=str(area["code"]), area_name=area["name"], area_points=_d(area["points"]),
                    evidence_kinds=tuple(ind.get("evidence") or ()),
                ))
    return out


def line_map(rubric: dict) -> dict[str, Line]:
    return {ln.code: ln for ln in lines(rubric)}


def grade_of(total, exemplary_min, qualified_min) -> str:
    """RR-5: ≥ exemplary → exemplary; ≥ qualified → qualified; below → unqualified (both inclusive, ⚙)."""
    t = _d(total)
    if t >= _d(exemplary_min):
        return "exemplary"
    if t >= _d(qualified_min):
        return "qualified"
    return "unqualified"


A_LEVEL_NUMERALS = {"A1": "一", "A2": "二", "A3": "三", "A4": "四"}
