"""Signals of the student register for the modules that keep records about a student at a school."""

from django.dispatch import Signal

# Sent inside the writing transaction after students changed school (a transfer taking effect, an edit, an
# import): ``moves`` = [(student, old school id)], ``actor`` = who made the change.
students_moved = Signal()
