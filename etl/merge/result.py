"""What a run did: counts per kind of row (movies, people, credits, CMS descriptions, images from the CMS)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    missing: int = 0

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if v or k in ("created", "updated", "unchanged")}


KINDS = ("movies", "people", "credits", "cms", "images")


@dataclass
class LoadResult:
    movies: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)
    credits: Counts = field(default_factory=Counts)
    cms: Counts = field(default_factory=Counts)
    images: Counts = field(default_factory=Counts)  # posters and backdrops from the CMS (etl.images)

    def as_dict(self) -> dict:
        return {name: getattr(self, name).as_dict() for name in KINDS}

    def totals(self) -> tuple[int, int, int]:
        parts = [getattr(self, name) for name in KINDS]
        return (sum(p.created for p in parts), sum(p.updated + p.deleted for p in parts), sum(p.unchanged for p in parts))
