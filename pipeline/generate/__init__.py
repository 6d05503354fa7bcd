"""Generating documents: the plan, the annex forms, their identity, PDF export."""
