"""The licence catalog (电子证照目录): authorities, licence types, issuer grants, matters.

Seed files in `seed/` are written by `tools/gen_catalog.py`; `load_catalog` validates and
upserts them; `queries` reads them back; `cli.catalog_app` is `certledger catalog`.
"""

from ledger.catalog.loader import DEFAULT_SEED_DIR, LoadReport, load_catalog

__all__ = ["DEFAULT_SEED_DIR", "LoadReport", "load_catalog"]
