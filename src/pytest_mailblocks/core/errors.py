"""Errors as data.

Each provider keeps one catalogue (its ``errors.py``) of :class:`ErrorEntry` rows:
the provider's code, HTTP status, field and message templates (English, plus
Japanese or Chinese where the provider publishes them). Code that finds a problem
raises :class:`ProviderError` with the entry and the values for its placeholders;
only the provider's ``render.py`` knows what the error looks like on the wire.

:class:`ControlError` is the control plane's own error (a 400 with a JSON body that
says what is wrong), and :class:`ConnectionReset` asks the server to drop the
connection (an injected fault).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

__all__ = ["ConnectionReset", "ControlError", "ErrorEntry", "ProviderError"]


@dataclass(frozen=True)
class ErrorEntry:
    """One row of a provider's error catalogue.

    ``message`` is the English template; ``messages`` holds other languages by tag
    (``"ja"``, ``"zh"``, ``"ko"``). Templates use ``{0}``, ``{1}`` ... or named
    ``{field}`` placeholders, filled by :meth:`format`. ``assumed`` marks rows that
    no provider document or recording backs; the docs list them from that flag.
    """

    key: str
    status: int
    message: str
    code: str | int | None = None
    field: str | None = None
    messages: dict[str, str] = dc_field(default_factory=dict)
    assumed: bool = False
    source: str = ""

    def format(self, lang: str = "en", *args: Any, **kwargs: Any) -> str:
        template = self.messages.get(lang, self.message) if lang != "en" else self.message
        if not args and not kwargs:
            return template
        try:
            return template.format(*args, **kwargs)
        except (IndexError, KeyError):
            return template


class ProviderError(Exception):
    """Raised by endpoints and models; rendered by the provider's ``render.py``.

    :param entry: the catalogue row.
    :param args: positional values for ``{0}``, ``{1}`` ... in the template.
    :param field: overrides the entry's field (e.g. the parameter that failed).
    :param status: overrides the entry's HTTP status (e.g. an injected fault).
    :param headers: extra response headers (e.g. rate-limit headers).
    :param kwargs: named template values.
    """

    def __init__(
        self,
        entry: ErrorEntry,
        *args: Any,
        field: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(entry.key)
        self.entry = entry
        self.args_ = args
        self.kwargs = kwargs
        self.field = entry.field if field is None else field
        self.status = entry.status if status is None else status
        self.headers = dict(headers or {})
        self.extra: list[ProviderError] = []

    def message(self, lang: str = "en") -> str:
        return self.entry.format(lang, *self.args_, **self.kwargs)

    def also(self, *others: ProviderError) -> ProviderError:
        """Attach further errors for providers that report several at once."""
        self.extra.extend(others)
        return self

    @property
    def all(self) -> list[ProviderError]:
        return [self, *self.extra]

    def __repr__(self) -> str:
        return f"ProviderError({self.entry.key}, status={self.status}, message={self.message()!r})"


class ControlError(ValueError):
    """Bad input to the control plane, a seed file or a marker: says what is wrong."""

    def __init__(self, message: str, *, status: int = 400, where: str | None = None) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.status = status
        self.where = where
        self.detail = message


class ConnectionReset(Exception):
    """An injected fault: the server drops the connection without answering."""
