"""Channel adapters: each sends one delivery and says what became of it. They import no domain module."""
