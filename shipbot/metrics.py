"""Prometheus metrics of the update pipeline and the providers."""

from prometheus_client import Counter, Histogram

UPDATES = Counter(
    "shipbot_updates_total",
    "Telegram updates received by the webhook, by outcome",
    ["outcome"],  # handled | failed | duplicate | ignored
)
DUPLICATES = Counter(
    "shipbot_duplicate_updates_total", "Redelivered updates dropped because already processed"
)
ERRORS = Counter("shipbot_handler_errors_total", "Handler exceptions answered with an apology")
HANDLER_SECONDS = Histogram(
    "shipbot_handler_seconds",
    "Time from receiving an update to committing its effects",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CARRIER_SECONDS = Histogram(
    "shipbot_carrier_seconds",
    "Carrier provider calls by operation and outcome (ok or the error's kind)",
    ["operation", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10, 30),
)
