"""Companion care (陪护): a care vendor's caregivers and care orders, billed by day, confirmed or
disputed by the patient, paid at the bedside into the vendor's own ledger."""
