"""Local storage: SQLModel tables, Alembic migrations, and the repository that is the only way in."""
