"""Readers that turn source files into records (cover notes, annexes)."""
