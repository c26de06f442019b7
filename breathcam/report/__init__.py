"""Outputs of an analysis: the JSON contract (export.py); reports and history come later."""
