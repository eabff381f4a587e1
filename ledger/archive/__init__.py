"""The archive: the BagIt export an auditor verifies offline (``export``)."""
