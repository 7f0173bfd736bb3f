"""Binding models to their tables: each bound model's connection reads botocore's service
models through one shared loader, so a dozen tables do not parse the same JSON a dozen times."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from services.shared.dynamodb import bind
from services.shared.settings import Settings


class _First(Model):
    class Meta:
        table_name = "first"

    key = UnicodeAttribute(hash_key=True)


class _Second(Model):
    class Meta:
        table_name = "second"

    key = UnicodeAttribute(hash_key=True)


def test_bound_models_keep_their_own_sessions_but_share_one_loader():
    settings = Settings.from_environ({"BNPL_DYNAMODB_ENDPOINT": "http://127.0.0.1:9"})
    first = bind(_First, settings)._get_connection().connection.session
    second = bind(_Second, settings)._get_connection().connection.session
    assert first is not second  # pynamodb creates clients per session, one thread at a time
    assert first.get_component("data_loader") is second.get_component("data_loader")


def test_a_bound_model_names_the_prefixed_table_at_the_settings_endpoint():
    settings = Settings.from_environ({"BNPL_DYNAMODB_ENDPOINT": "http://127.0.0.1:9"})
    bound = bind(_First, settings)
    assert bound.Meta.table_name == settings.table_name("first")
    assert getattr(bound.Meta, "host", None) == "http://127.0.0.1:9"
    assert bind(_First, settings) is bound
