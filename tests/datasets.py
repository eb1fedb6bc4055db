"""Where the tests find real public data (see tests/data/README.md)."""

from pathlib import Path

MRR_PLAYBOOK = Path(__file__).parent / "data" / "mrr-playbook" / "subscription_periods.csv"
SHARED_MRR_PLAYBOOK = (
    Path(__file__).resolve().parents[2] / "shared/datasets/mrr-playbook/subscription_periods.csv"
)
