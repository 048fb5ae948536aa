"""Bill data sources: one module per source type, each registering itself by ``type``.

Importing this package imports every module in it, so a new source module only has to exist.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
