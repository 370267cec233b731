"""Running the Node scripts of tests/js against the served app (a real loopback port).

`make test` installs their packages (`npm ci`); CI fails without them, a developer's
run without them skips with the command to run.
"""

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "tests" / "js"
NODE_MODULES = ROOT / "node_modules"
SCRIPT_SECONDS = 120


def missing(reason: str) -> None:
    """Fail in CI, where `make test` must have installed it; skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (make test installs it)")
    pytest.skip(f"{reason}: run `make test` (or `npm ci`) first")


def require_node_packages() -> str:
    node = shutil.which("node")
    if node is None:
        missing("Node.js is not installed")
    if not (NODE_MODULES / ".package-lock.json").is_file():
        missing("node_modules/ is not installed")
    assert node is not None
    return node


async def run_node(script: str, *args: str) -> Any:
    """Run tests/js/<script> with these arguments; returns the JSON it prints."""
    node = require_node_packages()
    process = await asyncio.create_subprocess_exec(
        node,
        str(SCRIPTS / script),
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(SCRIPT_SECONDS):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, f"{script} failed:\n{stderr.decode()}"
    return json.loads(stdout)
