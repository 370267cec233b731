"""Pages of an Akinon list, and the checkpoint of a pull: which pages are stored.

The checkpoint is saved after each stored page (written, then renamed into place), so an
interrupted pull resumes with the pages it has not stored (docs/ingest.md).
"""

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from seeds.sources import SourceRecord, to_source_record


class CheckpointMismatch(Exception):
    """The checkpoint file belongs to another pull (another URL, account or destination), or is
    unreadable: resuming from it would skip records the destination never received."""


@dataclass(frozen=True)
class Page:
    """One fetched list page; `first_position` numbers its first record within the pull."""

    number: int
    url: str
    results: list[Any]
    next_url: str | None
    count: int | None
    first_position: int

    def records(self) -> list[SourceRecord]:
        return [
            to_source_record(self.first_position + index, item)
            for index, item in enumerate(self.results)
        ]


@dataclass
class Checkpoint:
    """What a pull has stored, saved after each page (atomically: write, then rename).

    It belongs to one destination (the database the records went to): resuming into another
    would skip the pages stored elsewhere. `path` None keeps it in memory only (a dry run,
    whose store is gone when it ends, has nothing to resume).
    """

    path: Path | None
    url: str
    account: str
    destination: str
    mode: str | None = None
    """"page" or "offset" (addresses predictable), "next" (follow links), None (not started)."""
    template: str | None = None
    page_size: int = 0
    count: int = 0
    done: set[int] = field(default_factory=set)
    next_url: str | None = None
    records_done: int = 0

    @classmethod
    def open(cls, path: Path | None, url: str, account: str, destination: str) -> "Checkpoint":
        """The saved checkpoint of this pull, or a fresh one; refuses another pull's file."""
        if path is None or not path.exists():
            return cls(path, url, account, destination)
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CheckpointMismatch(f"cannot read checkpoint {path}: {error}") from None
        if not isinstance(saved, dict) or (
            saved.get("url"),
            saved.get("account"),
            saved.get("destination"),
        ) != (url, account, destination):
            saved = saved if isinstance(saved, dict) else {}
            raise CheckpointMismatch(
                f"checkpoint {path} belongs to a pull of {saved.get('url')} into account "
                f"{saved.get('account')} of {saved.get('destination') or 'an unnamed database'}, "
                f"not of {url} into account {account} of {destination}: resuming from it would "
                "skip the records stored there. Remove it to start over, or give another "
                "--checkpoint"
            )
        return cls(
            path,
            url,
            account,
            destination,
            mode=saved["mode"],
            template=saved.get("template"),
            page_size=saved.get("pageSize", 0),
            count=saved.get("count", 0),
            done=set(saved.get("done", [])),
            next_url=saved.get("nextUrl"),
            records_done=saved.get("recordsDone", 0),
        )

    @property
    def started(self) -> bool:
        return self.mode is not None

    @property
    def pages(self) -> int:
        """Pages the source has, as far as the latest `count` tells."""
        if self.page_size <= 0:
            return 1
        return max(1, math.ceil(self.count / self.page_size))

    def page_url(self, number: int) -> str:
        """The address of page `number` (predictable modes only)."""
        if self.template is None or self.mode not in ("page", "offset"):
            raise ValueError(f"pages of a {self.mode!r} pull have no predictable address")
        parts = urlsplit(self.template)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if self.mode == "page":
            query["page"] = str(number)
        else:
            query["offset"] = str((number - 1) * self.page_size)
        return urlunsplit(parts._replace(query=urlencode(query)))

    def position_of(self, number: int) -> int:
        """The position of a page's first record within the pull."""
        if self.mode in ("page", "offset"):
            return (number - 1) * self.page_size + 1
        return self.records_done + 1

    def begin(self, first: Page) -> None:
        """Choose how to walk the pages, from page 1."""
        self.count = first.count or len(first.results)
        self.page_size = len(first.results)
        self.mode = _mode(first)
        self.template = first.next_url if self.mode in ("page", "offset") else None

    def stored(self, page: Page) -> None:
        self.done.add(page.number)
        self.records_done += len(page.results)
        if self.mode == "next":
            self.next_url = page.next_url
        if page.count is not None and self.mode in ("page", "offset"):
            self.count = max(self.count, page.count)  # records added meanwhile get their pages
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        state = {
            "url": self.url,
            "account": self.account,
            "destination": self.destination,
            "mode": self.mode,
            "template": self.template,
            "pageSize": self.page_size,
            "count": self.count,
            "done": sorted(self.done),
            "nextUrl": self.next_url,
            "recordsDone": self.records_done,
            "savedAt": datetime.now(UTC).isoformat(),
        }
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(state), encoding="utf-8")
        os.replace(partial, self.path)

    @property
    def saved(self) -> bool:
        """True when a file keeps what was stored: a rerun resumes from it."""
        return self.path is not None and self.path.exists()

    def finish(self) -> None:
        """The pull is complete: the next one starts over (and sees later changes)."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def _mode(first: Page) -> str:
    if first.next_url is None or not first.results or first.count is None:
        return "next"  # a single page, or no count to predict the pages from
    query = dict(parse_qsl(urlsplit(first.next_url).query))
    if query.get("page") == "2":
        return "page"
    if query.get("offset") == str(len(first.results)):
        return "offset"
    return "next"


def default_checkpoint(
    url: str, account: str, destination: str, directory: Path | None = None
) -> Path:
    """`.invoicegraph-pull-<hash>.json` in the working directory: one per URL, account and
    destination, so a pull into another database starts over instead of resuming."""
    digest = hashlib.sha256(f"{url}\n{account}\n{destination}".encode()).hexdigest()[:12]
    return (directory or Path.cwd()) / f".invoicegraph-pull-{digest}.json"
