"""The centre config: channels (with their kind), sites, inquiry types, skills, calendar.

Every area reads it for the labels it accepts and for channel properties; a sample with every
key documented is ``configs/centre.yaml`` (``wfm config init`` writes it).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wfm.labels import CHANNEL_KINDS, ChannelKind, Vocabulary, catalogue_kind

_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class StrictModel(BaseModel):
    """Config models reject unknown keys, so a typo is reported instead of ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what} {name!r} is declared twice")
        seen.add(name)


class Channel(StrictModel):
    name: str = Field(min_length=1, description="label as it appears in data files")
    kind: ChannelKind | None = Field(
        None, description="voice | chat | deferred | outbound | self_service; "
        "may be omitted for well-known names (phone, 微信, email …)")
    hours: str = Field("00:00-24:00", description="opening hours, HH:MM-HH:MM local time")
    concurrency: float = Field(1.0, ge=1.0, le=10.0,
                               description="sessions an agent handles at once (chat kinds)")
    response_hours: float | None = Field(
        None, gt=0, description="response-time promise for deferred work, hours")

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        m = _HOURS.match(value)
        if not m:
            raise ValueError("expected opening hours like 08:00-22:00")
        h1, m1, h2, m2 = map(int, m.groups())
        if not (h1 < 24 and m1 < 60 and m2 < 60 and (h2, m2) <= (24, 0)
                and (h1, m1) < (h2, m2)):
            raise ValueError("expected opening hours like 08:00-22:00 with start before end")
        return value

    @model_validator(mode="after")
    def _kind(self) -> Channel:
        if self.kind is None:
            guessed = catalogue_kind(self.name)
            if guessed is None:
                raise ValueError(f"channel {self.name!r} is not a well-known name: expected a "
                                 f"'kind' ({' | '.join(CHANNEL_KINDS)})")
            object.__setattr__(self, "kind", guessed)
        if self.kind == "deferred" and self.response_hours is None:
            object.__setattr__(self, "response_hours", 24.0)
        return self

    @property
    def open_minutes(self) -> tuple[int, int]:
        """Opening hours as minutes after midnight, [open, close)."""
        h1, m1, h2, m2 = map(int, _HOURS.match(self.hours).groups())
        return h1 * 60 + m1, h2 * 60 + m2


class Site(StrictModel):
    name: str = Field(min_length=1, description="site label, e.g. 上海")
    channels: list[str] = Field(min_length=1, description="channels this site operates")


class InquiryType(StrictModel):
    name: str = Field(min_length=1, description="inquiry type label, e.g. 出险报案")
    channels: list[str] | None = Field(
        None, description="channels that take this type; omitted = every channel")


class CentreConfig(StrictModel):
    name: str = Field("contact centre", description="shown in reports and workbook titles")
    timezone: str = Field("Asia/Shanghai", description="IANA time zone of the data's local time")
    interval_minutes: int = Field(30, description="planning interval: 15, 30 or 60 minutes")
    holidays: str = Field("CN", description="country code for public holidays, or 'none'")
    channels: list[Channel] = Field(min_length=1)
    sites: list[Site] = Field(min_length=1)
    inquiry_types: list[InquiryType] = Field(min_length=1)
    skills: list[str] | None = Field(
        None, description="skill names agents may have; omitted = the channel names")
    teams: list[str] | None = Field(None, description="team names; omitted = any")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("interval_minutes")
    @classmethod
    def _interval(cls, value: int) -> int:
        if value not in (15, 30, 60):
            raise ValueError("expected 15, 30 or 60")
        return value

    @field_validator("holidays")
    @classmethod
    def _country(cls, value: str) -> str:
        if value.lower() == "none":
            return "none"
        import holidays

        code = value.upper()
        if code not in holidays.list_supported_countries():
            raise ValueError("expected an ISO country code known to the 'holidays' library "
                             "(e.g. CN, HK, SG, US) or 'none'")
        return code

    @model_validator(mode="after")
    def _references(self) -> CentreConfig:
        _unique([c.name for c in self.channels], "channel")
        _unique([s.name for s in self.sites], "site")
        _unique([t.name for t in self.inquiry_types], "inquiry type")
        known = {c.name for c in self.channels}
        for owner in [*self.sites, *self.inquiry_types]:
            for ch in owner.channels or []:
                if ch not in known:
                    raise ValueError(f"{owner.name!r} names channel {ch!r}, which is not "
                                     f"declared under 'channels' ({', '.join(sorted(known))})")
        return self

    def channel(self, name: str) -> Channel:
        return next(c for c in self.channels if c.name == name)

    def vocabulary(self, source: str = "the centre config") -> Vocabulary:
        skills = self.skills if self.skills is not None else [c.name for c in self.channels]
        all_channels = frozenset(c.name for c in self.channels)
        return Vocabulary(
            channels={c.name: c.kind for c in self.channels},
            sites=frozenset(s.name for s in self.sites),
            inquiry_types=frozenset(t.name for t in self.inquiry_types),
            skills=frozenset(skills),
            teams=frozenset(self.teams) if self.teams is not None else None,
            source=source,
            types_by_channel={
                ch: frozenset(t.name for t in self.inquiry_types
                              if t.channels is None or ch in t.channels)
                for ch in all_channels
            },
        )
