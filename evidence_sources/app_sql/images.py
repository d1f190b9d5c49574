"""Resolving an image reference from the app's database to a local copy — or refusing it.

A row says where an image is; the row's content is data, not trust. A local path must resolve
(symlinks followed) inside ``files_root``; a URL must be http(s) on an allowed host, redirects
included, and is fetched with a size cap and a timeout. Anything else is refused.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

MAX_REDIRECTS = 3


class ImageRefused(ValueError):
    """The reference points somewhere the source may not read."""


def resolve_image(
    reference: str,
    *,
    files_root: Path | None,
    allowed_hosts: frozenset[str],
    work_dir: Path,
    max_bytes: int,
    timeout: float,
) -> Path:
    """A local copy of the referenced image, inside ``work_dir``."""
    reference = reference.strip()
    scheme = urlsplit(reference).scheme.lower()
    if scheme in {"http", "https"}:
        return _download(reference, allowed_hosts, work_dir, max_bytes, timeout)
    if scheme and len(scheme) > 1:  # "C:" style drive letters are not schemes; nothing else is
        raise ImageRefused(f"{scheme}: references are not allowed")
    return _copy_local(reference, files_root, work_dir, max_bytes)


def _copy_local(reference: str, files_root: Path | None, work_dir: Path, max_bytes: int) -> Path:
    if files_root is None:
        raise ImageRefused("a local image path needs files_root to be set")
    candidate = (files_root / reference).resolve()
    if not candidate.is_relative_to(files_root):
        raise ImageRefused(f"{reference!r} resolves outside files_root")
    if not candidate.is_file():
        raise ImageRefused(f"{reference!r} is not a file under files_root")
    if candidate.stat().st_size > max_bytes:
        raise ImageRefused(f"{reference!r} is larger than {max_bytes} bytes")
    target = work_dir / f"local-{secrets.token_hex(8)}{candidate.suffix.lower()[:8]}"
    shutil.copyfile(candidate, target)
    return target


def _allowed(url: str, allowed_hosts: frozenset[str]) -> bool:
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return False
    host = parts.hostname.lower()
    with_port = f"{host}:{parts.port}" if parts.port else host
    return host in allowed_hosts or with_port in allowed_hosts


def _download(
    url: str, allowed_hosts: frozenset[str], work_dir: Path, max_bytes: int, timeout: float
) -> Path:
    target = work_dir / f"remote-{secrets.token_hex(8)}"
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            if not _allowed(url, allowed_hosts):
                raise ImageRefused(f"{urlsplit(url).hostname or url!r} is not in allowed_hosts")
            try:
                with client.stream("GET", url) as response:
                    if response.is_redirect:
                        url = urljoin(url, response.headers.get("location", ""))
                        continue
                    if response.status_code != 200:
                        raise ImageRefused(f"{url} answered HTTP {response.status_code}")
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise ImageRefused(f"{url} is larger than {max_bytes} bytes")
                    received = 0
                    with target.open("wb") as handle:
                        for chunk in response.iter_bytes():
                            received += len(chunk)
                            if received > max_bytes:
                                raise ImageRefused(f"{url} is larger than {max_bytes} bytes")
                            handle.write(chunk)
                    return target
            except httpx.HTTPError as error:
                raise ImageRefused(f"{url} could not be fetched: {error}") from None
        raise ImageRefused(f"{url} redirects more than {MAX_REDIRECTS} times")
