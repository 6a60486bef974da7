"""The concert data platform's templates (templates/concert-platform/): parameter files that
fit the root, nested wiring that matches each child's interface, the guide's post-deployment
steps made native, and the warehouse migrations executable as Redshift SQL in order. Lint is
test_template_wiring's (every template under templates/), checkov and its written skip
reasons are test_checkov's."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from gapfill.local.model import LocalDeployError
from gapfill.local.parameters import check_parameter
from gapfill.local.parameters import with_defaults as _with_defaults
from tests.templates.folder import TemplateFolder, walk

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "templates" / "concert-platform"
_APP = TemplateFolder(FOLDER)
load, resources, parameters = _APP.load, _APP.resources, _APP.parameters
CHILDREN = ("networking", "storage", "compute", "chatbot", "monitoring", "logging")
FILES = ("platform", *CHILDREN)
ENVIRONMENTS = ("development", "staging", "production")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_parameter_files_fit_the_root_as_cloudformation_checks_them(environment: str) -> None:
    declared = load("platform")["Parameters"]
    given = parameters(environment)
    assert set(given) <= set(declared), set(given) - set(declared)
    assert given["Environment"] == environment
    values = _with_defaults(load("platform"), given)  # AllowedValues, patterns, ranges
    assert values["Environment"] == environment


def test_a_bad_parameter_value_is_refused_naming_the_parameter() -> None:
    spec = load("platform")["Parameters"]["Environment"]
    with pytest.raises(LocalDeployError, match="parameter 'Environment' must be one of"):
        check_parameter("Environment", spec, "dev")


def test_nested_stacks_pass_what_each_child_declares_and_read_outputs_it_has() -> None:
    root = load("platform")
    stacks = resources("platform", "AWS::CloudFormation::Stack")
    assert [s["Properties"]["TemplateURL"] for s in stacks.values()] == [f"{c}.yaml" for c in CHILDREN]
    children = {
        logical: load(s["Properties"]["TemplateURL"][: -len(".yaml")]) for logical, s in stacks.items()
    }
    for logical, stack in stacks.items():
        child = children[logical]["Parameters"]
        passed = set(stack["Properties"]["Parameters"])
        required = {k for k, v in child.items() if "Default" not in v}
        assert passed <= set(child), f"{logical} passes unknown {passed - set(child)}"
        assert required <= passed, f"{logical} misses {required - passed}"
    for node in walk(root):
        if isinstance(node, Mapping) and "Fn::GetAtt" in node:
            target, attribute = node["Fn::GetAtt"]
            assert attribute.startswith("Outputs."), node
            output = attribute.split(".", 1)[1]
            assert output in children[target]["Outputs"], f"{target} has no output {output}"


def test_every_function_traces_with_xray_and_logs_to_a_group_of_its_stack() -> None:
    functions = {(n, k): f for n in CHILDREN for k, f in resources(n, "AWS::Lambda::Function").items()}
    assert len(functions) >= 7
    for (name, logical), function in functions.items():
        props = function["Properties"]
        assert props["TracingConfig"] == {"Mode": "Active"}, f"{name}/{logical}"
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert load(name)["Resources"][group]["Type"] == "AWS::Logs::LogGroup", f"{name}/{logical}"
        compile(props["Code"]["ZipFile"], f"{name}/{logical}", "exec")  # the inline code is Python


def test_the_api_stage_traces_and_logs_access_through_the_account_role() -> None:
    [(logical, stage)] = resources("compute", "AWS::ApiGateway::Stage").items()
    props = stage["Properties"]
    assert props["TracingEnabled"] is True
    assert props["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert "$context.requestId" in props["AccessLogSetting"]["Format"]
    accounts = resources("compute", "Custom::ApiGatewayAccount")
    depends = stage["DependsOn"]
    assert set(accounts) & ({depends} if isinstance(depends, str) else set(depends)), (
        f"{logical} must wait for the account's CloudWatch role"
    )


@pytest.mark.parametrize("name", ["chatbot", "monitoring"])
def test_email_subscriptions_exist_only_when_an_address_is_given(name: str) -> None:
    template = load(name)
    subscriptions = resources(name, "AWS::SNS::Subscription")
    assert subscriptions
    for logical, subscription in subscriptions.items():
        condition = template["Conditions"][subscription["Condition"]]
        assert {"Ref": "AlertEmail"} in list(walk(condition)), logical
        assert subscription["Properties"]["Endpoint"] == {"Ref": "AlertEmail"}


def test_the_warehouse_is_serverless_with_a_redshift_managed_admin_password() -> None:
    [namespace] = resources("storage", "AWS::RedshiftServerless::Namespace").values()
    assert namespace["Properties"]["ManageAdminPassword"] is True
    assert "AdminUserPassword" not in namespace["Properties"]
    assert resources("storage", "AWS::RedshiftServerless::Workgroup")
    for name in FILES:
        template = load(name)
        assert not any("Password" in p or "NodeType" in p for p in template.get("Parameters", {})), name
        assert not any(r["Type"].startswith("AWS::Redshift::") for r in template["Resources"].values()), name


def migrations() -> list[Mapping[str, Any]]:
    [schema] = resources("storage", "Custom::RedshiftSql").values()
    return list(schema["Properties"]["Migrations"])


def test_migrations_have_unique_ordered_ids_and_cover_the_platform_data() -> None:
    ids = [m["Id"] for m in migrations()]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids), "ids are numbered in the order they run"
    sql = "\n".join(m["Sql"] for m in migrations()).lower()
    for table in ("artists", "venues", "concerts", "ticket_sales"):
        assert f"create table concert_dw.{table} " in sql, table


def test_migrations_run_in_order_as_redshift_sql() -> None:
    """The statements parse as Redshift and run (transpiled) in a real database, so a view
    naming a missing column or a reference to a table created later fails here."""
    import duckdb

    from gapfill.emulator.redshift_data import redshift_to_duckdb

    connection = duckdb.connect(":memory:")
    for migration in migrations():
        for statement, _query in redshift_to_duckdb(migration["Sql"]):
            connection.execute(statement)
    views = connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'concert_dw' ORDER BY 1"
    ).fetchall()
    assert [v[0] for v in views] == [
        "artists",
        "concert_sales",
        "concerts",
        "stream_events",
        "ticket_sales",
        "venue_popularity",
        "venues",
    ]
