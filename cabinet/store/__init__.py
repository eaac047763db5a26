"""The operational store (SQLAlchemy models, engine, migrations)."""
