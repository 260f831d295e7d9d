import pytest

from crawler.config import SETTINGS, load_config, parse_hostports
from crawler.errors import ConfigError


def test_precedence_flag_env_toml_default(tmp_path):
    toml = tmp_path / "merchintel.toml"
    toml.write_text('db = "toml.sqlite"\ndepth = 5\nmax_pages = 7\n')
    cfg = load_config({"db": "flag.sqlite"}, env={"MERCHINTEL_DB": "env.sqlite", "MERCHINTEL_DEPTH": "3"},
                      toml_path=toml)
    assert cfg.db == "flag.sqlite" and cfg.sources["db"] == "flag"
    assert cfg.depth == 3 and cfg.sources["depth"] == "env MERCHINTEL_DEPTH"
    assert cfg.max_pages == 7 and cfg.sources["max_pages"] == "merchintel.toml"
    assert cfg.concurrency == 16 and cfg.sources["concurrency"] == "default"


@pytest.mark.parametrize("value, expected", [
    ("127.0.0.1:5353", [("127.0.0.1", 5353)]),
    ("127.0.0.1:53, [::1]:5300", [("127.0.0.1", 53), ("::1", 5300)]),
    ("", []),
])
def test_hostports(value, expected):
    assert parse_hostports(value) == expected


@pytest.mark.parametrize("value", ["10.0.0.1", "host:", "h:99999", "[::1]"])
def test_hostports_errors_say_the_format(value):
    with pytest.raises(ConfigError, match="needs host:port, for example 127.0.0.1:5353"):
        load_config({}, env={"MERCHINTEL_NAMESERVERS": value}, toml_path=None)


def test_bad_values_name_the_setting(tmp_path):
    with pytest.raises(ConfigError, match="MERCHINTEL_DEPTH"):
        load_config({}, env={"MERCHINTEL_DEPTH": "deep"}, toml_path=None)
    bad = tmp_path / "merchintel.toml"
    bad.write_text("nosuch = 1\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        load_config({}, env={}, toml_path=bad)


def test_every_setting_is_documented_in_the_settings_document():
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "docs" / "settings.md").read_text()
    missing = [s.env for s in SETTINGS if s.env not in text]
    assert not missing, f"docs/settings.md lacks {missing}"
