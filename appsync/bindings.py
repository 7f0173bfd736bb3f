"""The binding table: which data source resolves which field, and with what code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DataSourceType(StrEnum):
    """AppSync's data-source types that the emulator runs."""

    HTTP = "HTTP"
    AWS_LAMBDA = "AWS_LAMBDA"
    NONE = "NONE"


@dataclass(frozen=True, kw_only=True)
class Binding:
    """One resolver: `Type.field` resolved by a data source.

    Attributes:
        type_name: the parent type (`Query`, `Mutation`, an object type).
        field_name: the field.
        data_source: the name of the data source.
        code: APPSYNC_JS file name (relative to the resolver folder), or None for a direct Lambda
            resolver, which sends AppSync's whole context to the function.
        max_batch_size: BatchInvoke batch size for Lambda data sources; 0 invokes per field.
    """

    type_name: str
    field_name: str
    data_source: str
    code: str | None = None
    max_batch_size: int = 0

    @property
    def key(self) -> str:
        """The `Type.field` key, as Terraform's resolver map and Powertools' router use it."""
        return f"{self.type_name}.{self.field_name}"

    @property
    def kind(self) -> str:
        """AppSync's resolver kind (pipelines are not bound yet)."""
        return "UNIT"
