"""merchintel's exceptions, one hierarchy.

    MerchintelError            anything the CLI turns into a one-line "Error: ..." and exit 1
    ├── ConfigError            a setting, flag or merchintel.toml value is wrong
    ├── InputError             the crawl input cannot be read (a bad *line* is not an error)
    ├── StoreError             the SQLite database cannot be opened or is locked
    ├── LockHeld               another run holds the run lock
    └── EnrichError            an enrichment query failed in a way that is not a stored fact

Each message says what failed and what to do next.
"""


class MerchintelError(Exception):
    """Base class: ``str(exc)`` is a complete one-line message for the user."""


class ConfigError(MerchintelError):
    pass


class InputError(MerchintelError):
    pass


class StoreError(MerchintelError):
    pass


class LockHeld(MerchintelError):
    pass


class EnrichError(MerchintelError):
    pass


class ExportError(MerchintelError):
    """An export cannot be written as asked (unknown cluster, too big for one HTML page)."""
