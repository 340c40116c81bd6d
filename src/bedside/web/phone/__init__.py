"""Phone (H5) surface for patients and families."""
