"""trust_list: building, signing, publishing and exporting trust lists (issue 3)."""
