"""Exam and lab reports from the HIS / LIS / PACS, for the patient to read on the phone or at a kiosk."""
