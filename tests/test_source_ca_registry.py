"""Every province and territory is registered with its coverage-table attributes and strict options."""

from __future__ import annotations

import pydantic
import pytest

from sources.base import registry

PROVINCES = {
    "ca-bc": "CA-BC", "ca-on": "CA-ON", "ca-qc": "CA-QC", "ca-ab": "CA-AB", "ca-ns": "CA-NS",
    "ca-nb": "CA-NB", "ca-nl": "CA-NL", "ca-mb": "CA-MB", "ca-sk": "CA-SK", "ca-nt": "CA-NT",
    "ca-nu": "CA-NU", "ca-pe": "CA-PE", "ca-yt": "CA-YT",
}
REQUIRED = {  # the options each type needs, with example values
    "ca-bc": {}, "ca-on": {"parliament": 43, "session": 1}, "ca-qc": {"legislature": 43, "session": 2},
    "ca-ab": {"legislature": 31, "session": 1}, "ca-ns": {"assembly": 65, "session": 1},
    "ca-nb": {"legislature": 60, "session": 2}, "ca-nl": {"general_assembly": 48, "session": 1},
    "ca-mb": {"legislature": 42, "session": 3}, "ca-sk": {}, "ca-nt": {"session": "20-1"},
    "ca-nu": {"session": "6-2"}, "ca-pe": {}, "ca-yt": {},
}


@pytest.mark.parametrize("type_name", PROVINCES)
def test_registered_with_coverage_attributes(type_name):
    cls = registry()[type_name]
    assert cls.jurisdictions == cls.jurisdiction == PROVINCES[type_name]
    assert cls.__doc__ and cls.fields and cls.limits and cls.tested_on
    assert cls.respects_robots is True and not cls.needs_key
    assert cls.default_base_url.startswith("https://")


@pytest.mark.parametrize("type_name", PROVINCES)
def test_options_reject_unknown_keys(type_name):
    cls = registry()[type_name]
    cls.Options(name="x", type=type_name, base_url="http://127.0.0.1:8000/", **REQUIRED[type_name])
    with pytest.raises(pydantic.ValidationError, match="parliment"):
        cls.Options(name="x", type=type_name, parliment=43, **REQUIRED[type_name])


def test_new_brunswick_asks_ten_seconds():
    assert registry()["ca-nb"].min_interval == 10.0
