"""Reusable robot steps: readers, writers and validators for the documents finance robots handle."""
