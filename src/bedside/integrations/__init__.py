"""Machine clients (the hospital's HIS, LIS, PACS) that call Bedside's feeds with a key."""
