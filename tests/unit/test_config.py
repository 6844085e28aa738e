"""Settings: environment over tracer.toml, secrets only from the environment, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracer.config import Settings
from tracer.errors import ConfigError


def test_defaults_without_file_or_env(tmp_path: Path) -> None:
    s = Settings.load({}, config_path=tmp_path / "none.toml")
    assert s.database_url == "sqlite:///tracer.db"
    assert s.etherscan_url == "https://api.etherscan.io/v2/api"
    assert s.etherscan_rate == 3.0 and s.etherscan_api_key is None


def test_env_wins_over_toml_and_numbers_are_parsed(tmp_path: Path) -> None:
    cfg = tmp_path / "tracer.toml"
    cfg.write_text('[tracer]\ndatabase_url = "sqlite:///from-file.db"\netherscan_rate = 1.5\nconfirmations = 6\n')
    s = Settings.load({"TRACER_DATABASE_URL": "sqlite:///from-env.db", "TRACER_CONFIRMATIONS": "20",
                       "TRACER_RPC_URL_ETHEREUM": "http://127.0.0.1:8545", "ETHERSCAN_API_KEY": "k3y"},
                      config_path=cfg)
    assert s.database_url == "sqlite:///from-env.db"
    assert s.etherscan_rate == 1.5 and s.confirmations == 20
    assert s.rpc_urls == {"ethereum": "http://127.0.0.1:8545"}
    assert s.etherscan_api_key == "k3y" and "k3y" not in repr(s)


def test_secret_in_toml_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "tracer.toml"
    cfg.write_text('[tracer]\netherscan_api_key = "oops"\n')
    with pytest.raises(ConfigError, match="looks like a secret"):
        Settings.load({}, config_path=cfg)


@pytest.mark.parametrize(("text", "message"), [("[tracer]\nnope = 1\n", "unknown setting"),
                                               ("[tracer\n", "cannot read")])
def test_bad_toml_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "tracer.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError, match=message):
        Settings.load({}, config_path=cfg)


def test_bad_number_in_env(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="etherscan_rate must be a number"):
        Settings.load({"TRACER_ETHERSCAN_RATE": "fast"}, config_path=tmp_path / "none.toml")
