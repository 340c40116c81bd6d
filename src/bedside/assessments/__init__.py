"""Pre-admission risk assessments (Morse fall risk, Padua VTE risk, ...): questionnaires shipped as
data files, checked when loaded, and scored by pure functions (no database, no I/O beyond reading the
packaged definitions).

The patient answers the items marked ``answered_by: "patient"`` on the phone before admission; the
ward completes the ``"nurse"`` items. A score over the patient part alone is flagged as partial."""
