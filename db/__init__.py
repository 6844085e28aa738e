"""Case store: SQLAlchemy 2 ORM rows, Alembic migrations, and the Store facade."""
