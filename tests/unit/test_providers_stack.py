"""The local model of the providers' stack: aliases per major, exports CloudFormation protects."""

from __future__ import annotations

from pathlib import Path

import pytest

from gapfill import versioning
from gapfill.local import providers_stack as model

ACCOUNT = "123456789012"
STACK = "gapfill-providers"
V1 = versioning.current()


@pytest.fixture(scope="module")
def next_minor(tmp_path_factory: pytest.TempPathFactory) -> model.Build:
    return model.Build.copy_of_tree(V1.next_minor(), tmp_path_factory.mktemp("minor"))


def installed() -> model.Region:
    region = model.Region("us-east-1", ACCOUNT)
    region.deploy(STACK, model.template_for(V1), model.Build.in_process())
    return region


def token(suffix: str, alias: str = V1.alias, stack: str = STACK) -> str:
    return f"{stack}-{alias}-{suffix}-ServiceToken"


def test_the_exported_token_is_the_majors_alias_and_routes_to_the_deployed_code() -> None:
    region = installed()
    arn = region.import_value(token("HtmlPage"), "web")
    assert arn == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{STACK}-HtmlPage:{V1.alias}"
    target = region.route(arn)
    assert (target.qualifier, target.version, target.build.code_version()) == (V1.alias, 1, str(V1))
    # The unversioned export of before 1.0 still resolves, to the unqualified function ($LATEST).
    legacy = region.import_value(f"{STACK}-HtmlPage-ServiceToken", "old")
    assert region.route(legacy).qualifier == "$LATEST"


def test_a_minor_release_moves_the_alias_and_keeps_every_export(next_minor: model.Build) -> None:
    region = installed()
    arn = region.import_value(token("ConnectUser"), "connect")
    exports = dict(region.exports)
    moved = region.deploy(STACK, model.template_for(V1.next_minor()), next_minor)
    assert region.exports == exports  # same names, same values: importing stacks see no change
    assert len(moved) == len(model.template_for(V1)["Outputs"]) // 2
    target = region.route(arn)
    assert (target.version, target.build.code_version()) == (2, str(V1.next_minor()))
    # The old version stays published (a rollback is `aws lambda update-alias --function-version 1`).
    assert region.route(arn.rsplit(":", 1)[0] + ":1").build.code_version() == str(V1)


def test_the_copied_build_is_separate_code(next_minor: model.Build) -> None:
    with next_minor.active():
        import providers.handler

        assert Path(providers.handler.__file__).is_relative_to(next_minor.root)
    import providers.handler as own

    assert not Path(own.__file__).is_relative_to(next_minor.root)
    assert own.lambda_handler is not next_minor.handler()


def test_the_same_code_again_publishes_no_version() -> None:
    region = installed()
    assert region.deploy(STACK, model.template_for(V1), model.Build.in_process()) == []


def test_a_major_over_the_stack_in_use_is_refused_and_goes_beside_it(tmp_path: Path) -> None:
    region = installed()
    arn = region.import_value(token("S3Objects"), "website")
    major = V1.next_major()
    build = model.Build.copy_of_tree(major, tmp_path)
    with pytest.raises(
        model.ProvidersStackError, match=r"Export .*-v1-S3Objects-ServiceToken cannot be deleted"
    ):
        region.deploy(STACK, model.template_for(major), build)
    assert region.route(arn).build.code_version() == str(V1)  # nothing changed
    # Installed as a second stack beside it, the new major exports its own names only.
    beside = f"{STACK}-{major.major}"
    region.deploy(beside, model.template_for(major), build)
    v2 = region.import_value(token("S3Objects", major.alias, beside), "website-moved")
    assert region.route(v2).build.code_version() == str(major)
    assert region.route(arn).build.code_version() == str(V1)  # v1 stacks keep their code
    assert not [name for name in region.exports if name.startswith(f"{beside}-S3Objects")]


def test_a_token_of_no_function_or_alias_is_not_found() -> None:
    region = installed()
    with pytest.raises(model.ProvidersStackError, match="Function not found"):
        region.route(f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{STACK}-HtmlPage:v9")
    with pytest.raises(model.ProvidersStackError, match="No export named"):
        region.import_value(token("HtmlPage", "v9"), "web")


def test_a_changed_export_in_use_is_refused() -> None:
    region = installed()
    region.import_value(token("HtmlPage"), "web")
    template = model.template_for(V1)
    output = template["Outputs"]["HtmlPageServiceTokenV1"]
    output["Value"] = {"Fn::GetAtt": ["HtmlPageFunction", "Arn"]}
    with pytest.raises(model.ProvidersStackError, match=r"Cannot update export .* in use by web"):
        region.deploy(STACK, template, model.Build.in_process())
