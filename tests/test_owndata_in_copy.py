"""The own-data tests (tests/owndata), run once, in a copy of the project **without**
``data/synthetic/``: whatever a user's run reads, it cannot be the demo data, because they are
not there. The copy imports its own ``jamtools`` (PYTHONPATH), so no path of this tree is used."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import Background

ROOT = Path(__file__).resolve().parents[1]


def project_copy(target: Path) -> Path:
    """The project's tracked (and new, unignored) files, without data/synthetic/."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if name.startswith("data/synthetic/") or not (ROOT / name).is_file():
            continue
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest)
    assert not (target / "data" / "synthetic").exists()
    return target


#: Started by tests/conftest.py when this test is collected, so that the own-data tests (minutes,
#: mostly one core) run beside the rest of the suite; None when run on its own.
RUNNING: Background | None = None


def start() -> Background:
    """Start the own-data tests in a fresh copy, in the background (see :data:`RUNNING`)."""
    import tempfile

    global RUNNING
    folder = Path(tempfile.mkdtemp(prefix="jamtools-owndata-"))
    copy = project_copy(folder / "projekt")
    env = {**os.environ, "PYTHONPATH": str(copy), "JAMTOOLS_OWNDATA": "1", "JAMTOOLS_NO_SYNTHETIC": "1"}
    RUNNING = Background([sys.executable, "-m", "pytest", "tests/owndata", "-q", "-p", "no:cacheprovider",
                          "-o", "addopts=", "--tb=short", "--disable-warnings", "-W",
                          "ignore::DeprecationWarning"], logs=folder, cwd=copy, env=env, remove=folder)
    return RUNNING


def test_own_data_tests_pass_in_a_copy_without_synthetic_data():
    proc = (RUNNING or start()).result()
    code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    tail = "\n".join(stdout.strip().splitlines()[-40:])
    print(tail)
    failures = stdout.split("= FAILURES =")[-1][:12000] if "= FAILURES =" in stdout else ""
    assert code == 0, failures + "\n" + tail + stderr[-2000:]
    assert " passed" in tail and "skipped" not in tail.splitlines()[-1], tail
