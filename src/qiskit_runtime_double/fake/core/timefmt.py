"""Times and durations as short text, for people reading a fake's records and timelines."""

from __future__ import annotations

import datetime as _dt

__all__ = ["clock_text", "format_offset", "human_duration"]


def clock_text(at: _dt.datetime | None) -> str:
    """``HH:MM:SS`` in UTC, with milliseconds only when there are some."""
    if at is None:
        return "-"
    utc = at.astimezone(_dt.timezone.utc)
    text = utc.strftime("%H:%M:%S")
    return text + f".{utc.microsecond // 1000:03d}" if utc.microsecond else text


def format_offset(seconds: float) -> str:
    """``+HH:MM:SS`` (``+2d 01:00:00`` past a day), milliseconds only when there are some."""
    sign = "-" if seconds < 0 else "+"
    millis = round(abs(seconds) * 1000)
    days, millis = divmod(millis, 86_400_000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}" + (f".{millis:03d}" if millis else "")
    return f"{sign}{days}d {text}" if days else sign + text


def human_duration(seconds: float) -> str:
    """``1h 02m 03s``, ``2m 00s``, ``4.2 s``: for people, not for assertions."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"
