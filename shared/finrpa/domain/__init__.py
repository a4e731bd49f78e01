"""Pure domain core: no database, files, clock or network. Callers pass those in."""
