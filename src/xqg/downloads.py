"""Downloads of the benchmark's public files, verified by SHA-256.

A download streams to a ``.part`` sibling, is checked against its pinned digest, and only then renamed
to its final name, so that an interrupted or corrupted transfer never looks complete. Without network
access the error says which file is missing, from where, and where to put a copy by hand.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20


class ChecksumError(ValueError):
    """A file's SHA-256 digest differs from the pinned one."""


class DownloadError(RuntimeError):
    """A file could not be fetched (no network, server error); the message says how to supply it."""


def sha256_of(path: str | os.PathLike, *, progress: bool = True) -> str:
    """Hex SHA-256 digest of a file, read in 1 MiB chunks (the corpus is 13 GB)."""
    digest = hashlib.sha256()
    size = os.path.getsize(path)
    with open(path, "rb") as handle, tqdm(total=size, unit="B", unit_scale=True, desc=f"sha256 {Path(path).name}",
                                          disable=not progress or size < 64 * CHUNK_BYTES) as bar:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def verify_checksum(path: str | os.PathLike, sha256: str | None) -> str:
    """Check ``path`` against the pinned ``sha256`` and return its actual digest.

    ``None`` means not pinned yet: the digest is logged with a request to pin it, and nothing is checked.
    """
    actual = sha256_of(path)
    if sha256 is None:
        log.warning("%s has sha256 %s; no checksum is pinned for it: pin this value in the config "
                    "(data.xor_tydi.files.<name>.sha256) so that later runs verify the file", path, actual)
        return actual
    expected = sha256.strip().lower()
    if actual != expected:
        raise ChecksumError(f"{path}: SHA-256 mismatch: expected {expected}, got {actual} "
                            "(a truncated or different file; delete it and download it again)")
    log.info("%s: sha256 %s verified", path, actual)
    return actual


def _offline_message(url: str, dest: Path, reason: object, config_name: str | None) -> str:
    key = (f"data.xor_tydi.files.{config_name}.path" if config_name
           else f"data.xor_tydi.files.<name>.path (of the entry with filename {dest.name})")
    return (f"cannot download {dest.name} from {url} ({reason}). If this machine cannot reach it, fetch the file "
            f"elsewhere and either put it at {dest} (then rerun), or set the config key {key} to the path of a "
            f"local copy.")


def download(url: str, dest: str | os.PathLike, sha256: str | None, *, timeout: float = 60.0,
             config_name: str | None = None) -> str:
    """Fetch ``url`` into ``dest`` atomically and verify it; return the file's SHA-256 digest.

    The body streams to ``dest.part`` with a progress bar; on a digest mismatch the partial file is
    removed and :class:`ChecksumError` names the file and both digests. Any network failure (no route,
    DNS, timeout, HTTP error) raises one :class:`DownloadError` that says where to put the file by hand;
    ``config_name`` (the key under ``data.xor_tydi.files``) makes that message name the config key.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "xqg-workflow"})
        with urllib.request.urlopen(request, timeout=timeout) as response, open(part, "wb") as out:
            total = response.headers.get("Content-Length")
            with tqdm(total=int(total) if total else None, unit="B", unit_scale=True, desc=dest.name) as bar:
                while chunk := response.read(CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
            if total and out.tell() != int(total):
                raise DownloadError(f"{url}: transfer ended after {out.tell()} of {total} bytes; rerun to retry")
    except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as error:
        # network failures only: a full disk or an unwritable folder is not 'offline' and propagates as is
        part.unlink(missing_ok=True)
        if isinstance(error, urllib.error.HTTPError):
            reason: object = f"HTTP {error.code} {error.reason}"
        else:
            reason = getattr(error, "reason", None) or error
        raise DownloadError(_offline_message(url, dest, reason, config_name)) from None  # one message, no chain
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    actual = digest.hexdigest()
    if sha256 is not None and actual != sha256.strip().lower():
        part.unlink(missing_ok=True)
        raise ChecksumError(f"{dest.name} downloaded from {url}: SHA-256 mismatch: expected {sha256.strip().lower()}, "
                            f"got {actual}")
    if sha256 is None:
        log.warning("%s has sha256 %s; no checksum is pinned for it: pin this value in the config "
                    "(data.xor_tydi.files.%s.sha256)", dest.name, actual, config_name or "<name>")
    os.replace(part, dest)
    log.info("downloaded %s (%d bytes, sha256 %s)", dest, dest.stat().st_size, actual)
    return actual
