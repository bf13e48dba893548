"""Learning across instances: instance families (``generators``) and online parameter bandits (``relax``).

Importing this package loads nothing heavy; import the submodules you need.
"""

from __future__ import annotations
