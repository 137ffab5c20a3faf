"""The REST API: views split by endpoint family, each family with its own URL module."""
