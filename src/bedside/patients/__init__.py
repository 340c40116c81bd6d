"""Patients (住院人) and the credentials that identify them. Announces PatientRegistered."""
