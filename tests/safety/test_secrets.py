"""No secret leaves through ``tracer config`` or a log line (issue 15, probe 5): ``tracer config`` printed the
database password, the webhook URL and the RPC URL key; ``tracer -v trace`` printed urllib3's debug lines with
``apikey=...`` (69 per trace); ``monitor -v`` logged the webhook token path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from db.store import Store
from tests.e2e.harness import open_case_store, running_sandbox, settings_for
from tests.safety.alerts import stored_alerts
from tests.safety.cli import run_tracer
from tracer.config import Settings, mask_text, mask_url, masked_view

KEY = "PLANTEDetherscanKEY0123456789"
TRON = "PLANTED-tron-key-5555"
DB_PASSWORD = "PLANTEDdbPassw0rd"
HOOK_PATH = "T0PLANTED/B0PLANTED/hookSecretXYZ"
RPC_KEY = "PLANTEDrpcKey9f8e7d6c5b4a3"
SECRETS = (KEY, TRON, DB_PASSWORD, "hookSecretXYZ", RPC_KEY, "PLANTEDqueryKey77")
ENV = {"ETHERSCAN_API_KEY": KEY, "TRONGRID_API_KEY": TRON,
       "TRACER_WEBHOOK_URL": f"https://hooks.slack.com/services/{HOOK_PATH}",
       "TRACER_RPC_URL_ETHEREUM": f"https://eth-mainnet.g.alchemy.com/v2/{RPC_KEY}",
       "TRACER_RPC_URL_BSC": "https://bsc.example.com/rpc?apikey=PLANTEDqueryKey77"}


def _clean(text: str) -> None:
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, f"secrets in output: {leaked}"


def test_config_masks_every_secret_and_shows_sources(tmp_path: Path) -> None:
    (tmp_path / "tracer.toml").write_text('[tracer]\nesplora_rate = 1.5\n')
    env = {**ENV, "TRACER_DATABASE_URL": f"postgresql+psycopg://tracer:{DB_PASSWORD}@db.internal:5432/cases",
           "TRACER_CONFIG": str(tmp_path / "tracer.toml")}
    for args in (["config"], ["config", "--json"], ["-v", "config"], ["-v", "config", "--json"]):
        out = run_tracer(args, tmp_path, env)
        assert out.returncode == 0, out.stderr
        _clean(out.stdout + out.stderr)
    data = json.loads(run_tracer(["config", "--json"], tmp_path, env).stdout)
    settings, sources = data["settings"], data["sources"]
    assert settings["database_url"] == "postgresql+psycopg://tracer:***@db.internal:5432/cases"
    assert settings["webhook_url"] == "https://hooks.slack.com/***"
    assert settings["rpc_urls"]["ethereum"] == "https://eth-mainnet.g.alchemy.com/v2/***"
    assert settings["rpc_urls"]["bsc"] == "https://bsc.example.com/rpc?apikey=***"
    assert settings["etherscan_api_key"] == "set" and settings["coingecko_api_key"] == "not set"
    assert sources["database_url"] == "environment" and sources["esplora_rate"] == "tracer.toml"
    assert sources["midgard_rate"] == "default" and settings["esplora_rate"] == 1.5
    text = run_tracer(["config"], tmp_path, env).stdout
    assert "esplora_rate" in text and "(tracer.toml)" in text and "(environment)" in text and "(default)" in text


def test_masking_functions() -> None:
    settings = Settings.load({**ENV, "TRACER_DATABASE_URL": f"postgresql://u:{DB_PASSWORD}@h/db"},
                             config_path=Path("/nonexistent/tracer.toml"))
    _clean(json.dumps(masked_view(settings)))
    line = (f'https://api.etherscan.io:443 "GET /v2/api?chainid=1&module=account&action=txlist&apikey={KEY} '
            f'HTTP/1.1" 200 None; headers TRON-PRO-API-KEY: {TRON}; postgresql://u:{DB_PASSWORD}@h/db')
    assert KEY not in mask_text(line) and TRON not in mask_text(line) and DB_PASSWORD not in mask_text(line)
    assert "hookSecretXYZ" not in mask_text(f"https://hooks.slack.com/services/{HOOK_PATH}", [HOOK_PATH])
    assert mask_url("sqlite:///tracer.db") == "sqlite:///tracer.db"  # nothing secret: shown as is


def test_monitor_verbose_never_logs_the_webhook_path(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    store = Store.open(url)
    alert = stored_alerts(1)[0].alert
    store.add_alert(alert, None)  # one alert waiting for delivery
    store.close()
    hook = f"http://127.0.0.1:9/services/{HOOK_PATH}"  # closed port: every attempt fails and is logged
    out = run_tracer(["-v", "monitor", "--once", "--webhook", hook], tmp_path, {"TRACER_DATABASE_URL": url})
    assert out.returncode == 0, out.stderr
    assert "webhook failed" in out.stderr
    _clean(out.stdout + out.stderr)


def test_verbose_trace_logs_no_key(tmp_path: Path) -> None:
    """The real probe: ``tracer -v trace`` against the sandbox with keys set; the request lines are logged (so the
    test sees them) but no key value is (urllib3 is capped at WARNING by chains.http, our own lines strip keys)."""
    with running_sandbox(tmp_path / "sandbox") as sandbox:
        db = tmp_path / "case.db"
        open_case_store(sandbox, settings_for(sandbox, db)).close()
        base = {k: v for k, v in os.environ.items() if not k.startswith("TRACER_")}
        env = {**base, **sandbox.env(), "TRACER_DATABASE_URL": f"sqlite:///{db}", "ETHERSCAN_API_KEY": KEY,
               "TRONGRID_API_KEY": TRON, "TRACER_ETHERSCAN_RATE": "1000", "TRACER_ESPLORA_RATE": "1000",
               "TRACER_TRONGRID_RATE": "1000", "TRACER_MIDGARD_RATE": "1000"}
        out = subprocess.run([sys.executable, "-m", "tracer", "-v", "trace", f"ethereum:{sandbox.truth.exploiter}",
                              "--case", "secrets"], capture_output=True, text=True, cwd=tmp_path, env=env,
                             timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "(attempt 1)" in out.stderr  # the debug request lines are there, without the key
    _clean(out.stdout + out.stderr)
