"""modeldata's `credit_data`, as shipped in `data/credit_data/` (see its README)."""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from bnpl.settings import PROJECT_ROOT
from services.scoring.inputs import RawInputs

DATA_FILE = PROJECT_ROOT / "data" / "credit_data" / "credit_data.csv"
# Never model inputs (protected characteristics); dropped before anything else sees a row.
EXCLUDED_COLUMNS = ("Age", "Marital")


@dataclass(frozen=True)
class Dataset:
    """Applicants in the dataset's units, their outcome (1 = bad), and the file's identity."""

    rows: tuple[RawInputs, ...]
    bad: tuple[int, ...]
    sha256: str
    path: Path

    @property
    def bad_rate(self) -> float:
        return sum(self.bad) / len(self.bad)


def _number(value: str) -> float:
    return float(value) if value != "" else math.nan


def load(path: Path = DATA_FILE) -> Dataset:
    """Read the CSV; an empty field is a missing value."""
    content = path.read_bytes()
    rows: list[RawInputs] = []
    bad: list[int] = []
    for record in csv.DictReader(content.decode("utf-8").splitlines()):
        for column in EXCLUDED_COLUMNS:
            record.pop(column, None)
        bad.append(1 if record["Status"] == "bad" else 0)
        records = record["Records"]
        rows.append(
            RawInputs(
                employment_years=_number(record["Seniority"]),
                term_months=_number(record["Time"]),
                adverse_records=math.nan if records == "" else float(records == "yes"),
                monthly_expenses=_number(record["Expenses"]),
                monthly_income=_number(record["Income"]),
                assets=_number(record["Assets"]),
                debt=_number(record["Debt"]),
                amount=_number(record["Amount"]),
                price=_number(record["Price"]),
                home=record["Home"] or None,
                job=record["Job"] or None,
            )
        )
    return Dataset(
        rows=tuple(rows), bad=tuple(bad), sha256=hashlib.sha256(content).hexdigest(), path=path
    )


@dataclass(frozen=True)
class Protected:
    """The excluded columns, row for row with `load`: read only to audit outcomes by group."""

    age: tuple[int, ...]
    marital: tuple[str | None, ...]


def load_protected(path: Path = DATA_FILE) -> Protected:
    """Age and marital status of every row (never a model input; see `EXCLUDED_COLUMNS`)."""
    records = list(csv.DictReader(path.read_bytes().decode("utf-8").splitlines()))
    return Protected(
        age=tuple(int(r["Age"]) for r in records),
        marital=tuple(r["Marital"] or None for r in records),
    )
