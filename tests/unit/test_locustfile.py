"""Locustfile loading: every failure is one line that names the file and line."""

from pathlib import Path

import pytest

from loadtui.engine.locustfile import LocustfileError, load_locustfile

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str, name: str = "lf.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_locustfile_loads() -> None:
    loaded = load_locustfile(ROOT / "locustfiles" / "demo.py")
    assert set(loaded.user_classes) == {"BrowsingUser", "ApiUser"}
    assert all(w >= 1 for w in loaded.class_weights().values())


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "from locust import HttpUser\n\nclass U(HttpUser:\n    pass\n")
    with pytest.raises(LocustfileError) as caught:
        load_locustfile(path)
    assert str(caught.value).startswith(f"{path}:3: syntax error")
    assert caught.value.line == 3


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LocustfileError, match="locustfile not found"):
        load_locustfile(tmp_path / "absent.py")


def test_not_a_python_file(tmp_path: Path) -> None:
    with pytest.raises(LocustfileError, match=r"must be a \.py file"):
        load_locustfile(write(tmp_path, "x", "lf.txt"))


def test_no_user_class(tmp_path: Path) -> None:
    path = write(tmp_path, "from locust import HttpUser\n\nclass Base(HttpUser):\n    abstract = True\n")
    with pytest.raises(LocustfileError, match="no User class found"):
        load_locustfile(path)


def test_import_error_names_the_module_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "import os\nimport not_a_module_xyz\n")
    with pytest.raises(LocustfileError) as caught:
        load_locustfile(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:2: cannot import module 'not_a_module_xyz'")


def test_exception_at_import_points_at_the_users_line(tmp_path: Path) -> None:
    path = write(tmp_path, "from locust import HttpUser\nX = 1\nraise RuntimeError('config missing')\n")
    with pytest.raises(LocustfileError) as caught:
        load_locustfile(path)
    assert str(caught.value) == f"{path}:3: RuntimeError while loading the locustfile: config missing"


def test_weight_for_unknown_class_lists_the_classes(tmp_path: Path) -> None:
    from loadtui.engine.profiles import Profile

    loaded = load_locustfile(ROOT / "locustfiles" / "demo.py")
    bad = Profile(name="x", weights={"MobileUser": 2})
    with pytest.raises(
        LocustfileError, match=r"defines no User class 'MobileUser' \(it defines: BrowsingUser, ApiUser\)"
    ):
        loaded.check_weights(bad)
