"""Which changes the local job's stack-update rehearsal plays: chosen from each type's declaration
(``REHEARSE_IN_PLACE``, ``REHEARSE_REPLACEMENT``) and schema, never from a type's name."""

from __future__ import annotations

from typing import Any

import pytest

from gapfill.local.model import CustomResource
from gapfill.local.rehearsal import pick_in_place, pick_replacement
from providers import handler
from providers.core import tag_keys
from providers.core.schema import load_schema
from providers.registry import PROVIDERS

INSTANCE_ARN = "arn:aws:connect:us-east-1:123456789012:instance/abc"


def page(key: str = "index.html") -> CustomResource:
    props = {"ServiceToken": "t", "Bucket": "page-bucket", "Key": key, "TemplateBody": "<html></html>"}
    return CustomResource("Frontend", "Page", "Custom::HtmlPage", props)


def files(**extra: Any) -> CustomResource:
    props = {"ServiceToken": "t", "Bucket": "site-bucket", "Objects": [{"Key": "a.txt", "Content": "x"}]}
    return CustomResource("Web", "Files", "Custom::S3Objects", {**props, **extra})


def flow(description: str = "After hours") -> CustomResource:
    props = {
        "ServiceToken": "t",
        "InstanceArn": INSTANCE_ARN,
        "Name": "f",
        "Type": "CONTACT_FLOW",
        "Content": "{}",
        "Description": description,
    }
    return CustomResource("Connect", "Flow", "Custom::ConnectContactFlow", props)


def instance() -> CustomResource:
    props = {
        "ServiceToken": "t",
        "IdentityManagementType": "CONNECT_MANAGED",
        "InstanceAlias": "abc",
        "Attributes": {"InboundCalls": True, "OutboundCalls": False},
    }
    return CustomResource("Connect", "Instance", "Custom::ConnectInstance", props)


def test_a_description_the_template_sets_goes_before_a_default_and_before_tags() -> None:
    custom, props, what = pick_in_place([instance(), files(), flow()]) or pytest.fail("none offered")
    assert (custom.logical_id, what) == ("Flow", "Flow.Description changed")
    assert props["Description"] == "After hours (rehearsed update)"


def test_a_string_at_its_schema_default_is_changed_when_no_resource_sets_one() -> None:
    custom, props, _what = pick_in_place([instance(), page(), files()]) or pytest.fail("none offered")
    assert custom.logical_id == "Files"
    assert props["CacheControl"] == "no-cache (rehearsed update)"


def test_tags_gain_the_rehearsal_tag_when_nothing_else_is_offered() -> None:
    custom, props, what = pick_in_place([page(), instance()]) or pytest.fail("none offered")
    assert custom.logical_id == "Instance"
    assert props["Tags"] == [{"Key": tag_keys.REHEARSAL, "Value": "updated"}]
    assert what == f"Instance.Tags gained {tag_keys.REHEARSAL}"


def test_a_change_the_schema_would_refuse_is_not_offered() -> None:
    """Description has maxLength 500: a 500-character one cannot grow, so the tags are changed."""
    full = flow("x" * 500)
    _custom, props, _what = pick_in_place([full]) or pytest.fail("none offered")
    assert "Tags" in props
    assert props["Description"] == full.properties["Description"]


def test_the_replacement_changes_a_declared_create_only_property_to_a_new_name() -> None:
    custom, props, what = pick_replacement([instance(), files(), page("ccp/index.html")]) or pytest.fail(
        "none"
    )
    assert custom.logical_id == "Page"
    assert props["Key"] == "ccp/index-v2.html"
    assert what == "Page.Key ccp/index.html -> ccp/index-v2.html"
    assert custom.properties["Key"] == "ccp/index.html", "the resource's own properties stay as they were"


def test_types_that_declare_no_replacement_offer_none() -> None:
    """Bucket is create-only for S3Objects, InstanceAlias for ConnectInstance: neither declares it."""
    assert pick_replacement([instance(), files(), flow()]) is None


@pytest.mark.parametrize("resource_type", sorted(PROVIDERS))
def test_every_declaration_fits_its_schema(resource_type: str) -> None:
    cls, schema = handler.resolve(resource_type), load_schema(resource_type)
    properties = set(schema.document.get("properties", {}))
    for name in cls.REHEARSE_REPLACEMENT:
        assert name in schema.create_only, f"{resource_type}: {name} does not force a replacement"
    for name in set(cls.REHEARSE_IN_PLACE) & properties:
        assert name not in schema.create_only, f"{resource_type}: {name} is create-only"
        assert name not in schema.read_only, f"{resource_type}: {name} is read-only"
    for name in cls.PUBLISHED_PAGE or ():
        assert name in properties, f"{resource_type}: PUBLISHED_PAGE names {name}, not a property"


def test_only_the_html_page_publishes_a_page() -> None:
    assert {t for t in PROVIDERS if handler.resolve(t).PUBLISHED_PAGE} == {"Custom::HtmlPage"}
