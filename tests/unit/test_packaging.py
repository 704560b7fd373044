"""What a user installs: the wheel outside the source tree, its resources and metadata, and the
desktop files that name one application id. (The PyInstaller bundle is built and started by
.ci/run through packaging/build-bundle.sh: it takes minutes.)"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from inspector import APP_ID, __version__

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
ICON_SIZES = (16, 32, 48, 64, 128, 256)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built (the way pip builds it: isolated) from a copy of the files a checkout has."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "inspector", source / "inspector", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(work / "dist"), str(source)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (built,) = (work / "dist").glob("*.whl")
    return built


def test_the_wheel_carries_the_icon_the_sample_projectors_and_the_license(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    icons = "inspector/resources/icons/hicolor"
    assert f"{icons}/scalable/apps/{APP_ID}.svg" in names
    assert {f"{icons}/{n}x{n}/apps/{APP_ID}.png" for n in ICON_SIZES} <= names
    assert {"inspector/resources/projectors/wallet_projector.py", "inspector/resources/projectors/audit_projector.py"} <= names
    assert f"event_stream_inspector-{__version__}.dist-info/licenses/LICENSE" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_wheel_metadata_has_classifiers_the_license_and_both_entry_points(wheel):
    archive = zipfile.ZipFile(wheel)
    info = f"event_stream_inspector-{__version__}.dist-info"
    headers = archive.read(f"{info}/METADATA").decode().split("\n\n", 1)[0].splitlines()  # before the README
    assert "License-Expression: MIT" in headers and "License-File: LICENSE" in headers
    assert "Classifier: Environment :: X11 Applications :: Qt" in headers
    assert not [h for h in headers if h.startswith("Project-URL:")]  # none until the project has a public address
    entry_points = configparser.ConfigParser()
    entry_points.read_string(archive.read(f"{info}/entry_points.txt").decode())
    assert entry_points["console_scripts"]["event-inspector"] == "inspector.cli:main"
    assert entry_points["gui_scripts"]["event-inspector-gui"] == "inspector.cli:gui_main"


def test_the_installed_wheel_runs_outside_the_source_tree(wheel, tmp_path):
    """pip install (not editable) into a fresh venv; --version, demo and the window offscreen from elsewhere."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    done = subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_DATA_HOME=str(tmp_path / "data"))

    def run(*argv: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(argv), cwd=elsewhere, env={**env, **extra}, capture_output=True, text=True, timeout=180)

    where = run(str(bindir / "python"), "-c", "import inspector; print(inspector.__file__)")
    assert where.returncode == 0 and str(env_dir) in where.stdout and str(ROOT) not in where.stdout
    version = run(str(bindir / "event-inspector"), "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"event-inspector {__version__}"
    demo = run(str(bindir / "event-inspector"), "demo", "--path", str(elsewhere / "demo.db"), "--streams", "8",
               "--events", "300")
    assert demo.returncode == 0 and (elsewhere / "demo.db").exists(), demo.stderr
    window = run(str(bindir / "event-inspector-gui"), str(elsewhere / "demo.db"), INSPECTOR_SMOKE_TEST="1")
    assert window.returncode == 0, window.stdout + window.stderr
    assert "8 streams listed, app icon set" in window.stdout and APP_ID in window.stdout
    first_run = run(str(bindir / "event-inspector"), INSPECTOR_SMOKE_TEST="1")  # no STORE: the demo store
    assert first_run.returncode == 0 and "60 streams listed" in first_run.stdout, first_run.stderr


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(PACKAGING / f"{APP_ID}.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_desktop_entry_the_metainfo_and_the_code_name_one_application_id():
    assert sorted(p.name for p in PACKAGING.glob("*.desktop")) == [f"{APP_ID}.desktop"]
    entry = _desktop_entry()
    assert entry["Icon"] == APP_ID and entry["Exec"].split()[0] == "event-inspector-gui"
    component = ElementTree.parse(PACKAGING / f"{APP_ID}.metainfo.xml").getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == f"{APP_ID}.desktop"
    assert component.findtext("icon") == APP_ID
    assert {b.text for b in component.iter("binary")} == {"event-inspector", "event-inspector-gui"}
    assert component.find("releases/release").get("version") == __version__


def test_the_desktop_files_name_only_mime_types_and_addresses_that_exist():
    """The shared MIME database has application/vnd.sqlite3 but no type for JSON Lines; and the
    project has no public address yet, so no screenshot or home page URL may be given."""
    assert _desktop_entry()["MimeType"] == "application/vnd.sqlite3;"
    component = ElementTree.parse(PACKAGING / f"{APP_ID}.metainfo.xml").getroot()
    assert component.find("screenshots") is None and component.find("url") is None
    assert not [e.text for e in component.iter() if e.text and "resources/" in e.text]


def test_the_bundle_spec_lists_the_data_files_and_both_executables():
    spec = (PACKAGING / "event-inspector.spec").read_text(encoding="utf-8")
    assert 'name="event-inspector", console=True' in spec and 'name="event-inspector-gui", console=False' in spec
    assert '(package / "resources").rglob("*")' in spec
    script = PACKAGING / "build-bundle.sh"
    assert os.access(script, os.X_OK) and "INSPECTOR_SMOKE_TEST=1" in script.read_text(encoding="utf-8")

