"""One call to get a running sandbox: generate the world, write truth/labels, start the server."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from tracer.sandbox.faults import FaultPlan
from tracer.sandbox.generator import generate_world
from tracer.sandbox.generator.vocab import label_file_name, write_label_file
from tracer.sandbox.server import SandboxServer
from tracer.sandbox.truth import LabelRow, Truth, write_truth
from tracer.sandbox.world import World

ENV_NAMES = {
    "etherscan": "TRACER_ETHERSCAN_URL",
    "esplora": "TRACER_ESPLORA_URL",
    "trongrid": "TRACER_TRONGRID_URL",
    "midgard": "TRACER_MIDGARD_URL",
    "coingecko": "TRACER_COINGECKO_URL",
}


@dataclass
class RunningSandbox:
    """A started server plus the world it serves and where its truth and labels were written."""

    server: SandboxServer
    world: World
    truth: Truth
    labels: tuple[LabelRow, ...]
    truth_path: Path
    labels_path: Path

    def urls(self) -> dict[str, str]:
        """Dialect -> base URL."""
        return self.server.urls()

    def env(self) -> dict[str, str]:
        """``TRACER_*_URL`` variables pointing the adapters at this sandbox."""
        return {ENV_NAMES[k]: v for k, v in self.urls().items()}

    def stop(self) -> None:
        """Stop the server."""
        self.server.stop()


def start_sandbox(seed: int = 7, scale: str = "demo", *, out_dir: Path | None = None, phase: int = 1,
                  faults: FaultPlan | None = None, rate_limits: dict[str, float] | None = None, port: int = 0,
                  truth_path: Path | None = None, labels_path: Path | None = None,
                  variant: str | tuple[str, ...] | None = None) -> RunningSandbox:
    """Generate the world for ``seed``/``scale``/``variant``, write ``truth.json`` and the label file (``labels.csv``,
    or ``labels.yaml`` for a TagPack-vocabulary world), start serving."""
    world, truth, labels = generate_world(seed, scale, variant)
    out = out_dir or Path(tempfile.mkdtemp(prefix=f"sandbox-{seed}-"))
    out.mkdir(parents=True, exist_ok=True)
    tp = write_truth(truth, truth_path or out / "truth.json")
    lp = write_label_file(labels, truth.label_format, labels_path or out / label_file_name(truth.label_format))
    server = SandboxServer(world, faults=faults, rate_limits=rate_limits, port=port, phase=phase)
    server.start()
    return RunningSandbox(server, world, truth, labels, tp, lp)
