"""moto's answers brought to the output shapes of botocore's models, where they differ.

Found by the response-shape test (``tests/integration/test_emulator_responses.py``), which
reads the raw bodies: botocore's parsers drop unknown keys and never miss required ones,
so a provider reading these answers through boto3 could not tell, but code reading a
member AWS always sends would break only on AWS.

* DescribeSecret: moto adds ``SecretVersionsToStages`` (a ListSecrets member) beside
  ``VersionIdsToStages``; DescribeSecretResponse has only the latter.
* DescribeDeliveryStream: moto leaves out the S3 destination settings a create did not
  give; AWS describes them with their documented defaults (the model marks
  ``BufferingHints``, ``CompressionFormat`` and ``EncryptionConfiguration`` required).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from gapfill.emulator import documented

FIREHOSE_S3_DEFAULTS = documented.rule(
    id="firehose-s3-destination-defaults",
    service="firehose",
    operations=("DescribeDeliveryStream",),
    source="https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html",
    fact="BufferingHints: SizeInMBs 'The default value is 5', IntervalInSeconds 'The default value "
    "is 300'; CompressionFormat 'The default value is UNCOMPRESSED' (API_S3DestinationConfiguration); "
    "without a KMS key, EncryptionConfiguration is NoEncryptionConfig NoEncryption.",
)
_DEFAULTS: dict[str, Any] = {
    "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
    "CompressionFormat": "UNCOMPRESSED",
    "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
}
_S3_DESCRIPTIONS = ("S3DestinationDescription", "ExtendedS3DestinationDescription")

_lock = threading.Lock()
_installed = False


def with_s3_defaults(description: dict[str, Any]) -> dict[str, Any]:
    """A DeliveryStreamDescription whose S3 destinations show AWS's defaults."""
    for destination in description.get("Destinations") or []:
        for key in _S3_DESCRIPTIONS:
            settings = destination.get(key)
            if isinstance(settings, dict):
                for name, value in _DEFAULTS.items():
                    settings.setdefault(name, json.loads(json.dumps(value)))
    return description


def without_list_members(secret: dict[str, Any]) -> dict[str, Any]:
    """A DescribeSecret answer without the ListSecrets-only member moto adds."""
    secret.pop("SecretVersionsToStages", None)
    return secret


def _wrap_firehose() -> None:
    from moto.firehose.models import FirehoseBackend

    original = FirehoseBackend.describe_delivery_stream

    def describe_delivery_stream(self: Any, delivery_stream_name: str) -> dict[str, Any]:
        result: dict[str, Any] = original(self, delivery_stream_name)
        with_s3_defaults(result.get("DeliveryStreamDescription") or {})
        return result

    FirehoseBackend.describe_delivery_stream = describe_delivery_stream  # type: ignore[method-assign]


def _wrap_secrets() -> None:
    from moto.secretsmanager.responses import SecretsManagerResponse

    original = SecretsManagerResponse.describe_secret

    def describe_secret(self: Any) -> str:
        return json.dumps(without_list_members(json.loads(original(self))))

    SecretsManagerResponse.describe_secret = describe_secret  # type: ignore[method-assign]


def install() -> None:
    """Wrap the moto operations above; idempotent."""
    global _installed  # noqa: PLW0603 - process-wide, like moto's own registries
    with _lock:
        if _installed:
            return
        _wrap_firehose()
        _wrap_secrets()
        _installed = True
