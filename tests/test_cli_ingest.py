"""`invoicegraph ingest` as an operator runs it: exit codes, summary, rejects file, progress."""

import asyncio
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.seeds.test_akinon_pull import TOKEN, FakeAkinon, akinon

EXECUTABLE = Path(sys.executable).parent / "invoicegraph"


def run(*args: str | Path, **options: object) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "MONGODB_URI"}
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE} | options
    return subprocess.run(
        [EXECUTABLE, "ingest", *map(str, args)],
        text=True,
        env=env,
        timeout=60,
        check=False,
        **streams,  # type: ignore[call-overload]
    )


def records_file(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def summary(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.strip().splitlines()[-1]


def test_ingest_all_landed_exits_zero_with_summary_and_plain_progress(tmp_path: Path) -> None:
    path = records_file(tmp_path / "good.jsonl", *(akinon(i) for i in range(1, 6)))

    result = run(path, "--account", "acme")

    assert result.returncode == 0, result.stderr
    assert summary(result) == ("read 5 / stored 5 / updated 0 / unchanged 0 / stale 0 / rejected 0")
    # Not a terminal: plain lines, the last one at the end.
    assert "ingest: 5 records of 5 (100%)" in result.stderr
    assert "records/s" in result.stderr


def test_ingest_rejections_exit_three_and_replay_from_the_rejects_file(tmp_path: Path) -> None:
    broken = akinon(2)
    broken["invoiceitem_set"][0]["total_amount"] = "abc"
    path = tmp_path / "mixed.jsonl"
    path.write_text(f"{json.dumps(akinon(1))}\nnot json\n{json.dumps(broken)}\n")
    rejects = tmp_path / "rejects.jsonl"

    result = run(path, "--account", "acme", "--rejects", rejects)

    assert result.returncode == 3
    assert summary(result) == ("read 3 / stored 1 / updated 0 / unchanged 0 / stale 0 / rejected 2")
    lines = [line for line in result.stderr.splitlines() if ") rejected" in line]
    assert lines == [
        f"{path}: record 2 (invoice -) rejected: line 2 is not valid JSON: "
        "Expecting value: line 1 column 1 (char 0)",
        f"{path}: record 3 (invoice INV-2) rejected at invoiceitem_set[0].total_amount: "
        '"abc" is not a decimal number',
    ]
    written = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [line["rejected"]["position"] for line in written] == [2, 3]
    assert written[0]["record"] == "not json"
    assert written[1]["record"]["invoiceitem_set"][0]["total_amount"] == "abc"

    # Fix the records in the rejects file and replay it as it is.
    written[0]["record"] = json.dumps(akinon(3))
    written[1]["record"]["invoiceitem_set"][0]["total_amount"] = "399.00"
    rejects.write_text("".join(json.dumps(line) + "\n" for line in written))
    replayed = run(rejects, "--account", "acme", "--quiet")

    assert replayed.returncode == 0, replayed.stderr
    assert summary(replayed).startswith("read 2 / stored 2 /")
    assert "ingest:" not in replayed.stderr  # --quiet: no progress


def test_ingest_unreadable_file_exits_one(tmp_path: Path) -> None:
    path = records_file(tmp_path / "good.jsonl", akinon(1))

    result = run(path, tmp_path / "missing.json", "--account", "acme")

    assert result.returncode == 1
    assert summary(result).startswith("read 1 / stored 1 /")
    assert "missing.json: cannot read" in result.stderr


def test_ingest_without_a_source_is_a_usage_error() -> None:
    result = run("--account", "acme")

    assert result.returncode == 2
    assert "give files to ingest (PATH...) or --akinon-url" in result.stderr


def test_ingest_on_a_terminal_draws_a_progress_bar(tmp_path: Path) -> None:
    path = records_file(tmp_path / "good.jsonl", *(akinon(i) for i in range(1, 4)))
    main, terminal = pty.openpty()
    # 24 rows of 100 columns: a new pseudo-terminal has no size, a real one does.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        result = run(path, "--account", "acme", stderr=terminal, stdout=subprocess.PIPE)
        os.close(terminal)
        drawn = b""
        while chunk := _read(main):
            drawn += chunk
    finally:
        os.close(main)

    assert result.returncode == 0
    assert b"100%" in drawn
    assert b"3/3" in drawn
    assert b"records/s" in drawn


def _read(descriptor: int) -> bytes:
    try:
        return os.read(descriptor, 65536)
    except OSError:  # the terminal's other end is closed
        return b""


async def test_ingest_pulls_from_an_akinon_oms(tmp_path: Path) -> None:
    server = FakeAkinon([akinon(i) for i in range(1, 13)], page_size=5, failures={2: [500]})
    url = await server.start()
    env = {key: value for key, value in os.environ.items() if key != "MONGODB_URI"}
    env["AKINON_TOKEN"] = TOKEN
    process = await asyncio.create_subprocess_exec(
        str(EXECUTABLE),
        "ingest",
        "--akinon-url",
        url,
        "--account",
        "acme",
        "--checkpoint",
        str(tmp_path / "pull.json"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    await server.stop()

    assert process.returncode == 0, stderr.decode()
    assert stdout.decode().strip() == (
        "read 12 / stored 12 / updated 0 / unchanged 0 / stale 0 / rejected 0"
    )
    assert "HTTP 500; retrying" in stderr.decode()
    assert not (tmp_path / "pull.json").exists()


@pytest.mark.parametrize("token", [None, "wrong"])
async def test_ingest_pull_without_the_right_token_fails(tmp_path: Path, token: str | None) -> None:
    server = FakeAkinon([akinon(1)], page_size=5)
    url = await server.start()
    env = {key: value for key, value in os.environ.items() if key not in ("MONGODB_URI",)}
    env.pop("AKINON_TOKEN", None)
    args = [str(EXECUTABLE), "ingest", "--akinon-url", url, "--account", "acme"]
    if token:
        args += ["--akinon-token", token, "--checkpoint", str(tmp_path / "pull.json")]
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    await server.stop()

    if token is None:
        assert process.returncode == 2
        assert "a pull needs the OMS token" in stderr.decode()
    else:
        assert process.returncode == 1
        assert "Akinon refused the token: HTTP 401" in stderr.decode()
