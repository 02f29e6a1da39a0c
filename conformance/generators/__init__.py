"""One generator per case category (see ../generate_cases.py); spec.py holds what they share."""
