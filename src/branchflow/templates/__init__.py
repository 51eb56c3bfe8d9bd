"""Template definitions and the blank .xlsx generator."""
