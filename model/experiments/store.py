"""A sweep's output directory, and the rules that make it safe to resume.

Only the coordinating process writes here. Every file is written under a
temporary name, flushed to disk and renamed, so after Ctrl-C, kill -9 or a power
cut a block file is either whole or absent: the list of block files *is* the
record of finished work, and a resume needs nothing else. Each block file also
carries its index, seed and the design's fingerprint in its Parquet metadata, so
a stray or damaged file is noticed rather than trusted.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq

from ..errors import InputError
from ..outputs import atomic_path, write_json
from .design import Block

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
SAMPLE = "sample.parquet"
PLAN = "plan.parquet"
SUMMARY = "summary.parquet"
BLOCKS = "blocks"
LOCK = ".lock"
META_KEY = b"redline.block"
_BLOCK_NAME = re.compile(r"^block-(\d{6,})\.parquet$")


def block_name(index: int) -> str:
    return f"block-{index:06d}.parquet"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SweepDir:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.blocks = self.path / BLOCKS

    def file(self, name: str) -> Path:
        return self.path / name

    def is_empty(self) -> bool:
        return not self.path.exists() or all(p.name == LOCK for p in self.path.iterdir())

    def has_manifest(self) -> bool:
        return self.file(MANIFEST).is_file()

    def read_manifest(self) -> dict:
        path = self.file(MANIFEST)
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise InputError(
                "not a redline sweep directory (no manifest.json)",
                file=str(self.path),
                allowed="a directory written by `redline sweep`",
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"manifest.json is not valid JSON ({exc})", file=str(path)) from None

    def write_manifest(self, data: dict) -> None:
        write_json(data, self.file(MANIFEST))

    def write_durable(self, target: Path, write) -> None:
        """Write via `write(tmp_path)`, fsync, then rename onto `target`."""
        with atomic_path(target) as tmp:
            write(tmp)
            _fsync(tmp)
        _fsync(target.parent)

    def write_block(self, index: int, payload: bytes) -> Path:
        target = self.blocks / block_name(index)
        self.write_durable(target, lambda tmp: tmp.write_bytes(payload))
        return target

    def block_path(self, index: int) -> Path:
        return self.blocks / block_name(index)

    def finished_blocks(self, plan: list[Block], fingerprint: str) -> set[int]:
        """Indices of whole, matching block files; half-written or stray files are removed."""
        if not self.blocks.is_dir():
            return set()
        done = set()
        for path in self.blocks.iterdir():
            match = _BLOCK_NAME.match(path.name)
            if not match:
                if path.name.startswith(".") and path.name.endswith(".tmp"):
                    path.unlink(missing_ok=True)  # a write cut short: its block reruns
                continue
            index = int(match.group(1))
            if index < len(plan) and self._valid(path, plan[index], fingerprint):
                done.add(index)
            else:
                path.unlink(missing_ok=True)
        return done

    @staticmethod
    def _valid(path: Path, block: Block, fingerprint: str) -> bool:
        try:
            meta = pq.read_metadata(path)
            info = json.loads(meta.metadata[META_KEY])
        except Exception:  # noqa: BLE001 - any unreadable file is simply redone
            return False
        return (
            meta.num_rows == block.replications
            and info.get("index") == block.index
            and info.get("fingerprint") == fingerprint
        )

    @contextmanager
    def lock(self):
        """One sweep per directory at a time (the lock dies with its process, even on kill -9)."""
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.file(LOCK), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InputError(
                    "another sweep is running in this directory",
                    file=str(self.path),
                    field="--out",
                    allowed="wait for it, or choose another --out",
                ) from None
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield
        finally:
            os.close(fd)


__all__ = [
    "SweepDir",
    "block_name",
    "MANIFEST",
    "DESIGN",
    "SAMPLE",
    "PLAN",
    "SUMMARY",
    "BLOCKS",
    "META_KEY",
]
