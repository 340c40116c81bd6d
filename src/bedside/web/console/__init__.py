"""Console surface for staff, with navigation by role."""
