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
# Debian packages some tests drive, by the file that shows each is there; without them
# those tests skip: the browser tests (chromium) and the load balancer tests (nginx).
DEBIAN_TOOLS = {
    "chromium": Path("/usr/bin/chromium"),
    "nginx": Path("/usr/sbin/nginx"),
}


def run(*cmd: str | os.PathLike[str], env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)


def must(*cmd: str | os.PathLike[str]) -> None:
    code = run(*cmd)
    if code:
        sys.exit(code)


def ensure_debian_tools() -> None:
    """Install Debian's chromium and nginx for the tests that drive them; never fatal."""
    missing = [pkg for pkg, path in DEBIAN_TOOLS.items() if not path.exists()]
    if not missing:
        return
    apt = shutil.which("apt-get")
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if apt is None or not root:
        print(
            f"{', '.join(missing)} missing and this is not root with apt-get: the tests that "
            f"need them will skip (apt-get install {' '.join(missing)} to run them).",
            flush=True,
        )
        return
    print(f"Installing Debian's {', '.join(missing)} for the tests …", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    code = run(apt, "install", "-y", "--no-install-recommends", *missing, env=env)
    if code:
        # A fresh image may have empty package lists: refresh them once and try again.
        run(apt, "update", env=env)
        code = run(apt, "install", "-y", "--no-install-recommends", *missing, env=env)
    still = [pkg for pkg in missing if not DEBIAN_TOOLS[pkg].exists()]
    if code or still:
        print(f"Installing {', '.join(still)} failed (exit {code}): their tests will skip.")


def setup(*, for_tests: bool = False) -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(
            f"MentorBot needs Python 3.11 (this is {sys.version.split()[0]}): run python3.11 tasks.py …"
        )
    if for_tests:
        ensure_debian_tools()
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
