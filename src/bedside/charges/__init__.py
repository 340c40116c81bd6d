"""A stay's itemized charges (费用明细), posted by the HIS feed; each moves the deposit ledger."""
