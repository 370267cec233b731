"""Ingest progress for an operator: a bar on a terminal, periodic lines in a log, or nothing."""

import time
from collections.abc import Callable
from typing import Protocol, TextIO

from tqdm import tqdm

PLAIN_INTERVAL = 10.0
"""Seconds between progress lines when the output is not a terminal."""


class Progress(Protocol):
    def expect(self, total: int) -> None:
        """The number of records the run will read, as far as known now (it may grow)."""

    def advance(self, records: int) -> None: ...

    def say(self, line: str) -> None:
        """Print a line (a rejection, a warning) without garbling the progress display."""

    def close(self) -> None: ...


class QuietProgress:
    """--quiet: no progress at all; lines said still go out (rejections are not progress)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def expect(self, total: int) -> None:
        pass

    def advance(self, records: int) -> None:
        pass

    def say(self, line: str) -> None:
        print(line, file=self._stream)

    def close(self) -> None:
        pass


class BarProgress:
    """A tqdm bar with rate and ETA, for a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._bar = tqdm(total=0, unit=" records", file=stream, dynamic_ncols=True)

    def expect(self, total: int) -> None:
        self._bar.total = total
        self._bar.refresh()

    def advance(self, records: int) -> None:
        self._bar.update(records)

    def say(self, line: str) -> None:
        self._bar.write(line, file=self._bar.fp)

    def close(self) -> None:
        self._bar.close()


class LineProgress:
    """One plain line every `interval` seconds and one at the end, for logs and pipes."""

    def __init__(
        self,
        stream: TextIO,
        interval: float = PLAIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._started = self._last = clock()
        self.total = 0
        self.done = 0

    def expect(self, total: int) -> None:
        self.total = total

    def advance(self, records: int) -> None:
        self.done += records
        if self._clock() - self._last >= self._interval:
            self._report()

    def say(self, line: str) -> None:
        print(line, file=self._stream)

    def close(self) -> None:
        if self.done:
            self._report()

    def _report(self) -> None:
        self._last = self._clock()
        elapsed = max(self._last - self._started, 1e-9)
        rate = self.done / elapsed
        line = f"ingest: {self.done:,} records"
        if self.total:
            line += f" of {self.total:,} ({100 * self.done / self.total:.0f}%)"
        line += f", {rate:,.0f} records/s"
        if self.total and rate > 0 and self.done < self.total:
            line += f", ETA {(self.total - self.done) / rate:,.0f} s"
        print(line, file=self._stream, flush=True)


def progress_for(stream: TextIO, quiet: bool) -> Progress:
    if quiet:
        return QuietProgress(stream)
    if stream.isatty():
        return BarProgress(stream)
    return LineProgress(stream)
