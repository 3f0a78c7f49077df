"""pb-pure: a pure-Python package (no C at all); its wheel is py3-none-any."""


def scale(value):
    return value * 7
