"""Every router of the app, in the order they are matched (main.create_app includes them)."""

from __future__ import annotations

from fastapi import APIRouter


def all_routers() -> tuple[APIRouter, ...]:
    # Imported here: importing the routes imports every domain, which main.py does only when
    # the app is made.
    from bedside.admissions.api import router as admissions_api
    from bedside.companion.api import router as care_api
    from bedside.fleet.api import kiosk_router as fleet_kiosk_api
    from bedside.fleet.api import router as fleet_api
    from bedside.fleet.ddi import router as fleet_ddi_api
    from bedside.integrations.api import router as his_api
    from bedside.integrations.record_api import router as his_record_api
    from bedside.kiosks.api import router as kiosks_api
    from bedside.ops import router as ops_router
    from bedside.patients.api import router as me_api
    from bedside.payments.api import notify_router as payments_notify
    from bedside.payments.api import router as payments_api
    from bedside.sms.api import router as sms_receipts_api
    from bedside.web.api_docs import router as api_docs_router
    from bedside.web.bill_estimate import router as bill_estimate_router
    from bedside.web.console.admission import router as console_admission_router
    from bedside.web.console.companion import router as console_companion_router
    from bedside.web.console.desk_admission import router as console_desk_admission_router
    from bedside.web.console.discharge import router as console_discharge_router
    from bedside.web.console.discharge_window import router as console_discharge_window_router
    from bedside.web.console.education import router as console_education_router
    from bedside.web.console.fleet import router as console_fleet_router
    from bedside.web.console.fleet_commands import router as console_fleet_commands_router
    from bedside.web.console.fleet_rollout import router as console_fleet_rollout_router
    from bedside.web.console.fleet_tickets import router as console_fleet_tickets_router
    from bedside.web.console.fleet_upkeep import router as console_fleet_upkeep_router
    from bedside.web.console.followup import router as console_followup_router
    from bedside.web.console.insurance_review import router as console_insurance_review_router
    from bedside.web.console.medication import router as console_medication_router
    from bedside.web.console.medication_pharmacy import router as console_medication_pharmacy_router
    from bedside.web.console.money import router as console_money_router
    from bedside.web.console.notifications import router as console_notifications_router
    from bedside.web.console.reconciliation import router as console_reconciliation_router
    from bedside.web.console.reconciliation_reports import router as console_recon_reports_router
    from bedside.web.console.records import router as console_records_router
    from bedside.web.console.routes import router as console_router
    from bedside.web.console.surveys import router as console_surveys_router
    from bedside.web.console.ward_settings import router as console_ward_settings_router
    from bedside.web.kiosk.admission import router as kiosk_admission_router
    from bedside.web.kiosk.discharge import router as kiosk_discharge_router
    from bedside.web.kiosk.face import router as kiosk_face_router
    from bedside.web.kiosk.money import router as kiosk_money_router
    from bedside.web.kiosk.printing import router as kiosk_printing_router
    from bedside.web.kiosk.records import router as kiosk_records_router
    from bedside.web.kiosk.reports import router as kiosk_reports_router
    from bedside.web.kiosk.routes import router as kiosk_router
    from bedside.web.kiosk.service_state import router as kiosk_service_state_router
    from bedside.web.kiosk.stay_papers import router as kiosk_stay_papers_router
    from bedside.web.phone.admission import router as phone_admission_router
    from bedside.web.phone.companion import router as phone_companion_router
    from bedside.web.phone.discharge import router as phone_discharge_router
    from bedside.web.phone.education import router as phone_education_router
    from bedside.web.phone.face import router as phone_face_router
    from bedside.web.phone.medication import router as phone_medication_router
    from bedside.web.phone.money import router as phone_money_router
    from bedside.web.phone.notifications import router as phone_notifications_router
    from bedside.web.phone.records import router as phone_records_router
    from bedside.web.phone.reports import router as phone_reports_router
    from bedside.web.phone.routes import router as phone_router
    from bedside.web.phone.surveys import router as phone_surveys_router
    from bedside.web.shared_routes import router as shared_router
    from bedside.web.verify import router as verify_router

    return (
        ops_router,
        shared_router,
        phone_router,
        phone_money_router,
        phone_admission_router,
        phone_discharge_router,
        bill_estimate_router,
        phone_companion_router,
        phone_medication_router,
        phone_reports_router,
        phone_face_router,
        phone_education_router,
        phone_surveys_router,
        phone_notifications_router,
        phone_records_router,
        kiosk_router,
        kiosk_money_router,
        kiosk_admission_router,
        kiosk_discharge_router,
        kiosk_reports_router,
        kiosk_service_state_router,
        kiosk_face_router,
        kiosk_printing_router,
        kiosk_records_router,
        kiosk_stay_papers_router,
        console_router,
        console_money_router,
        console_reconciliation_router,
        console_recon_reports_router,
        console_admission_router,
        console_desk_admission_router,
        console_discharge_router,
        console_discharge_window_router,
        console_insurance_review_router,
        console_companion_router,
        console_medication_router,
        console_medication_pharmacy_router,
        console_education_router,
        console_surveys_router,
        console_followup_router,
        console_ward_settings_router,
        console_notifications_router,
        console_records_router,
        console_fleet_router,
        console_fleet_tickets_router,
        console_fleet_rollout_router,
        console_fleet_commands_router,
        console_fleet_upkeep_router,
        admissions_api,
        fleet_api,
        fleet_kiosk_api,
        fleet_ddi_api,
        me_api,
        kiosks_api,
        payments_api,
        payments_notify,
        sms_receipts_api,
        his_api,
        his_record_api,
        care_api,
        verify_router,
        api_docs_router,
    )
