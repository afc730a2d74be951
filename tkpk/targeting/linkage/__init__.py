"""Person linkage on DuckDB and Splink, usable without Django.

`link_files(left, right, ...)` links two CSV/Parquet person files; `link_tables(con, ...)`
links tables or views already in a DuckDB connection. Both return a `LinkResult` whose
`pairs` hold `left_id, right_id, probability`: the best left match of each right record.
"""

from tkpk.targeting.linkage.fields import CANONICAL_FIELDS, MappingError, mapping_parse
from tkpk.targeting.linkage.link import DEFAULT_THRESHOLD, LinkResult, link_files, link_tables

__all__ = [
    "CANONICAL_FIELDS",
    "DEFAULT_THRESHOLD",
    "LinkResult",
    "MappingError",
    "link_files",
    "link_tables",
    "mapping_parse",
]
