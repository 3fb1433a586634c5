"""`platform/` is a source folder: the standard library's `platform` must stay importable."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_standard_library_platform_module_is_not_shadowed():
    import platform

    assert callable(platform.system)
    assert platform.system()  # e.g. "Linux"
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_celery_app_imports_from_the_repository_root():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import platform; platform.system(); import tasks; print(tasks.app.main)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "casecast"


def test_scoring_imports_in_a_plain_python_process_without_django():
    code = (
        "import sys; from casecast import scoring; "
        "print('django' in sys.modules, 'celery' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"
