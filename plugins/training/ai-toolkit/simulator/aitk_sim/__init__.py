"""ostris/ai-toolkit run.py simulator (contract: shared/specs/ai-toolkit.md, upstream commit 27a03a91)."""

import os

VERSION = "0.12.26"
# upstream's TOOLKIT_ROOT is the repository root, where run.py lives
TOOLKIT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
