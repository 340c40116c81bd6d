"""Patient accounts: a verified phone number acting for one or more patients (self and family)."""
