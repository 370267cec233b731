"""Ingest progress for an operator: a bar on a terminal, periodic lines in a log, or nothing.

Every display ends with one final line (no ETA once the run has stopped), grows its total
when the source turns out larger, and prints warnings on lines of their own.
"""

import time
from collections.abc import Callable
from typing import Protocol, TextIO

from tqdm import tqdm

PLAIN_INTERVAL = 10.0
"""Seconds between progress lines when the output is not a terminal."""

STOPPED_BAR = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}, {rate_fmt}] stopped"
"""The bar of a run that stopped before its end: no time left to estimate."""


class Progress(Protocol):
    def expect(self, total: int) -> None:
        """The number of records the run will read, as far as known now (it may grow)."""

    def advance(self, records: int) -> None: ...

    def tick(self) -> None:
        """Called every second or so: shows that the run is alive while nothing advances."""

    def say(self, line: str) -> None:
        """Print a line (a rejection, a warning) without garbling the progress display."""

    def close(self, stopped: bool = False) -> None:
        """The final state, once; `stopped`: the run ended before reading everything."""


class QuietProgress:
    """--quiet: no progress at all; lines said still go out (rejections are not progress)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def expect(self, total: int) -> None:
        pass

    def advance(self, records: int) -> None:
        pass

    def tick(self) -> None:
        pass

    def say(self, line: str) -> None:
        print(line, file=self._stream, flush=True)

    def close(self, stopped: bool = False) -> None:
        pass


class BarProgress:
    """A tqdm bar with rate and ETA, for a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._bar = tqdm(total=0, unit=" records", file=stream, dynamic_ncols=True)
        self._closed = False

    def expect(self, total: int) -> None:
        self._bar.total = max(total, self._bar.n)
        self._bar.refresh()

    def advance(self, records: int) -> None:
        if self._bar.total is not None and self._bar.n + records > self._bar.total:
            self._bar.total = self._bar.n + records  # more records than announced
        self._bar.update(records)

    def tick(self) -> None:
        self._bar.refresh()  # the elapsed time and rate move on while a page stalls

    def say(self, line: str) -> None:
        self._bar.write(line, file=self._bar.fp)

    def close(self, stopped: bool = False) -> None:
        if self._closed:
            return
        self._closed = True
        if stopped:
            self._bar.bar_format = STOPPED_BAR
        self._bar.close()


class LineProgress:
    """One plain line every `interval` seconds, even while nothing advances, and a final
    one, for logs and pipes."""

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
        self._closed = False
        self.total = 0
        self.done = 0

    def expect(self, total: int) -> None:
        self.total = max(total, self.done)

    def advance(self, records: int) -> None:
        self.done += records
        self.total = max(self.total, self.done) if self.total else 0
        self.tick()

    def tick(self) -> None:
        if not self._closed and self._clock() - self._last >= self._interval:
            self._print(self._line(eta=True))

    def say(self, line: str) -> None:
        print(line, file=self._stream, flush=True)

    def close(self, stopped: bool = False) -> None:
        if self._closed:
            return
        self._closed = True
        elapsed = self._clock() - self._started
        prefix = "stopped after " if stopped else ""
        self._print(self._line(eta=False, prefix=prefix) + f" in {elapsed:,.1f} s")

    def _line(self, eta: bool, prefix: str = "") -> str:
        elapsed = max(self._clock() - self._started, 1e-9)
        rate = self.done / elapsed
        line = f"ingest: {prefix}{self.done:,} records"
        if self.total:
            line += f" of {self.total:,} ({100 * self.done / self.total:.0f}%)"
        line += f", {rate:,.0f} records/s"
        if eta and self.total and rate > 0 and self.done < self.total:
            line += f", ETA {(self.total - self.done) / rate:,.0f} s"
        return line

    def _print(self, line: str) -> None:
        self._last = self._clock()
        print(line, file=self._stream, flush=True)


def progress_for(stream: TextIO, quiet: bool, interval: float = PLAIN_INTERVAL) -> Progress:
    if quiet:
        return QuietProgress(stream)
    if stream.isatty():
        return BarProgress(stream)
    return LineProgress(stream, interval)
