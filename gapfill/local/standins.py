"""Stand-ins for the native resources that ``Custom::`` resources refer to.

The local runner creates only ``Custom::`` resources through the protocol. When one of them
refers to a native resource of the same template (a bucket, a queue, a Connect queue), the
runner makes a stand-in in the emulator where moto (or gapfill's Connect extension) can hold
one, so that the provider finds something real; otherwise it gives a clearly synthetic id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from gapfill.emulator.server import EMULATOR_ACCOUNT_ID
from gapfill.local.prerequisites import _function_zip, _role_arn, ensure_bucket, ensure_delivery_stream

REGION = "us-east-1"


@dataclass
class StandIn:
    """A native resource as the local runner knows it: Ref value, attributes, how it was made."""

    ref: str
    attributes: dict[str, Any] = field(default_factory=dict)
    made_in_emulator: bool = False


def _suffix(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:8]


def _name(stack: str, logical_id: str, props: dict[str, Any], key: str, limit: int = 63) -> str:
    value = props.get(key)
    if isinstance(value, str) and value:
        return value
    return f"{stack}-{logical_id}".lower()[: limit - 9] + "-" + _suffix(stack, logical_id)


def _bucket(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    name = _name(stack, logical_id, props, "BucketName")
    ensure_bucket(name)
    return StandIn(
        name,
        {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{REGION}.amazonaws.com",
        },
        True,
    )


def _queue(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    name = _name(stack, logical_id, props, "QueueName", 80)
    url = boto3.client("sqs").create_queue(QueueName=name)["QueueUrl"]
    arn = f"arn:aws:sqs:{REGION}:{EMULATOR_ACCOUNT_ID}:{name}"
    return StandIn(url, {"Arn": arn, "QueueName": name, "QueueUrl": url}, True)


def _topic(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    name = _name(stack, logical_id, props, "TopicName", 256)
    arn = boto3.client("sns").create_topic(Name=name)["TopicArn"]
    return StandIn(arn, {"TopicArn": arn, "TopicName": name}, True)


def _function(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    """A placeholder function; its environment is the template's, so the wiring of what the
    real function would be told (ids, owner tags, prefixes) can be read back and checked."""
    name = _name(stack, logical_id, props, "FunctionName", 64)
    lam = boto3.client("lambda")
    variables = (props.get("Environment") or {}).get("Variables") or {}
    environment = {"Variables": {str(k): str(v) for k, v in variables.items()}} if variables else {}
    try:
        arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    except lam.exceptions.ResourceNotFoundException:
        arn = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=_role_arn(),
            Handler="index.handler",
            Code={"ZipFile": _function_zip()},
            **({"Environment": environment} if environment else {}),
        )["FunctionArn"]
    return StandIn(name, {"Arn": arn}, True)


def _permission(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    """The function's resource policy statement, really added: S3 validates it on every
    notification PUT, so a notification ordered before its permission fails here as on AWS."""
    sid = f"{logical_id}-{_suffix(stack, logical_id)}"
    extra = {key: str(props[key]) for key in ("SourceArn", "SourceAccount") if props.get(key)}
    boto3.client("lambda").add_permission(
        FunctionName=str(props.get("FunctionName", "")),
        StatementId=sid,
        Action=str(props.get("Action", "lambda:InvokeFunction")),
        Principal=str(props.get("Principal", "")),
        **extra,
    )
    return StandIn(sid, {}, True)


def _queue_policy(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    policy = json.dumps(props.get("PolicyDocument", {}))
    sqs = boto3.client("sqs")
    for url in props.get("Queues", []):
        sqs.set_queue_attributes(QueueUrl=str(url), Attributes={"Policy": policy})
    return StandIn(f"{logical_id}-{_suffix(stack, logical_id)}", {}, True)


def _topic_policy(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    policy = json.dumps(props.get("PolicyDocument", {}))
    sns = boto3.client("sns")
    for arn in props.get("Topics", []):
        sns.set_topic_attributes(TopicArn=str(arn), AttributeName="Policy", AttributeValue=policy)
    return StandIn(f"{logical_id}-{_suffix(stack, logical_id)}", {}, True)


def _kinesis(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    name = _name(stack, logical_id, props, "Name", 128)
    kinesis = boto3.client("kinesis")
    try:
        kinesis.describe_stream_summary(StreamName=name)
    except kinesis.exceptions.ResourceNotFoundException:
        kinesis.create_stream(StreamName=name, ShardCount=1)
    return StandIn(name, {"Arn": f"arn:aws:kinesis:{REGION}:{EMULATOR_ACCOUNT_ID}:stream/{name}"}, True)


def _firehose(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    name = _name(stack, logical_id, props, "DeliveryStreamName", 64)
    ensure_delivery_stream(name)
    return StandIn(
        name, {"Arn": f"arn:aws:firehose:{REGION}:{EMULATOR_ACCOUNT_ID}:deliverystream/{name}"}, True
    )


def _role(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    name = _name(stack, logical_id, props, "RoleName", 64)
    return StandIn(
        name, {"Arn": f"arn:aws:iam::{EMULATOR_ACCOUNT_ID}:role/{name}", "RoleId": "AROA" + _suffix(name)}
    )


def _kms_key(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    meta = boto3.client("kms").create_key(Description=f"{stack}/{logical_id} (local stand-in)")["KeyMetadata"]
    return StandIn(meta["KeyId"], {"Arn": meta["Arn"], "KeyId": meta["KeyId"]}, True)


def _instance_id(props: dict[str, Any]) -> str:
    return str(props.get("InstanceArn", "")).rsplit("/", 1)[-1]


def _connect_hours(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    created = boto3.client("connect").create_hours_of_operation(
        InstanceId=_instance_id(props),
        Name=str(props.get("Name", logical_id)),
        Description=str(props.get("Description", "")) or "local stand-in",
        TimeZone=str(props.get("TimeZone", "UTC")),
        Config=[
            {
                "Day": c["Day"],
                "StartTime": {k: int(v) for k, v in c["StartTime"].items()},
                "EndTime": {k: int(v) for k, v in c["EndTime"].items()},
            }
            for c in props.get("Config", [])
        ],
    )
    arn = created["HoursOfOperationArn"]
    return StandIn(arn, {"HoursOfOperationArn": arn}, True)


def _connect_queue(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    created = boto3.client("connect").create_queue(
        InstanceId=_instance_id(props),
        Name=str(props.get("Name", logical_id)),
        HoursOfOperationId=str(props.get("HoursOfOperationArn", "")).rsplit("/", 1)[-1],
        Description=str(props.get("Description", "")) or "local stand-in",
    )
    return StandIn(created["QueueArn"], {"QueueArn": created["QueueArn"]}, True)


def _connect_routing_profile(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    queue_configs = [
        {
            "QueueReference": {
                "QueueId": str(config["QueueReference"]["QueueArn"]).rsplit("/", 1)[-1],
                "Channel": config["QueueReference"]["Channel"],
            },
            "Priority": int(config.get("Priority", 1)),
            "Delay": int(config.get("Delay", 0)),
        }
        for config in props.get("QueueConfigs", [])
    ]
    created = boto3.client("connect").create_routing_profile(
        InstanceId=_instance_id(props),
        Name=str(props.get("Name", logical_id)),
        Description=str(props.get("Description", "")) or "local stand-in",
        DefaultOutboundQueueId=str(props.get("DefaultOutboundQueueArn", "")).rsplit("/", 1)[-1],
        MediaConcurrencies=[
            {"Channel": m["Channel"], "Concurrency": int(m["Concurrency"])}
            for m in props.get("MediaConcurrencies", [])
        ],
        **({"QueueConfigs": queue_configs} if queue_configs else {}),
    )
    arn = created["RoutingProfileArn"]
    return StandIn(arn, {"RoutingProfileArn": arn}, True)


def _distribution(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    """A real (emulated) distribution, so invalidations the page provider makes succeed; the
    same stack played again in one emulator finds the one it made before."""
    cloudfront = boto3.client("cloudfront")
    comment = f"local stand-in for {stack}/{logical_id}"
    for item in cloudfront.list_distributions().get("DistributionList", {}).get("Items", []):
        if item.get("Comment") == comment:
            return StandIn(item["Id"], {"DomainName": item["DomainName"], "Id": item["Id"]}, True)
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": f"{stack}/{logical_id}",
            "Comment": comment,
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "origin",
                        "DomainName": "stand-in.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "origin",
                "ViewerProtocolPolicy": "redirect-to-https",
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "MinTTL": 0,
            },
        }
    )["Distribution"]
    return StandIn(created["Id"], {"DomainName": created["DomainName"], "Id": created["Id"]}, True)


def _api_v2(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    """An (emulated) HTTP or WebSocket API, so ApiEndpoint is the address its stage would have."""
    protocol = str(props.get("ProtocolType") or "HTTP")
    extra = (
        {"RouteSelectionExpression": str(props["RouteSelectionExpression"])}
        if protocol == "WEBSOCKET"
        else {}
    )
    created = boto3.client("apigatewayv2").create_api(
        Name=_name(stack, logical_id, props, "Name", 128), ProtocolType=protocol, **extra
    )
    return StandIn(created["ApiId"], {"ApiEndpoint": created["ApiEndpoint"], "ApiId": created["ApiId"]}, True)


def _db_instance(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
    """RDS for PostgreSQL: the embedded server (gapfill/local/rds.py); other engines synthetic."""
    from gapfill.local import rds

    if not rds.is_postgres(props):
        return synthetic(stack, logical_id, "AWS::RDS::DBInstance")
    ref, attributes = rds.db_instance(stack, logical_id, props)
    return StandIn(ref, attributes, True)


def _redshift_serverless(kind: str, key: str) -> Callable[[str, str, dict[str, Any]], StandIn]:
    """A namespace or workgroup by its name (Ref returns the name); the emulator's redshift-data
    keeps one database per workgroup name and needs no record of the workgroup itself."""

    def make(stack: str, logical_id: str, props: dict[str, Any]) -> StandIn:
        name = _name(stack, logical_id, props, key, 64)
        arn = f"arn:aws:redshift-serverless:{REGION}:{EMULATOR_ACCOUNT_ID}:{kind}/{_suffix(stack, name)}"
        return StandIn(
            name, {f"{kind.capitalize()}.{key}": name, f"{kind.capitalize()}.{kind.capitalize()}Arn": arn}
        )

    return make


MAKERS: dict[str, Callable[[str, str, dict[str, Any]], StandIn]] = {
    "AWS::RDS::DBInstance": _db_instance,
    "AWS::S3::Bucket": _bucket,
    "AWS::SQS::Queue": _queue,
    "AWS::SNS::Topic": _topic,
    "AWS::Lambda::Function": _function,
    "AWS::Serverless::Function": _function,
    "AWS::Lambda::Permission": _permission,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::SNS::TopicPolicy": _topic_policy,
    "AWS::Kinesis::Stream": _kinesis,
    "AWS::KinesisFirehose::DeliveryStream": _firehose,
    "AWS::IAM::Role": _role,
    "AWS::KMS::Key": _kms_key,
    "AWS::Connect::HoursOfOperation": _connect_hours,
    "AWS::Connect::Queue": _connect_queue,
    "AWS::Connect::RoutingProfile": _connect_routing_profile,
    "AWS::CloudFront::Distribution": _distribution,
    "AWS::ApiGatewayV2::Api": _api_v2,
    "AWS::RedshiftServerless::Namespace": _redshift_serverless("namespace", "NamespaceName"),
    "AWS::RedshiftServerless::Workgroup": _redshift_serverless("workgroup", "WorkgroupName"),
}


def synthetic(stack: str, logical_id: str, resource_type: str) -> StandIn:
    """An id for a native resource the emulator does not hold; attributes are synthetic ARNs."""
    service = resource_type.split("::")[1].lower() if resource_type.count("::") == 2 else "local"
    ident = f"{logical_id}-{_suffix(stack, logical_id)}"
    arn = f"arn:aws:{service}:{REGION}:{EMULATOR_ACCOUNT_ID}:local-stand-in/{ident}"
    return StandIn(ident, {"Arn": arn})


class StandInError(RuntimeError):
    """A native resource could not be stood in for in the emulator."""


def make(stack: str, logical_id: str, resource_type: str, props: dict[str, Any]) -> StandIn:
    maker = MAKERS.get(resource_type)
    if maker is None:
        return synthetic(stack, logical_id, resource_type)
    try:
        return maker(stack, logical_id, props)
    except Exception as exc:
        raise StandInError(
            f"{stack}/{logical_id} ({resource_type}): no stand-in could be made: {exc}"
        ) from exc
