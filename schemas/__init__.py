"""marshmallow schemas: the single source of request and response shapes (Swagger is derived from them)."""
