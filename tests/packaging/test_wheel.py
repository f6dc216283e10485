"""The wheel holds the product and nothing else: no benchmark, no test tool, no test fixture."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

from support.repo import REPO

# The benchmarks and the test tools (tests/support: browser, loopback, screenshots, soak, fakes).
NOT_PRODUCT = [*(REPO / "benchmarks").glob("*.py"), *(REPO / "tests" / "support").glob("*.py")]


def test_the_wheel_holds_no_benchmark_or_test_tool(tmp_path):
    uv = [shutil.which("uv")] if shutil.which("uv") else ["python3", "-m", "uv"]  # as the Makefile finds it
    built = subprocess.run(
        [*uv, "build", "--wheel", "--out-dir", str(tmp_path), str(REPO)], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("scv-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    modules = [n for n in names if n.endswith(".py")]
    assert "scv/cli/__init__.py" in modules and "scv/build/pipeline.py" in modules
    assert any(n.startswith("scv/pages/templates/") for n in names)  # the page templates travel with it
    assert all(n.startswith(("scv/", "scv-")) for n in names), names  # no top-level benchmarks/ or tests/
    wheel_zip = zipfile.ZipFile(wheel)
    shipped = {wheel_zip.read(n) for n in modules}
    tools = {p: p.read_bytes() for p in NOT_PRODUCT if p.stat().st_size > 200}  # not the one-line __init__s
    assert len(tools) >= 10
    assert [str(p.relative_to(REPO)) for p, text in tools.items() if text in shipped] == []
    # Test tools stay dev dependencies: nothing shipped drives a browser.
    assert not [n for n in modules if b"selenium" in wheel_zip.read(n)]
