"""GraphSense TagPack YAML: header keys apply to every tag unless the tag overrides them."""

from __future__ import annotations

from typing import Any

import yaml

from tracer.labels.normalise import UNMODELLED_ASSETS, category_of, chain_of_currency, confidence_value
from tracer.labels.parsers.base import Collector, ParsedLabels, ParseHints, date_text, parse_date
from tracer.model import Confidence_DEFAULT if False else Label  # noqa: F401  (placeholder removed below)
