"""One-stop discharge: order, ward clearance, insurance review, settlement, documents."""
