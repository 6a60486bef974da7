"""Instance attributes: the template's names, Connect's enum, and what must change.

The template uses the native ``AWS::Connect::Instance`` ``Attributes`` names
(``InboundCalls``, ``ContactflowLogs``, ...); Connect's ``update_instance_attribute`` wants
its enum (``INBOUND_CALLS``, ``CONTACTFLOW_LOGS``, ...) and the strings "true"/"false".
Only attributes the template declares are managed: one it does not mention keeps whatever
value the instance has, so a console change to an unmanaged setting is never reverted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: Template name -> Connect InstanceAttributeType (every value update_instance_attribute takes).
ATTRIBUTES: dict[str, str] = {
    "InboundCalls": "INBOUND_CALLS",
    "OutboundCalls": "OUTBOUND_CALLS",
    "ContactflowLogs": "CONTACTFLOW_LOGS",
    "ContactLens": "CONTACT_LENS",
    "AutoResolveBestVoices": "AUTO_RESOLVE_BEST_VOICES",
    "UseCustomTTSVoices": "USE_CUSTOM_TTS_VOICES",
    "EarlyMedia": "EARLY_MEDIA",
    "MultiPartyConference": "MULTI_PARTY_CONFERENCE",
    "AutoMuteAgentOnHold": "AUTO_MUTE_AGENT_ON_HOLD",
    "HighVolumeOutBound": "HIGH_VOLUME_OUTBOUND",
    "EnhancedContactMonitoring": "ENHANCED_CONTACT_MONITORING",
    "EnhancedChatMonitoring": "ENHANCED_CHAT_MONITORING",
    "MultiPartyChatConference": "MULTI_PARTY_CHAT_CONFERENCE",
    "MessageStreaming": "MESSAGE_STREAMING",
}
#: Set by create_instance itself; the rest need update_instance_attribute afterwards.
SET_AT_CREATION = ("INBOUND_CALLS", "OUTBOUND_CALLS")


def desired(attributes: Mapping[str, Any] | None) -> dict[str, str]:
    """Template ``Attributes`` -> ``{ATTRIBUTE_TYPE: "true"|"false"}`` for declared ones."""
    out: dict[str, str] = {}
    for name, value in (attributes or {}).items():
        kind = ATTRIBUTES.get(name)
        if kind is not None and value is not None:
            out[kind] = "true" if value is True or str(value).lower() == "true" else "false"
    return out


def current(listed: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``list_instance_attributes`` entries -> ``{ATTRIBUTE_TYPE: value}``."""
    return {str(a["AttributeType"]): str(a.get("Value", "")).lower() for a in listed if "AttributeType" in a}


def changes(wanted: Mapping[str, str], actual: Mapping[str, str]) -> dict[str, str]:
    """The attributes whose value differs, in a stable order (one API call each)."""
    return {kind: value for kind, value in sorted(wanted.items()) if actual.get(kind) != value}


def readable(values: Mapping[str, str]) -> dict[str, bool]:
    """``{ATTRIBUTE_TYPE: "true"}`` -> the template's ``{Name: True}``, for the attributes the
    template can name (others, which Connect may add, are left out)."""
    names = {kind: name for name, kind in ATTRIBUTES.items()}
    return {names[k]: v == "true" for k, v in sorted(values.items()) if k in names}
