"""keys: the signing PKI (CSCA, DSCs), signers and key storage."""
