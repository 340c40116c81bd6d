"""Hospital structure: hospital, campus, department, ward, room and bed. Announces BedStateChanged."""
