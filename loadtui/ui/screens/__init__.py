"""Screens: picker, dashboard, run ended, help."""
