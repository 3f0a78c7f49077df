"""pb-race-free's own tests: single-threaded they pass on every build."""

import pb_race_free


def test_render_round_trips():
    for value in range(2000):
        assert pb_race_free.render(value) == str(value)


def test_render_refuses_what_is_not_an_int():
    try:
        pb_race_free.render("12")
    except TypeError:
        return
    raise AssertionError("render accepted a str")
