"""Deadlines, the submission matrix (`branchflow status`) and 待报提醒 (`branchflow remind`)."""

from branchflow.calendar.deadlines import (
    DELIVERABLES,
    Deliverable,
    PeriodError,
    deliverables_due_in,
    parse_month,
)
from branchflow.calendar.matrix import STATES, Submission, submission_matrix
from branchflow.calendar.reminders import (
    REMIND_DAYS,
    Reminder,
    reminder_lines,
    send_reminders,
    write_reminders,
)
from branchflow.calendar.table import cell_text, matrix_lines, print_matrix

__all__ = [
    "DELIVERABLES",
    "REMIND_DAYS",
    "STATES",
    "Deliverable",
    "PeriodError",
    "Reminder",
    "Submission",
    "cell_text",
    "deliverables_due_in",
    "matrix_lines",
    "parse_month",
    "print_matrix",
    "reminder_lines",
    "send_reminders",
    "submission_matrix",
    "write_reminders",
]
