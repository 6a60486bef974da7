"""One version, one source: everything that states a version reads providers.__version__."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import providers
from gapfill import versioning
from gapfill.cli import main
from gapfill.local.template import load

ROOT = Path(__file__).resolve().parents[2]


def test_semantic_versions_parse_and_name_their_major() -> None:
    version = versioning.Version.parse("1.4.2")
    assert (version.alias, str(version.next_minor()), str(version.next_major())) == ("v1", "1.5.0", "2.0.0")
    for bad in ("1.4", "v1.4.2", "1.04.2", "1.4.2-rc1"):
        with pytest.raises(ValueError, match="not a semantic version"):
            versioning.Version.parse(bad)


def test_gapfill_version_prints_the_one_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"gapfill {providers.__version__}"


def test_the_package_metadata_reads_the_version_from_providers() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "providers.__version__"}


def test_the_providers_template_carries_the_version_and_its_major() -> None:
    template = load(ROOT / "packaging" / "template.yaml")
    version = versioning.current()
    assert template["Metadata"]["Gapfill"] == {"Version": str(version), "ServiceTokenAlias": version.alias}
    assert template["Metadata"]["AWS::ServerlessRepo::Application"]["SemanticVersion"] == str(version)
    assert template["Description"].startswith(f"gapfill providers {version} (ServiceTokens {version.alias})")
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert functions
    for function in functions:
        assert function["Properties"]["AutoPublishAlias"] == version.alias
        assert function["Properties"]["Description"].startswith(f"gapfill {version} ")


def test_every_aws_call_names_the_release_that_made_it() -> None:
    from providers.core.aws import USER_AGENT

    assert f"gapfill/{providers.__version__}" == USER_AGENT


def test_the_changelog_has_an_entry_for_the_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## {providers.__version__}\n" in text
    assert "What makes a release major" in text


def test_the_readme_states_the_version_it_documents() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"The providers stack (version {providers.__version__}, `gapfill --version`)" in text
    assert f"-{versioning.current().alias}-ConnectUser-ServiceToken" in text
