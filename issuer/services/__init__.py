"""The registry's services: plain functions over a SQLAlchemy session, free of Flask."""
