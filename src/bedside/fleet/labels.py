"""Names of the fleet's states, rules and fault classes (English ids, translated by the catalog)."""

from __future__ import annotations

from bedside.core.i18n import N_

KIOSK_STATE = {
    "online": N_("Online"),
    "in_use": N_("In use"),
    "degraded": N_("Degraded"),
    "offline": N_("Offline"),
    "out_of_service": N_("Out of service"),
}
RULE = {
    "offline": N_("offline"),
    "module_fault": N_("module fault"),
    "consumable_low": N_("consumable running out"),
    "cash_box_full": N_("cash box nearly full"),
    "payment_failures": N_("repeated payment failures"),
    "low_transactions": N_("unusually few transactions"),
    "upkeep_missed": N_("upkeep missed"),
}
CHECKLIST = {"daily": N_("Daily cleaning and disinfection"), "weekly": N_("Weekly inspection")}
UPKEEP_ITEM = {
    "screen_cleaned": N_("Screen and keypad cleaned"),
    "surfaces_disinfected": N_("Surfaces disinfected"),
    "paper_checked": N_("Paper, wristbands and ink checked"),
    "cash_box_checked": N_("Cash box checked"),
    "cables": N_("Cables and power"),
    "printer_head": N_("Printer heads cleaned"),
    "touch_calibration": N_("Touch screen calibrated"),
    "reader_test": N_("Card readers and scanner tested"),
}
ALERT_STATE = {
    "open": N_("Unacknowledged"),
    "escalated": N_("Escalated"),
    "acknowledged": N_("Acknowledged"),
    "resolved": N_("Resolved"),
}
TICKET_STATE = {
    "opened": N_("Opened"),
    "diagnosed": N_("Diagnosed"),
    "sent_to_maker": N_("Sent to maker"),
    "repaired": N_("Repaired"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
}
TICKET_ACTION = {
    "diagnose": N_("Diagnosed"),
    "send_to_maker": N_("Send to maker"),
    "repair": N_("Repaired"),
    "reopen": N_("Reopen"),
    "close": N_("Close"),
    "cancel": N_("Cancel ticket"),
}
FAULT_CLASS = {
    "payment": N_("Payment"),
    "printer": N_("Printer"),
    "reader": N_("Reader"),
    "screen": N_("Screen"),
    "network": N_("Network"),
    "software": N_("Software"),
    "other": N_("Other"),
}
SOURCE = {"alert": N_("Alert"), "kiosk": N_("Kiosk"), "manual": N_("By hand")}
COMMAND = {
    "reload_page": N_("Reload the kiosk page"),
    "restart_agent": N_("Restart the device agent"),
    "screenshot": N_("Take a screenshot"),
    "test_print": N_("Print a test receipt"),
}
COMMAND_STATE = {
    "pending": N_("Waiting for the kiosk"),
    "sent": N_("Sent"),
    "done": N_("Done"),
    "failed": N_("Failed"),
    "expired": N_("Expired"),
}
