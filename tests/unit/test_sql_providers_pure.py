"""The AWS-free parts of the two SQL drivers: where credentials and targets come from, snapshot
names, literals spliced into Redshift batches, and reading a failed batch."""

from __future__ import annotations

import pytest

from providers.core.errors import ProviderError
from providers.sql import postgres, redshift


def test_properties_win_over_the_secret_and_rds_managed_secrets_need_a_host() -> None:
    secret = {"username": "app", "password": "pw", "host": "db.internal", "port": 5433, "dbname": "crm"}
    settings = postgres.connection_settings({"Database": "other"}, secret)
    assert settings == {
        "host": "db.internal",
        "port": 5433,
        "database": "other",
        "user": "app",
        "password": "pw",
    }
    with pytest.raises(ProviderError, match="Host: required when the secret has no 'host'"):
        postgres.connection_settings({}, {"username": "app", "password": "pw"})
    with pytest.raises(
        ProviderError, match="SecretArn: the secret must hold JSON with 'username' and 'password'"
    ):
        postgres.connection_settings({"Host": "h"}, {"user": "app"})


def test_plaintext_needs_both_the_environment_switch_and_a_loopback_host(tmp_path: object) -> None:
    with pytest.raises(ProviderError, match="loopback Host"):
        postgres.tls_context("disable", "127.0.0.1", {})
    with pytest.raises(ProviderError, match=r"Host is 'db\.example\.com'"):
        postgres.tls_context("disable", "db.example.com", {postgres.PLAINTEXT_ENV: "1"})
    assert postgres.tls_context("disable", "::1", {postgres.PLAINTEXT_ENV: "1"}) is False
    with pytest.raises(ProviderError, match="needs the RDS certificate bundle"):
        postgres.tls_context("verify-full", "db.example.com", {postgres.CA_BUNDLE_ENV: "/no/such/file.pem"})


@pytest.mark.parametrize(
    ("stack", "migration", "expected"),
    [
        ("contact-centre-prod", "002_Add Callbacks", "contact-centre-prod-002-add-callbacks-abc"),
        ("Stack", "--x--y--", "stack-x-y-abc"),
        ("9lives", "001", "gapfill-9lives-001-abc"),
    ],
)
def test_snapshot_names_follow_rds_rules(stack: str, migration: str, expected: str) -> None:
    assert postgres.snapshot_identifier(stack, migration, "abc") == expected


def test_redshift_literals_are_escaped() -> None:
    assert redshift.quote("it's a \\ test") == "'it''s a \\\\ test'"


def test_redshift_targets_are_checked_as_the_data_api_documents() -> None:
    assert redshift.target_parameters({"WorkgroupName": "wg", "Database": "dev"}) == {
        "Database": "dev",
        "WorkgroupName": "wg",
    }
    with pytest.raises(ProviderError, match="DbUser: temporary credentials for a database user"):
        redshift.target_parameters({"WorkgroupName": "wg", "Database": "dev", "DbUser": "u"})
    with pytest.raises(ProviderError, match="DbUser: give SecretArn or DbUser, not both"):
        redshift.target_parameters(
            {"ClusterIdentifier": "c", "Database": "d", "DbUser": "u", "SecretArn": "s"}
        )


def test_the_failed_sub_statement_is_found() -> None:
    description = {
        "Status": "FAILED",
        "Error": "ERROR: batch",
        "SubStatements": [
            {"Status": "FINISHED"},
            {"Status": "FAILED", "Error": 'ERROR: relation "x" does not exist'},
            {"Status": "ABORTED"},
        ],
    }
    assert redshift.failed_sub_statement(description) == (1, 'ERROR: relation "x" does not exist')
    assert redshift.failed_sub_statement({"Error": "boom"}) == (-1, "boom")
