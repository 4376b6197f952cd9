"""The declarative base, naming convention and column types shared by every table."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Index, Integer, MetaData, String, TypeDecorator, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from services.core.db import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True
    python_type = datetime  # TypeDecorator does not pass it on; keyset cursors need it

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def result_processor(self, dialect, coltype):
        # Only SQLite answers naive values; elsewhere the driver's aware datetimes pass as they are, so
        # their rows need no processing (services.core.db.Prepared reads them straight off the driver).
        return super().result_processor(dialect, coltype) if dialect.name == "sqlite" else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, uuid.UUID: Uuid, dict: JSONDocument, list: JSONDocument}


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Place:
    """A place an item (notice, alert, form, notification) is for: national (code 0), a province or a
    ward; the table's primary key is (owner, scope, code). services.core.targets writes the rows (aim)
    and finds them (reaching) through the (scope, code) index."""

    # After the owner's id, as the tables were made: (owner, scope, code).
    scope: Mapped[str] = mapped_column(String(8), primary_key=True, sort_order=1)  # national|province|ward
    code: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=1)  # 0 for national

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (Index(f"ix_{cls.__tablename__}_place", "scope", "code"),)


def trigram_index(name: str, column: str) -> Index:
    """Diacritic-free substring search (LIKE '%…%' on a normalised column) through pg_trgm on
    PostgreSQL; SQLite scans."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}).ddl_if(
        dialect="postgresql"
    )
