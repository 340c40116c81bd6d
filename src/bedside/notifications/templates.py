"""Message texts by template key: English ids, translated through the catalogs. A phrase in
"[...]" is left out when the event lacks a value it names (see text.fill)."""

from __future__ import annotations

from bedside.core.i18n import N_

TEMPLATES: dict[str, tuple[str, str]] = {
    "admission_notice_issued": (
        N_("Admission notice issued"),
        N_(
            "%(patient)s: an admission notice for %(department)s was issued[ by Dr. %(doctor)s], "
            "expected on %(date)s. Next step: request a bed."
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
    "green_deposit_due": (
        N_("Deposit due (green channel)"),
        N_(
            "%(patient)s: you were admitted through the green channel, treatment first. "
            "Please pay the deposit of %(amount)s by %(due)s."
        ),
    ),
    "refund_sent": (
        N_("Refund sent"),
        N_("%(patient)s: %(amount)s was refunded to your %(channel)s."),
    ),
    "bed_assigned": (
        N_("Your bed is ready"),
        N_(
            "%(patient)s: bed %(bed)s in %(ward)s is reserved[ until %(until)s]. Next step: complete "
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
    "record_copy_awaiting_payment": (
        N_("Record copy requested"),
        N_(
            "%(patient)s: your request for copies of the medical record is in. Next step: pay the "
            "fee of %(fee)s."
        ),
    ),
    "record_copy_received": (
        N_("Record copy fee paid"),
        N_(
            "%(patient)s: the record copy fee of %(fee)s is paid. The record office will check the "
            "identity and start copying."
        ),
    ),
    "record_copy_copying": (
        N_("Record copies being made"),
        N_("%(patient)s: the identity is checked and the record office is copying the medical record."),
    ),
    "record_copy_ready_for_pickup": (
        N_("Record copies ready for pick-up"),
        N_(
            "%(patient)s: the copies of the medical record are ready. Pick them up at the record "
            "office with the ID card."
        ),
    ),
    "record_copy_picked_up": (
        N_("Record copies picked up"),
        N_("%(patient)s: the copies of the medical record were picked up."),
    ),
    "record_copy_mailed": (
        N_("Record copies mailed"),
        N_(
            "%(patient)s: the copies of the medical record were mailed by %(carrier)s, tracking "
            "number %(tracking_no)s."
        ),
    ),
    "record_copy_rejected": (
        N_("Record copy request rejected"),
        N_(
            "%(patient)s: the record office could not accept the request (%(reason)s). The fee of "
            "%(fee)s goes back to where it was paid from."
        ),
    ),
    "record_copy_cancelled": (
        N_("Record copy request cancelled"),
        N_(
            "%(patient)s: the record copy request was cancelled. A fee already paid goes back to "
            "where it was paid from."
        ),
    ),
    "education_ready": (
        N_("Reading for your stay"),
        N_('%(patient)s: the ward has sent "%(title)s" for this stage of the stay. It takes a few minutes.'),
    ),
    "follow_up_due": (
        N_("How are you doing?"),
        N_(
            "%(patient)s: it is %(days)s days since discharge. Please answer a few questions so the "
            "ward knows how the recovery goes."
        ),
    ),
    "follow_up_reminder": (
        N_("Reminder: follow-up questions"),
        N_("%(patient)s: the ward is still waiting for your answers about the recovery. It takes a minute."),
    ),
    "follow_up_appointment": (
        N_("Follow-up appointment reminder"),
        N_("%(patient)s: follow-up appointment on %(date)s at %(time)s, %(place)s."),
    ),
    "follow_up_appointment_changed": (
        N_("Follow-up appointment changed"),
        N_("%(patient)s: the follow-up appointment is now on %(date)s at %(time)s, %(place)s."),
    ),
    "follow_up_appointment_cancelled": (
        N_("Follow-up appointment cancelled"),
        N_(
            "%(patient)s: the follow-up appointment on %(date)s at %(time)s was cancelled. The ward "
            "will contact you if a new one is needed."
        ),
    ),
    "record_copy_expired": (
        N_("Record copy request closed"),
        N_(
            "%(patient)s: the record copy fee was not paid within %(hours)s hours, so the request "
            "was closed. You can make a new request at any time."
        ),
    ),
    "exam_scheduled": (
        N_("Exam booked"),
        N_("%(patient)s: %(title)s at %(time)s on %(date)s, %(place)s. %(preparation)s"),
    ),
    "exam_changed": (
        N_("Exam moved"),
        N_("%(patient)s: %(title)s is now at %(time)s on %(date)s, %(place)s. %(preparation)s"),
    ),
    "exam_cancelled": (
        N_("Exam cancelled"),
        N_("%(patient)s: %(title)s at %(time)s on %(date)s, %(place)s, was cancelled."),
    ),
    "medication_on_way": (
        N_("Discharge medication on its way"),
        N_("%(patient)s: your discharge medication is on its way to the ward."),
    ),
    "medication_at_ward": (
        N_("Discharge medication at the ward"),
        N_("%(patient)s: your discharge medication has reached the ward. A nurse will explain it to you."),
    ),
    "medication_guide_ready": (
        N_("Your medication guide"),
        N_("%(patient)s: the guide to your discharge medication is on your phone: how to take each drug."),
    ),
    "care_bill_ready": (
        N_("Care bill ready to confirm"),
        N_("%(patient)s: the companion care bill for %(days)s days, %(amount)s, is ready to confirm."),
    ),
    "care_receipt": (
        N_("Care bill paid"),
        N_("%(patient)s: %(amount)s paid for companion care. Receipt number %(receipt)s."),
    ),
    "fleet_alert_raised": (
        N_("Kiosk alert"),
        N_("Kiosk %(kiosk)s (%(place)s): %(rule)s %(subject)s. Acknowledge it in the fleet console."),
    ),
    "fleet_alert_escalated": (
        N_("Kiosk alert not acknowledged"),
        N_(
            "Kiosk %(kiosk)s (%(place)s): %(rule)s %(subject)s has not been acknowledged for "
            "%(minutes)s minutes."
        ),
    ),
}
