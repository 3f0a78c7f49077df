"""The Python half of pb_multi: pb_multi._core reads SCALE from here."""

SCALE = 7


def scaled(value):
    """Return value * SCALE."""
    return value * SCALE
