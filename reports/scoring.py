"""Whether a client's next offer will be accepted, learned from the company's history.

An example is a done contact that ended in a decision on the offer: ✅ agreed (accepted) or ❌
refused (declined). "Needs a revised offer", "thinking it over", "rescheduled" and "no answer"
decide nothing yet, so they are not examples; they still shape the examples after them (the last
outcome). Each example is described only by what was known before that contact: the client's
earlier contacts (meetings, agreements, refusals, the last outcome, the reason of the last
refusal, days since the previous contact), the client's industry and city, the manager, the kind
of contact and its month. All features are categories (counts and days in bins), one-hot encoded
for a logistic regression: its probabilities are calibrated on the log loss it minimises, and each
feature's pull on a client's odds is one coefficient against its average, which gives the reasons.

Rows come in client by client, in the order things happened (`History.feed`), so nothing from a
contact or after it can reach its own features, and the whole history is never held in memory.
The model itself is in `reports/scoring_model.py`.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np

from db.repositories.scoring import ContactRow

ACCEPTED, DECLINED = "agreed", "refused"
MIN_EACH = 50  # agreements and refusals the company needs before the model judges anyone

FEATURES = (
    "kind", "industry", "city", "manager", "last_agreed", "refused_before", "meetings_before",
    "last_outcome", "last_refusal", "silence", "month",
)
NONE = "none"  # no previous contact, refusal, industry or city
_EPOCH = date(1970, 1, 1).toordinal()


def _few(n: int) -> str:
    return "0" if n == 0 else "1" if n == 1 else "2+"


def _meetings(n: int) -> str:
    return str(n) if n < 3 else "3-5" if n <= 5 else "6+"


def _silence(days: float | None) -> str:
    if days is None:
        return NONE
    return "0-7" if days <= 7 else "8-30" if days <= 30 else "31-90" if days <= 90 else "90+"


def _ago(days: float | None) -> str:
    if days is None:
        return NONE
    return "0-90" if days <= 90 else "91-365" if days <= 365 else "365+"


@cache
def _month(day: int) -> str:
    return str(date.fromordinal(_EPOCH + day).month)


def month_of(day: float) -> str:
    return _month(int(day))


@dataclass(slots=True)
class ClientHistory:
    """What is known of a client at some moment: the sum of its contacts so far."""

    meetings: int = 0
    refused: int = 0
    last_agreed: float | None = None  # the day of the latest agreement
    last_outcome: str = NONE
    last_refusal: str = NONE
    last_day: float | None = None

    def describe(self, kind: str, manager: int, day: float, industry: str | None, city: str | None) -> tuple[str, ...]:
        """The feature values (in FEATURES' order) of a contact of `kind` on `day` after this history."""
        return (
            kind, industry or NONE, city or NONE, str(manager),
            _ago(None if self.last_agreed is None else day - self.last_agreed), _few(self.refused),
            _meetings(self.meetings), self.last_outcome, self.last_refusal,
            _silence(None if self.last_day is None else day - self.last_day), month_of(day),
        )

    def add(self, kind: str, outcome: str | None, reason: str | None, day: float) -> None:
        if kind == "meeting":
            self.meetings += 1
        if outcome == ACCEPTED:
            self.last_agreed = day
        elif outcome == DECLINED:
            self.refused += 1
            self.last_refusal = reason or "other"
        self.last_outcome = outcome or NONE
        self.last_day = day


class Examples:
    """Examples as compact arrays: each feature's value as a small integer code (a row of
    len(FEATURES) codes per example), the label, the day and the client."""

    def __init__(self) -> None:
        self.vocab: list[dict[str, int]] = [{} for _ in FEATURES]
        self.codes = array("i")
        self.label = array("b")
        self.day = array("d")
        self.client = array("q")

    def __len__(self) -> int:
        return len(self.label)

    def add(self, values: Sequence[str], accepted: bool, day: float, client: int) -> None:
        self.codes.extend([vocab.setdefault(value, len(vocab)) for vocab, value in zip(self.vocab, values)])
        self.label.append(accepted)
        self.day.append(day)
        self.client.append(client)

    def matrix(self) -> np.ndarray:
        return np.frombuffer(self.codes, dtype=np.int32).reshape(-1, len(FEATURES))

    def labels(self) -> np.ndarray:
        return np.frombuffer(self.label, dtype=np.int8).astype(bool)

    def days(self) -> np.ndarray:
        return np.frombuffer(self.day, dtype=np.float64)

    def values(self, i: int) -> dict[str, str]:
        """Example i's features by name, decoded (for tests and reading)."""
        names = [{code: value for value, code in vocab.items()} for vocab in self.vocab]
        row = self.codes[i * len(FEATURES):(i + 1) * len(FEATURES)]
        return {f: names[n][row[n]] for n, f in enumerate(FEATURES)}

    @property
    def accepted(self) -> int:
        return sum(self.label)


class History:
    """Turns contact rows, client by client in time order, into examples, and keeps the final
    history of the clients in `wanted` (those with an open plan, to be scored)."""

    def __init__(self, clients: dict[int, tuple[str | None, str | None]], reasons: dict[int, str],
                 wanted: Collection[int] = ()):
        self.clients = clients
        self.reasons = reasons
        self.wanted = set(wanted)
        self.examples = Examples()
        self.final: dict[int, ClientHistory] = {}
        self._client: int | None = None
        self._state = ClientHistory()
        self._where: tuple[str | None, str | None] = (None, None)
        self._seen: set[int] = set()

    def feed(self, rows: Iterable[ContactRow]) -> None:
        examples, reasons = self.examples, self.reasons
        for client, day, kind, outcome, reason, manager in rows:
            if client != self._client:
                self._switch(client)
            state = self._state
            if outcome == ACCEPTED or outcome == DECLINED:
                # described before the contact itself is added: its own outcome never leaks in
                values = state.describe(kind, manager, day, *self._where)
                examples.add(values, outcome == ACCEPTED, day, client)
            state.add(kind, outcome, reasons.get(reason) if reason is not None else None, day)

    def _switch(self, client: int) -> None:
        if client in self._seen:
            raise ValueError("contact rows must come client by client")
        self._seen.add(client)
        if self._client in self.wanted:
            self.final[self._client] = self._state
        self._client, self._state = client, ClientHistory()
        self._where = self.clients.get(client, (None, None))

    def finish(self) -> tuple[Examples, dict[int, ClientHistory]]:
        if self._client in self.wanted:
            self.final[self._client] = self._state
        return self.examples, self.final


def enough(agreed: int, refused: int) -> bool:
    return agreed >= MIN_EACH and refused >= MIN_EACH
