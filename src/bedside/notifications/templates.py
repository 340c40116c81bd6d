"""Message texts by template key: English ids, translated through the catalogs."""

from __future__ import annotations

from bedside.core.i18n import N_

TEMPLATES: dict[str, tuple[str, str]] = {
    "admission_notice_issued": (
        N_("Admission notice issued"),
        N_(
            "%(patient)s: Dr. %(doctor)s issued an admission notice for %(department)s, expected "
            "on %(date)s. Next step: request a bed."
        ),
    ),
    "admission_notice_cancelled": (
        N_("Admission notice cancelled"),
        N_("%(patient)s: the admission notice for %(department)s was cancelled (%(reason)s)."),
    ),
    "deposit_paid": (
        N_("Deposit paid"),
        N_("%(patient)s: %(amount)s paid by %(channel)s. The deposit balance is %(balance)s."),
    ),
    "deposit_low": (
        N_("Deposit balance is low"),
        N_("%(patient)s: the deposit balance is %(balance)s, under %(threshold)s. Please top up."),
    ),
    "refund_sent": (
        N_("Refund sent"),
        N_("%(patient)s: %(amount)s was refunded to your %(channel)s."),
    ),
    "bed_assigned": (
        N_("Your bed is ready"),
        N_(
            "%(patient)s: bed %(bed)s in %(ward)s is reserved until %(until)s. Next step: complete "
            "admission on your phone, then pay the deposit and print the wristband."
        ),
    ),
    "bed_expired": (
        N_("Bed reservation expired"),
        N_(
            "%(patient)s: the reserved bed was not taken up in time and went back to the pool. "
            "You are back in the queue."
        ),
    ),
    "admission_registered": (
        N_("Admission registered"),
        N_(
            "%(patient)s: your admission details are complete. Next step: pay the deposit and print "
            "the wristband at a kiosk or the ward."
        ),
    ),
    "admitted": (
        N_("Admitted"),
        N_(
            "%(patient)s: admitted, inpatient number %(inpatient_no)s, bed %(bed)s in %(ward)s. "
            "Please go to the ward."
        ),
    ),
    "discharge_ordered": (
        N_("Discharge ordered"),
        N_(
            "%(patient)s: the doctor ordered the discharge. The ward and the insurance office will "
            "prepare the bill."
        ),
    ),
    "ready_to_settle": (
        N_("You can settle now"),
        N_("%(patient)s: the bill is ready. Settle on your phone in a few taps, or at any kiosk."),
    ),
    "settled": (
        N_("Discharge settled"),
        N_("%(patient)s: settled. %(refund)s"),
    ),
    "please_rate": (
        N_("Please rate your stay"),
        N_("%(patient)s: we hope you are well. Tell us how your stay went."),
    ),
    "report_ready": (
        N_("Report ready"),
        N_('%(patient)s: the report "%(title)s" is ready to read.'),
    ),
}
