"""Discharge medication (出院带药) delivered to the ward in five steps."""
