"""After discharge: the satisfaction survey, follow-up questionnaires and appointments."""
