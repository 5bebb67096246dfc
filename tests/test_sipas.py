"""The arithmetic of DOMAIN.md §3, table-driven, including its worked example."""

from __future__ import annotations

import pytest

from feedback import sipas

# DOMAIN.md worked example: counts of answers 1..5 per item (TC4 has 4 blanks).
WORKED = {
    "TC1": {1: 0, 2: 1, 3: 3, 4: 9, 5: 7},
    "TC2": {1: 0, 2: 0, 3: 2, 4: 10, 5: 8},
    "TC3": {1: 1, 2: 1, 3: 2, 4: 8, 5: 8},
    "TC4": {1: 0, 2: 0, 3: 1, 4: 7, 5: 8},
}


@pytest.mark.parametrize(("item", "expected"), [
    ("TC1", 80.00), ("TC2", 90.00), ("TC3", 80.00), ("TC4", 93.75),
])
def test_worked_example_item_rates(item: str, expected: float) -> None:
    assert sipas.item_rate(WORKED[item], item) == pytest.approx(expected)


@pytest.mark.parametrize(("mode", "expected"), [("mean", 85.9375), ("pooled", 65 / 76 * 100)])
def test_worked_example_element_index(mode: sipas.Mode, expected: float) -> None:
    assert sipas.element_index(WORKED, "TC", mode) == pytest.approx(expected)
    assert round(sipas.element_index(WORKED, "TC", mode) or 0, 2) in (85.94, 85.53)


def test_worked_example_is_below_target_in_both_modes() -> None:
    for mode in ("mean", "pooled"):
        s = sipas.summarize(WORKED, {"TC": 20, sipas.ALL: 20}, mode=mode, min_sample=20)
        tc = next(f for f in s.elements if f.code == "TC")
        assert tc.status == "below"
        assert s.service.value == pytest.approx(tc.value)  # only one element present


@pytest.mark.parametrize(("values", "item", "expected"), [
    ({}, "TC1", None),                      # no answers: no rate, not zero
    ({4: 1}, "TC1", 100.0),
    ({3: 1}, "TC1", 0.0),
    ({0: 5, 6: 5, 5: 1}, "TC1", 100.0),     # out-of-scale values are not answers
    ({1: 1, 2: 1, 3: 2}, sipas.OVERALL, 75.0),  # SAT3: 2 and 3 are satisfied
    ({1: 1, 0: 3}, "HARASS", 25.0),         # yes/no share of "yes"
])
def test_item_rate(values: dict[int, int], item: str, expected: float | None) -> None:
    assert sipas.item_rate(values, item) == expected


def test_service_index_is_mean_of_present_elements() -> None:
    counts = {"TC1": {5: 10}, "CC1": {5: 5, 1: 5}}
    assert sipas.service_index(counts) == pytest.approx(75.0)
    assert sipas.service_index({}) is None


def test_sat3_and_yesno_never_enter_the_service_index() -> None:
    counts = {"TC1": {5: 10}, sipas.OVERALL: {1: 50}, "HARASS": {1: 50}}
    assert sipas.service_index(counts) == 100.0


@pytest.mark.parametrize(("value", "n", "status"), [
    (95.0, 30, "met"), (90.0, 30, "met"), (89.99, 100, "below"),
    (100.0, 29, "insufficient"), (None, 0, "empty"),
])
def test_judge(value: float | None, n: int, status: str) -> None:
    assert sipas.judge(value, n, 90.0, 30) == status


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (0, 10, 0.0, 27.75), (10, 10, 72.25, 100.0), (45, 50, 78.64, 95.65),
])
def test_wilson_interval(k: int, n: int, low: float, high: float) -> None:
    interval = sipas.wilson_interval(k, n)
    assert interval is not None
    assert interval[0] == pytest.approx(low, abs=0.01)
    assert interval[1] == pytest.approx(high, abs=0.01)
    assert sipas.wilson_interval(0, 0) is None


@pytest.mark.parametrize(("population", "needed"), [(600, 240), (0, 0), (100, 80), (10000, 385)])
def test_required_sample(population: int, needed: int) -> None:
    assert sipas.required_sample(population) == needed


def test_summary_dict_has_every_figure_with_interval_and_mode() -> None:
    s = sipas.summarize(WORKED, {"TC": 20, sipas.ALL: 20}, mode="pooled")
    d = s.as_dict()
    assert d["aggregation"] == "pooled"
    assert len(d["items"]) == 19 and len(d["elements"]) == 5  # type: ignore[arg-type]
    assert d["service"]["n"] == 20  # type: ignore[index]
    assert d["service"]["status"] == "insufficient"  # type: ignore[index]
    assert d["service"]["ci95"][0] < d["service"]["value"] < d["service"]["ci95"][1]  # type: ignore[index]


def test_distribution_counts_only_sat5_items() -> None:
    assert sipas.distribution({"TC1": {5: 2, 1: 1}, sipas.OVERALL: {3: 9}}) == {
        1: 1, 2: 0, 3: 0, 4: 0, 5: 2}
