"""bert-tutor: a hands-on course on transfer learning and BERT."""

from __future__ import annotations

__version__ = "0.1.0"
