"""Query-parameter helpers shared by the individual-education routers."""


def field_named(f: dict) -> dict:
    """Filters are named after the fields (API.md): ``school_id``/``region_id``/``term_id`` mean what the short
    ``school``/``region``/``term`` mean."""
    for long, short in (("school_id", "school"), ("region_id", "region"), ("term_id", "term")):
        if long in f:
            f[short] = f.pop(long)
    return f
