"""The proxy library: financial proxies from the method reference, each with its source.

A coordinator setting an outcome's indicator is offered the proxies that value what that
indicator measures; they accept one or type their own. Figures marked [check] in the
method reference keep that mark in their source, so a report shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from seroi.impact_map import Proxy

# EUR per GBP used to convert UK values [check: approximate ECB averages of the price year].
EUR_PER_GBP_2019 = 1.14
EUR_PER_GBP_2021 = 1.16
# LIPASTO/VTT average Finnish car, kg CO2 per vehicle-km (2011), and the EU ETS 2023 price.
CAR_KG_CO2_PER_KM = 0.165
EU_ETS_2023_EUR_PER_TONNE = 85.0
# IEA (2020): a home day adds about the CO2 of a 2 × 6 km car trip.
HOME_DAY_KM_EQUIVALENT = 12.0


@dataclass(frozen=True)
class LibraryProxy:
    """One proxy of the library and the indicators (or derivations) whose change it values."""

    key: str
    proxy: Proxy
    values: tuple[str, ...]


def _proxy(value: float, unit: str, source: str, licence: str, price_year: int) -> Proxy:
    return Proxy(value=value, unit=unit, source=source, licence=licence, price_year=price_year)


_CARBON = ("avoided_car_co2_tonnes",)
_WELLBEING = ("ons_life_satisfaction", "life_satisfaction_gain")

PROXIES: tuple[LibraryProxy, ...] = (
    LibraryProxy(
        "wellby",
        _proxy(
            round(13_000 * EUR_PER_GBP_2019, 2),
            "EUR per life-satisfaction point per person-year (WELLBY)",
            "HM Treasury Green Book supplementary guidance on wellbeing (2021): £13,000 "
            f"per WELLBY × {EUR_PER_GBP_2019} EUR per GBP [check]",
            "Open Government Licence v3.0",
            2019,
        ),
        _WELLBEING,
    ),
    LibraryProxy(
        "eu_ets_2023",
        _proxy(
            EU_ETS_2023_EUR_PER_TONNE,
            "EUR per tonne CO2",
            "EU ETS average allowance price, about 85 EUR/t (2023)",
            "public price statistic",
            2023,
        ),
        _CARBON,
    ),
    LibraryProxy(
        "eu_ets_2022",
        _proxy(
            81.16,
            "EUR per tonne CO2",
            "EU ETS average allowance price (2022)",
            "public price statistic",
            2022,
        ),
        _CARBON,
    ),
    LibraryProxy(
        "uk_carbon_2021",
        _proxy(
            round(245 * EUR_PER_GBP_2021, 2),
            "EUR per tonne CO2",
            f"UK DESNZ carbon appraisal value £245/t (2021) × {EUR_PER_GBP_2021} EUR per GBP "
            "[check]",
            "Open Government Licence v3.0",
            2021,
        ),
        _CARBON,
    ),
    LibraryProxy(
        "ireland_carbon_2020",
        _proxy(32.0, "EUR per tonne CO2", "Ireland's carbon tax (2020)", "public statistic", 2020),
        _CARBON,
    ),
    LibraryProxy(
        "car_km_co2",
        _proxy(
            round(CAR_KG_CO2_PER_KM * EU_ETS_2023_EUR_PER_TONNE / 1000, 6),
            "EUR per car-km avoided (its CO2)",
            "derived: LIPASTO/VTT 0.165 kg CO2 per km (2011) × EU ETS 85 EUR/t (2023)",
            "LIPASTO CC BY 4.0; public price statistic",
            2023,
        ),
        ("avoided_commute_km", "commute_km_by_mode"),
    ),
    LibraryProxy(
        "home_energy_day",
        _proxy(
            -round(
                HOME_DAY_KM_EQUIVALENT * CAR_KG_CO2_PER_KM * EU_ETS_2023_EUR_PER_TONNE / 1000, 4
            ),
            "EUR per day worked at home",
            'derived: IEA 2020 "Working from home can save energy and reduce emissions" '
            "(6 km break-even) × LIPASTO 0.165 kg/km × EU ETS 85 EUR/t",
            "IEA commentary (cited figure); LIPASTO CC BY 4.0",
            2023,
        ),
        ("extra_home_energy_days", "home_days"),
    ),
)


def proxies_for(indicator: str) -> list[LibraryProxy]:
    """The library's proxies for an indicator or derivation, in library order."""
    return [entry for entry in PROXIES if indicator in entry.values]


def library_proxy(key: str) -> LibraryProxy | None:
    """The library proxy with this key, or None."""
    return next((entry for entry in PROXIES if entry.key == key), None)
