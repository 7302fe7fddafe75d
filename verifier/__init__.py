"""verifier: offline verification of HC1 certificates on top of hcert.

Imports hcert (and image libraries) only: no network, no Flask, no SQLAlchemy.
"""
