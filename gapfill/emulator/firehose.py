"""Firehose server-side encryption as AWS really does it, grafted onto moto's Firehose backend.

moto turns encryption ENABLED the moment StartDeliveryStreamEncryption returns, accepts it
on streams whose source is a Kinesis stream, never fails a customer key and has no call
limit. The real service is asynchronous (ENABLING then ENABLED or ENABLING_FAILED with a
``FailureDescription``; DISABLING then DISABLED), refuses Kinesis-sourced streams, refuses a
second start or stop while one is in flight, and allows 25 start/stop calls per stream per
24 hours. Providers are only honest if their tests meet that behaviour, so this module
replaces moto's two encryption operations and wraps DescribeDeliveryStream to settle due
transitions, keeping all other Firehose behaviour moto's own.

A customer managed key is checked against moto's own KMS backend, as Firehose would when it
creates its grant: an unknown key ends KMS_KEY_NOT_FOUND, a disabled one DISABLED_KMS_KEY,
an asymmetric one INVALID_KMS_KEY. A key KMS itself refuses to touch (pending deletion: KMS's
InvalidStateException) makes the call fail at once with InvalidKMSResourceException, as does
the ``kms_exception`` knob (for refusals moto's KMS cannot model, such as a key policy that
denies Firehose).

Knobs (per account and region) are set in process (``knobs().encryption_delay = 0.3``) or
over HTTP against a separately started emulator: ``POST /moto-api/gapfill/firehose`` with
``{"knobs": {...}}``; ``GET`` returns knobs and per-operation call counts.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections import Counter
from typing import Any

from gapfill.emulator import documented
from gapfill.emulator.knobset import KnobSet

#: AWS's documented quota of StartDeliveryStreamEncryption + StopDeliveryStreamEncryption calls.
CALL_LIMIT_PER_DAY = 25
_DAY = 86400.0
_IN_FLIGHT = ("ENABLING", "DISABLING")

INVALID_KMS_RULE = documented.rule(
    id="firehose.start-encryption.invalid-kms-resource",
    service="firehose",
    operations=("StartDeliveryStreamEncryption",),
    source="https://docs.aws.amazon.com/firehose/latest/APIReference/API_StartDeliveryStreamEncryption.html",
    fact=(
        "InvalidKMSResourceException: Firehose throws this exception when an attempt to start or stop "
        "stream encryption fails because the KMS service throws AccessDeniedException, "
        "InvalidStateException, DisabledException or NotFoundException; the error carries KMS's "
        "code. The emulator raises it for a key pending deletion (KMS's InvalidStateException) and "
        "when the kms_exception knob names one of the four; the documented FailureDescription types "
        "(KMS_KEY_NOT_FOUND, DISABLED_KMS_KEY, INVALID_KMS_KEY) stay asynchronous ENABLING_FAILED."
    ),
)
#: The KMS exceptions InvalidKMSResourceException is documented to pass on.
KMS_EXCEPTIONS = ("AccessDeniedException", "InvalidStateException", "DisabledException", "NotFoundException")


@dataclasses.dataclass
class FirehoseKnobs(KnobSet):
    #: Seconds a start stays ENABLING (and a stop DISABLING) before the final status.
    encryption_delay: float = 0.0
    #: When set (``{"Type": ..., "Details": ...}``), every start ends ENABLING_FAILED with it.
    encryption_failure: dict[str, str] | None = None
    #: Start/stop calls allowed per stream in any 24 hours.
    encryption_call_limit: int = CALL_LIMIT_PER_DAY
    #: When set (one of KMS_EXCEPTIONS), every start fails at once with InvalidKMSResourceException.
    kms_exception: str | None = None


@dataclasses.dataclass
class _State:
    knobs: FirehoseKnobs = dataclasses.field(default_factory=FirehoseKnobs)
    #: stream name -> (due time, encryption configuration to show from then on)
    transitions: dict[str, tuple[float, dict[str, Any]]] = dataclasses.field(default_factory=dict)
    #: stream name -> times of start/stop calls (for the daily limit)
    calls: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    counts: Counter[str] = dataclasses.field(default_factory=Counter)
    lock: threading.RLock = dataclasses.field(default_factory=threading.RLock)


_installed = False
_install_lock = threading.Lock()


def _state(backend: Any) -> _State:
    """Per-backend state, created lazily so that backends made before install (and moto's
    reset, which re-runs ``__init__``) need no hook."""
    found = backend.__dict__.get("_gapfill_state")
    if found is None:
        with _install_lock:
            found = backend.__dict__.setdefault("_gapfill_state", _State())
    return found


def _errors() -> Any:
    from moto.firehose import exceptions

    return exceptions


def _stream(backend: Any, name: str) -> Any:
    stream = backend.delivery_streams.get(name)
    if stream is None:
        raise _errors().ResourceNotFoundException(
            f"Firehose {name} under account {backend.account_id} not found."
        )
    return stream


def _settle(backend: Any, state: _State, name: str) -> None:
    due = state.transitions.get(name)
    if due is None or time.time() < due[0]:
        return
    stream = backend.delivery_streams.get(name)
    if stream is not None:
        stream.delivery_stream_encryption_configuration = dict(due[1])
    del state.transitions[name]


def _current(stream: Any) -> dict[str, Any]:
    """The configuration as AWS shows it: moto leaves Status out for streams created with
    encryption and shows nothing at all for streams created without."""
    config = dict(stream.delivery_stream_encryption_configuration or {})
    if not config.get("Status"):
        config["Status"] = "ENABLED" if config.get("KeyType") else "DISABLED"
    return config


def _count_call(backend: Any, state: _State, name: str, operation: str) -> None:
    now = time.time()
    recent = [t for t in state.calls.get(name, []) if now - t < _DAY]
    if len(recent) >= state.knobs.encryption_call_limit:
        raise _errors().LimitExceededException(
            f"You have exceeded the limit of {state.knobs.encryption_call_limit} "
            f"StartDeliveryStreamEncryption and StopDeliveryStreamEncryption calls for "
            f"delivery stream {name} in 24 hours."
        )
    recent.append(now)
    state.calls[name] = recent
    state.counts[operation] += 1


def _invalid_kms(code: str, message: str) -> Exception:
    """Firehose's InvalidKMSResourceException with its modelled ``code`` member (KMS's error
    code). moto's serialiser would fill ``code`` with the error's own name, so the body is
    written here."""
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError("InvalidKMSResourceException", message)
    error.description = json.dumps(
        {"__type": "InvalidKMSResourceException", "message": message, "code": code}
    )
    return error


def _kms_refusal(state: _State, key_arn: str | None) -> Exception | None:
    """The InvalidKMSResourceException KMS's answer would make Firehose raise, if any."""
    forced = state.knobs.kms_exception
    if forced:
        if forced not in KMS_EXCEPTIONS:
            raise ValueError(f"kms_exception must be one of {', '.join(KMS_EXCEPTIONS)}")
        return _invalid_kms(forced, f"KMS refused Firehose ({forced}).")
    if not key_arn:
        return None
    from moto.kms.models import kms_backends

    parts = key_arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("key/"):
        return None
    key = kms_backends[parts[4]][parts[3]].keys.get(parts[5].removeprefix("key/"))
    if key is not None and key.key_state == "PendingDeletion":
        return _invalid_kms("InvalidStateException", f"{key_arn} is pending deletion.")
    return None


def _kms_failure(backend: Any, key_arn: str) -> dict[str, str] | None:
    """What Firehose's grant creation would report for this key, from moto's KMS."""
    from moto.kms.models import kms_backends

    parts = key_arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "kms" or not parts[5].startswith("key/"):
        return {"Type": "INVALID_KMS_KEY", "Details": f"{key_arn} is not a KMS key ARN."}
    region, account, key_id = parts[3], parts[4], parts[5].removeprefix("key/")
    key = kms_backends[account][region].keys.get(key_id)
    if key is None:
        return {"Type": "KMS_KEY_NOT_FOUND", "Details": f"Key '{key_arn}' does not exist."}
    if not key.enabled or key.key_state != "Enabled":
        return {"Type": "DISABLED_KMS_KEY", "Details": f"Key '{key_arn}' is {key.key_state.lower()}."}
    if key.key_spec != "SYMMETRIC_DEFAULT":
        return {
            "Type": "INVALID_KMS_KEY",
            "Details": f"Key '{key_arn}' is {key.key_spec}; Firehose needs a symmetric key.",
        }
    return None


def _schedule(state: _State, stream: Any, interim: dict[str, Any], final: dict[str, Any]) -> None:
    delay = float(state.knobs.encryption_delay or 0.0)
    if delay <= 0:
        stream.delivery_stream_encryption_configuration = final
        return
    stream.delivery_stream_encryption_configuration = interim
    state.transitions[stream.delivery_stream_name] = (time.time() + delay, final)


class _Backend:
    """Methods that replace moto's on ``FirehoseBackend``."""

    def start_delivery_stream_encryption(self: Any, stream_name: str, encryption_config: Any) -> None:
        state = _state(self)
        errors = _errors()
        config = dict(encryption_config or {})
        key_type = config.get("KeyType")
        key_arn = config.get("KeyARN")
        if key_type not in ("AWS_OWNED_CMK", "CUSTOMER_MANAGED_CMK"):
            raise errors.InvalidArgumentException(
                "DeliveryStreamEncryptionConfigurationInput.KeyType must be AWS_OWNED_CMK or "
                "CUSTOMER_MANAGED_CMK."
            )
        if key_type == "CUSTOMER_MANAGED_CMK" and not key_arn:
            raise errors.InvalidArgumentException("KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.")
        if key_type == "AWS_OWNED_CMK" and key_arn:
            raise errors.InvalidArgumentException("KeyARN must not be given when KeyType is AWS_OWNED_CMK.")
        with state.lock:
            stream = _stream(self, stream_name)
            if stream.delivery_stream_type == "KinesisStreamAsSource":
                raise errors.InvalidArgumentException(
                    f"Delivery stream {stream_name} reads from a Kinesis data stream; server-side "
                    "encryption is not supported for such delivery streams."
                )
            _settle(self, state, stream_name)
            status = _current(stream)["Status"]
            if status in _IN_FLIGHT:
                raise errors.ResourceInUseException(
                    f"Delivery stream {stream_name} encryption is {status}; try again when it settles."
                )
            refusal = _kms_refusal(state, key_arn)
            if refusal is not None:
                raise refusal
            _count_call(self, state, stream_name, "start_delivery_stream_encryption")
            target = {"KeyType": key_type}
            if key_arn:
                target["KeyARN"] = key_arn
            failure = state.knobs.encryption_failure
            if failure is None and key_arn:
                failure = _kms_failure(self, key_arn)
            final = {**target, "Status": "ENABLED"}
            if failure is not None:
                final = {**target, "Status": "ENABLING_FAILED", "FailureDescription": dict(failure)}
            _schedule(state, stream, {**target, "Status": "ENABLING"}, final)

    def stop_delivery_stream_encryption(self: Any, stream_name: str) -> None:
        state = _state(self)
        with state.lock:
            stream = _stream(self, stream_name)
            _settle(self, state, stream_name)
            current = _current(stream)
            if current["Status"] in _IN_FLIGHT:
                raise _errors().ResourceInUseException(
                    f"Delivery stream {stream_name} encryption is {current['Status']}; "
                    "try again when it settles."
                )
            _count_call(self, state, stream_name, "stop_delivery_stream_encryption")
            kept = {k: v for k, v in current.items() if k in ("KeyType", "KeyARN")}
            _schedule(state, stream, {**kept, "Status": "DISABLING"}, {"Status": "DISABLED"})


def _wrap_describe(backend_cls: type) -> None:
    original = backend_cls.describe_delivery_stream  # type: ignore[attr-defined]

    def describe_delivery_stream(self: Any, delivery_stream_name: str) -> dict[str, Any]:
        state = _state(self)
        with state.lock:
            _settle(self, state, delivery_stream_name)
            state.counts["describe_delivery_stream"] += 1
            result: dict[str, Any] = original(self, delivery_stream_name)
            stream = self.delivery_streams[delivery_stream_name]
            result["DeliveryStreamDescription"]["DeliveryStreamEncryptionConfiguration"] = _current(stream)
        return result

    backend_cls.describe_delivery_stream = describe_delivery_stream  # type: ignore[attr-defined]


def backend(account_id: str = "123456789012", region: str = "us-east-1") -> Any:
    """The live Firehose backend (shared with a ThreadedMotoServer in this process)."""
    install()
    from moto.firehose.models import firehose_backends

    return firehose_backends[account_id][region]


def knobs(account_id: str = "123456789012", region: str = "us-east-1") -> FirehoseKnobs:
    return _state(backend(account_id, region)).knobs


def call_counts(account_id: str = "123456789012", region: str = "us-east-1") -> Counter[str]:
    return _state(backend(account_id, region)).counts


def encryption_calls(stream_name: str, account_id: str = "123456789012", region: str = "us-east-1") -> int:
    """Start/stop calls made on one stream in the last 24 hours (what the daily limit counts)."""
    state = _state(backend(account_id, region))
    with state.lock:
        return sum(1 for t in state.calls.get(stream_name, []) if time.time() - t < _DAY)


def reset_knobs(account_id: str = "123456789012", region: str = "us-east-1") -> None:
    """Back to AWS's defaults, counts and in-flight transitions forgotten."""
    target = backend(account_id, region)
    target.__dict__["_gapfill_state"] = _State()


def _http_handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    args = request.args if hasattr(request, "args") else {}
    account = args.get("account", "123456789012")
    region = args.get("region", "us-east-1")
    state = _state(backend(account, region))
    if request.method == "POST":
        try:
            payload = json.loads(request.get_data() or b"{}")
            with state.lock:
                state.knobs.update(payload.get("knobs", {}))
                if payload.get("resetCounts"):
                    state.counts.clear()
                    state.calls.clear()
        except (KeyError, ValueError, TypeError) as exc:
            return 400, {}, json.dumps({"error": str(exc)})
    body = {"knobs": dataclasses.asdict(state.knobs), "callCounts": dict(state.counts)}
    return 200, {"Content-Type": "application/json"}, json.dumps(body)


def install() -> None:
    """Graft the encryption behaviour onto moto's Firehose backend; idempotent."""
    global _installed  # noqa: PLW0603 - process-wide, like moto's own registries
    with _install_lock:
        if _installed:
            return
        from moto.firehose.models import FirehoseBackend
        from moto.moto_api._internal import urls as api_urls

        for name, value in vars(_Backend).items():
            if not name.startswith("__"):
                setattr(FirehoseBackend, name, value)
        _wrap_describe(FirehoseBackend)
        api_urls.url_paths.setdefault("{0}/moto-api/gapfill/firehose$", _http_handler)
        _installed = True
