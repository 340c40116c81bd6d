"""The drugs the pharmacy stocks for discharge, with the patient guide for each (English ids,
translated through the catalogs). The HIS may order a drug that is not listed here: the guide
then shows the doctor's own instructions only."""

from __future__ import annotations

from dataclasses import dataclass

from bedside.core.i18n import N_


@dataclass(frozen=True)
class Drug:
    code: str
    name: str
    spec: str
    unit: str
    unit_price_fen: int
    how: str
    warnings: str


DRUGS: dict[str, Drug] = {
    d.code: d
    for d in (
        Drug(
            "AML5",
            N_("Amlodipine besylate tablets"),
            "5mg×7",
            N_("box"),
            1850,
            N_("Swallow whole with water, at the same time each day, with or without food."),
            N_("Stand up slowly; tell your doctor about ankle swelling or a racing heart."),
        ),
        Drug(
            "ASP100",
            N_("Aspirin enteric-coated tablets"),
            "100mg×30",
            N_("box"),
            1560,
            N_("Take before breakfast; do not crush or chew."),
            N_("Watch for black stools or unusual bleeding; tell any dentist or surgeon you take it."),
        ),
        Drug(
            "ATV20",
            N_("Atorvastatin calcium tablets"),
            "20mg×7",
            N_("box"),
            3220,
            N_("Take once a day in the evening."),
            N_("Report unexplained muscle pain or weakness; avoid grapefruit juice."),
        ),
        Drug(
            "MET500",
            N_("Metformin hydrochloride tablets"),
            "0.5g×20",
            N_("box"),
            980,
            N_("Take with or right after meals."),
            N_("Stop and call the ward if you vomit repeatedly or cannot eat."),
        ),
        Drug(
            "CEF250",
            N_("Cefuroxime axetil tablets"),
            "0.25g×12",
            N_("box"),
            2640,
            N_("Take after meals; finish the whole course even if you feel better."),
            N_("Do not drink alcohol during the course and for a week after."),
        ),
    )
}

FREQUENCIES: dict[str, str] = {
    "qd": N_("once a day"),
    "bid": N_("twice a day"),
    "tid": N_("three times a day"),
    "qid": N_("four times a day"),
    "qn": N_("every night"),
    "prn": N_("when needed"),
}

STATE_LABELS: dict[str, str] = {
    "ordered": N_("Ordered by the doctor"),
    "returned": N_("Returned to the doctor"),
    "nurse_confirmed": N_("Confirmed by the nurse"),
    "pharmacy_accepted": N_("Accepted by the pharmacy"),
    "packed": N_("Packed"),
    "dispatched": N_("On its way to the ward"),
    "received": N_("At the ward"),
    "counselled": N_("Handed over with guidance"),
    "cancelled": N_("Cancelled"),
}
