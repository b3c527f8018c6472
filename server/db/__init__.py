"""Database layer: declarative models, engine/session factory, migrations."""
