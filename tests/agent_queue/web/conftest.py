import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))

from aq_service_helpers import crm  # noqa: E402, F401  (fixture)
