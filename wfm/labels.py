"""Channel kinds and the vocabulary of labels (channels, sites, inquiry types, skills).

Labels are kept exactly as the user writes them (Chinese or English); what wfm needs to know
about a channel is its *kind*, which decides how its work is staffed:

* ``voice``: real-time queue (phone, video): Erlang C / Erlang A;
* ``chat``: real-time sessions an agent holds several of at once (web chat, WeChat sessions);
* ``deferred``: work with a response-time promise (email, SMS, WeChat/Weibo messages);
* ``outbound``: calls the centre places (outbound campaigns, callbacks);
* ``self_service``: no agent (IVR, app, knowledge base): counted, never staffed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Literal

ChannelKind = Literal["voice", "chat", "deferred", "outbound", "self_service"]
CHANNEL_KINDS: tuple[ChannelKind, ...] = ("voice", "chat", "deferred", "outbound", "self_service")

# Common channel names (English and Chinese) and their default kind. A centre config can declare
# any other label with its kind.
CHANNEL_CATALOGUE: dict[str, ChannelKind] = {
    "phone": "voice", "voice": "voice", "inbound": "voice", "call": "voice", "hotline": "voice",
    "电话": "voice", "热线": "voice", "呼入": "voice", "语音": "voice",
    "video": "voice", "视频": "voice", "视频客服": "voice",
    "wechat": "chat", "微信": "chat", "企业微信": "chat", "wecom": "chat",
    "webchat": "chat", "web_chat": "chat", "web chat": "chat", "chat": "chat", "livechat": "chat",
    "online": "chat", "在线客服": "chat", "网上客服": "chat", "网页客服": "chat", "在线": "chat",
    "app": "chat", "app客服": "chat",
    "email": "deferred", "e-mail": "deferred", "mail": "deferred", "邮件": "deferred",
    "电子邮件": "deferred", "sms": "deferred", "短信": "deferred", "weibo": "deferred",
    "微博": "deferred", "wechat_message": "deferred", "微信留言": "deferred", "forum": "deferred",
    "互动e站": "deferred", "letter": "deferred", "信函": "deferred",
    "outbound": "outbound", "外呼": "outbound", "callback": "outbound", "回呼": "outbound",
    "回访": "outbound",
    "self_service": "self_service", "selfservice": "self_service", "self-service": "self_service",
    "ivr": "self_service", "自助": "self_service", "自助服务": "self_service",
}

# What an error message lists: one name per common channel (their Chinese names work too).
CANONICAL_CHANNELS = ("phone", "video", "wechat", "webchat", "app", "email", "sms", "weibo",
                      "outbound", "callback", "self_service")

VOCABULARY_NAMES = {
    "channels": "channel",
    "sites": "site",
    "inquiry_types": "inquiry type",
    "skills": "skill",
    "teams": "team",
}


def catalogue_kind(label: str) -> ChannelKind | None:
    return CHANNEL_CATALOGUE.get(label.strip().lower())


def _suggest(label: str, known: list[str]) -> str:
    close = difflib.get_close_matches(label, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return ""


@dataclass(frozen=True)
class Vocabulary:
    """The labels a centre uses. ``None`` for a set means "any label is accepted", except
    channels, which without a centre config must be names wfm knows (see the catalogue)."""

    channels: dict[str, ChannelKind] | None = None
    sites: frozenset[str] | None = None
    inquiry_types: frozenset[str] | None = None
    skills: frozenset[str] | None = None
    teams: frozenset[str] | None = None
    source: str = "the built-in channel list"
    types_by_channel: dict[str, frozenset[str]] = field(default_factory=dict)

    def channel_kind(self, label: str) -> ChannelKind | None:
        if self.channels is not None:
            return self.channels.get(label)
        return catalogue_kind(label)

    def unknown(self, vocabulary: str, label: str) -> str | None:
        """A message if ``label`` is not in ``vocabulary``, else None."""
        what = VOCABULARY_NAMES[vocabulary]
        if vocabulary == "channels":
            if self.channel_kind(label) is not None:
                return None
            known = sorted(self.channels) if self.channels is not None else list(
                CANONICAL_CHANNELS)
            hint = "" if self.channels is not None else "; declare it under 'channels' in a " \
                "centre config (wfm config init) to use another name"
            near = list(CHANNEL_CATALOGUE) if self.channels is None else known
            return (f"unknown {what} {label!r}{_suggest(label, near)}: expected one of "
                    f"{', '.join(known)} ({self.source}){hint}")
        allowed = getattr(self, vocabulary)
        if allowed is None or label in allowed:
            return None
        known = sorted(allowed)
        return (f"unknown {what} {label!r}{_suggest(label, known)}: expected one of "
                f"{', '.join(known)} ({self.source})")
