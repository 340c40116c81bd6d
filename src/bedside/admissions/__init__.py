"""Admission notices and (with the admission issue) the stay up to admission.
Announces AdmissionNoticeIssued and AdmissionNoticeCancelled."""
