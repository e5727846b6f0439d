"""Is the Hugging Face Hub reachable? Answered fast, so offline runs never hang."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class HubStatus:
    online: bool
    reason: str  # why offline, for the one line the learner sees


def hub_status(timeout: float = 3.0) -> HubStatus:
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in _TRUE:
            return HubStatus(False, f"{var}=1 is set")
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY")):
        # Behind a proxy a direct connection says nothing; let the real request decide.
        return HubStatus(True, "")
    url = urlparse(endpoint)
    host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme != "http" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return HubStatus(True, "")
    except OSError as exc:
        return HubStatus(False, f"cannot reach {host} ({exc.__class__.__name__})")
