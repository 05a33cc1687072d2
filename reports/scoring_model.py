"""The model over `reports.scoring`'s examples: a logistic regression on one-hot features, its
evaluation on a later period, and the scores with their reasons.

Its own module because it imports scikit-learn, which only the scoring process needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from db.repositories.scoring import OpenPlan
from reports.scoring import FEATURES, ClientHistory, Examples, enough

MIN_FREQUENCY = 20  # a category seen less often in training is pooled with the other rare ones
MIN_PULL = 0.1  # log-odds: a feature pulling less than this is not worth naming as a reason
REASONS_SHOWN = 3
HOLDOUT_DAYS = 30  # the nightly run reports its accuracy on the last month, trained on what came before
CALIBRATION_BINS = 10


@dataclass
class Model:
    pipeline: Pipeline
    examples: Examples  # whose vocabularies encode new rows
    groups: np.ndarray  # one-hot column -> feature index
    average: np.ndarray  # each feature's mean contribution to the log-odds over the training examples
    trained_on: int

    @property
    def _coef(self) -> np.ndarray:
        return self.pipeline.named_steps["logit"].coef_[0]

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        return self.pipeline.predict_proba(matrix)[:, 1]

    def pulls(self, matrix: np.ndarray) -> np.ndarray:
        """Each row's per-feature contribution to the log-odds, against the average client."""
        onehot = self.pipeline.named_steps["onehot"].transform(matrix).tocsr()
        contributions = np.zeros((matrix.shape[0], len(FEATURES)))
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(onehot.indptr))
        np.add.at(contributions, (rows, self.groups[onehot.indices]), self._coef[onehot.indices])
        return contributions - self.average

    def reasons(self, values: Sequence[str], pulls: np.ndarray) -> list[dict[str, Any]]:
        """The strongest pulls, named by feature and value: what the card says in words."""
        order = np.argsort(-np.abs(pulls))
        return [
            {"f": FEATURES[i], "v": values[i], "pull": round(float(pulls[i]), 2)}
            for i in order[:REASONS_SHOWN]
            if abs(pulls[i]) >= MIN_PULL
        ]


def fit(examples: Examples, rows: np.ndarray | None = None) -> Model:
    """A logistic regression over the one-hot features of `examples` (those selected by `rows`)."""
    matrix, labels = examples.matrix(), examples.labels()
    if rows is not None:
        matrix, labels = matrix[rows], labels[rows]
    pipeline = Pipeline([
        ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=MIN_FREQUENCY, dtype=np.float64)),
        ("logit", LogisticRegression(C=1.0, max_iter=1000)),
    ])
    pipeline.fit(matrix, labels)
    onehot = pipeline.named_steps["onehot"]
    widths = []
    for n, categories in enumerate(onehot.categories_):
        rare = onehot.infrequent_categories_[n]
        widths.append(len(categories) - (0 if rare is None else len(rare) - 1))
    groups = np.repeat(np.arange(len(FEATURES)), widths)
    coef = pipeline.named_steps["logit"].coef_[0]
    means = np.asarray(onehot.transform(matrix).mean(axis=0)).ravel()
    average = np.bincount(groups, weights=means * coef, minlength=len(FEATURES))
    return Model(pipeline, examples, groups, average, len(labels))


# ---- how good it is ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bin:
    """A slice of the held-out examples by predicted probability: what was predicted, what happened."""

    count: int
    predicted: float
    observed: float


@dataclass(frozen=True)
class Evaluation:
    trained_on: int
    tested_on: int
    tested_accepted: int
    base_rate: float  # accepted among the training examples: the guess without a model
    auc: float
    brier: float
    base_brier: float  # the base rate's Brier score on the same held-out examples
    calibration: list[Bin] = field(default_factory=list)

    @property
    def skill(self) -> float:
        """The Brier skill score: the share of the base rate's squared error the model removes."""
        return 1 - self.brier / self.base_brier if self.base_brier else 0.0


def evaluate(examples: Examples, cutoff: float, until: float | None = None) -> Evaluation | None:
    """Trained on the examples before `cutoff` (epoch days), judged on those from it (until
    `until`): None when either side lacks an agreement or a refusal to learn or judge by."""
    days, labels = examples.days(), examples.labels()
    train = days < cutoff
    test = (days >= cutoff) if until is None else (days >= cutoff) & (days < until)
    train_labels, truth = labels[train], labels[test]
    if not enough(int(train_labels.sum()), int((~train_labels).sum())) or truth.all() or not truth.any():
        return None
    model = fit(examples, train)
    predicted = model.probability(examples.matrix()[test])
    base = float(train_labels.mean())
    order = np.argsort(predicted, kind="stable")
    bins = [
        Bin(len(part), float(predicted[part].mean()), float(truth[part].mean()))
        for part in np.array_split(order, min(CALIBRATION_BINS, len(order)))
        if len(part)
    ]
    return Evaluation(
        trained_on=int(train.sum()), tested_on=int(test.sum()), tested_accepted=int(truth.sum()), base_rate=base,
        auc=float(roc_auc_score(truth, predicted)), brier=float(brier_score_loss(truth, predicted)),
        base_brier=float(np.mean((base - truth) ** 2)), calibration=bins,
    )


# ---- the scores -------------------------------------------------------------------------------------


def score(model: Model, histories: dict[int, ClientHistory], plans: list[OpenPlan],
          clients: dict[int, tuple[str | None, str | None]], today: float) -> list[dict[str, Any]]:
    """For each open plan, the chance its client accepts the next offer and the main reasons: as
    the plan's manager and kind of contact, on its day (today for an overdue one)."""
    if not plans:
        return []
    described = []
    for plan in plans:
        history = histories.get(plan.client_id) or ClientHistory()
        industry, city = clients.get(plan.client_id, (None, None))
        described.append(history.describe(plan.kind, plan.manager_id, max(plan.day, today), industry, city))
    matrix = np.array([_known(model.examples, values) for values in described], dtype=np.int32)
    probabilities = model.probability(matrix)
    pulls = model.pulls(matrix)
    return [
        {"client_id": plan.client_id, "probability": round(float(p), 4), "reasons": model.reasons(values, pull)}
        for plan, values, p, pull in zip(plans, described, probabilities, pulls)
    ]


def _known(examples: Examples, values: Sequence[str]) -> list[int]:
    """Codes for values; one never seen in training gets a code the encoder treats as unknown."""
    return [vocab.get(value, len(vocab) + 1_000_000) for vocab, value in zip(examples.vocab, values)]
