"""The built-in ``CustomCcp`` template: the frontend stack's custom Contact Control Panel page.

The page loads amazon-connect-streams, calls ``connect.core.initCCP`` exactly once, sizes
its container, makes sure the CCP iframe may use the microphone (streams sets
``allow="microphone; camera; autoplay; ..."`` on the iframe it creates before inserting it;
the page checks and, for a streams build that does not, adds it and reloads the frame),
shows a visible error on ``onAuthFail`` and ``onIframeRetriesExhausted``, and posts agent and
contact events to the configured endpoint (the frontend stack's API Gateway to Firehose path).

All user values reach the page through two doors only: the title (HTML-escaped text and
attribute) and one JSON configuration block (``<script type="application/json">``, escaped so
that no value can close the element). The page's own script is static.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from providers.html_page.render import TemplateError, check_url, escape_html, parse_bool, render

NAME = "CustomCcp"
#: The amazon-connect-streams release the page loads by default; keep equal to package.json.
STREAMS_VERSION = "2.28.2"
DEFAULT_STREAMS_URL = (
    f"https://cdn.jsdelivr.net/npm/amazon-connect-streams@{STREAMS_VERSION}/release/connect-streams-min.js"
)
#: Subresource integrity of that exact file (checked against node_modules by the unit tests),
#: so a compromised CDN cannot run code in an agent's session.
DEFAULT_STREAMS_INTEGRITY = "sha384-UtUVt9Krtp9WinrT0hcajzcaK/Hea1SFlsV/XFwmhCp3zVkm/Qw0u6t1msf2r9qs"

_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_CSS_LENGTH = re.compile(r"^(\d{1,5}(\.\d{1,3})?)(px|%|vh|vw|em|rem)$")

#: Values the template understands, with their defaults (None: required).
KNOWN: dict[str, str | None] = {
    "CcpUrl": None,
    "Region": None,
    "Title": "Contact Control Panel",
    "LoginPopup": "true",
    "LoginUrl": "",
    "AllowFramedSoftphone": "true",
    "EventsEndpoint": "",
    "Width": "100%",
    "Height": "100vh",
    "StreamsUrl": "",
}


def page_values(values: Mapping[str, Any], *, streams_url: str | None = None) -> dict[str, Any]:
    """Check the user's Values and build what the template substitutes.

    ``streams_url`` is the default script location when the provider copied the streams
    script next to the page (the CloudFront case); a StreamsUrl value still wins.
    """
    unknown = sorted(set(values) - set(KNOWN))
    problems = [
        f"Values.{name}: not used by the {NAME} template (known: {', '.join(KNOWN)})" for name in unknown
    ]
    merged = {name: values.get(name, default) for name, default in KNOWN.items()}
    for name, default in KNOWN.items():
        if default is None and not str(merged.get(name) or "").strip():
            problems.append(f"Values.{name}: required by the {NAME} template")
    if problems:
        raise TemplateError("; ".join(problems))

    region = str(merged["Region"]).strip()
    if not _REGION.match(region):
        raise TemplateError(f"Values.Region: '{region[:40]}' is not an AWS region name")
    sizes = {}
    for name in ("Width", "Height"):
        size = str(merged[name]).strip()
        if not _CSS_LENGTH.match(size):
            raise TemplateError(
                f"Values.{name}: '{size[:40]}' is not a CSS length such as 100%, 600px or 100vh"
            )
        sizes[name] = size

    explicit_streams = str(merged["StreamsUrl"] or "").strip()
    if explicit_streams:
        script_url, integrity = check_url(explicit_streams, "Values.StreamsUrl"), ""
    elif streams_url:
        script_url, integrity = streams_url, ""
    else:
        script_url, integrity = DEFAULT_STREAMS_URL, DEFAULT_STREAMS_INTEGRITY

    login_url = str(merged["LoginUrl"] or "").strip()
    events = str(merged["EventsEndpoint"] or "").strip()
    config: dict[str, Any] = {
        "ccpUrl": check_url(str(merged["CcpUrl"]), "Values.CcpUrl", allow_relative=False),
        "region": region,
        "loginPopup": parse_bool(merged["LoginPopup"], "Values.LoginPopup"),
        "loginUrl": check_url(login_url, "Values.LoginUrl", allow_relative=False) if login_url else "",
        "allowFramedSoftphone": parse_bool(merged["AllowFramedSoftphone"], "Values.AllowFramedSoftphone"),
        "eventsEndpoint": check_url(events, "Values.EventsEndpoint") if events else "",
        "width": sizes["Width"],
        "height": sizes["Height"],
        "streamsUrl": script_url,
        "streamsIntegrity": integrity,
    }
    return {"Title": str(merged["Title"]), "Config": config}


#: Where render_page puts the Content-Security-Policy meta element (first in <head>, before
#: any style or script it governs).
CSP_MARK = "<!--gapfill:content-security-policy-->"

#: The page's own CSS and code: static (no placeholder), so their hashes go in the CSP.
PAGE_STYLE = """
  html, body { margin: 0; height: 100%; font-family: system-ui, sans-serif; background: #f4f5f7; }
  #ccp-error { display: none; margin: 0; padding: 14px 18px; background: #b00020; color: #ffffff;
               font-size: 16px; font-weight: 600; }
  #ccp-error.shown { display: block; }
  #ccp-container { box-sizing: border-box; }
  #ccp-container iframe { border: 0; }
"""

PAGE_SCRIPT = """
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("gapfill-ccp-config").textContent);
  var container = document.getElementById("ccp-container");
  var errorBox = document.getElementById("ccp-error");
  container.style.width = config.width;
  container.style.height = config.height;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.className = "shown";
    document.body.setAttribute("data-ccp-state", "error");
  }

  function post(kind, detail) {
    if (!config.eventsEndpoint) { return; }
    var record = { type: kind, at: new Date().toISOString(), region: config.region, detail: detail || {} };
    try {
      window.fetch(config.eventsEndpoint, {
        method: "POST", mode: "cors", credentials: "omit", keepalive: true,
        headers: { "content-type": "application/json" }, body: JSON.stringify(record)
      }).catch(function (err) { console.warn("ccp page: could not post " + kind, err); });
    } catch (err) {
      console.warn("ccp page: could not post " + kind, err);
    }
  }

  function agentDetail(agent) {
    var state = agent.getState() || {};
    var profile = agent.getRoutingProfile() || {};
    return { agent: agent.getName(), state: state.name, stateType: state.type, routingProfile: profile.name };
  }

  function contactDetail(contact) {
    var queue = contact.getQueue() || {};
    var status = contact.getStatus() || {};
    return {
      contactId: contact.getContactId(), channel: contact.getType(), queue: queue.name, state: status.type
    };
  }

  function ensureMicrophone() {
    var frames = container.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      var allow = frame.getAttribute("allow") || "";
      var missing = [];
      if (allow.indexOf("microphone") < 0) { missing.push("microphone"); }
      if (allow.indexOf("autoplay") < 0) { missing.push("autoplay"); }
      if (missing.length) {
        frame.setAttribute("allow", (allow ? allow + "; " : "") + missing.join("; "));
        frame.src = frame.src;
      }
    }
  }

  function start() {
    if (window.gapfillCcpStarted) { return; }
    var connect = window.connect;
    if (!connect || !connect.core || typeof connect.core.initCCP !== "function") {
      showError("The contact control panel library (Amazon Connect Streams) did not load. Reload the page.");
      return;
    }
    window.gapfillCcpStarted = true;
    var options = {
      ccpUrl: config.ccpUrl,
      region: config.region,
      loginPopup: config.loginPopup,
      loginPopupAutoClose: true,
      softphone: { allowFramedSoftphone: config.allowFramedSoftphone },
      pageOptions: { enableAudioDeviceSettings: true, enablePhoneTypeSettings: true }
    };
    if (config.loginUrl) { options.loginUrl = config.loginUrl; }
    connect.core.initCCP(container, options);
    ensureMicrophone();
    document.body.setAttribute("data-ccp-state", "started");
    connect.core.onAuthFail(function () {
      showError("Sign-in to Amazon Connect failed or has expired. Sign in again, then reload this page.");
      post("ccp_auth_fail");
    });
    connect.core.onIframeRetriesExhausted(function () {
      showError("The contact control panel could not be loaded after several attempts. " +
                "Check the network connection, then reload this page.");
      post("ccp_iframe_retries_exhausted");
    });
    connect.agent(function (agent) {
      post("agent_connected", agentDetail(agent));
      agent.onStateChange(function (change) {
        post("agent_state_change", {
          agent: agent.getName(), oldState: change.oldState, newState: change.newState
        });
      });
    });
    connect.contact(function (contact) {
      post("contact_incoming", contactDetail(contact));
      contact.onConnected(function (c) { post("contact_connected", contactDetail(c)); });
      contact.onEnded(function (c) { post("contact_ended", contactDetail(c)); });
    });
  }

  var script = document.createElement("script");
  script.src = config.streamsUrl;
  if (config.streamsIntegrity) {
    script.integrity = config.streamsIntegrity;
    script.crossOrigin = "anonymous";
  }
  script.onload = start;
  script.onerror = function () {
    showError("The contact control panel library could not be downloaded from " + config.streamsUrl + ".");
  };
  document.head.appendChild(script);
})();
"""

TEMPLATE = (
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
"""
    + CSP_MARK
    + """
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="strict-origin-when-cross-origin">
<title>{{ Title }}</title>
<style>"""
    + PAGE_STYLE
    + """</style>
</head>
<body data-ccp-state="loading">
<div id="ccp-error" role="alert" aria-live="assertive"></div>
<main id="ccp-container" aria-label="{{ Title }}"></main>
<script type="application/json" id="gapfill-ccp-config">{{ Config|json }}</script>
<script>"""
    + PAGE_SCRIPT
    + """</script>
</body>
</html>
"""
)


def source_hash(text: str) -> str:
    """A CSP hash source for an inline element whose text is exactly ``text``."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return f"'sha256-{digest}'"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    if not _HOST.match(parts.netloc):
        raise TemplateError(f"'{url[:80]}': the host cannot be written in a Content-Security-Policy")
    return f"{parts.scheme}://{parts.netloc}"


def _source(url: str, *, exact: bool) -> str:
    """A CSP source for a URL: the URL itself (path-exact) or its origin; ``'self'`` when relative."""
    parts = urlsplit(url)
    if not parts.scheme:
        return "'self'"
    if not exact:
        return _origin(url)
    if not _HOST.match(parts.netloc):
        raise TemplateError(f"'{url[:80]}': the host cannot be written in a Content-Security-Policy")
    # Spaces, ";" and "," would end the source, the directive or the policy: percent-encode.
    path = quote(parts.path, safe="/%:@!$&'()*+=-._~")
    return f"{parts.scheme}://{parts.netloc}{path}"


def content_security_policy(config: Mapping[str, Any], *, header: bool = False) -> str:
    """The page's policy: its own hashed script and style, streams from its one URL (and its
    integrity hash), the CCP origin as the only frame, the events endpoint as the only
    connection. ``header`` adds what only a response header can carry."""
    script = [source_hash(PAGE_SCRIPT), _source(str(config["streamsUrl"]), exact=True)]
    if config.get("streamsIntegrity"):
        script.append(f"'{config['streamsIntegrity']}'")
    events = str(config.get("eventsEndpoint") or "")
    directives = [
        "default-src 'none'",
        "script-src " + " ".join(script),
        "style-src " + source_hash(PAGE_STYLE),
        "frame-src " + _origin(str(config["ccpUrl"])),
        "connect-src " + (_source(events, exact=True) if events else "'none'"),
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
    ]
    if header:
        directives.append("frame-ancestors 'none'")
    return "; ".join(directives)


def render_page(values: Mapping[str, Any], *, streams_url: str | None = None) -> str:
    """The page for these Values, with its Content-Security-Policy as a meta element."""
    page_vals = page_values(values, streams_url=streams_url)
    body = render(TEMPLATE, page_vals)
    policy = content_security_policy(page_vals["Config"])
    meta = f'<meta http-equiv="Content-Security-Policy" content="{escape_html(policy)}">'
    return body.replace(CSP_MARK, meta, 1)
