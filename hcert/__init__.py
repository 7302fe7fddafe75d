"""hcert: the EU Digital COVID Certificate wire format, both directions, pure.

See README.md in this folder for what may and may not live here.
"""

from __future__ import annotations
