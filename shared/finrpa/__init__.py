"""finrpa."""
