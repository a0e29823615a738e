import pytest

from geo_outreach.errors import InputError
from geo_outreach.network.speeds import DEFAULT_DRIVE_KPH, MPH, SpeedTable, parse_maxspeed


@pytest.mark.parametrize(
    ("tag", "kph"),
    [
        ("35 mph", 35 * MPH),
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("35 mph;40 mph", 35 * MPH),
        (["30 mph", "25 mph"], 25 * MPH),
        ("none", None),
        ("signals", None),
        (None, None),
        ("10 knots", 18.52),
    ],
)
def test_parse_maxspeed(tag, kph):
    got = parse_maxspeed(tag)
    assert got == pytest.approx(kph) if kph is not None else got is None


def test_untagged_edges_use_the_class_table_not_an_average():
    table = SpeedTable()
    assert table.drive_speed("residential") == pytest.approx(25 * MPH)
    assert table.drive_speed("residential", "40 mph") == pytest.approx(40 * MPH)
    assert table.drive_speed(["primary", "secondary"]) == DEFAULT_DRIVE_KPH["primary"]
    assert table.drive_speed("unknown_class") == table.default_drive_kph
    no_tags = SpeedTable(use_maxspeed=False)
    assert no_tags.drive_speed("residential", "40 mph") == pytest.approx(25 * MPH)


def test_walk_speed_and_steps():
    table = SpeedTable(walk_kph=5.0)
    assert table.walk_speed("footway") == 5.0
    assert table.walk_speed("steps") == 2.5


@pytest.mark.parametrize("bad", [0, -3, 400, "fast"])
def test_speed_table_rejects_bad_speeds(bad):
    with pytest.raises(InputError, match="km/h"):
        SpeedTable(drive_kph={"residential": bad})


def test_fingerprint_changes_with_table():
    assert SpeedTable().fingerprint() != SpeedTable(walk_kph=4.0).fingerprint()
