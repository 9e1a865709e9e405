#!/usr/bin/env python3.11
"""Set up .venv and run MentorBot's jobs: `python3.11 tasks.py demo` or `python3.11 tasks.py test`.

Only the standard library is used here, so this works on a fresh machine.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
# The CPU build; any other torch pulls gigabytes of CUDA (see DEVELOPERS.md).
TORCH = "torch==2.13.0"
# The browser test (tests/e2e/test_web_browser.py) drives Debian's chromium; it skips without it.
CHROMIUM = Path("/usr/bin/chromium")


def run(*cmd: str | os.PathLike[str], env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)


def must(*cmd: str | os.PathLike[str]) -> None:
    code = run(*cmd)
    if code:
        sys.exit(code)


def ensure_chromium() -> None:
    """Install Debian's chromium for the browser test when we can; never fatal."""
    if CHROMIUM.exists():
        return
    apt = shutil.which("apt-get")
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if apt is None or not root:
        print(
            f"{CHROMIUM} is missing and this is not root with apt-get: "
            "the browser test will skip (apt-get install chromium to run it).",
            flush=True,
        )
        return
    print(f"{CHROMIUM} is missing: installing Debian's chromium for the browser test …", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    code = run(apt, "install", "-y", "--no-install-recommends", "chromium", env=env)
    if code:
        # A fresh image may have empty package lists: refresh them once and try again.
        run(apt, "update", env=env)
        code = run(apt, "install", "-y", "--no-install-recommends", "chromium", env=env)
    if code or not CHROMIUM.exists():
        print(f"Installing chromium failed (exit {code}): the browser test will skip.", flush=True)


def setup(*, for_tests: bool = False) -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(
            f"MentorBot needs Python 3.11 (this is {sys.version.split()[0]}): run python3.11 tasks.py …"
        )
    if for_tests:
        ensure_chromium()
    stamp = VENV / ".installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + TORCH.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == want and PY.exists():
        return
    if not PY.exists():
        print(f"Creating {VENV} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    must(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    must(PY, "-m", "pip", "install", "--quiet", TORCH)
    must(PY, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    stamp.write_text(want)


def demo(extra: list[str]) -> None:
    setup()
    os.execv(str(BIN / "mentorbot"), [str(BIN / "mentorbot"), "demo", *extra])


def _packages() -> list[str]:
    names = ("core", "bots", "mentorbot", "webhooks", "payments", "matching", "calls")
    return [n for n in names if (ROOT / n / "__init__.py").exists()]


def test(extra: list[str]) -> None:
    setup(for_tests=True)
    env = dict(os.environ)
    failures = []
    packages = _packages()
    checks: list[tuple[str, list[str | os.PathLike[str]]]] = [
        ("ruff", [PY, "-m", "ruff", "check", "."]),
        ("mypy", [PY, "-m", "mypy", *packages]),
        ("import rule", [BIN / "lint-imports"]),
    ]
    for name, cmd in checks:
        if run(*cmd, env=env):
            failures.append(name)
    code = run(PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, env=env)
    if code:
        failures.append(f"pytest (exit {code})")
    if failures:
        print("FAILED: " + ", ".join(failures), flush=True)
        sys.exit(1)
    print("All checks passed.", flush=True)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test", "setup"):
        sys.exit("usage: python3.11 tasks.py demo|test|setup [args…]")
    job, extra = sys.argv[1], sys.argv[2:]
    if job == "setup":
        setup()
    elif job == "demo":
        demo(extra)
    else:
        test(extra)


if __name__ == "__main__":
    main()
