"""Open multi-chain tracing engine for stolen crypto. Light facade: model and errors only."""

from tracer.errors import TracerError
from tracer.model import Address, Asset, Chain, Transfer

__all__ = ["Address", "Asset", "Chain", "Transfer", "TracerError"]
__version__ = "0.1.0"
