"""The kiosk's software updater, a hawkBit DDI client: it polls the server's controller resource,
downloads its deployment's bundle and signature, checks both against the release public key it
was installed with (never against anything the server sends), unpacks the new version beside
the old ones when the kiosk is idle, points `current` at it, and reports the result as
feedback. The service manager starts the agent and the kiosk page from `current`, so the new
version runs from the next restart; a refused bundle leaves `current` alone."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bedside.core import bundles
from bedside.kiosk_agent.config import AgentSettings

log = logging.getLogger(__name__)
DDI_PATH = "/api/ddi/{tenant}/controller/v1/{controller}"
MAX_SIGNATURE_BYTES = 1024
DEFAULT_SLEEP = 300.0


def _seconds(sleep: str) -> float:
    try:
        hours, minutes, seconds = (int(part) for part in sleep.split(":"))
    except ValueError:
        return DEFAULT_SLEEP
    return float(max(10, hours * 3600 + minutes * 60 + seconds))


class Updater:
    def __init__(
        self,
        config: AgentSettings,
        client: httpx.Client,
        *,
        is_idle: Callable[[], bool] = lambda: True,
    ) -> None:
        if config.update_dir is None or config.update_public_key_file is None or config.kiosk_code is None:
            raise ValueError(
                "the updater needs BEDSIDE_AGENT_UPDATE_DIR, _UPDATE_PUBLIC_KEY_FILE and _KIOSK_CODE"
            )
        self.config = config
        self.client = client
        self.is_idle = is_idle
        self.root: Path = config.update_dir
        self.public_key = config.update_public_key_file.read_bytes()
        bundles.load_public_key(self.public_key)  # a wrong key file stops the agent at start
        self.sleep = DEFAULT_SLEEP
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.root.mkdir(parents=True, exist_ok=True)
        running = self.current_version()
        if running:
            config.software_version = running

    # --- local state -------------------------------------------------------------------------

    @property
    def _state_file(self) -> Path:
        return self.root / "state.json"

    def _done(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self._state_file.read_text()))
        except (OSError, ValueError):
            return {}

    def _remember(self, action_id: str, result: dict[str, Any]) -> None:
        done = self._done()
        done[action_id] = result
        tmp = self._state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(done))
        os.replace(tmp, self._state_file)

    def current_version(self) -> str | None:
        manifest = self.root / "current" / bundles.MANIFEST
        try:
            return str(json.loads(manifest.read_text())["version"])
        except (OSError, ValueError, KeyError):
            return None

    # --- the protocol ------------------------------------------------------------------------

    @property
    def base(self) -> str:
        path = DDI_PATH.format(tenant=self.config.update_tenant, controller=self.config.kiosk_code)
        return self.config.server_url + path

    def _headers(self) -> dict[str, str]:
        key = self.config.kiosk_key
        return {"Authorization": f"TargetToken {key.get_secret_value()}"} if key else {}

    def _get(self, url: str) -> httpx.Response:
        response = self.client.get(url, headers=self._headers())
        response.raise_for_status()
        return response

    def _feedback(self, action_id: str, execution: str, finished: str, details: list[str]) -> None:
        body = {
            "id": action_id,
            "status": {"execution": execution, "result": {"finished": finished}, "details": details},
        }
        url = f"{self.base}/deploymentBase/{action_id}/feedback"
        self.client.post(url, json=body, headers=self._headers()).raise_for_status()

    def poll_once(self) -> str:
        """One round: 'nothing', 'waiting' (busy kiosk), 'applied', 'refused' or 'error'."""
        try:
            base = self._get(self.base).json()
            self.sleep = _seconds(str(base.get("config", {}).get("polling", {}).get("sleep", "")))
            href = base.get("_links", {}).get("deploymentBase", {}).get("href")
            if not href:
                return "nothing"
            deployment = self._get(href).json()
            action_id = str(deployment["id"])
            earlier = self._done().get(action_id)
            if earlier is not None:  # applied or refused before; the feedback got lost
                self._feedback(action_id, "closed", earlier["finished"], [earlier["detail"]])
                return "applied" if earlier["finished"] == "success" else "refused"
            if not self.is_idle():
                self._feedback(action_id, "scheduled", "none", ["waiting for the kiosk to be idle"])
                return "waiting"
            return self._install(action_id, deployment["deployment"]["chunks"][0])
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("software update poll failed: %s", exc)
            return "error"

    def _install(self, action_id: str, chunk: dict[str, Any]) -> str:
        artifacts = {a["filename"]: a for a in chunk["artifacts"]}
        bundle_meta = next(a for name, a in artifacts.items() if name.endswith(".tar.gz"))
        signature_meta = artifacts[bundle_meta["filename"] + ".sig"]
        self._feedback(action_id, "proceeding", "none", [f"downloading {chunk['version']}"])
        bundle = self._get(bundle_meta["_links"]["download-http"]["href"]).content
        signature = self._get(signature_meta["_links"]["download-http"]["href"]).content[:MAX_SIGNATURE_BYTES]
        try:
            manifest = bundles.verify(
                bundle, signature, self.public_key, expected_sha256=bundle_meta["hashes"].get("sha256", "")
            )
            if manifest.version != chunk["version"]:
                raise bundles.BundleRefused("version_mismatch", "the bundle is not the version deployed")
            self._apply(bundle, manifest)
        except bundles.BundleRefused as exc:
            log.error("software bundle refused: %s", exc)
            self._remember(action_id, {"finished": "failure", "detail": f"refused: {exc.code}"})
            self._feedback(action_id, "closed", "failure", [f"refused: {exc.code}"])
            return "refused"
        except OSError as exc:
            log.error("software bundle could not be installed: %s", exc)
            self._remember(action_id, {"finished": "failure", "detail": "install failed"})
            self._feedback(action_id, "closed", "failure", ["install failed"])
            return "refused"
        self._remember(action_id, {"finished": "success", "detail": f"installed {manifest.version}"})
        self._feedback(action_id, "closed", "success", [f"installed {manifest.version}"])
        return "applied"

    def _apply(self, bundle: bytes, manifest: bundles.Manifest) -> None:
        versions = self.root / "versions"
        versions.mkdir(exist_ok=True)
        staging = versions / f".staging-{manifest.version}"
        shutil.rmtree(staging, ignore_errors=True)
        bundles.unpack(bundle, manifest, staging)
        target = versions / manifest.version
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
        link = self.root / ".current-new"
        link.unlink(missing_ok=True)
        link.symlink_to(target.relative_to(self.root), target_is_directory=True)
        os.replace(link, self.root / "current")  # atomic: the old version or the new, never none
        self.config.software_version = manifest.version

    # --- the loop ------------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            try:
                self.poll_once()
            except Exception:
                log.exception("software update round failed")
            if self._stop.wait(self.sleep):
                return

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="kiosk-updater", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
